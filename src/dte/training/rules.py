"""Pure reads the services and selectors share: required hours, scope checks, attendance hours and
the anomaly detection [P2.3]. No writes here."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied

from dte.accounts.permissions import Cap, can, require
from dte.policy import parameters
from dte.training.models import Attendance, Enrolment, Session

# Check-in is accepted from 30 minutes before the start until the end; check-out from the start
# until 30 minutes after the end [P2.3].
CHECK_TOLERANCE = timedelta(minutes=30)


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
ANOMALY_KINDS = {
    "two_places": "同一时间出现在两处",
    "outside_session": "签到时间不在课次时间内",
    "same_second": "全员同一秒签到",
}


@dataclass
class Anomaly:
    kind: str  # two_places | outside_session | same_second
    message: str
    clause: str = "[P2.3]"
    attendance_ids: list[int] = field(default_factory=list)

    @property
    def label(self) -> str:
        return ANOMALY_KINDS[self.kind]


def _interval(a: Attendance) -> tuple[datetime, datetime] | None:
    if a.check_in is None:
        return None
    return a.check_in, a.check_out or max(a.check_in, a.session.ends_at)


def anomalies(*, klass) -> list[Anomaly]:
    """Impossible or suspicious records of one class: a trainee present in two places at once (in
    this class or any other), a check-in or check-out outside the session (beyond the tolerance),
    and a session where everyone on the list signed in within the same second."""
    found: list[Anomaly] = []
    rows = list(
        Attendance.objects.filter(session__klass=klass).select_related("session", "enrolment__person")
    )
    by_session = defaultdict(list)
    for a in rows:
        by_session[a.session_id].append(a)
        s = a.session
        if a.check_in and not (s.starts_at - CHECK_TOLERANCE <= a.check_in <= s.ends_at):
            found.append(
                Anomaly(
                    "outside_session",
                    f"{a.enrolment.person.masked_name} 在 {s} 的签到时间 {_fmt(a.check_in)} 不在课次时间内",
                    attendance_ids=[a.pk],
                )
            )
        elif a.check_out and not (s.starts_at <= a.check_out <= s.ends_at + CHECK_TOLERANCE):
            found.append(
                Anomaly(
                    "outside_session",
                    f"{a.enrolment.person.masked_name} 在 {s} 的签退时间 {_fmt(a.check_out)} 不在课次时间内",
                    attendance_ids=[a.pk],
                )
            )
    for session_rows in by_session.values():
        ins = [a.check_in for a in session_rows if a.check_in]
        if len(ins) >= 3 and len(ins) == len(session_rows) and max(ins) - min(ins) < timedelta(seconds=1):
            found.append(
                Anomaly(
                    "same_second",
                    f"{session_rows[0].session}:{len(ins)} 名学员在同一秒内签到",
                    attendance_ids=[a.pk for a in session_rows],
                )
            )
    # Two places at once: compare with every other attendance of the same people, in any class.
    people = {a.enrolment.person_id for a in rows}
    others = defaultdict(list)
    for b in Attendance.objects.filter(
        enrolment__person_id__in=people, check_in__isnull=False
    ).select_related("session__klass", "enrolment__person"):
        others[b.enrolment.person_id].append(b)
    seen = set()
    for a in rows:
        ia = _interval(a)
        if ia is None:
            continue
        for b in others[a.enrolment.person_id]:
            if b.pk == a.pk or b.session_id == a.session_id:
                continue
            ib = _interval(b)
            if ia[0] < ib[1] and ib[0] < ia[1]:
                key = tuple(sorted((a.pk, b.pk)))
                if key in seen:
                    continue
                seen.add(key)
                found.append(
                    Anomaly(
                        "two_places",
                        f"{a.enrolment.person.masked_name} 在 {a.session}"
                        f"({a.session.get_mode_display()})与 {b.session.klass.name} {b.session}"
                        f"({b.session.get_mode_display()})的出勤时间重叠",
                        attendance_ids=list(key),
                    )
                )
    return found


def _fmt(dt: datetime) -> str:
    from django.utils import timezone

    return timezone.localtime(dt).strftime("%Y-%m-%d %H:%M:%S")
