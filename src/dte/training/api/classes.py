"""A class's steps: roster submission and review, start, completion [P2.3]."""

from __future__ import annotations

from ninja import Schema

from dte.core import clock
from dte.training import selectors, services
from dte.training.api.common import auth, router
from dte.training.api.plans import ClassOut, class_out


class RosterReviewIn(Schema):
    approve: bool
    note: str = ""


@router.post("/classes/{pk}/roster/submit", response=ClassOut, **auth)
def submit_roster(request, pk: int):
    klass = selectors.class_for(actor=request.auth, pk=pk)
    return class_out(services.roster_submit(actor=request.auth, klass=klass, at=clock.now()))


@router.post("/classes/{pk}/roster/review", response=ClassOut, **auth)
def review_roster(request, pk: int, payload: RosterReviewIn):
    klass = selectors.class_for(actor=request.auth, pk=pk)
    return class_out(
        services.roster_review(
            actor=request.auth, klass=klass, approve=payload.approve, note=payload.note, at=clock.now()
        )
    )


@router.post("/classes/{pk}/start", response=ClassOut, **auth)
def start_class(request, pk: int):
    klass = selectors.class_for(actor=request.auth, pk=pk)
    return class_out(services.class_start(actor=request.auth, klass=klass, at=clock.now()))


@router.post("/classes/{pk}/complete", response=ClassOut, **auth)
def complete_class(request, pk: int):
    klass = selectors.class_for(actor=request.auth, pk=pk)
    return class_out(services.class_complete(actor=request.auth, klass=klass, at=clock.now()))
