"""Supervision API [P2.3], [P5.3b]: the draw, inspection plans, class quality, the public fees."""

from __future__ import annotations

from datetime import date, datetime

from ninja import Router, Schema, Status

from dte.core import clock
from dte.core.api_auth import session_auth
from dte.supervision import selectors, services

router = Router(tags=["supervision"])


class DrawIn(Schema):
    title: str
    period_start: date
    period_end: date
    sample_size: int
    seed: int | None = None


class InspectionPlanOut(Schema):
    id: int
    title: str
    period_start: date
    period_end: date
    sample_size: int
    seed: int
    candidates: list[int]
    drawn: list[int]
    created_at: datetime
    reproduces: bool


def _plan_out(p) -> dict:
    return {
        "id": p.pk,
        "title": p.title,
        "period_start": p.period_start,
        "period_end": p.period_end,
        "sample_size": p.sample_size,
        "seed": p.seed,
        "candidates": p.candidates,
        "drawn": p.drawn,
        "created_at": p.created_at,
        "reproduces": selectors.draw_reproduces(plan=p),
    }


@router.get("/plans", response=list[InspectionPlanOut], auth=session_auth)
def list_plans(request):
    return [_plan_out(p) for p in selectors.plans(actor=request.auth)]


@router.post("/plans", response={201: InspectionPlanOut}, auth=session_auth)
def draw(request, payload: DrawIn):
    """Draw classes for unannounced checks; the seed is recorded (given, or generated)."""
    plan = services.inspection_plan_draw(actor=request.auth, at=clock.now(), **payload.dict())
    return Status(201, _plan_out(plan))


@router.get("/plans/{pk}", response=InspectionPlanOut, auth=session_auth)
def get_plan(request, pk: int):
    return _plan_out(selectors.plan(actor=request.auth, pk=pk))


class ClassQualityOut(Schema):
    class_id: int
    institution: str
    name: str
    end_date: date
    responses: int
    survey_score: float | None
    inspections: int
    inspection_score: float | None
    score: float | None


def _f(v):
    return None if v is None else float(v)


@router.get("/quality", response=list[ClassQualityOut], auth=session_auth)
def quality(request):
    return [
        {
            "class_id": q.klass.pk,
            "institution": q.klass.plan.institution.name,
            "name": q.klass.name,
            "end_date": q.klass.end_date,
            "responses": q.responses,
            "survey_score": _f(q.survey_score),
            "inspections": q.inspections,
            "inspection_score": _f(q.inspection_score),
            "score": _f(q.score),
        }
        for q in selectors.class_quality(actor=request.auth)
    ]


class FeeClassOut(Schema):
    id: int
    name: str
    fee: int
    over_published: bool


class FeePlanOut(Schema):
    institution: str
    occupation: str
    level: str
    plan: str
    published_fee: int
    classes: list[FeeClassOut]


@router.get("/fees", response=list[FeePlanOut], tags=["public"])
def fees(request):
    """Public: every institution's published fees and the flagged classes [P5.3b]."""
    return [
        {
            "institution": inst.name,
            "occupation": r.plan.occupation.name,
            "level": r.plan.level.name,
            "plan": r.plan.title,
            "published_fee": r.plan.fee,
            "classes": [
                {"id": k.pk, "name": k.name, "fee": k.fee, "over_published": k.over_published}
                for k in r.classes
            ],
        }
        for inst, rows in selectors.fee_disclosure()
        for r in rows
    ]
