"""JSON API of the training system (mounted at /api/training): one endpoint per action, each calling
one service or selector. Refusals come back as 422 (ValidationError) or 403 (PermissionDenied)."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status

from dte.catalog.models import EvaluationBody, Level, Occupation
from dte.core import clock
from dte.core.api_auth import session_auth
from dte.training import rules, selectors, services
from dte.training.models import Attendance, Enrolment, Event, Session
from dte.training.tables import Row

router = Router(tags=["training"])
auth = {"auth": session_auth}


class Error(Schema):
    detail: str
    errors: list[dict] = []


class PlanIn(Schema):
    occupation: str  # occupation code, e.g. 2-02-10-11
    level: str  # junior | intermediate | senior
    evaluation_body: str  # evaluation body code
    title: str
    direction: str = ""
    hours_theory_offline: int = 0
    hours_theory_online: int = 0
    hours_practice_offline: int = 0
    hours_practice_online: int = 0
    start_date: date
    end_date: date
    schedule: str = ""
    place: str = ""
    mode: str = "blended"
    capacity: int
    fee: int
    assessment_plan: str


class PlanOut(Schema):
    id: int
    institution: str
    occupation: str
    level: str
    title: str
    total_hours: int
    start_date: date
    end_date: date
    fee: int
    status: str
    filing_number: str
    return_reason: str


def _plan_out(p) -> dict:
    return {
        "id": p.pk,
        "institution": p.institution.name,
        "occupation": p.occupation.code,
        "level": p.level.code,
        "title": p.title,
        "total_hours": p.total_hours,
        "start_date": p.start_date,
        "end_date": p.end_date,
        "fee": p.fee,
        "status": p.status,
        "filing_number": p.filing_number,
        "return_reason": p.return_reason,
    }


class ReasonIn(Schema):
    reason: str


class ClassIn(Schema):
    name: str
    start_date: date
    end_date: date
    enrol_by: date
    capacity: int
    place: str = ""
    mode: str | None = None


class ClassOut(Schema):
    id: int
    plan_id: int
    institution: str
    occupation: str
    level: str
    name: str
    start_date: date
    end_date: date
    enrol_by: date
    mode: str
    place: str
    capacity: int
    seats_left: int | None = None
    fee: int
    status: str
    roster_status: str


def _class_out(k) -> dict:
    return {
        "id": k.pk,
        "plan_id": k.plan_id,
        "institution": k.plan.institution.name,
        "occupation": k.plan.occupation.code,
        "level": k.plan.level.code,
        "name": k.name,
        "start_date": k.start_date,
        "end_date": k.end_date,
        "enrol_by": k.enrol_by,
        "mode": k.mode,
        "place": k.place,
        "capacity": k.capacity,
        "seats_left": getattr(k, "seats_left", None),
        "fee": k.fee,
        "status": k.status,
        "roster_status": k.roster_status,
    }


@router.get("/catalogue", response=list[ClassOut])
def catalogue(request, occupation: str = ""):
    """The public programme catalogue [P3.2], [P4.3]."""
    return [_class_out(k) for k in selectors.catalogue(today=clock.today(), occupation=occupation)]


@router.get("/plans", response=list[PlanOut], **auth)
def list_plans(request):
    return [_plan_out(p) for p in selectors.plans_for(actor=request.auth)]


@router.post("/plans", response={201: PlanOut, 403: Error, 422: Error}, **auth)
def draft_plan(request, payload: PlanIn):
    data = payload.dict()
    plan = services.plan_draft(
        actor=request.auth,
        at=clock.now(),
        occupation=get_object_or_404(Occupation, code=data.pop("occupation")),
        level=get_object_or_404(Level, code=data.pop("level")),
        evaluation_body=get_object_or_404(EvaluationBody, code=data.pop("evaluation_body")),
        **data,
    )
    return Status(201, _plan_out(plan))


@router.post("/plans/{pk}/submit", response={200: PlanOut, 403: Error, 422: Error}, **auth)
def submit_plan(request, pk: int):
    plan = selectors.plan_for(actor=request.auth, pk=pk)
    return _plan_out(services.plan_submit(actor=request.auth, plan=plan, at=clock.now()))


@router.post("/plans/{pk}/file", response={200: PlanOut, 403: Error, 422: Error}, **auth)
def file_plan(request, pk: int):
    plan = selectors.plan_for(actor=request.auth, pk=pk)
    return _plan_out(services.plan_file(actor=request.auth, plan=plan, at=clock.now()))


@router.post("/plans/{pk}/return", response={200: PlanOut, 403: Error, 422: Error}, **auth)
def return_plan(request, pk: int, payload: ReasonIn):
    plan = selectors.plan_for(actor=request.auth, pk=pk)
    return _plan_out(
        services.plan_return(actor=request.auth, plan=plan, reason=payload.reason, at=clock.now())
    )


@router.post("/plans/{pk}/classes", response={201: ClassOut, 403: Error, 422: Error}, **auth)
def open_class(request, pk: int, payload: ClassIn):
    plan = selectors.plan_for(actor=request.auth, pk=pk)
    return Status(
        201, _class_out(services.class_open(actor=request.auth, plan=plan, at=clock.now(), **payload.dict()))
    )


# --- enrolment ---------------------------------------------------------------------------------
class ApplyIn(Schema):
    category: str  # in_post | gig | freelancer | graduate
    employer: str = ""
    job: str = ""
    school: str = ""
    expected_graduation: date | None = None


class EnrolmentOut(Schema):
    id: int
    class_id: int
    person: str  # masked name
    category: str
    status: str
    completion_passed: bool | None


def _enrolment_out(e) -> dict:
    return {
        "id": e.pk,
        "class_id": e.klass_id,
        "person": e.person.masked_name,
        "category": e.category,
        "status": e.status,
        "completion_passed": e.completion_passed,
    }


@router.post("/classes/{pk}/enrolments", response={201: EnrolmentOut, 403: Error, 422: Error}, **auth)
def apply(request, pk: int, payload: ApplyIn):
    klass = selectors.public_class(pk=pk)
    e = services.enrolment_apply(actor=request.auth, klass=klass, at=clock.now(), **payload.dict())
    return Status(201, _enrolment_out(e))


def _enrolment(request, pk: int) -> Enrolment:
    e = get_object_or_404(Enrolment.objects.select_related("klass__plan", "person"), pk=pk)
    selectors.class_for(actor=request.auth, pk=e.klass_id)
    return e


@router.post("/enrolments/{pk}/admit", response={200: EnrolmentOut, 403: Error, 422: Error}, **auth)
def admit(request, pk: int):
    return _enrolment_out(
        services.enrolment_admit(actor=request.auth, enrolment=_enrolment(request, pk), at=clock.now())
    )


@router.post("/enrolments/{pk}/refuse", response={200: EnrolmentOut, 403: Error, 422: Error}, **auth)
def refuse(request, pk: int, payload: ReasonIn):
    return _enrolment_out(
        services.enrolment_refuse(
            actor=request.auth, enrolment=_enrolment(request, pk), reason=payload.reason, at=clock.now()
        )
    )


class OnBehalfIn(ApplyIn):
    id_number: str
    name: str = ""  # required when the ID number is not yet registered [P4.3]
    phone: str = ""


@router.post(
    "/classes/{pk}/enrolments/on-behalf", response={201: EnrolmentOut, 403: Error, 422: Error}, **auth
)
def enrol_on_behalf(request, pk: int, payload: OnBehalfIn):
    """Institution staff enrol (and admit) a real-name person found or registered by ID number."""
    klass = selectors.class_for(actor=request.auth, pk=pk)
    e = services.enrolment_on_behalf(actor=request.auth, klass=klass, at=clock.now(), **payload.dict())
    return Status(201, _enrolment_out(e))


class OptionalReasonIn(Schema):
    reason: str = ""


@router.post("/enrolments/{pk}/withdraw", response={200: EnrolmentOut, 403: Error, 422: Error}, **auth)
def withdraw(request, pk: int, payload: OptionalReasonIn):
    e = selectors.enrolment_for(actor=request.auth, pk=pk)
    return _enrolment_out(
        services.enrolment_withdraw(actor=request.auth, enrolment=e, reason=payload.reason, at=clock.now())
    )


@router.post("/enrolments/{pk}/drop", response={200: EnrolmentOut, 403: Error, 422: Error}, **auth)
def drop(request, pk: int, payload: ReasonIn):
    e = selectors.enrolment_for(actor=request.auth, pk=pk)
    return _enrolment_out(
        services.enrolment_drop(actor=request.auth, enrolment=e, reason=payload.reason, at=clock.now())
    )


class AssessIn(Schema):
    passed: bool
    note: str = ""


@router.post("/enrolments/{pk}/completion", response={200: EnrolmentOut, 403: Error, 422: Error}, **auth)
def assess(request, pk: int, payload: AssessIn):
    return _enrolment_out(
        services.completion_assess(
            actor=request.auth,
            enrolment=_enrolment(request, pk),
            passed=payload.passed,
            note=payload.note,
            at=clock.now(),
        )
    )


class ReviewIn(Schema):
    approve: bool
    note: str = ""


@router.post("/classes/{pk}/roster/submit", response={200: ClassOut, 403: Error, 422: Error}, **auth)
def submit_roster(request, pk: int):
    klass = selectors.class_for(actor=request.auth, pk=pk)
    return _class_out(services.roster_submit(actor=request.auth, klass=klass, at=clock.now()))


@router.post("/classes/{pk}/roster/review", response={200: ClassOut, 403: Error, 422: Error}, **auth)
def review_roster(request, pk: int, payload: ReviewIn):
    klass = selectors.class_for(actor=request.auth, pk=pk)
    return _class_out(
        services.roster_review(
            actor=request.auth, klass=klass, approve=payload.approve, note=payload.note, at=clock.now()
        )
    )


@router.post("/classes/{pk}/start", response={200: ClassOut, 403: Error, 422: Error}, **auth)
def start_class(request, pk: int):
    klass = selectors.class_for(actor=request.auth, pk=pk)
    return _class_out(services.class_start(actor=request.auth, klass=klass, at=clock.now()))


@router.post("/classes/{pk}/complete", response={200: ClassOut, 403: Error, 422: Error}, **auth)
def complete_class(request, pk: int):
    klass = selectors.class_for(actor=request.auth, pk=pk)
    return _class_out(services.class_complete(actor=request.auth, klass=klass, at=clock.now()))


# --- sessions and attendance [P2.3] ------------------------------------------------------------------
class SessionIn(Schema):
    date: date
    start: time
    end: time
    kind: str
    mode: str
    topic: str = ""
    place: str = ""
    backfill_reason: str = ""  # required when the session's start has passed (补录) [P2.3]


class SessionOut(Schema):
    id: int
    class_id: int
    date: date
    start: time
    end: time
    kind: str
    mode: str
    topic: str
    warnings: list[str] = []  # hours scheduled beyond the plan's split [P3.1]


def _session_out(s) -> dict:
    return {
        "id": s.pk,
        "class_id": s.klass_id,
        "date": s.date,
        "start": s.start,
        "end": s.end,
        "kind": s.kind,
        "mode": s.mode,
        "topic": s.topic,
    }


@router.post("/classes/{pk}/sessions", response={201: SessionOut, 403: Error, 422: Error}, **auth)
def add_session(request, pk: int, payload: SessionIn):
    klass = selectors.class_for(actor=request.auth, pk=pk)
    s = services.session_add(actor=request.auth, klass=klass, at=clock.now(), **payload.dict())
    return Status(201, {**_session_out(s), "warnings": rules.schedule_warnings(s.klass)})


class AttendanceOut(Schema):
    id: int
    session_id: int
    enrolment_id: int
    check_in: datetime | None
    check_out: datetime | None
    minutes: int
    source: str
    corrected_by: str | None
    correction_reason: str


def _attendance_out(a: Attendance) -> dict:
    return {
        "id": a.pk,
        "session_id": a.session_id,
        "enrolment_id": a.enrolment_id,
        "check_in": a.check_in,
        "check_out": a.check_out,
        "minutes": a.minutes,
        "source": a.source,
        "corrected_by": a.corrected_by.username if a.corrected_by else None,
        "correction_reason": a.correction_reason,
    }


class ScanIn(Schema):
    action: str  # in | out
    token: str


@router.post("/sessions/{pk}/scan", response={200: AttendanceOut, 403: Error, 422: Error}, **auth)
def scan(request, pk: int, payload: ScanIn):
    """A trainee's check-in or check-out with the token of the QR code shown in class."""
    session = get_object_or_404(Session, pk=pk)
    return _attendance_out(
        services.attendance_scan(
            actor=request.auth, session=session, action=payload.action, token=payload.token, at=clock.now()
        )
    )


class CorrectionIn(Schema):
    enrolment_id: int
    check_in: datetime | None = None
    check_out: datetime | None = None
    reason: str


@router.post("/sessions/{pk}/corrections", response={200: AttendanceOut, 403: Error, 422: Error}, **auth)
def correct(request, pk: int, payload: CorrectionIn):
    session = selectors.session_for(actor=request.auth, pk=pk)
    e = get_object_or_404(Enrolment, pk=payload.enrolment_id)
    return _attendance_out(
        services.attendance_correct(
            actor=request.auth,
            session=session,
            enrolment=e,
            check_in=payload.check_in,
            check_out=payload.check_out,
            reason=payload.reason,
            at=clock.now(),
        )
    )


class OnlineRecordIn(Schema):
    id_number: str
    name: str
    session_id: int
    start: str  # local time, YYYY-MM-DD HH:MM[:SS]
    end: str


class ImportOut(Schema):
    ok: bool
    created: int
    updated: int
    unchanged: int
    errors: list[dict]
    warnings: list[dict] = []  # rows written but flagged as attendance anomalies [P2.3]


@router.post("/classes/{pk}/online-records", response={200: ImportOut, 403: Error, 422: ImportOut}, **auth)
def online_records(request, pk: int, payload: list[OnlineRecordIn]):
    """Online learning records from the online platform: all or nothing; ``line`` in an error is the
    record's position (1-based) in the list; a re-run with the same records changes nothing."""
    klass = selectors.class_for(actor=request.auth, pk=pk)
    rows = [
        Row(
            line=i,
            values={
                "身份证号": r.id_number,
                "姓名": r.name,
                "课次编号": str(r.session_id),
                "开始时间": r.start,
                "结束时间": r.end,
            },
        )
        for i, r in enumerate(payload, start=1)
    ]
    report = services.online_records_import(
        actor=request.auth,
        klass=klass,
        rows=rows,
        source=Attendance.Source.API,
        filename="api",
        at=clock.now(),
    )
    return Status(200 if report.ok else 422, report.as_dict())


class ProgressOut(Schema):
    enrolment_id: int
    person: str
    status: str
    theory_hours: Decimal | None
    theory_required: Decimal | None
    practice_hours: Decimal | None
    practice_required: Decimal | None
    met: bool | None
    at_risk: bool | None
    certificate: str | None


@router.get("/classes/{pk}/roster", response={200: list[ProgressOut], 403: Error}, **auth)
def roster(request, pk: int):
    klass = selectors.class_for(actor=request.auth, pk=pk)
    out = []
    for r in selectors.roster(actor=request.auth, klass=klass, now=clock.now()):
        e, p, c = r["enrolment"], r["progress"], r["certificate"]
        out.append(
            {
                "enrolment_id": e.pk,
                "person": e.person.name,
                "status": e.status,
                "theory_hours": p.theory[0] if p else None,
                "theory_required": p.theory[1] if p else None,
                "practice_hours": p.practice[0] if p else None,
                "practice_required": p.practice[1] if p else None,
                "met": p.met if p else None,
                "at_risk": p.at_risk if p else None,
                "certificate": c.number if c else None,
            }
        )
    return out


class AnomalyOut(Schema):
    kind: str
    label: str
    message: str
    clause: str
    attendance_ids: list[int]


@router.get("/classes/{pk}/anomalies", response={200: list[AnomalyOut], 403: Error}, **auth)
def anomalies(request, pk: int):
    klass = selectors.class_for(actor=request.auth, pk=pk)
    return [
        {
            "kind": a.kind,
            "label": a.label,
            "message": a.message,
            "clause": a.clause,
            "attendance_ids": a.attendance_ids,
        }
        for a in selectors.anomalies(actor=request.auth, klass=klass)
    ]


# --- certificates [P3.2] --------------------------------------------------------------------------
class CertificateOut(Schema):
    id: int
    number: str
    code: str
    holder: str  # masked name
    institution: str
    occupation: str
    level: str
    theory_hours: Decimal
    practice_hours: Decimal
    issued_on: date
    status: str


def _cert_out(c) -> dict:
    return {
        "id": c.pk,
        "number": c.number,
        "code": c.code,
        "holder": c.person.masked_name,
        "institution": c.institution.name,
        "occupation": c.occupation.code,
        "level": c.level.code,
        "theory_hours": c.theory_hours,
        "practice_hours": c.practice_hours,
        "issued_on": c.issued_on,
        "status": c.status,
    }


@router.post("/enrolments/{pk}/certificate", response={201: CertificateOut, 403: Error, 422: Error}, **auth)
def issue_certificate(request, pk: int):
    cert = services.certificate_issue(actor=request.auth, enrolment=_enrolment(request, pk), at=clock.now())
    return Status(201, _cert_out(cert))


@router.post("/certificates/{pk}/revoke", response={200: CertificateOut, 403: Error, 422: Error}, **auth)
def revoke_certificate(request, pk: int, payload: ReasonIn):
    cert = selectors.certificate_for(actor=request.auth, pk=pk)
    return _cert_out(
        services.certificate_revoke(
            actor=request.auth, certificate=cert, reason=payload.reason, at=clock.now()
        )
    )


class VerifyOut(Schema):
    number: str
    status: str
    holder: str
    institution: str
    occupation: str
    level: str
    issued_on: date


@router.get("/verify/{code}", response={200: VerifyOut, 404: Error})
def verify(request, code: str):
    """Public verification: status and the holder's masked name only."""
    c = selectors.certificate_by_code(code=code)
    return {
        "number": c.number,
        "status": c.status,
        "holder": c.person.masked_name,
        "institution": c.institution.name,
        "occupation": c.occupation.name,
        "level": c.level.name,
        "issued_on": c.issued_on,
    }


# --- events [P2.2] ------------------------------------------------------------------------------
class EventIn(Schema):
    kind: str
    title: str
    starts_on: date
    ends_on: date
    place: str
    organiser: str
    description: str
    capacity: int | None = None  # places; none: no limit [P2.2]


class EventOut(EventIn):
    id: int
    published: bool
    registered: int


def _event_out(ev: Event) -> dict:
    return {
        "id": ev.pk,
        "kind": ev.kind,
        "title": ev.title,
        "starts_on": ev.starts_on,
        "ends_on": ev.ends_on,
        "place": ev.place,
        "organiser": ev.organiser,
        "description": ev.description,
        "capacity": ev.capacity,
        "published": ev.published,
        "registered": ev.registrations.filter(cancelled_at__isnull=True).count(),
    }


@router.get("/events", response=list[EventOut])
def list_events(request):
    return [_event_out(ev) for ev in selectors.published_events(today=clock.today())["upcoming"]]


@router.post("/events", response={201: EventOut, 403: Error, 422: Error}, **auth)
def announce_event(request, payload: EventIn):
    return Status(
        201, _event_out(services.event_announce(actor=request.auth, at=clock.now(), **payload.dict()))
    )


@router.put("/events/{pk}", response={200: EventOut, 403: Error, 404: Error, 422: Error}, **auth)
def update_event(request, pk: int, payload: EventIn):
    ev = selectors.event_for(actor=request.auth, pk=pk)
    return _event_out(services.event_update(actor=request.auth, event=ev, at=clock.now(), **payload.dict()))


class RegistrationOut(Schema):
    event_id: int
    registered_at: datetime
    active: bool


def _registration_out(r) -> dict:
    return {"event_id": r.event_id, "registered_at": r.registered_at, "active": r.active}


@router.post(
    "/events/{pk}/registration", response={201: RegistrationOut, 403: Error, 404: Error, 422: Error}, **auth
)
def register_for_event(request, pk: int):
    ev = selectors.event_for(actor=request.auth, pk=pk)
    return Status(
        201, _registration_out(services.event_register(actor=request.auth, event=ev, at=clock.now()))
    )


@router.post(
    "/events/{pk}/registration/cancel",
    response={200: RegistrationOut, 403: Error, 404: Error, 422: Error},
    **auth,
)
def cancel_event_registration(request, pk: int):
    ev = selectors.event_for(actor=request.auth, pk=pk)
    return _registration_out(services.event_cancel_registration(actor=request.auth, event=ev, at=clock.now()))


# --- the trainee ----------------------------------------------------------------------------------
class MyTrainingOut(Schema):
    enrolments: list[EnrolmentOut]
    certificates: list[CertificateOut]
    ce_hours_by_year: dict[int, Decimal]


@router.get("/me", response={200: MyTrainingOut, 403: Error}, **auth)
def me(request):
    data = selectors.my_training(actor=request.auth, now=clock.now())
    return {
        "enrolments": [_enrolment_out(r["enrolment"]) for r in data["enrolments"]],
        "certificates": [_cert_out(c) for c in data["certificates"]],
        "ce_hours_by_year": dict(data["ce_years"]),
    }
