"""Demo data for training and certification: one complete path through the real services — a plan on
file, a class, its roster reviewed by the city, QR and online attendance, training certificates,
level-assessment scores, a level certificate and its title — plus a class running today (for the
QR check-in), a plan awaiting filing and public events. Dates are relative to ``at``."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db import transaction

from dte.accounts.models import Role, User
from dte.accounts.services import account_create
from dte.catalog.models import EvaluationBody, Level, Occupation
from dte.evaluation import services as evaluation
from dte.people.models import Person, phone_hash
from dte.policy.identity import check_character
from dte.training import checkin, rules, services
from dte.training.models import (
    RecordException,
    Session,
    TrainingCertificate,
    TrainingClass,
    TrainingPlan,
    local_tz,
)
from dte.training.tables import Row

TRAINEE_PASSWORD = "Demo-Trainee-2026"  # noqa: S105 -- the extra demo trainees (local demo only)
EXTRA_TRAINEES = [("林雅琪", "13805770022"), ("欧阳志强", "13805770035"), ("张伟", "13805770017")]


def _at(d: date, hh: int, mm: int = 0, ss: int = 0) -> datetime:
    return datetime.combine(d, time(hh, mm, ss), tzinfo=local_tz())


def _trainees() -> dict[str, User]:
    out = {"陈晓明": User.objects.get(username="trainee")}
    for name, phone in EXTRA_TRAINEES:
        user = User.objects.filter(username=phone).first()
        if user is None:
            person = Person.objects.get(phone_hash=phone_hash(phone))
            user = account_create(
                username=phone,
                password=TRAINEE_PASSWORD,
                role=Role.TRAINEE,
                person=person,
                display_name=name,
                at=_at(date(2024, 12, 1), 9),
                check_password=False,
            )
        out[name] = user
    return out


def _scan(user, session: Session, action: str, at: datetime) -> None:
    token = checkin.token_for(session_id=session.pk, action=action, at=at)
    services.attendance_scan(actor=user, session=session, action=action, token=token, at=at)


def _plan(
    staff,
    *,
    occupation: str,
    level: str,
    title: str,
    direction: str,
    hours: tuple[int, int, int, int],
    start: date,
    end: date,
    fee: int,
    at: datetime,
) -> TrainingPlan:
    return services.plan_draft(
        actor=staff,
        occupation=Occupation.objects.get(code=occupation),
        level=Level.objects.get(code=level),
        evaluation_body=EvaluationBody.objects.get(code="DEMO-EVAL-01"),
        title=title,
        direction=direction,
        hours_theory_offline=hours[0],
        hours_theory_online=hours[1],
        hours_practice_offline=hours[2],
        hours_practice_online=hours[3],
        start_date=start,
        end_date=end,
        capacity=60,
        fee=fee,
        mode="blended",
        place="温州市鹿城区学院中路 杭电温州研究院 3 号楼",
        schedule="周一至周五 09:00–17:00;线上课程晚间开放",
        assessment_plan="结业后由示范评价机构组织:理论知识考试(机考,满分100分)与专业能力考核(实操,满分100分),"
        "两项均达60分者颁发专业技术等级证书 [P3.3]",
        at=at,
    )


IN_POST = {"category": "in_post", "employer": "温州数智科技有限公司", "job": "数据开发工程师"}


@transaction.atomic
def create(*, at: datetime) -> bool:
    """Create the training demo; False (and nothing written) when a plan exists already."""
    if TrainingPlan.objects.exists():
        return False
    staff = User.objects.get(username="institution_staff")
    city = User.objects.get(username="city_officer")
    body = User.objects.get(username="evaluation_staff")
    people = _trainees()
    today = at.astimezone(local_tz()).date()

    # 1. The complete path: 大数据工程技术人员 初级, 128 hours [A2.2], finished weeks ago.
    start = today - timedelta(days=75)
    klass = _filed_class(staff, city, start=start, today=today)
    enrolments = _reviewed_roster(staff, city, people, klass, start=start)
    sessions = _sessions_of_the_path(staff, klass, start=start)
    _attendance_of_the_path(staff, people, klass, enrolments, sessions, start=start)
    done = start + timedelta(days=17)
    certs = _certificates_of_the_path(staff, city, enrolments, klass, start=start, done=done)

    # 2. Level assessment [P3.3]: 陈晓明 passes both parts; 林雅琪 awaits her scores (import demo).
    _level_assessment(staff, body, certs, enrolments, done=done)

    # 3. A class running today, with an offline session now (QR check-in demo).
    running = _running_class(staff, city, people, today=today)
    _running_sessions(staff, people, running, today=today, at=at)

    # 4. A plan awaiting the city's filing [P3.1].
    iot = _plan(
        staff,
        occupation="2-02-10-10",
        level="junior",
        title="物联网工程技术人员(初级)培训计划",
        direction="智能传感与边缘计算",
        hours=(40, 20, 60, 8),
        start=today + timedelta(days=30),
        end=today + timedelta(days=120),
        fee=2900,
        at=_at(today - timedelta(days=2), 15),
    )
    services.plan_submit(actor=staff, plan=iot, at=_at(today - timedelta(days=1), 9))

    # 5. Events [P2.2].
    _events(city, people, today=today, at=at)
    return True


def _filed_class(staff, city, *, start: date, today: date) -> TrainingClass:
    """The path's plan, drafted, filed by the city, and its first class opened."""
    plan = _plan(
        staff,
        occupation="2-02-10-11",
        level="junior",
        title="大数据工程技术人员(初级)2025年培训计划",
        direction="数据采集与处理",
        hours=(40, 24, 64, 0),
        start=start,
        end=today + timedelta(days=120),
        fee=3200,
        at=_at(start - timedelta(days=30), 10),
    )
    services.plan_submit(actor=staff, plan=plan, at=_at(start - timedelta(days=29), 10))
    services.plan_file(actor=city, plan=plan, at=_at(start - timedelta(days=25), 15))
    return services.class_open(
        actor=staff,
        plan=plan,
        name="大数据初级 第1期",
        start_date=start,
        end_date=start + timedelta(days=15),  # the last session's day: certificates after it [P3.2]
        enrol_by=start - timedelta(days=3),
        capacity=30,
        at=_at(start - timedelta(days=24), 9),
    )


def _reviewed_roster(staff, city, people: dict[str, User], klass: TrainingClass, *, start: date) -> dict:
    """Three trainees apply and are admitted; the city approves the roster; the class starts."""
    apply_at = _at(start - timedelta(days=10), 20)
    declarations = {
        "陈晓明": IN_POST,
        "林雅琪": {
            "category": "graduate",
            "school": "温州大学",
            "expected_graduation": date(start.year, 6, 30),
        },
        "欧阳志强": {"category": "freelancer", "job": "数据标注与分析"},
    }
    enrolments = {}
    for name, decl in declarations.items():
        e = services.enrolment_apply(actor=people[name], klass=klass, at=apply_at, **decl)
        enrolments[name] = services.enrolment_admit(
            actor=staff, enrolment=e, at=apply_at + timedelta(hours=14)
        )
    services.roster_submit(actor=staff, klass=klass, at=_at(start - timedelta(days=2), 9))
    services.roster_review(
        actor=city,
        klass=klass,
        approve=True,
        note="学员实名信息核验无误",
        at=_at(start - timedelta(days=1), 11),
    )
    services.class_start(actor=staff, klass=klass, at=_at(start, 8))
    return enrolments


def _sessions_of_the_path(staff, klass: TrainingClass, *, start: date) -> list[Session]:
    """16 days of 8 学时: 5 theory offline, 3 theory online, 8 practice offline = 128 学时; a 学时 is
    as long as class_hour.yaml says."""
    per_hour = rules.minutes_per_hour(on=start)
    day_end = (_at(start, 9) + timedelta(minutes=8 * per_hour)).time()
    plan_of_days = ["theory-offline"] * 5 + ["theory-online"] * 3 + ["practice-offline"] * 8
    sessions = []
    for i, what in enumerate(plan_of_days):
        kind, mode = what.split("-")
        sessions.append(
            services.session_add(
                actor=staff,
                klass=klass,
                date=start + timedelta(days=i),
                start=time(9),
                end=day_end,
                kind=kind,
                mode=mode,
                topic=f"第{i + 1}天 {'理论' if kind == 'theory' else '实操'}",
                at=_at(start, 8, 30),
            )
        )
    assert sum(s.minutes for s in sessions) == 128 * per_hour
    return sessions


def _attendance_of_the_path(
    staff,
    people: dict[str, User],
    klass: TrainingClass,
    enrolments: dict,
    sessions: list[Session],
    *,
    start: date,
) -> None:
    """QR check-ins and check-outs, one session entered by hand, the online days imported, and one
    check-out corrected late."""
    online_rows: list[Row] = []
    for n, s in enumerate(sessions):
        for k, name in enumerate(["陈晓明", "林雅琪", "欧阳志强"]):
            if name == "欧阳志强" and n in (12, 13):
                continue  # missed two practice days: short of the required hours
            values = _attend(staff, people[name], enrolments[name], s, n=n, k=k)
            if values is not None:
                online_rows.append(Row(line=len(online_rows) + 2, values=values))
    report = services.online_records_import(
        actor=staff,
        klass=klass,
        rows=online_rows,
        filename="online-platform-export.xlsx",
        at=_at(start + timedelta(days=8), 9),
    )
    assert report.ok, report.errors
    # Flagged example [P2.3]: a check-out corrected by hand four days after the session
    # (record_time). A corrected time outside the session is refused, not merely flagged.
    fixed = sessions[9]
    services.attendance_correct(
        actor=staff,
        session=fixed,
        enrolment=enrolments["林雅琪"],
        check_in=_at(fixed.date, 8, 51, 7 + 9 % 5),
        check_out=fixed.ends_at + timedelta(minutes=10),
        reason="学员反映签退时间记录有误,核对课堂监控后更正",
        at=_at(fixed.date + timedelta(days=4), 10),
    )


def _attend(staff, user: User, enrolment, s: Session, *, n: int, k: int) -> dict[str, str] | None:
    """Trainee ``k``'s attendance at session ``n``: corrected by hand, scanned, or (online) the
    values of the row to import, returned."""
    if n == 4:
        # Flagged example [P2.3]: the whole session entered by hand (bulk_corrections).
        services.attendance_correct(
            actor=staff,
            session=s,
            enrolment=enrolment,
            check_in=_at(s.date, 8, 50 + k),
            check_out=s.ends_at + timedelta(minutes=2 + k),
            reason="签到设备故障,按纸质签到表录入",
            at=s.ends_at + timedelta(hours=1, minutes=k),
        )
        return None
    if s.mode == "offline":
        _scan(user, s, "in", _at(s.date, 8, 50 + k, 7 * k + n % 5))
        _scan(user, s, "out", s.ends_at + timedelta(minutes=2 + k, seconds=3 * k + 11))
        return None
    person = enrolment.person
    return {
        "身份证号": person.id_number,
        "姓名": person.name,
        "课次编号": str(s.pk),
        # Flagged example [P2.3]: on the last online day every record has the same start and end
        # to the second (online_burst).
        "开始时间": f"{s.date} 08:5{5 if n == 7 else k}",
        "结束时间": f"{s.date} {s.end:%H:%M}",
    }


def _certificates_of_the_path(
    staff, city, enrolments: dict, klass: TrainingClass, *, start: date, done: date
) -> dict[str, TrainingCertificate]:
    """Completion assessments and certificates; the city's exception for the trainee short of hours;
    the class completed."""
    for name in ("陈晓明", "林雅琪"):
        services.completion_assess(
            actor=staff, enrolment=enrolments[name], passed=True, note="结业考核合格", at=_at(done, 10)
        )
    certs = {
        name: services.certificate_issue(actor=staff, enrolment=enrolments[name], at=_at(done, 15))
        for name in ("陈晓明", "林雅琪")
    }
    # 欧阳志强 missed two practice days: the city allows the exception, with its documented reason
    # [P3.2]; his certificate, issued the next morning, is listed for supervision as issued too soon
    # after the last session [P2.3].
    short = services.record_exception_grant(
        actor=city,
        enrolment=enrolments["欧阳志强"],
        kind=RecordException.Kind.HOURS_SHORT,
        reason="学员住院两天(温州市人民医院住院证明),所缺实操已由机构另行安排补训,经审核准予结业",
        at=_at(start + timedelta(days=16), 8),
    )
    services.completion_assess(
        actor=staff,
        enrolment=enrolments["欧阳志强"],
        passed=True,
        note="结业考核合格(按市局例外办理)",
        at=_at(short.granted_at.astimezone(local_tz()).date(), 9),
    )
    services.certificate_issue(
        actor=staff, enrolment=enrolments["欧阳志强"], at=_at(start + timedelta(days=16), 10)
    )
    services.class_complete(actor=staff, klass=klass, at=_at(start + timedelta(days=21), 18))
    return certs


def _level_assessment(
    staff, body, certs: dict[str, TrainingCertificate], enrolments: dict, *, done: date
) -> None:
    """陈晓明 registers, is scored and certified; 林雅琪 registers; 欧阳志强's application is insisted
    on."""
    reg_at = _at(done + timedelta(days=2), 10)
    reg = evaluation.registration_create(
        actor=staff, certificate=certs["陈晓明"], education="bachelor", years_in_occupation=3, at=reg_at
    )
    reg2 = evaluation.registration_create(
        actor=staff, certificate=certs["林雅琪"], education="bachelor", graduating_student=True, at=reg_at
    )
    for r in (reg, reg2):
        evaluation.registration_check(actor=body, registration=r, accept=True, at=reg_at + timedelta(days=1))
    exam = done + timedelta(days=20)
    evaluation.scores_record(
        actor=body,
        registration=reg,
        theory_score=82,
        ability_score=76,
        exam_date=exam,
        at=_at(exam + timedelta(days=3), 16),
    )
    evaluation.level_certificate_issue(actor=body, registration=reg, at=_at(exam + timedelta(days=7), 10))
    # Flagged example [P3.3]: 欧阳志强 (大专, not yet a year in the occupation) meets no route of the
    # application conditions; the institution insists, with its reason, and the city sees it.
    evaluation.registration_create(
        actor=staff,
        certificate=TrainingCertificate.objects.get(enrolment=enrolments["欧阳志强"]),
        education="associate",
        years_in_occupation=0,
        insist=True,
        insist_reason="学员在原单位从事数据分析工作近一年,单位出具的工作证明随后补交",
        at=reg_at,
    )


def _running_class(staff, city, people: dict[str, User], *, today: date) -> TrainingClass:
    """A filed plan's class that started two days ago, its roster (a retired trainee among it)
    approved."""
    ai = _plan(
        staff,
        occupation="2-02-10-09",
        level="intermediate",
        title="人工智能工程技术人员(中级)培训计划",
        direction="机器学习应用",
        hours=(12, 4, 16, 0),
        start=today - timedelta(days=10),
        end=today + timedelta(days=60),
        fee=3600,
        at=_at(today - timedelta(days=40), 10),
    )
    services.plan_submit(actor=staff, plan=ai, at=_at(today - timedelta(days=39), 10))
    services.plan_file(actor=city, plan=ai, at=_at(today - timedelta(days=35), 10))
    running = services.class_open(
        actor=staff,
        plan=ai,
        name="人工智能中级 第1期",
        start_date=today - timedelta(days=2),
        end_date=today + timedelta(days=20),
        enrol_by=today - timedelta(days=3),
        capacity=30,
        at=_at(today - timedelta(days=30), 10),
    )
    for name, decl in (("陈晓明", IN_POST), ("张伟", {"category": "gig", "job": "网约车平台数据运营"})):
        e = services.enrolment_apply(
            actor=people[name], klass=running, at=_at(today - timedelta(days=6), 9), **decl
        )
        services.enrolment_admit(actor=staff, enrolment=e, at=_at(today - timedelta(days=5), 9))
    # A trainee past the statutory retirement age, enrolled by the institution: the roster flags him
    # to the institution and to the city, who reviews it; he cannot claim the subsidy [A2.1].
    retiree_id = "330302" + "19580315" + "017"
    services.enrolment_on_behalf(
        actor=staff,
        klass=running,
        id_number=retiree_id + check_character(retiree_id),
        name="王建国",
        category="in_post",
        employer="温州某智能装备有限公司",
        job="设备数据采集",
        at=_at(today - timedelta(days=5), 9, 30),
    )
    services.roster_submit(actor=staff, klass=running, at=_at(today - timedelta(days=5), 10))
    services.roster_review(actor=city, klass=running, approve=True, at=_at(today - timedelta(days=4), 10))
    services.class_start(actor=staff, klass=running, at=_at(today - timedelta(days=2), 8))
    return running


def _todays_hours(at: datetime, today: date) -> tuple[time, time]:
    """Today's session runs from an hour ago for four hours, inside the daily window of sessions
    (attendance.yaml [P2.3]); outside that window it is the window's first or last four hours."""
    local_now = at.astimezone(local_tz())
    window = rules.attendance_rules(on=today)
    first, last = (
        datetime.combine(today, window.day_start, tzinfo=local_tz()),
        datetime.combine(today, window.day_end, tzinfo=local_tz()),
    )
    begin = min(max(local_now - timedelta(hours=1), first), last - timedelta(hours=4))
    begin = begin.replace(second=0, microsecond=0)
    return begin.time(), min(begin + timedelta(hours=4), last).time()


def _running_sessions(
    staff, people: dict[str, User], running: TrainingClass, *, today: date, at: datetime
) -> None:
    """Yesterday's sessions (two flagged examples), today's session now and tomorrow's."""
    s_start, s_end = _todays_hours(at, today)
    _yesterdays_sessions(staff, people["陈晓明"], running, today=today, at=at)
    services.session_add(
        actor=staff,
        klass=running,
        date=today,
        start=s_start,
        end=s_end,
        kind="theory",
        mode="offline",
        topic="深度学习模型部署(今日课程)",
        at=_at(today - timedelta(days=3), 9),
    )
    services.session_add(
        actor=staff,
        klass=running,
        date=today + timedelta(days=1),
        start=time(9),
        end=time(17),
        kind="practice",
        mode="offline",
        topic="模型部署实操",
        at=_at(today - timedelta(days=3), 9),
    )


def _yesterdays_sessions(staff, trainee: User, running: TrainingClass, *, today: date, at: datetime) -> None:
    """Flagged examples [P2.3]: yesterday's practice in class, then an online lecture put on the
    platform only today, with the reason (backfilled_session); 陈晓明's online record starts before
    he checked out of class (online_overlap)."""
    yesterday = today - timedelta(days=1)
    practice = services.session_add(
        actor=staff,
        klass=running,
        date=yesterday,
        start=time(14),
        end=time(17),
        kind="practice",
        mode="offline",
        topic="模型训练实操",
        at=_at(today - timedelta(days=3), 9),
    )
    _scan(trainee, practice, "in", _at(yesterday, 13, 55, 21))
    _scan(trainee, practice, "out", _at(yesterday, 17, 20, 5))
    lecture = services.session_add(
        actor=staff,
        klass=running,
        date=yesterday,
        start=time(17),
        end=time(18),
        kind="theory",
        mode="online",
        topic="线上直播:模型压缩(临时加开)",
        backfill_reason="讲师临时加开线上直播课,开课前未在平台排课",
        at=at,
    )
    person = trainee.person
    values = {
        "身份证号": person.id_number,
        "姓名": person.name,
        "课次编号": str(lecture.pk),
        "开始时间": f"{yesterday} 16:40",
        "结束时间": f"{yesterday} 18:00",
    }
    services.online_records_import(
        actor=staff,
        klass=running,
        rows=[Row(line=2, values=values)],
        filename="online-platform-live.xlsx",
        at=at,
    )


def _events(city, people: dict[str, User], *, today: date, at: datetime) -> None:
    """A competition and a forum announced; 林雅琪 registers for the forum."""
    services.event_announce(
        actor=city,
        kind="competition",
        title="温州市数字技术技能大赛(大数据赛项)",
        starts_on=today + timedelta(days=45),
        ends_on=today + timedelta(days=46),
        place="温州国际会展中心",
        organiser="温州市人力资源和社会保障局",
        description="以赛促学:面向在岗数字技术人员和高校毕业生,设大数据应用开发赛项。",
        capacity=120,
        at=at,
    )
    forum = services.event_announce(
        actor=city,
        kind="forum",
        title="温州数字经济技术人才论坛",
        starts_on=today + timedelta(days=60),
        ends_on=today + timedelta(days=60),
        place="温州市人才大厦报告厅",
        organiser="温州市人力资源和社会保障局",
        description="以会促育:数字技术工程师培育经验交流与企业用人需求对接。",
        at=at,
    )
    services.event_register(actor=people["林雅琪"], event=forum, at=at)
