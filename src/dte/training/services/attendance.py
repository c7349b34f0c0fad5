"""Sessions and attendance: scheduling, QR scans, corrections by hand and the import of online
learning time [P2.3]."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from dte.audit import services as audit
from dte.core.permissions import Cap, require
from dte.people.models import Person
from dte.people.services import clean_id_number
from dte.training import checkin, rules
from dte.training.models import Attendance, Enrolment, Mode, Session, TrainingClass
from dte.training.services.common import local_date, lock_class
from dte.training.tables import ImportReport, Row, parse_datetime


# --- sessions and attendance [P2.3] --------------------------------------------------------------
@transaction.atomic
def session_add(
    *,
    actor,
    klass: TrainingClass,
    date: date,
    start: time,
    end: time,
    kind: str,
    mode: str,
    topic: str = "",
    place: str = "",
    backfill_reason: str = "",
    at: datetime,
) -> Session:
    """Schedule a session within the class dates, of a kind and mode the plan on file has hours for
    [P3.1], [P3.2]. Scheduling more hours of a kind and mode than the plan declares is allowed (a
    make-up session) but shows as a warning: ``rules.schedule_warnings``.

    A plausible session only [P2.3] (attendance.yaml): inside the daily window, no longer than the
    maximum session length, and no more class hours on one class day than the daily maximum. A
    session is scheduled before it starts; one whose start has passed is back-filled (补录): allowed
    only with a reason, recorded, and flagged to the city (anomaly ``backfilled_session``)."""
    klass = lock_class(klass)
    rules.require_institution(actor, klass.plan.institution_id)
    if klass.status == TrainingClass.Status.COMPLETED:
        raise ValidationError("班次已结业,不能再安排课次")
    errors = _session_field_errors(klass, date=date, start=start, end=end, kind=kind, mode=mode)
    backfilled, reason = False, (backfill_reason or "").strip()
    if not errors:
        backfilled = _check_session_time(
            klass, date=date, start=start, end=end, reason=reason, at=at, errors=errors
        )
    if errors:
        raise ValidationError(errors)
    s = Session.objects.create(
        klass=klass,
        date=date,
        start=start,
        end=end,
        kind=kind,
        mode=mode,
        topic=topic.strip(),
        place=(place or (klass.place if mode == "offline" else "")).strip(),
        created_at=at,
        backfilled=backfilled,
        backfill_reason=reason if backfilled else "",
    )
    _record_session_added(actor, s, reason=reason if backfilled else "", at=at)
    return s


def _session_field_errors(
    klass: TrainingClass, *, date: date, start: time, end: time, kind: str, mode: str
) -> dict[str, list[str]]:
    """A new session's fields checked against its class and the plan on file, by field [P3.1], [P3.2]."""
    errors: dict[str, list[str]] = {}
    if not (klass.start_date <= date <= klass.end_date):
        errors["date"] = [f"课次日期应在班次日期内({klass.start_date} 至 {klass.end_date})"]
    if end <= start:
        errors["end"] = ["结束时间应晚于开始时间"]
    if kind not in Session.Kind.values:
        errors["kind"] = ["请选择理论或实操"]
    if mode not in Session.SessionMode.values:
        errors["mode"] = ["请选择线上或线下"]
    elif mode == Session.SessionMode.OFFLINE and klass.mode == Mode.ONLINE:
        errors["mode"] = ["线上班次不能安排线下课次"]
    elif mode == Session.SessionMode.ONLINE and klass.mode == Mode.OFFLINE:
        errors["mode"] = ["线下班次不能安排线上课次"]
    if (
        "kind" not in errors
        and "mode" not in errors
        and not rules.planned_hours(klass.plan, kind=kind, mode=mode)
    ):
        label = f"{rules.KIND_LABEL[kind]}{rules.MODE_LABEL[mode]}"
        errors["kind"] = [f"备案的培训计划没有{label}学时,不能安排{label}课次 [P3.1] [P3.2]"]
    if not errors and klass.sessions.filter(date=date, start__lt=end, end__gt=start).exists():
        errors["start"] = ["与本班次已有课次时间重叠"]
    return errors


def _record_session_added(actor, s: Session, *, reason: str, at: datetime) -> None:
    """The audit entry of a new session; a back-filled one (补录) is its own action, with its reason."""
    backfilled = s.backfilled
    audit.record(
        actor=actor,
        action="training.session.backfill" if backfilled else "training.session.add",
        obj=s,
        at=at,
        after={
            "class": s.klass_id,
            "date": s.date,
            "start": s.start.isoformat(),
            "end": s.end.isoformat(),
            "kind": s.kind,
            "mode": s.mode,
            **({"backfilled": True} if backfilled else {}),
        },
        reason=reason,
    )


def _check_session_time(
    klass: TrainingClass, *, date: date, start: time, end: time, reason: str, at: datetime, errors: dict
) -> bool:
    """The plausibility and back-fill rules of a new session [P2.3]; True when it is back-filled."""
    r = rules.attendance_rules(on=date)
    per_hour = rules.minutes_per_hour(on=klass.start_date)
    if start < r.day_start or end > r.day_end:
        errors["start"] = [
            f"课次应安排在每日 {r.day_start:%H:%M} 至 {r.day_end:%H:%M} 之间"
            f"(开始 {start:%H:%M},结束 {end:%H:%M})[P2.3]"
        ]
        return False
    minutes = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
    if minutes > r.max_session_hours * per_hour:
        errors["end"] = [
            f"单个课次最长 {r.max_session_hours} 学时({r.max_session_hours * per_hour} 分钟),"
            f"本课次 {minutes} 分钟 [P2.3]"
        ]
        return False
    that_day = sum(s.minutes for s in klass.sessions.filter(date=date))
    if that_day + minutes > r.max_daily_hours * per_hour:
        errors["date"] = [
            f"本班次 {date:%Y-%m-%d} 已排 {rules.hours(that_day, per_hour)} 学时,加上本课次共"
            f" {rules.hours(that_day + minutes, per_hour)} 学时,超过每日 {r.max_daily_hours} 学时上限 [P2.3]"
        ]
        return False
    starts_at = rules.local_at(date, start)
    if len(reason) > r.session_reason_max:
        errors["backfill_reason"] = [f"补录理由不超过 {r.session_reason_max} 字"]
        return False
    if at < starts_at:
        return False
    if not reason:
        errors["backfill_reason"] = [
            f"课次开始时间 {starts_at:%Y-%m-%d %H:%M} 已过:课次应在开始前安排。补录课次须填写补录理由,"
            "补录的课次将标记并报市人力社保局 [P2.3]"
        ]
    return True


def _roster_enrolment(session: Session, person_id: int) -> Enrolment:
    e = Enrolment.objects.filter(
        klass_id=session.klass_id,
        person_id=person_id,
        status__in=[Enrolment.Status.ADMITTED, Enrolment.Status.COMPLETED],
    ).first()
    if e is None:
        raise ValidationError("不在该班次已审核的学员花名册中,不能记录考勤 [P2.3]")
    return e


def _class_running(klass: TrainingClass) -> None:
    if klass.roster_status != TrainingClass.RosterStatus.APPROVED:
        raise ValidationError("学员花名册尚未经市人力社保局审核,不能记录考勤 [P2.3]")
    if klass.status != TrainingClass.Status.RUNNING:
        raise ValidationError(f"班次状态为「{klass.get_status_display()}」,不能记录考勤")


@transaction.atomic
def attendance_scan(*, actor, session: Session, action: str, token: str, at: datetime) -> Attendance:
    """A trainee scans the rotating QR code shown in class: check-in or check-out [P2.3]."""
    require(actor, Cap.ENROL_IN_TRAINING)
    session = Session.objects.select_related("klass").get(pk=session.pk)
    if not checkin.token_valid(session_id=session.pk, action=action, token=token, at=at):
        raise ValidationError("二维码已过期或无效,请扫描课堂上当前显示的二维码")
    if session.mode != Session.SessionMode.OFFLINE:
        raise ValidationError("线上课次不使用扫码签到")
    _class_running(session.klass)
    e = _roster_enrolment(session, actor.person_id)
    a = Attendance.objects.select_for_update().filter(session=session, enrolment=e).first()
    tol = rules.attendance_rules(on=session.date).tolerance_minutes
    if action == "in":
        lo, hi = rules.check_in_window(session)
        if not (lo <= at <= hi):
            raise ValidationError(f"不在签到时间内(课次 {session},可提前{tol}分钟签到)[P2.3]")
        if a is not None and a.check_in is not None:
            raise ValidationError(f"已于 {timezone.localtime(a.check_in):%H:%M:%S} 签到,无需重复签到")
        if a is None:
            a = Attendance(session=session, enrolment=e)
        a.check_in, a.source, a.updated_at = at, Attendance.Source.QR, at
        a.save()
        audit.record(actor=actor, action="training.attendance.check_in", obj=a, after={"check_in": at}, at=at)
    else:
        if a is None or a.check_in is None:
            raise ValidationError("尚未签到,不能签退")
        if a.check_out is not None:
            raise ValidationError(f"已于 {timezone.localtime(a.check_out):%H:%M:%S} 签退")
        lo, hi = rules.check_out_window(session)
        if not (lo <= at <= hi):
            raise ValidationError(f"不在签退时间内(课次 {session},可在结束后{tol}分钟内签退)[P2.3]")
        a.check_out, a.updated_at = at, at
        a.save(update_fields=["check_out", "updated_at"])
        audit.record(
            actor=actor, action="training.attendance.check_out", obj=a, after={"check_out": at}, at=at
        )
    return a


@transaction.atomic
def attendance_correct(
    *,
    actor,
    session: Session,
    enrolment: Enrolment,
    check_in: datetime | None,
    check_out: datetime | None,
    reason: str,
    at: datetime,
) -> Attendance:
    """Staff correct a record by hand [P2.3]: only once the session has ended, with a reason, with
    times inside the session's check-in/out windows and not later than now, within the trainee's
    daily maximum of class hours, and at most the set number of corrections per trainee and class
    (attendance.yaml). Who, when and why are recorded; the city sees corrections made long after
    the session and sessions or classes with many corrections (``rules.anomalies``)."""
    session = Session.objects.select_related("klass__plan").get(pk=session.pk)
    rules.require_institution(actor, session.klass.plan.institution_id)
    r = rules.attendance_rules(on=session.date)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "人工更正须填写理由 [P2.3]"})
    if len(reason) > r.reason_max:
        raise ValidationError({"reason": f"更正理由不超过 {r.reason_max} 字(现 {len(reason)} 字)"})
    if enrolment.klass_id != session.klass_id:
        raise ValidationError("该学员不在本班次花名册中,不能记录考勤 [P2.3]")
    e = _roster_enrolment(session, enrolment.person_id)
    _class_running(session.klass)
    if at < session.ends_at:
        raise ValidationError(f"课次 {session} 尚未结束,不能人工更正考勤;课次结束后方可更正 [P2.3]")
    _check_correction_times(session, check_in=check_in, check_out=check_out, at=at, rules_=r)
    a = Attendance.objects.select_for_update().filter(session=session, enrolment=e).first()
    used = Attendance.objects.filter(enrolment=e).aggregate(n=Sum("corrections"))["n"] or 0
    if used >= r.max_corrections:
        raise ValidationError(
            f"{e.person.name} 在本班次的考勤已人工更正 {used} 次,"
            f"已达每名学员每个班次 {r.max_corrections} 次的上限,不能再更正 [P2.3]"
        )
    _check_daily_maximum(session, e, check_in=check_in, check_out=check_out, exclude=a)
    before = {"check_in": a.check_in, "check_out": a.check_out} if a else {}
    if a is None:
        a = Attendance(session=session, enrolment=e)
    a.check_in, a.check_out, a.source = check_in, check_out, Attendance.Source.MANUAL
    a.corrected_by, a.correction_reason, a.updated_at = actor, reason, at
    a.corrections, a.corrected_at = a.corrections + 1, at
    a.save()
    audit.record(
        actor=actor,
        action="training.attendance.correct",
        obj=a,
        before=before,
        after={"check_in": check_in, "check_out": check_out},
        reason=a.correction_reason,
        at=at,
    )
    return a


def _check_correction_times(
    session: Session, *, check_in: datetime | None, check_out: datetime | None, at: datetime, rules_
) -> None:
    """A corrected time lies in the session's check-in/out window and not after ``at`` [P2.3]."""
    errors: dict[str, str] = {}
    tol = rules_.tolerance_minutes
    lo, hi = rules.check_in_window(session)
    if check_in is not None and not (lo <= check_in <= hi):
        errors["check_in"] = (
            f"签到时间应在 {_hm(lo)} 至 {_hm(hi)} 之间(课次 {session},可提前{tol}分钟签到)[P2.3]"
        )
    lo, hi = rules.check_out_window(session)
    if check_out is not None and not (lo <= check_out <= hi):
        errors["check_out"] = (
            f"签退时间应在 {_hm(lo)} 至 {_hm(hi)} 之间(课次 {session},可在结束后{tol}分钟内签退)[P2.3]"
        )
    for f, t, label in (("check_in", check_in, "签到"), ("check_out", check_out, "签退")):
        if f not in errors and t is not None and t > at:
            errors[f] = f"{label}时间 {_hm(t)} 晚于当前时间,不能录入尚未发生的考勤 [P2.3]"
    if not errors and check_in is not None and check_out is not None and check_out <= check_in:
        errors["check_out"] = "签退时间应晚于签到时间"
    if errors:
        raise ValidationError(errors)


def _hm(t: datetime) -> str:
    return f"{timezone.localtime(t):%Y-%m-%d %H:%M}"


def _check_daily_maximum(
    session: Session, e: Enrolment, *, check_in: datetime | None, check_out: datetime | None, exclude
) -> None:
    """A correction may not credit a trainee more class hours on one day, over all classes, than
    the daily maximum [P2.3]."""
    r = rules.attendance_rules(on=session.date)
    per_hour = rules.minutes_per_hour(on=session.date)
    cap = r.max_daily_hours * per_hour
    others = Attendance.objects.filter(
        enrolment__person_id=e.person_id, session__date=session.date
    ).select_related("session")
    if exclude is not None:
        others = others.exclude(pk=exclude.pk)
    total = sum(a.minutes for a in others) + rules.credited_minutes(session, check_in, check_out)
    if total > cap:
        raise ValidationError(
            {
                "check_out": f"{e.person.name} 在 {session.date:%Y-%m-%d} 将计入"
                f" {rules.hours(total, per_hour)} 学时,超过每日 {r.max_daily_hours} 学时上限 [P2.3]"
            }
        )


ONLINE_COLUMNS = ["身份证号", "姓名", "课次编号", "开始时间", "结束时间"]


@transaction.atomic
def online_records_import(
    *,
    actor,
    klass: TrainingClass,
    rows: list[Row],
    source: str = Attendance.Source.IMPORT,
    filename: str = "",
    at: datetime,
) -> ImportReport:
    """Online learning time from the online platform [P2.3]: all rows are checked first; one bad row
    and nothing is written. A row already recorded with the same times is left unchanged, so a
    re-run duplicates nothing. Times outside the session's check-in/out windows or later than ``at``
    are refused; rows that overlap the same person's offline attendance, exceed the daily maximum
    of class hours, arrive in implausible bursts or long after the session are kept but listed in
    the report's warnings, and flagged in the anomaly list (``rules.anomalies``)."""
    klass = lock_class(klass)
    rules.require_institution(actor, klass.plan.institution_id)
    report = ImportReport()
    try:
        _class_running(klass)
    except ValidationError as exc:
        report.error(0, exc.messages[0])
        return report
    planned = _online_rows_checked(report, klass, rows, at=at)
    if not report.ok:
        return report
    _online_warnings(report, planned, at=at)
    changed = _online_rows_written(report, planned, source=source, at=at)
    audit.record(
        actor=actor,
        action="training.attendance.import",
        obj=klass,
        at=at,
        changes={
            "file": filename,
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "rows": changed,
            "warnings": [{"line": line, "reason": reason} for line, reason in report.warnings],
        },
    )
    return report


def online_records_check(
    *,
    actor,
    klass: TrainingClass,
    rows: list[Row],
    at: datetime,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """The checks of ``online_records_import`` alone, writing nothing: the report's errors are the
    rows the import would refuse. ``progress(rows_done)`` is called after each row (a background
    import's progress bar, dte.accounts.jobs); the import itself checks every row again."""
    rules.require_institution(actor, klass.plan.institution_id)
    report = ImportReport()
    try:
        _class_running(klass)
    except ValidationError as exc:
        report.error(0, exc.messages[0])
        return report
    _online_rows_checked(report, klass, rows, at=at, progress=progress)
    return report


OnlineRow = tuple[Row, Session, Enrolment, datetime, datetime]


def _online_rows_checked(
    report: ImportReport,
    klass: TrainingClass,
    rows: list[Row],
    *,
    at: datetime,
    progress: Callable[[int], None] | None = None,
) -> list[OnlineRow]:
    """Every row checked, each refusal an error of the report; the rows to write, with their
    session, enrolment and times. One row per trainee and session."""
    sessions = {s.pk: s for s in klass.sessions.all()}
    roster = {
        e.person_id: e
        for e in klass.enrolments.filter(
            status__in=[Enrolment.Status.ADMITTED, Enrolment.Status.COMPLETED]
        ).select_related("person")
    }
    tz = timezone.get_current_timezone()
    seen: dict[tuple[int, int], int] = {}
    planned: list[OnlineRow] = []
    for done, row in enumerate(rows, start=1):
        if progress is not None:
            progress(done - 1)
        try:
            e = _online_row_trainee(row, roster, at=at)
            session, start, end = _online_row_times(row, sessions, tz=tz, at=at)
        except ValidationError as exc:
            report.error(row.line, exc.messages[0])
            continue
        key = (session.pk, e.pk)
        if key in seen:
            report.error(row.line, f"与第 {seen[key]} 行重复(同一学员同一课次)")
            continue
        seen[key] = row.line
        planned.append((row, session, e, start, end))
    if progress is not None:
        progress(len(rows))
    return planned


def _online_row_trainee(row: Row, roster: dict[int, Enrolment], *, at: datetime) -> Enrolment:
    """The row's trainee: a valid ID number on the class's admitted roster, with the real name."""
    number, name = row.text("身份证号"), row.text("姓名")
    try:
        clean_id_number(number, today=local_date(at))
    except ValidationError:
        raise ValidationError(f"身份证号「{number}」无效") from None
    person = Person.objects.filter(id_number_hash=Person.hash_id_number(number)).first()
    e = roster.get(person.pk) if person else None
    if e is None:
        raise ValidationError("该人员不在本班次已审核的学员花名册中 [P2.3]")
    if name != e.person.name:
        raise ValidationError(f"姓名「{name}」与实名信息不一致")
    return e


def _online_row_times(
    row: Row, sessions: dict[int, Session], *, tz, at: datetime
) -> tuple[Session, datetime, datetime]:
    """The row's online session of the class and its learning time, inside the session's check-in
    and check-out windows and not later than ``at`` [P2.3]."""
    sid = row.text("课次编号")
    session = sessions.get(int(sid)) if sid.isdigit() else None
    if session is None:
        raise ValidationError(f"课次编号「{sid}」不是本班次的课次")
    if session.mode != Session.SessionMode.ONLINE:
        raise ValidationError(f"课次 {sid} 为线下课次,线下考勤须扫码签到")
    start, end = (
        parse_datetime(row.values.get("开始时间"), tz),
        parse_datetime(row.values.get("结束时间"), tz),
    )
    if start is None or end is None:
        raise ValidationError("开始时间或结束时间格式应为 YYYY-MM-DD HH:MM[:SS]")
    if end <= start:
        raise ValidationError("结束时间应晚于开始时间")
    in_lo, in_hi = rules.check_in_window(session)
    out_lo, out_hi = rules.check_out_window(session)
    if not (in_lo <= start <= in_hi and out_lo <= end <= out_hi):
        raise ValidationError(f"学习时间不在课次 {session} 的时间内 [P2.3]")
    if end > at:
        raise ValidationError(f"结束时间 {_hm(end)} 晚于当前时间,不能导入尚未发生的学习记录 [P2.3]")
    return session, start, end


def _online_rows_written(
    report: ImportReport, planned: list[OnlineRow], *, source: str, at: datetime
) -> list:
    """Write the checked rows; a row already recorded with the same times is left unchanged. The
    rows changed, for the audit entry."""
    changed = []
    for row, session, e, start, end in planned:
        a = Attendance.objects.select_for_update().filter(session=session, enrolment=e).first()
        if a is not None and a.check_in == start and a.check_out == end:
            report.unchanged += 1
            continue
        if a is None:
            a = Attendance(session=session, enrolment=e)
            report.created += 1
        else:
            report.updated += 1
        a.check_in, a.check_out, a.source, a.updated_at = start, end, source, at
        a.corrected_by, a.correction_reason = None, ""
        a.save()
        changed.append({"line": row.line, "attendance": a.pk, "check_in": start, "check_out": end})
    return changed


def _online_warnings(report: ImportReport, planned: list, *, at: datetime) -> None:
    """Flag (never refuse) online rows that overlap the same person's offline attendance, that
    take a trainee past the daily maximum of class hours, that share their start and end to the
    second with many others of the session, that are much shorter than the session, or that are
    imported long after it [P2.3]. The anomaly list shows the same records once written."""
    people = {e.person_id for _, _, e, _, _ in planned}
    days = {s.date for _, s, _, _, _ in planned}
    replaced = {(s.pk, e.pk) for _, s, e, _, _ in planned}
    existing = [
        a
        for a in Attendance.objects.filter(
            enrolment__person_id__in=people, session__date__in=days
        ).select_related("session__klass", "enrolment")
        if (a.session_id, a.enrolment_id) not in replaced
    ]
    offline: dict[int, list[Attendance]] = {}
    day_minutes: dict[tuple[int, date], int] = {}
    for a in existing:
        key = (a.enrolment.person_id, a.session.date)
        day_minutes[key] = day_minutes.get(key, 0) + a.minutes
        if a.session.mode == Session.SessionMode.OFFLINE and a.check_in is not None:
            offline.setdefault(a.enrolment.person_id, []).append(a)
    identical: dict[tuple[int, datetime, datetime], int] = {}
    for _, s, e, start, end in planned:
        key = (e.person_id, s.date)
        day_minutes[key] = day_minutes.get(key, 0) + rules.credited_minutes(s, start, end)
        identical[(s.pk, start, end)] = identical.get((s.pk, start, end), 0) + 1
    for row, s, e, start, end in planned:
        r = rules.attendance_rules(on=s.date)
        for b in offline.get(e.person_id, []):
            b_end = b.check_out or max(b.check_in, b.session.ends_at)
            if start < b_end and b.check_in < end:
                report.warn(
                    row.line,
                    f"与 {b.session.klass.name} {b.session} 的线下出勤时间重叠,已标记为考勤异常 [P2.3]",
                )
                break
        per_hour = rules.minutes_per_hour(on=s.date)
        total = day_minutes[(e.person_id, s.date)]
        if total > r.max_daily_hours * per_hour:
            report.warn(
                row.line,
                f"{e.person.name} 在 {s.date:%Y-%m-%d} 计入 {rules.hours(total, per_hour)} 学时,"
                f"超过每日 {r.max_daily_hours} 学时上限,已标记为考勤异常 [P2.3]",
            )
        n = identical[(s.pk, start, end)]
        if n >= r.burst_identical_min:
            report.warn(row.line, f"本课次 {n} 名学员的起止时间完全相同(到秒),已标记为考勤异常 [P2.3]")
        took = int((end - start).total_seconds() // 60)
        if took * 100 < s.minutes * r.burst_fast_percent:
            report.warn(
                row.line,
                f"学习用时 {took} 分钟,不足课次时长 {s.minutes} 分钟的 {r.burst_fast_percent}%,"
                "已标记为考勤异常 [P2.3]",
            )
        if at - s.ends_at > r.late_import:
            report.warn(row.line, f"距课次结束已超过 {r.late_import.days} 天才导入,已标记为考勤异常 [P2.3]")
