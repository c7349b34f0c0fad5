"""Reports API: dashboards (city or own county), year-end county reports [P5.3a], open statistics."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied
from ninja import Field, Query, Router, Schema, Status

from dte.core import clock
from dte.core.api_auth import session_auth
from dte.core.bounds import YEAR_MAX, YEAR_MIN
from dte.core.permissions import Cap, can
from dte.reports import open_data, selectors, services
from dte.reports.views import tables

router = Router(tags=["reports"])


class TableOut(Schema):
    title: str
    headers: list[str]
    rows: list[list]


class DashboardOut(Schema):
    county: str | None
    year: int | None
    goal: dict
    tables: dict[str, TableOut]


@router.get("/dashboard", response=DashboardOut, auth=session_auth)
def dashboard(request, county: str | None = None, year: int | None = Query(None, ge=YEAR_MIN, le=YEAR_MAX)):
    """The city's dashboard, or the actor's own county's (another county: 403)."""
    actor = request.auth
    if not (can(actor, Cap.SUPERVISE_CITY) or can(actor, Cap.VIEW_COUNTY_DASHBOARD)):
        raise PermissionDenied("无权查看统计看板")
    d = selectors.dashboard(actor=actor, county_code=county, year=year, today=clock.today())
    return {
        "county": d.county.code if d.county else None,
        "year": d.year,
        "goal": {
            k: (str(v) if not isinstance(v, int | bool | list | type(None)) else v) for k, v in d.goal.items()
        },
        "tables": tables(d),
    }


class ReportOut(Schema):
    id: int
    county: str
    year: int
    version: int
    status: str
    figures: dict
    generated_at: datetime
    submitted_at: datetime | None
    correction_reason: str


def _out(r) -> dict:
    return {
        "id": r.pk,
        "county": r.county.code,
        "year": r.year,
        "version": r.version,
        "status": r.status,
        "figures": r.figures,
        "generated_at": r.generated_at,
        "submitted_at": r.submitted_at,
        "correction_reason": r.correction_reason,
    }


@router.get("/year-reports", response=list[ReportOut], auth=session_auth)
def year_reports(request, year: int | None = Query(None, ge=YEAR_MIN, le=YEAR_MAX)):
    return [_out(r) for r in selectors.reports_for(actor=request.auth, year=year)]


class GenerateIn(Schema):
    year: int = Field(ge=YEAR_MIN, le=YEAR_MAX)


@router.post("/year-reports", response={201: ReportOut}, auth=session_auth)
def generate(request, payload: GenerateIn):
    r = services.report_generate(
        actor=request.auth, county=request.auth.county, year=payload.year, at=clock.now()
    )
    return Status(201, _out(r))


@router.get("/year-reports/{pk}", response=ReportOut, auth=session_auth)
def year_report(request, pk: int):
    return _out(selectors.report_for(actor=request.auth, pk=pk))


class ReportReviewIn(Schema):
    note: str = ""


@router.post("/year-reports/{pk}/review", response=ReportOut, auth=session_auth)
def review(request, pk: int, payload: ReportReviewIn):
    r = selectors.report_for(actor=request.auth, pk=pk)
    return _out(services.report_review(actor=request.auth, report=r, note=payload.note, at=clock.now()))


@router.post("/year-reports/{pk}/submit", response=ReportOut, auth=session_auth)
def submit(request, pk: int):
    r = selectors.report_for(actor=request.auth, pk=pk)
    return _out(services.report_submit(actor=request.auth, report=r, at=clock.now()))


class CorrectIn(Schema):
    reason: str


@router.post("/year-reports/{pk}/correct", response={201: ReportOut}, auth=session_auth)
def correct(request, pk: int, payload: CorrectIn):
    r = selectors.report_for(actor=request.auth, pk=pk)
    new = services.report_correct(
        actor=request.auth, county=r.county, year=r.year, reason=payload.reason, at=clock.now()
    )
    return Status(201, _out(new))


class OpenRow(Schema):
    year: int
    county_code: str
    county: str
    occupation_code: str
    occupation: str
    level: str
    trained: int | None
    level_certified: int | None
    paid_claims: int | None
    paid_amount: int | None


@router.get("/open", response=list[OpenRow], tags=["public"])
def open_statistics(request):
    """Public aggregate figures; counts 1–4 are null (suppressed), and so is the amount beside them."""
    return open_data.open_statistics()
