"""Builders for the training tests: each step goes through the real services."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dte.accounts.models import Role
from dte.accounts.services import account_create
from dte.catalog.models import EvaluationBody, Institution, Level, Occupation
from dte.training import services
from dte.training.models import Session

SH = ZoneInfo("Asia/Shanghai")
AT = datetime(2025, 3, 10, 9, 0, tzinfo=SH)


def local(y, m, d, hh=0, mm=0, ss=0) -> datetime:
    return datetime(y, m, d, hh, mm, ss, tzinfo=SH)


def staff_of(name: str, username: str):
    return account_create(
        username=username,
        password="Correct-Horse-2026",
        role=Role.INSTITUTION_STAFF,
        institution=Institution.objects.get(name=name),
        at=AT,
        display_name=username,
    )


def draft_plan(
    staff,
    *,
    occupation="2-02-10-09",
    level="junior",
    theory_offline=2,
    theory_online=1,
    practice_offline=2,
    practice_online=0,
    start=date(2025, 4, 1),
    end=date(2025, 6, 30),
    capacity=30,
    fee=2800,
    at=AT,
):
    return services.plan_draft(
        actor=staff,
        occupation=Occupation.objects.get(code=occupation),
        level=Level.objects.get(code=level),
        evaluation_body=EvaluationBody.objects.get(code="DEMO-EVAL-01"),
        title=f"{occupation} {level} 培训计划",
        direction="机器学习应用",
        start_date=start,
        end_date=end,
        capacity=capacity,
        fee=fee,
        assessment_plan="理论知识考试(机考,100分)与专业能力考核(实操,100分),结业后一个月内组织",
        hours_theory_offline=theory_offline,
        hours_theory_online=theory_online,
        hours_practice_offline=practice_offline,
        hours_practice_online=practice_online,
        place="温州市鹿城区学院中路 杭电温州研究院 301 教室",
        mode="blended",
        at=at,
    )


def filed_plan(staff, city, **kw):
    plan = draft_plan(staff, **kw)
    services.plan_submit(actor=staff, plan=plan, at=AT)
    return services.plan_file(actor=city, plan=plan, at=AT)


def open_class(
    staff,
    plan,
    *,
    name="2025年第1期",
    start=date(2025, 4, 7),
    end=date(2025, 4, 30),
    enrol_by=date(2025, 4, 5),
    capacity=20,
):
    return services.class_open(
        actor=staff,
        plan=plan,
        name=name,
        start_date=start,
        end_date=end,
        enrol_by=enrol_by,
        capacity=capacity,
        at=AT,
    )


def apply(trainee, klass, **kw):
    decl = {"category": "in_post", "employer": "温州某数字科技有限公司", "job": "数据工程师", **kw}
    return services.enrolment_apply(actor=trainee, klass=klass, at=AT, **decl)


def admit(staff, klass, trainee):
    return services.enrolment_admit(actor=staff, enrolment=apply(trainee, klass), at=AT)


def start(staff, city, klass):
    services.roster_submit(actor=staff, klass=klass, at=AT)
    services.roster_review(actor=city, klass=klass, approve=True, at=AT)
    return services.class_start(actor=staff, klass=klass, at=local(2025, 4, 7, 8, 0))


def add_sessions(staff, klass):
    """Theory 2h offline, practice 2h offline, theory 1h online: the plan's 5 hours."""
    s1 = services.session_add(
        actor=staff,
        klass=klass,
        date=date(2025, 4, 7),
        start=time(9),
        end=time(11),
        kind=Session.Kind.THEORY,
        mode="offline",
        topic="机器学习基础",
        at=AT,
    )
    s2 = services.session_add(
        actor=staff,
        klass=klass,
        date=date(2025, 4, 8),
        start=time(9),
        end=time(11),
        kind=Session.Kind.PRACTICE,
        mode="offline",
        topic="模型训练实操",
        at=AT,
    )
    s3 = services.session_add(
        actor=staff,
        klass=klass,
        date=date(2025, 4, 9),
        start=time(19),
        end=time(20),
        kind=Session.Kind.THEORY,
        mode="online",
        topic="线上:数据伦理",
        at=AT,
    )
    return s1, s2, s3


def trainee_account(make_person, name: str, seq: int):
    person = make_person(name, seq=seq)
    return account_create(
        username=f"t{seq}",
        password="Correct-Horse-2026",
        role=Role.TRAINEE,
        person=person,
        at=AT,
        display_name=name,
    )


def attend_fully(staff, session, enrolment):
    """A correction by hand, an hour after the session ended (a correction is for an ended session,
    never for one still to come [P2.3])."""
    return services.attendance_correct(
        actor=staff,
        session=session,
        enrolment=enrolment,
        check_in=session.starts_at - timedelta(minutes=5),
        check_out=session.ends_at + timedelta(minutes=2),
        reason="签到设备故障,按纸质签到表补录",
        at=session.ends_at + timedelta(hours=1),
    )


def certified(staff, klass, enrolment, sessions):
    for s in sessions:
        attend_fully(staff, s, enrolment)
    # After the last session (2025-04-09) and the class's end date (2025-04-30) [P3.2].
    services.completion_assess(
        actor=staff, enrolment=enrolment, passed=True, note="结业考核 86 分", at=local(2025, 5, 6, 9)
    )
    return services.certificate_issue(actor=staff, enrolment=enrolment, at=local(2025, 5, 6, 10))
