"""Enrolment: applying, admission, enrolment on behalf, withdrawal, drop-out, the completion
assessment [P2.3], [P4.3]."""

from __future__ import annotations

from datetime import date

from ninja import Schema, Status

from dte.core import clock
from dte.training import selectors, services
from dte.training.api.common import ReasonIn, auth, enrolment_in_scope, router


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


def enrolment_out(e) -> dict:
    return {
        "id": e.pk,
        "class_id": e.klass_id,
        "person": e.person.masked_name,
        "category": e.category,
        "status": e.status,
        "completion_passed": e.completion_passed,
    }


@router.post("/classes/{pk}/enrolments", response={201: EnrolmentOut}, **auth)
def apply(request, pk: int, payload: ApplyIn):
    klass = selectors.public_class(pk=pk)
    e = services.enrolment_apply(actor=request.auth, klass=klass, at=clock.now(), **payload.dict())
    return Status(201, enrolment_out(e))


@router.post("/enrolments/{pk}/admit", response=EnrolmentOut, **auth)
def admit(request, pk: int):
    return enrolment_out(
        services.enrolment_admit(
            actor=request.auth, enrolment=enrolment_in_scope(request, pk), at=clock.now()
        )
    )


@router.post("/enrolments/{pk}/refuse", response=EnrolmentOut, **auth)
def refuse(request, pk: int, payload: ReasonIn):
    return enrolment_out(
        services.enrolment_refuse(
            actor=request.auth,
            enrolment=enrolment_in_scope(request, pk),
            reason=payload.reason,
            at=clock.now(),
        )
    )


class OnBehalfIn(ApplyIn):
    id_number: str
    name: str = ""  # required when the ID number is not yet registered [P4.3]
    phone: str = ""


@router.post("/classes/{pk}/enrolments/on-behalf", response={201: EnrolmentOut}, **auth)
def enrol_on_behalf(request, pk: int, payload: OnBehalfIn):
    """Institution staff enrol (and admit) a real-name person found or registered by ID number."""
    klass = selectors.class_for(actor=request.auth, pk=pk)
    e = services.enrolment_on_behalf(actor=request.auth, klass=klass, at=clock.now(), **payload.dict())
    return Status(201, enrolment_out(e))


class OptionalReasonIn(Schema):
    reason: str = ""


@router.post("/enrolments/{pk}/withdraw", response=EnrolmentOut, **auth)
def withdraw(request, pk: int, payload: OptionalReasonIn):
    e = selectors.enrolment_for(actor=request.auth, pk=pk)
    return enrolment_out(
        services.enrolment_withdraw(actor=request.auth, enrolment=e, reason=payload.reason, at=clock.now())
    )


@router.post("/enrolments/{pk}/drop", response=EnrolmentOut, **auth)
def drop(request, pk: int, payload: ReasonIn):
    e = selectors.enrolment_for(actor=request.auth, pk=pk)
    return enrolment_out(
        services.enrolment_drop(actor=request.auth, enrolment=e, reason=payload.reason, at=clock.now())
    )


class AssessIn(Schema):
    passed: bool
    note: str = ""


@router.post("/enrolments/{pk}/completion", response=EnrolmentOut, **auth)
def assess(request, pk: int, payload: AssessIn):
    return enrolment_out(
        services.completion_assess(
            actor=request.auth,
            enrolment=enrolment_in_scope(request, pk),
            passed=payload.passed,
            note=payload.note,
            at=clock.now(),
        )
    )
