"""Pure reads the services and selectors share: required hours, scope checks, attendance hours and
the anomaly detection [P2.3]. No writes here."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db.models import Q

from dte.core.permissions import Cap, can, require
from dte.policy import parameters
from dte.training import record
from dte.training.anomaly import ANOMALY_KINDS as ANOMALY_KINDS
from dte.training.anomaly import Anomaly
from dte.training.models import Attendance, Enrolment, Session, local_tz


# --- attendance time rules [P2.3] (policy/parameters/attendance.yaml) ----------------------------
@dataclass(frozen=True)
class AttendanceRules:
    """The attendance time rules and anomaly thresholds in force on one date. Platform defaults,
    to be confirmed by the city (attendance.yaml)."""

    reference: str
    tolerance: timedelta  # check-in before the start, check-out after the end
    day_start: time
    day_end: time
    max_session_hours: int  # 学时
    max_daily_hours: int  # 学时, per class day and per trainee
    max_corrections: int  # per trainee and class
    reason_max: int  # characters of a correction's reason
    session_reason_max: int  # characters of a back-filled session's reason
    late_correction: timedelta
    late_import: timedelta
    bulk_session_min: int
    bulk_session_percent: int
    bulk_class_min: int
    bulk_class_percent: int
    burst_identical_min: int
    burst_fast_percent: int

    @property
    def tolerance_minutes(self) -> int:
        return int(self.tolerance / timedelta(minutes=1))


def _time(value: object) -> time:
    return time.fromisoformat(str(value))


# Rules built per date, with the parameter they were read from: a reloaded parameter
# (parameters.clear_cache()) is a new object, so its rules are built again.
_built: dict[date, tuple[object, AttendanceRules]] = {}


def attendance_rules(*, on: date) -> AttendanceRules:
    param = parameters.get("attendance")
    hit = _built.get(on)
    if hit is not None and hit[0] is param:
        return hit[1]
    dv = param.at(on)
    v = dv.value
    built = AttendanceRules(
        reference=dv.reference,
        tolerance=timedelta(minutes=int(v["check_tolerance_minutes"])),
        day_start=_time(v["day_start"]),
        day_end=_time(v["day_end"]),
        max_session_hours=int(v["max_session_hours"]),
        max_daily_hours=int(v["max_daily_hours"]),
        max_corrections=int(v["max_corrections_per_trainee"]),
        reason_max=int(v["correction_reason_max_chars"]),
        session_reason_max=int(v["session_reason_max_chars"]),
        late_correction=timedelta(days=int(v["late_correction_days"])),
        late_import=timedelta(days=int(v["late_import_days"])),
        bulk_session_min=int(v["bulk_session_min"]),
        bulk_session_percent=int(v["bulk_session_percent"]),
        bulk_class_min=int(v["bulk_class_min"]),
        bulk_class_percent=int(v["bulk_class_percent"]),
        burst_identical_min=int(v["burst_identical_min"]),
        burst_fast_percent=int(v["burst_fast_percent"]),
    )
    _built[on] = (param, built)
    return built


def local_at(d: date, t: time) -> datetime:
    """A local date and time of day as an aware date-time (as ``Session.starts_at``)."""
    return datetime.combine(d, t, tzinfo=local_tz())


def check_in_window(session: Session) -> tuple[datetime, datetime]:
    """Check-in is accepted from the tolerance before the start until the end [P2.3]."""
    tol = attendance_rules(on=session.date).tolerance
    return session.starts_at - tol, session.ends_at


def check_out_window(session: Session) -> tuple[datetime, datetime]:
    """Check-out is accepted from the start until the tolerance after the end [P2.3]."""
    tol = attendance_rules(on=session.date).tolerance
    return session.starts_at, session.ends_at + tol


def credited_minutes(session: Session, check_in: datetime | None, check_out: datetime | None) -> int:
    """Minutes credited for a presence: its overlap with the session's scheduled time (as
    ``Attendance.minutes``)."""
    if check_in is None or check_out is None:
        return 0
    start, end = max(check_in, session.starts_at), min(check_out, session.ends_at)
    return max(0, int((end - start) / timedelta(minutes=1)))


def recorded_at(a: Attendance) -> datetime:
    """When a record was entered: the last correction for a manual record, the import for an
    online record."""
    return a.corrected_at or a.updated_at


def required_hours(*, occupation_code: str, level_code: str, on: date) -> int | None:
    """The standard's required training hours [A2.2]; None where unset (reading S1) or where the
    occupation has no standard yet."""
    standards = parameters.get("subsidy_standards").at(on).value
    entry = (standards.get(occupation_code) or {}).get(level_code) or {}
    hours = entry.get("hours")
    return int(hours) if hours is not None else None


def minutes_per_hour(*, on: date) -> int:
    """Minutes of attendance in one 学时 on ``on`` (a class is counted by the value in force on its
    start date) [P3.2]; the reading adopted is cited in class_hour.yaml."""
    return int(parameters.get("class_hour").at(on).value["minutes"])


def require_institution(actor, institution_id: int) -> None:
    """Institution staff act only for their own institution."""
    require(actor, Cap.MANAGE_INSTITUTION)
    if actor.institution_id != institution_id:
        raise PermissionDenied("培训机构只能办理本机构的业务,不能代其他培训机构操作")


def can_read_institution(actor, institution_id: int) -> bool:
    if can(actor, Cap.SUPERVISE_CITY):
        return True
    return can(actor, Cap.MANAGE_INSTITUTION) and actor.institution_id == institution_id


def hours(value_minutes: int, per_hour: int) -> Decimal:
    return (Decimal(value_minutes) / per_hour).quantize(Decimal("0.1"))


@dataclass
class Progress:
    """Attendance of one trainee against the plan's hours, per kind [P2.3], [P3.2]."""

    enrolment: Enrolment
    attended: dict[str, int]  # minutes by kind (theory | practice)
    required: dict[str, int]  # minutes by kind
    still_possible: dict[str, int]  # minutes of sessions not yet ended, by kind
    per_hour: int  # minutes in one 学时 for this class (class_hour.yaml)

    @property
    def met(self) -> bool:
        return all(self.attended[k] >= self.required[k] for k in self.required)

    @property
    def at_risk(self) -> bool:
        """Even attending every remaining session would not reach the required hours."""
        return not self.met and any(
            self.attended[k] + self.still_possible[k] < self.required[k] for k in self.required
        )

    def shortfall(self, kind: str) -> Decimal:
        return hours(max(0, self.required[kind] - self.attended[kind]), self.per_hour)

    def attended_hours(self, kind: str) -> Decimal:
        return hours(self.attended[kind], self.per_hour)

    def required_hours(self, kind: str) -> Decimal:
        return hours(self.required[kind], self.per_hour)

    # Template-friendly views of the same figures.
    @property
    def theory(self) -> tuple[Decimal, Decimal]:
        return self.attended_hours("theory"), self.required_hours("theory")

    @property
    def practice(self) -> tuple[Decimal, Decimal]:
        return self.attended_hours("practice"), self.required_hours("practice")


def progress(enrolments, *, now: datetime) -> list[Progress]:
    """Progress for enrolments of one class (sessions and attendances prefetched by the caller or
    loaded here)."""
    enrolments = list(enrolments)
    if not enrolments:
        return []
    klass = enrolments[0].klass
    plan = klass.plan
    sessions = list(klass.sessions.all())
    remaining = defaultdict(int)
    for s in sessions:
        if s.ends_at > now:
            remaining[s.kind] += s.minutes
    per_hour = minutes_per_hour(on=klass.start_date)
    required = {
        Session.Kind.THEORY: plan.theory_hours * per_hour,
        Session.Kind.PRACTICE: plan.practice_hours * per_hour,
    }
    attendances = defaultdict(list)
    for a in Attendance.objects.filter(enrolment__in=enrolments).select_related("session"):
        attendances[a.enrolment_id].append(a)
    out = []
    for e in enrolments:
        attended = {k: 0 for k in required}
        for a in attendances[e.pk]:
            attended[a.session.kind] += a.minutes
        out.append(
            Progress(
                enrolment=e,
                attended=attended,
                required=required,
                still_possible={k: remaining[k] for k in required},
                per_hour=per_hour,
            )
        )
    return out


# --- the plan's hours split [P3.1], [P3.2] -------------------------------------------------------
# Which plan field holds the hours of each kind (theory | practice) and mode (offline | online).
PLAN_HOURS_FIELD = {
    ("theory", "offline"): "hours_theory_offline",
    ("theory", "online"): "hours_theory_online",
    ("practice", "offline"): "hours_practice_offline",
    ("practice", "online"): "hours_practice_online",
}
KIND_LABEL = {"theory": "理论", "practice": "实操"}
MODE_LABEL = {"offline": "线下", "online": "线上"}


def planned_hours(plan, *, kind: str, mode: str) -> int:
    return getattr(plan, PLAN_HOURS_FIELD[(kind, mode)])


@dataclass
class SplitLine:
    """Hours of one kind and mode: as the plan on file declares them, and as scheduled in sessions."""

    kind: str
    mode: str
    planned: int  # 学时
    scheduled_minutes: int
    per_hour: int

    @property
    def label(self) -> str:
        return f"{KIND_LABEL[self.kind]}({MODE_LABEL[self.mode]})"

    @property
    def scheduled(self) -> Decimal:
        return hours(self.scheduled_minutes, self.per_hour)

    @property
    def over(self) -> bool:
        return self.scheduled_minutes > self.planned * self.per_hour

    @property
    def warning(self) -> str:
        return (
            f"{self.label}课次已排 {self.scheduled} 学时,超过备案计划的 {self.planned} 学时 [P3.1]"
            if self.over
            else ""
        )


def schedule_split(klass) -> list[SplitLine]:
    """The plan's theory/practice × offline/online hours against the sessions scheduled for a class."""
    per_hour = minutes_per_hour(on=klass.start_date)
    scheduled: dict[tuple[str, str], int] = defaultdict(int)
    for s in klass.sessions.all():
        scheduled[(s.kind, s.mode)] += s.minutes
    return [
        SplitLine(
            kind=kind,
            mode=mode,
            planned=planned_hours(klass.plan, kind=kind, mode=mode),
            scheduled_minutes=scheduled[(kind, mode)],
            per_hour=per_hour,
        )
        for kind, mode in PLAN_HOURS_FIELD
    ]


def schedule_warnings(klass) -> list[str]:
    return [line.warning for line in schedule_split(klass) if line.over]


# --- anomaly detection [P2.3] -------------------------------------------------------------------
def _interval(a: Attendance) -> tuple[datetime, datetime] | None:
    if a.check_in is None:
        return None
    return a.check_in, a.check_out or max(a.check_in, a.session.ends_at)


def _percent(part: int, whole: int) -> int:
    return part * 100 // whole if whole else 0


def anomalies(*, klass) -> list[Anomaly]:
    """Impossible or suspicious records of one class [P2.3]; the kinds are ANOMALY_KINDS and the
    thresholds come from attendance.yaml. Reads a bounded number of queries per class: the class's
    records, its back-filled sessions, and the other records of the same trainees."""
    rows = list(
        Attendance.objects.filter(session__klass=klass).select_related("session", "enrolment__person")
    )
    found: list[Anomaly] = []
    by_session: dict[int, list[Attendance]] = defaultdict(list)
    for a in rows:
        by_session[a.session_id].append(a)
        found.extend(_outside_session(a, a.enrolment.person.masked_name))
        found.extend(_record_time(a, a.enrolment.person.masked_name))
    for session_rows in by_session.values():
        s = session_rows[0].session
        if s.mode == Session.SessionMode.OFFLINE:
            found.extend(_same_second(s, session_rows))
        else:
            found.extend(_online_bursts(s, session_rows))
    found.extend(_bulk_corrections(klass, rows, by_session, attendance_rules(on=klass.start_date)))
    found.extend(_backfilled_sessions(klass, by_session))
    found.extend(_cross_class(rows))
    found.extend(
        Anomaly(c.kind, c.message, clause=c.clause, ref=f"t{c.certificate.pk}")
        for c in record.certificate_anomalies(klass_id=klass.pk)
    )
    return found


def _outside_session(a: Attendance, name: str) -> list[Anomaly]:
    """A check-in, else a check-out, outside the session's window."""
    s = a.session
    in_lo, in_hi = check_in_window(s)
    out_lo, out_hi = check_out_window(s)
    if a.check_in and not (in_lo <= a.check_in <= in_hi):
        what, when = "签到", a.check_in
    elif a.check_out and not (out_lo <= a.check_out <= out_hi):
        what, when = "签退", a.check_out
    else:
        return []
    message = f"{name} 在 {s} 的{what}时间 {_fmt(when)} 不在课次时间内"
    return [Anomaly("outside_session", message, attendance_ids=[a.pk])]


def _same_second(s: Session, session_rows: list[Attendance]) -> list[Anomaly]:
    """Every trainee of an offline session (three or more) checked in within the same second."""
    ins = [a.check_in for a in session_rows if a.check_in]
    if len(ins) >= 3 and len(ins) == len(session_rows) and max(ins) - min(ins) < timedelta(seconds=1):
        return [
            Anomaly(
                "same_second",
                f"{s}:{len(ins)} 名学员在同一秒内签到",
                attendance_ids=[a.pk for a in session_rows],
            )
        ]
    return []


def _backfilled_sessions(klass, by_session: dict[int, list[Attendance]]) -> list[Anomaly]:
    """Sessions scheduled after their start (补录), with their reason and their records."""
    found = []
    for s in klass.sessions.filter(backfilled=True):
        ids = [a.pk for a in by_session.get(s.pk, [])]
        when = _fmt(s.created_at) if s.created_at else "开课后"
        found.append(
            Anomaly(
                "backfilled_session",
                f"课次 {s} 于 {when} 补录(开始后才排课),理由:{s.backfill_reason or '—'};"
                f"该课次有 {len(ids)} 条考勤记录",
                attendance_ids=ids,
                ref=f"s{s.pk}",
            )
        )
    return found


def _record_time(a: Attendance, name: str) -> list[Anomaly]:
    """Entered before the times it records (future), or entered long after the session."""
    if a.source == Attendance.Source.QR:
        return []
    s = a.session
    r = attendance_rules(on=s.date)
    entered = recorded_at(a)
    latest = max((t for t in (a.check_in, a.check_out) if t is not None), default=None)
    how = "人工更正" if a.source == Attendance.Source.MANUAL else "线上学习记录导入"
    if latest is not None and latest > entered:
        return [
            Anomaly(
                "record_time",
                f"{name} 在 {s} 的考勤时间 {_fmt(latest)} 晚于录入时间 {_fmt(entered)}({how}):"
                "考勤在发生之前已录入",
                attendance_ids=[a.pk],
            )
        ]
    limit = r.late_correction if a.source == Attendance.Source.MANUAL else r.late_import
    if entered - s.ends_at > limit:
        return [
            Anomaly(
                "record_time",
                f"{name} 在 {s} 的考勤于 {_fmt(entered)} {how},距课次结束超过 {limit.days} 天",
                attendance_ids=[a.pk],
            )
        ]
    return []


def _online_bursts(s: Session, session_rows: list[Attendance]) -> list[Anomaly]:
    """Many trainees of one online session with the same start and end to the second, and records
    shorter than the threshold share of the session's length."""
    r = attendance_rules(on=s.date)
    out = []
    groups: dict[tuple[datetime, datetime], list[Attendance]] = defaultdict(list)
    for a in session_rows:
        if a.check_in is not None and a.check_out is not None:
            groups[(a.check_in, a.check_out)].append(a)
    for (start, end), same in groups.items():
        if len(same) >= r.burst_identical_min:
            out.append(
                Anomaly(
                    "online_burst",
                    f"{s}:{len(same)} 名学员的线上学习记录起止时间完全相同({_fmt(start)} 至 {_fmt(end)})",
                    attendance_ids=[a.pk for a in same],
                    ref=f"s{s.pk}:{int(start.timestamp())}-{int(end.timestamp())}",
                )
            )
    for a in session_rows:
        if a.check_in is None or a.check_out is None:
            continue
        took = int((a.check_out - a.check_in) / timedelta(minutes=1))
        if took * 100 < s.minutes * r.burst_fast_percent:
            out.append(
                Anomaly(
                    "online_burst",
                    f"{a.enrolment.person.masked_name} 在 {s} 的线上学习只用时 {took} 分钟,"
                    f"不足课次时长 {s.minutes} 分钟的 {r.burst_fast_percent}%",
                    attendance_ids=[a.pk],
                )
            )
    return out


def _bulk_corrections(klass, rows, by_session, r: AttendanceRules) -> list[Anomaly]:
    manual = [a for a in rows if a.source == Attendance.Source.MANUAL]
    if len(manual) >= r.bulk_class_min and _percent(len(manual), len(rows)) >= r.bulk_class_percent:
        return [
            Anomaly(
                "bulk_corrections",
                f"本班次 {len(rows)} 条考勤记录中 {len(manual)} 条为人工更正"
                f"({_percent(len(manual), len(rows))}%)",
                attendance_ids=[a.pk for a in manual],
                ref=f"c{klass.pk}",
            )
        ]
    out = []
    for session_rows in by_session.values():
        m = [a for a in session_rows if a.source == Attendance.Source.MANUAL]
        n = len(session_rows)
        if len(m) >= r.bulk_session_min and _percent(len(m), n) >= r.bulk_session_percent:
            s = session_rows[0].session
            out.append(
                Anomaly(
                    "bulk_corrections",
                    f"{s}:{n} 条考勤记录中 {len(m)} 条为人工更正({_percent(len(m), n)}%)",
                    attendance_ids=[a.pk for a in m],
                    ref=f"s{s.pk}",
                )
            )
    return out


def _cross_class(rows: list[Attendance]) -> list[Anomaly]:
    """Compare each trainee's records of this class with all their other records, in any class:
    presence in two places at once (two_places; online_overlap where one is online and the other
    offline), attendance at two classes' sessions scheduled at the same time (overlapping_classes),
    and more class hours credited in one day than the maximum (daily_maximum)."""
    people = {a.enrolment.person_id for a in rows}
    if not people:
        return []
    others: dict[int, list[Attendance]] = defaultdict(list)
    for b in Attendance.objects.filter(
        Q(check_in__isnull=False), enrolment__person_id__in=people
    ).select_related("session__klass", "enrolment__person"):
        others[b.enrolment.person_id].append(b)
    return _overlaps(rows, others) + _daily_maximum(rows, others)


def _overlaps(rows: list[Attendance], others: dict[int, list[Attendance]]) -> list[Anomaly]:
    """Each pair of one trainee's records (one of this class) found once."""
    found: list[Anomaly] = []
    seen = set()
    for a in rows:
        ia = _interval(a)
        if ia is None:
            continue
        for b in others[a.enrolment.person_id]:
            if b.pk == a.pk or b.session_id == a.session_id:
                continue
            key = tuple(sorted((a.pk, b.pk)))
            if key in seen:
                continue
            anomaly = _overlap(a, ia, b, attendance_ids=list(key))
            if anomaly is not None:
                seen.add(key)
                found.append(anomaly)
    return found


def _overlap(
    a: Attendance, ia: tuple[datetime, datetime], b: Attendance, *, attendance_ids: list[int]
) -> Anomaly | None:
    """Two records of one trainee at once (in two places, or online and offline), or at two classes'
    sessions scheduled at the same time; None when neither."""
    ib = _interval(b)
    name = a.enrolment.person.masked_name
    where = (
        f"{a.session}({a.session.get_mode_display()})与 {b.session.klass.name} {b.session}"
        f"({b.session.get_mode_display()})"
    )
    if ia[0] < ib[1] and ib[0] < ia[1]:
        online = {a.session.mode, b.session.mode} == set(Session.SessionMode.values)
        kind = "online_overlap" if online else "two_places"
        return Anomaly(kind, f"{name} 在 {where}的出勤时间重叠", attendance_ids=attendance_ids)
    if (
        b.session.klass_id != a.session.klass_id
        and a.session.starts_at < b.session.ends_at
        and b.session.starts_at < a.session.ends_at
    ):
        return Anomaly(
            "overlapping_classes",
            f"{name} 同时在两个班次学习:{where}的课次时间重叠,两边均有出勤记录",
            attendance_ids=attendance_ids,
        )
    return None


def _daily_maximum(rows: list[Attendance], others: dict[int, list[Attendance]]) -> list[Anomaly]:
    """Class hours credited per trainee and day, over all classes, above the daily maximum."""
    found: list[Anomaly] = []
    per_day: dict[tuple[int, date], list[Attendance]] = defaultdict(list)
    days_here = {(a.enrolment.person_id, a.session.date) for a in rows}
    for person_id, records in others.items():
        for b in records:
            if (person_id, b.session.date) in days_here:
                per_day[(person_id, b.session.date)].append(b)
    for (person_id, day), records in sorted(per_day.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        r = attendance_rules(on=day)
        cap = r.max_daily_hours * minutes_per_hour(on=day)
        total = sum(b.minutes for b in records)
        if total > cap:
            found.append(
                Anomaly(
                    "daily_maximum",
                    f"{records[0].enrolment.person.masked_name} 在 {day:%Y-%m-%d} 计入"
                    f" {total} 分钟({hours(total, minutes_per_hour(on=day))} 学时),"
                    f"超过每日 {r.max_daily_hours} 学时上限",
                    attendance_ids=sorted(b.pk for b in records),
                    ref=f"p{person_id}:{day.isoformat()}",
                )
            )
    return found


def _fmt(dt: datetime) -> str:
    return dt.astimezone(local_tz()).strftime("%Y-%m-%d %H:%M:%S")
