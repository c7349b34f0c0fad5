"""Reads of the training system. Each selector that is not public takes the actor and returns only
what the actor's role and scope allow."""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, Q
from django.http import Http404
from django.utils import timezone

from dte.core.permissions import Cap, can, require
from dte.training import record, rules
from dte.training.models import (
    Attendance,
    ContinuingEducationCredit,
    Enrolment,
    Event,
    EventRegistration,
    RecordException,
    Session,
    TrainingCertificate,
    TrainingClass,
    TrainingPlan,
)

ON_ROSTER = [Enrolment.Status.ADMITTED, Enrolment.Status.COMPLETED]
# A drop-out keeps the hours attended before leaving: they are shown, never counted towards a
# certificate [P2.3].
WITH_HOURS = [*ON_ROSTER, Enrolment.Status.DROPPED]


# --- public --------------------------------------------------------------------------------------
def catalogue(*, today: date, occupation: str = "", institution_id: int | None = None):
    """The public training-programme catalogue [P3.2], [P4.3]: classes of plans on file that are
    enrolling or running, with seats left."""
    qs = (
        TrainingClass.objects.filter(plan__status=TrainingPlan.Status.ON_FILE, end_date__gte=today)
        .exclude(status=TrainingClass.Status.COMPLETED)
        .select_related("plan__institution", "plan__occupation", "plan__level", "plan__evaluation_body")
        .annotate(taken=Count("enrolments", filter=Q(enrolments__status__in=ON_ROSTER)))
        .annotate(seats_left=F("capacity") - F("taken"))
        .order_by("start_date", "id")
    )
    if occupation:
        qs = qs.filter(plan__occupation__code=occupation)
    if institution_id is not None:
        qs = qs.filter(plan__institution_id=institution_id)
    return qs


def public_class(*, pk: int) -> TrainingClass:
    k = catalogue(today=date.min).filter(pk=pk).first()
    if k is None:
        raise Http404("没有这个培训班次")
    return k


def institution_fees(*, institution_id: int):
    """The published fees of an institution's plans on file [P5.3b]."""
    return (
        TrainingPlan.objects.filter(institution_id=institution_id, status=TrainingPlan.Status.ON_FILE)
        .select_related("occupation", "level")
        .order_by("occupation__position", "level__rank", "-start_date")
    )


def certificate_by_code(*, code: str) -> TrainingCertificate:
    cert = (
        TrainingCertificate.objects.select_related("person", "institution", "occupation", "level")
        .filter(code=code)
        .first()
    )
    if cert is None:
        raise Http404("证书不存在")
    return cert


def _with_taken(qs):
    return qs.annotate(taken=Count("registrations", filter=Q(registrations__cancelled_at__isnull=True)))


def published_events(*, today: date):
    qs = _with_taken(Event.objects.filter(published=True))
    return {
        "upcoming": qs.filter(ends_on__gte=today).order_by("starts_on"),
        "past": qs.filter(ends_on__lt=today).order_by("-starts_on")[:20],
    }


def event_for(*, actor, pk: int) -> Event:
    """A published event is public; a withdrawn one only the city sees [P2.2]."""
    ev = _with_taken(Event.objects.filter(pk=pk)).first()
    if ev is None or (not ev.published and not can(actor, Cap.PUBLISH_EVENTS)):
        raise Http404("没有这个活动")
    return ev


def event_registrations(*, actor, event: Event):
    """Who registered, for the city [P2.2]."""
    if not (can(actor, Cap.PUBLISH_EVENTS) or can(actor, Cap.SUPERVISE_CITY)):
        raise PermissionDenied("无权查看活动报名名单")
    return event.registrations.select_related("person").order_by("cancelled_at", "registered_at", "id")


def my_event_registration(*, actor, event: Event) -> EventRegistration | None:
    if not can(actor, Cap.ENROL_IN_TRAINING) or actor.person_id is None:
        return None
    return event.registrations.filter(person_id=actor.person_id).first()


# --- scoped ---------------------------------------------------------------------------------------
def plans_for(*, actor):
    qs = TrainingPlan.objects.select_related("institution", "occupation", "level", "evaluation_body")
    if can(actor, Cap.SUPERVISE_CITY):
        return qs
    require(actor, Cap.MANAGE_INSTITUTION)
    return qs.filter(institution_id=actor.institution_id)


def plan_for(*, actor, pk: int) -> TrainingPlan:
    plan = plans_for(actor=actor).filter(pk=pk).first()
    if plan is None:
        if TrainingPlan.objects.filter(pk=pk).exists():
            raise PermissionDenied("无权查看其他培训机构的培训计划")
        raise Http404("没有这个培训计划")
    return plan


def classes_for(*, actor):
    qs = TrainingClass.objects.select_related("plan__institution", "plan__occupation", "plan__level")
    if can(actor, Cap.SUPERVISE_CITY):
        return qs
    require(actor, Cap.MANAGE_INSTITUTION)
    return qs.filter(plan__institution_id=actor.institution_id)


def class_for(*, actor, pk: int) -> TrainingClass:
    k = classes_for(actor=actor).filter(pk=pk).first()
    if k is None:
        if TrainingClass.objects.filter(pk=pk).exists():
            raise PermissionDenied("无权查看其他培训机构的班次")
        raise Http404("没有这个班次")
    return k


def enrolment_for(*, actor, pk: int) -> Enrolment:
    """One enrolment: the trainee's own, or one of a class the actor may read."""
    e = Enrolment.objects.select_related("klass__plan", "person").filter(pk=pk).first()
    if e is None:
        raise Http404("没有这条报名记录")
    if can(actor, Cap.ENROL_IN_TRAINING):
        if e.person_id != actor.person_id:
            raise PermissionDenied("无权查看他人的报名")
    elif not rules.can_read_institution(actor, e.klass.plan.institution_id):
        raise PermissionDenied("无权查看其他培训机构的报名")
    return e


def session_for(*, actor, pk: int) -> Session:
    s = Session.objects.select_related("klass__plan__institution").filter(pk=pk).first()
    if s is None:
        raise Http404("没有这个课次")
    if not rules.can_read_institution(actor, s.klass.plan.institution_id):
        raise PermissionDenied("无权查看其他培训机构的课次")
    return s


def roster(*, actor, klass: TrainingClass, now: datetime):
    """Enrolments of a class with each trainee's hours against the plan and an at-risk flag, the
    trainee's age and statutory-retirement status today [A2.1] (flagged: cannot claim), and the
    city's exceptions to the order of the record [P3.2]."""
    if not rules.can_read_institution(actor, klass.plan.institution_id):
        raise PermissionDenied("无权查看其他培训机构的花名册")
    enrolments = list(klass.enrolments.select_related("person", "klass__plan").order_by("status", "id"))
    on_roster = [e for e in enrolments if e.status in WITH_HOURS]
    progress = {p.enrolment.pk: p for p in rules.progress(on_roster, now=now)}
    certs = {c.enrolment_id: c for c in TrainingCertificate.objects.filter(enrolment__klass=klass)}
    exceptions: dict[int, list[RecordException]] = {}
    for x in RecordException.objects.filter(enrolment__klass=klass).select_related("granted_by"):
        exceptions.setdefault(x.enrolment_id, []).append(x)
    today = timezone.localdate(now)
    return [
        {
            "enrolment": e,
            "progress": progress.get(e.pk),
            "certificate": certs.get(e.pk),
            "age": record.age_status(e.person, on=today),
            "exceptions": exceptions.get(e.pk, []),
        }
        for e in enrolments
    ]


def roster_flags(*, klass: TrainingClass, now: datetime) -> int:
    """How many on the class's roster are at or past the statutory retirement age [A2.1]."""
    today = timezone.localdate(now)
    return sum(
        1
        for e in klass.enrolments.filter(status__in=ON_ROSTER).select_related("person")
        if record.age_status(e.person, on=today).flagged
    )


def anomalies(*, actor, klass: TrainingClass):
    if not rules.can_read_institution(actor, klass.plan.institution_id):
        raise PermissionDenied("无权查看其他培训机构的考勤")
    return rules.anomalies(klass=klass)


def anomalies_citywide(*, actor, institution_id: int | None = None, kind: str = "") -> list[dict]:
    """Every class's attendance anomalies, city-wide, for the city officer and the auditor [P2.3];
    optionally of one institution and one kind. A pair of overlapping records in two classes (and a
    trainee's day over the maximum) is listed once."""
    require(actor, Cap.SUPERVISE_CITY)
    classes = (
        TrainingClass.objects.filter(Q(sessions__attendances__isnull=False) | Q(sessions__backfilled=True))
        .distinct()
        .select_related("plan__institution", "plan__occupation", "plan__level")
        .order_by("plan__institution__name", "start_date", "id")
    )
    if institution_id is not None:
        classes = classes.filter(plan__institution_id=institution_id)
    rows, seen = [], set()
    for k in classes:
        for a in rules.anomalies(klass=k):
            if kind and a.kind != kind:
                continue
            key = (a.kind, a.key)
            if key in seen:
                continue
            seen.add(key)
            rows.append({"klass": k, "institution": k.plan.institution, "anomaly": a})
    return rows


def session_attendance(*, actor, session: Session):
    if not rules.can_read_institution(actor, session.klass.plan.institution_id):
        raise PermissionDenied("无权查看其他培训机构的考勤")
    records = {a.enrolment_id: a for a in session.attendances.select_related("corrected_by")}
    enrolments = session.klass.enrolments.filter(status__in=ON_ROSTER).select_related("person")
    return [{"enrolment": e, "attendance": records.get(e.pk)} for e in enrolments]


def certificates_for(*, actor):
    qs = TrainingCertificate.objects.select_related("person", "institution", "occupation", "level")
    if can(actor, Cap.SUPERVISE_CITY):
        return qs
    if can(actor, Cap.MANAGE_INSTITUTION):
        return qs.filter(institution_id=actor.institution_id)
    if can(actor, Cap.ENROL_IN_TRAINING):
        return qs.filter(person_id=actor.person_id)
    raise PermissionDenied("无权查看培训合格证书")


def certificate_for(*, actor, pk: int) -> TrainingCertificate:
    cert = certificates_for(actor=actor).filter(pk=pk).first()
    if cert is None:
        if TrainingCertificate.objects.filter(pk=pk).exists():
            raise PermissionDenied("无权查看该证书")
        raise Http404("没有这张证书")
    return cert


def city_queue(*, actor, now: datetime):
    """The city's training desk: plans to file, rosters to review (each with how many trainees are
    at or past the statutory retirement age [A2.1]), the exceptions to the order of the record the
    city has granted, and certificates issued too soon after their class's end [P3.2], [P2.3]."""
    require(actor, Cap.SUPERVISE_CITY)
    rosters = list(
        TrainingClass.objects.filter(roster_status=TrainingClass.RosterStatus.SUBMITTED).select_related(
            "plan__institution", "plan__occupation", "plan__level"
        )
    )
    for k in rosters:
        k.retired_count = roster_flags(klass=k, now=now)
    return {
        "plans": TrainingPlan.objects.filter(status=TrainingPlan.Status.SUBMITTED).select_related(
            "institution", "occupation", "level"
        ),
        "rosters": rosters,
        "exceptions": record_exceptions(actor=actor),
        "certificate_anomalies": certificate_anomalies(actor=actor),
        "certificate_min_hours": record.certificate_min_hours(on=timezone.localdate(now)),
    }


def record_exceptions(*, actor, institution_id: int | None = None):
    """Every exception to the order of the record, newest first, for the city (officer and auditor)
    [P3.2], [P2.3]: who, which class, which kind, why, granted by whom and when, and the certificate
    issued under it if any."""
    require(actor, Cap.SUPERVISE_CITY)
    qs = RecordException.objects.select_related(
        "enrolment__person",
        "enrolment__klass__plan__institution",
        "enrolment__klass__plan__occupation",
        "enrolment__klass__plan__level",
        "enrolment__certificate",
        "granted_by",
    ).order_by("-granted_at", "-id")
    if institution_id is not None:
        qs = qs.filter(enrolment__klass__plan__institution_id=institution_id)
    return qs


def certificate_exceptions(*, actor, certificate: TrainingCertificate):
    """The exceptions a certificate was issued under, for its (non-public) record page [P3.2]."""
    certificate_for(actor=actor, pk=certificate.pk)  # scope check
    return RecordException.objects.filter(enrolment_id=certificate.enrolment_id).select_related("granted_by")


def certificate_anomalies(*, actor, institution_id: int | None = None) -> list[record.CertificateAnomaly]:
    """Certificates issued implausibly soon after their class's last session (training_record.yaml),
    city-wide, for the city's anomaly list [P3.2], [P2.3]. Each row has ``institution``, ``klass``,
    ``certificate``, ``kind``, ``label``, ``message`` and ``clause``."""
    require(actor, Cap.SUPERVISE_CITY)
    return record.certificate_anomalies(institution_id=institution_id)


# --- the trainee's own records ------------------------------------------------------------------
def my_training(*, actor, now: datetime) -> dict:
    """One page for the trainee [P2.3], [P4.1]: classes, hours, certificates, CE hours."""
    require(actor, Cap.VIEW_OWN_RECORDS)
    person_id = actor.person_id
    enrolments = list(
        Enrolment.objects.filter(person_id=person_id)
        .select_related("klass__plan__institution", "klass__plan__occupation", "klass__plan__level")
        .order_by("-klass__start_date")
    )
    rows = []
    for e in enrolments:
        p = rules.progress([e], now=now)[0] if e.status in WITH_HOURS else None
        rows.append({"enrolment": e, "progress": p})
    credits = list(
        ContinuingEducationCredit.objects.filter(person_id=person_id).select_related("certificate")
    )
    years: dict[int, object] = {}
    for c in credits:
        if not c.void:
            years[c.year] = years.get(c.year, 0) + c.hours
    return {
        "enrolments": rows,
        "certificates": TrainingCertificate.objects.filter(person_id=person_id).select_related(
            "institution", "occupation", "level"
        ),
        "ce_credits": credits,
        "ce_years": sorted(years.items(), reverse=True),
        "event_registrations": EventRegistration.objects.filter(
            person_id=person_id, cancelled_at__isnull=True
        ).select_related("event"),
    }


def ce_statement(*, actor, year: int):
    """The trainee's printable continuing-education statement for one year [P4.1]."""
    require(actor, Cap.VIEW_OWN_RECORDS)
    credits = list(
        ContinuingEducationCredit.objects.filter(
            person_id=actor.person_id, year=year, void=False
        ).select_related("certificate__institution")
    )
    return {"year": year, "credits": credits, "total": sum((c.hours for c in credits), 0)}


def ce_hours(*, actor, year: int, occupation: str = ""):
    """Continuing-education hours credited in one year [P4.1], for the city (officer and auditor):
    one row per credit, optionally of one occupation (by code); void credits are left out."""
    require(actor, Cap.SUPERVISE_CITY)
    qs = (
        ContinuingEducationCredit.objects.filter(year=year, void=False)
        .select_related("person", "certificate__institution", "certificate__occupation", "certificate__level")
        .order_by("certificate__occupation__position", "credited_on", "id")
    )
    if occupation:
        qs = qs.filter(certificate__occupation__code=occupation)
    return qs


def ce_years() -> list[int]:
    """Years that have credits, newest first (for the year filter)."""
    return sorted(set(ContinuingEducationCredit.objects.values_list("year", flat=True)), reverse=True)


# -- for the subsidy reviewer [P2.3]: a claimant's training class ----------------------------------


def class_anomaly_counts(*, class_id: int) -> dict[str, int]:
    """The attendance anomalies of one class by kind (``rules.ANOMALY_KINDS``), by the same check the
    institution and the city see on the training pages; empty for a class that does not exist."""
    klass = TrainingClass.objects.filter(pk=class_id).first()
    counts: dict[str, int] = {}
    if klass is None:
        return counts
    for a in rules.anomalies(klass=klass):
        counts[a.kind] = counts.get(a.kind, 0) + 1
    return counts


def class_attendance_counts(*, class_id: int) -> tuple[int, int]:
    """(all attendance records, those entered by hand) of one class."""
    rows = Attendance.objects.filter(session__klass_id=class_id)
    return rows.count(), rows.filter(source="manual").count()


# --- the workbench's counts ----------------------------------------------------------------------
def plan_workload(*, actor) -> dict[str, int]:
    """The actor's plans and classes by what waits on them: plans submitted (the city files them),
    returned and draft (the institution's), rosters submitted and returned; enrolments awaiting
    admission. One aggregate query each for plans, classes and enrolments; institution scope."""
    if can(actor, Cap.SUPERVISE_CITY):
        plans, classes = TrainingPlan.objects.all(), TrainingClass.objects.all()
        enrolments = Enrolment.objects.none()
    elif can(actor, Cap.MANAGE_INSTITUTION):
        plans = TrainingPlan.objects.filter(institution_id=actor.institution_id)
        classes = TrainingClass.objects.filter(plan__institution_id=actor.institution_id)
        enrolments = Enrolment.objects.filter(klass__plan__institution_id=actor.institution_id)
    else:
        return {}
    p, k = TrainingPlan.Status, TrainingClass.RosterStatus
    out = plans.order_by().aggregate(
        plans_submitted=Count("pk", filter=Q(status=p.SUBMITTED)),
        plans_returned=Count("pk", filter=Q(status=p.RETURNED)),
        plans_draft=Count("pk", filter=Q(status=p.DRAFT)),
    )
    out |= classes.order_by().aggregate(
        rosters_submitted=Count("pk", filter=Q(roster_status=k.SUBMITTED)),
        rosters_returned=Count("pk", filter=Q(roster_status=k.RETURNED)),
    )
    out["enrolments_applied"] = enrolments.filter(status=Enrolment.Status.APPLIED).count()
    return out
