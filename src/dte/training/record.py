"""The order of the training record [P3.2] and what supervision reads from it [P2.3]: when a class's
teaching has ended and when the class itself has ended, the hours a trainee still lacks, the city's
exceptions, trainees' age and retirement status [A2.1], and certificates issued implausibly soon
after the class's end. Pure reads; the services decide with them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from dte.policy import identity, parameters, retirement
from dte.training.models import (
    Enrolment,
    RecordException,
    Session,
    TrainingCertificate,
    TrainingClass,
    local_tz,
)

KIND_LABEL = {Session.Kind.THEORY: "理论学时", Session.Kind.PRACTICE: "实操学时"}


def fmt(dt: datetime) -> str:
    return timezone.localtime(dt, local_tz()).strftime("%Y-%m-%d %H:%M")


def last_session(klass: TrainingClass) -> Session | None:
    return klass.sessions.order_by("-date", "-end", "-id").first()


def end_date_over(klass: TrainingClass) -> datetime:
    """The first moment after the class's end date (local midnight of the next day)."""
    return datetime.combine(klass.end_date + timedelta(days=1), time(0), tzinfo=local_tz())


def teaching_missing(klass: TrainingClass, *, at: datetime) -> str:
    """What is missing before teaching is over ("" when the last session has ended)."""
    s = last_session(klass)
    if s is None:
        return "班次尚未安排任何课次"
    if s.ends_at > at:
        return f"最后一次课次({s})尚未结束"
    return ""


def class_end_missing(klass: TrainingClass, *, at: datetime) -> str:
    """What is missing before the class has ended ("" when it has): the end date and the last
    session."""
    missing = [m for m in [teaching_missing(klass, at=at)] if m]
    if at < end_date_over(klass):
        missing.insert(0, f"班次结业日期 {klass.end_date:%Y-%m-%d} 尚未过去")
    return ";".join(missing)


def _n(d: Decimal) -> str:
    """1.5 → "1.5", 16.0 → "16"."""
    return f"{d.normalize():f}"


def hours_missing(p) -> str:
    """The hours still short, kind by kind, as attended/required ("理论学时 1.5/16"); "" when met."""
    return "、".join(
        f"{KIND_LABEL[k]} {_n(p.attended_hours(k))}/{_n(p.required_hours(k))}"
        for k in (Session.Kind.THEORY, Session.Kind.PRACTICE)
        if p.attended[k] < p.required[k]
    )


def exception(enrolment: Enrolment, kind: str) -> RecordException | None:
    """The city's exception of this kind for this enrolment, if granted."""
    return RecordException.objects.filter(enrolment_id=enrolment.pk, kind=kind).first()


# --- age and retirement [A2.1] ------------------------------------------------------------------
def age_on(birth: date, on: date) -> int:
    """Full years of age on ``on``, as the policy engine counts them (``identity.age_on``: a birthday on
    29 February falls on 28 February in a common year); 0 before the birth."""
    return 0 if on < birth else identity.age_on(birth, on)


@dataclass(frozen=True)
class AgeStatus:
    """A trainee's age and statutory-retirement status on a day (policy-facts.md §1)."""

    age: int
    retired: bool  # at or past the statutory retirement age whatever the category
    maybe_retired: bool  # a woman past the age of the female_worker group only (category unknown)
    retirement_on: date | None  # the (earliest) statutory retirement date

    @property
    def text(self) -> str:
        if self.retired:
            return f"已达法定退休年龄({self.retirement_on:%Y-%m-%d}),不能申领培训补贴 [A2.1]"
        if self.maybe_retired:
            return (
                f"如属原50周岁退休的女职工,已达法定退休年龄({self.retirement_on:%Y-%m-%d}),"
                "不能申领培训补贴 [A2.1]"
            )
        return ""

    @property
    def flagged(self) -> bool:
        return self.retired or self.maybe_retired


def age_status(person, *, on: date) -> AgeStatus:
    """Age from the ID number's birth date, and whether the statutory retirement age (2024 reform)
    is reached on ``on``. For a woman the retirement category (原50 or 原55周岁) is not known at
    training: reaching the female_cadre age is retired, reaching only the female_worker age is
    "maybe"."""
    birth = person.birth_date
    age = age_on(birth, on)
    if person.sex == "male":
        r = retirement.retirement_date(birth, "male", on)
        return AgeStatus(age, on >= r, False, r)
    worker = retirement.retirement_date(birth, "female_worker", on)
    cadre = retirement.retirement_date(birth, "female_cadre", on)
    if on >= cadre:
        return AgeStatus(age, True, False, cadre)
    return AgeStatus(age, False, on >= worker, worker)


def min_age_years(*, on: date) -> int:
    """The minimum age of a worker and of a claimant [A2.1] (eligibility.yaml)."""
    return int(parameters.get("eligibility").at(on).value["min_age_years"])


def policy_start() -> date:
    """The date the policy applies from [P5.4] (in_force.yaml)."""
    value = parameters.get("in_force").latest().value["date"]
    return value if isinstance(value, date) else date.fromisoformat(str(value))


# --- certificates issued too soon after the class's end [P2.3] ------------------------------------
CERTIFICATE_ANOMALY = "cert_too_soon"  # at most 20 characters (supervision.AnomalyAction.kind)
CERTIFICATE_ANOMALY_LABEL = "结业后过快发证"


def certificate_min_hours(*, on: date) -> int:
    return int(parameters.get("training_record").at(on).value["certificate_min_hours_after_class_end"])


@dataclass
class CertificateAnomaly:
    """A training certificate issued within the parameter's hours of its class's last session
    (or before it), for the city's anomaly list."""

    certificate: TrainingCertificate
    klass: TrainingClass
    teaching_ended: datetime
    issued_at: datetime
    min_hours: int
    kind: str = CERTIFICATE_ANOMALY
    clause: str = "[P3.2] [P2.3]"

    @property
    def label(self) -> str:
        return CERTIFICATE_ANOMALY_LABEL

    @property
    def institution(self):
        return self.klass.plan.institution

    @property
    def hours_after(self) -> float:
        return round((self.issued_at - self.teaching_ended) / timedelta(hours=1), 1)

    @property
    def message(self) -> str:
        c = self.certificate
        when = (
            f"在最后一次课次结束前 {-self.hours_after} 小时"
            if self.hours_after < 0
            else f"在最后一次课次结束后 {self.hours_after} 小时"
        )
        return (
            f"{c.person.masked_name} 的培训合格证书 {c.number} 于 {fmt(self.issued_at)} 颁发,"
            f"{when}(最后一次课次结束于 {fmt(self.teaching_ended)};少于 {self.min_hours} 小时即列出)"
        )


def certificate_anomalies(
    *,
    institution_id: int | None = None,
    klass_id: int | None = None,
    min_hours: int | None = None,
) -> list[CertificateAnomaly]:
    """Valid certificates issued less than ``min_hours`` (default: training_record.yaml in force on
    the certificate's issue date) after their class's last session ended, or before it: too little
    time for a completion assessment [P3.2]. Certificates recorded before the issue time was kept
    count from the start of their issue date."""
    certs = TrainingCertificate.objects.filter(status=TrainingCertificate.Status.VALID).select_related(
        "person",
        "enrolment__klass__plan__institution",
        "enrolment__klass__plan__occupation",
        "enrolment__klass__plan__level",
    )
    if institution_id is not None:
        certs = certs.filter(institution_id=institution_id)
    if klass_id is not None:
        certs = certs.filter(enrolment__klass_id=klass_id)
    certs = list(certs.order_by("issued_on", "id"))
    last_by_class: dict[int, datetime] = {}
    for s in Session.objects.filter(klass_id__in={c.enrolment.klass_id for c in certs}):
        if s.klass_id not in last_by_class or s.ends_at > last_by_class[s.klass_id]:
            last_by_class[s.klass_id] = s.ends_at
    out = []
    for c in certs:
        ended = last_by_class.get(c.enrolment.klass_id)
        if ended is None:
            continue
        issued = c.issued_at or datetime.combine(c.issued_on, time(0), tzinfo=local_tz())
        hours = certificate_min_hours(on=c.issued_on) if min_hours is None else min_hours
        if issued - ended < timedelta(hours=hours):
            out.append(
                CertificateAnomaly(
                    certificate=c,
                    klass=c.enrolment.klass,
                    teaching_ended=ended,
                    issued_at=issued,
                    min_hours=hours,
                )
            )
    return out
