"""Plans and the classes opened under them, and the public catalogue [P3.1], [P3.2], [P4.3]."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from ninja import Schema, Status

from dte.catalog.models import EvaluationBody, Level, Occupation
from dte.core import clock
from dte.training import selectors, services
from dte.training.api.common import ReasonIn, auth, router


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


def class_out(k) -> dict:
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
    return [class_out(k) for k in selectors.catalogue(today=clock.today(), occupation=occupation)]


@router.get("/plans", response=list[PlanOut], **auth)
def list_plans(request):
    return [_plan_out(p) for p in selectors.plans_for(actor=request.auth)]


def _by_code(model, field: str, code: str):
    """The catalogue entry a plan names by code; an unknown code is a bad field (422)."""
    found = model.objects.filter(code=code).first()
    if found is None:
        raise ValidationError({field: f"没有编码为“{code}”的{model._meta.verbose_name}"})
    return found


@router.post("/plans", response={201: PlanOut}, **auth)
def draft_plan(request, payload: PlanIn):
    data = payload.dict()
    plan = services.plan_draft(
        actor=request.auth,
        at=clock.now(),
        occupation=_by_code(Occupation, "occupation", data.pop("occupation")),
        level=_by_code(Level, "level", data.pop("level")),
        evaluation_body=_by_code(EvaluationBody, "evaluation_body", data.pop("evaluation_body")),
        **data,
    )
    return Status(201, _plan_out(plan))


@router.post("/plans/{pk}/submit", response=PlanOut, **auth)
def submit_plan(request, pk: int):
    plan = selectors.plan_for(actor=request.auth, pk=pk)
    return _plan_out(services.plan_submit(actor=request.auth, plan=plan, at=clock.now()))


@router.post("/plans/{pk}/file", response=PlanOut, **auth)
def file_plan(request, pk: int):
    plan = selectors.plan_for(actor=request.auth, pk=pk)
    return _plan_out(services.plan_file(actor=request.auth, plan=plan, at=clock.now()))


@router.post("/plans/{pk}/return", response=PlanOut, **auth)
def return_plan(request, pk: int, payload: ReasonIn):
    plan = selectors.plan_for(actor=request.auth, pk=pk)
    return _plan_out(
        services.plan_return(actor=request.auth, plan=plan, reason=payload.reason, at=clock.now())
    )


@router.post("/plans/{pk}/classes", response={201: ClassOut}, **auth)
def open_class(request, pk: int, payload: ClassIn):
    plan = selectors.plan_for(actor=request.auth, pk=pk)
    return Status(
        201, class_out(services.class_open(actor=request.auth, plan=plan, at=clock.now(), **payload.dict()))
    )
