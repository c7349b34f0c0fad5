"""Writes of the year-end county report [P5.3a]: generate (or refresh a version in preparation),
review, submit (which locks it), and correct (a new version with a reason). Each in one transaction,
audited; a county acts only for itself (DESIGN.md §5)."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from dte.audit import services as audit
from dte.catalog.models import County
from dte.core.bounds import REASON_MAX, clean_text
from dte.core.permissions import Cap, require
from dte.reports import rollups, selectors, stages
from dte.reports.models import CountyReport


def _own_county(actor, county: County) -> None:
    if actor.county_id != county.pk:
        raise PermissionDenied("只能编制本县(市、区)的年度报告")


def _check_year(year: int, at: datetime) -> None:
    start = selectors.programme_start().year
    if not start <= year <= at.year:
        raise ValidationError({"year": [f"年度应在 {start} 至 {at.year} 之间"]})


def _local(at: datetime):
    return at.astimezone(selectors.tz()).date()


@transaction.atomic
def report_generate(*, actor, county: County, year: int, at: datetime) -> CountyReport:
    """Generate the report from the records [P5.3a]; a version in preparation is refreshed (and goes
    back to draft). Once a version is submitted, only a correction (with a reason) makes a new one."""
    require(actor, Cap.PREPARE_COUNTY_REPORT)
    _own_county(actor, county)
    _check_year(year, at)
    versions = CountyReport.objects.select_for_update().filter(county=county, year=year).order_by("-version")
    latest = versions.first()
    figures = selectors.county_year_figures(county=county, year=year, as_of=_local(at))
    if latest is not None and latest.locked:
        raise ValidationError("本年度报告已报送并锁定;如需更正,请填写更正理由生成新版本 [P5.3a]")
    if latest is None:
        report = CountyReport.objects.create(
            county=county, year=year, version=1, figures=figures, generated_by=actor, generated_at=at
        )
        audit.record(
            actor=actor,
            action="reports.county_report.generate",
            obj=report,
            at=at,
            after={"county": county.code, "year": year, "version": 1, "figures": figures},
        )
        return report
    return audit.audited_save(
        obj=latest,
        actor=actor,
        action="reports.county_report.regenerate",
        at=at,
        values={
            "figures": figures,
            "status": CountyReport.Status.DRAFT,
            "generated_by": actor,
            "generated_at": at,
            "reviewed_by": None,
            "reviewed_at": None,
            "review_note": "",
        },
        audited=("status", "figures"),
    )


@transaction.atomic
def report_correct(*, actor, county: County, year: int, reason: str, at: datetime) -> CountyReport:
    """[P5.3a] A correction of a submitted report: a new version, generated afresh, with the reason."""
    require(actor, Cap.PREPARE_COUNTY_REPORT)
    _own_county(actor, county)
    reason = clean_text(reason, field="reason", label="更正理由", max_length=REASON_MAX)
    if not reason:
        raise ValidationError({"reason": ["请填写更正理由"]})
    latest = (
        CountyReport.objects.select_for_update().filter(county=county, year=year).order_by("-version").first()
    )
    if latest is None or not latest.locked:
        raise ValidationError("只有已报送的报告才需要更正;尚未报送的版本可直接重新生成")
    figures = selectors.county_year_figures(county=county, year=year, as_of=_local(at))
    report = CountyReport.objects.create(
        county=county,
        year=year,
        version=latest.version + 1,
        figures=figures,
        generated_by=actor,
        generated_at=at,
        correction_of=latest,
        correction_reason=reason,
    )
    audit.record(
        actor=actor,
        action="reports.county_report.correct",
        obj=report,
        at=at,
        reason=report.correction_reason,
        after={
            "county": county.code,
            "year": year,
            "version": report.version,
            "corrects": latest.pk,
            "figures": figures,
        },
    )
    return report


def _lock(report: CountyReport) -> CountyReport:
    return CountyReport.objects.select_for_update().get(pk=report.pk)


@transaction.atomic
def report_review(*, actor, report: CountyReport, note: str = "", at: datetime) -> CountyReport:
    """The county checks the generated figures against its own books and marks them reviewed."""
    require(actor, Cap.PREPARE_COUNTY_REPORT)
    report = _lock(report)
    _own_county(actor, report.county)
    if report.status != CountyReport.Status.DRAFT:
        raise ValidationError(f"当前状态为“{report.get_status_display()}”,不能复核")
    note = note.strip()
    return audit.audited_save(
        obj=report,
        actor=actor,
        action="reports.county_report.review",
        at=at,
        values={
            "status": CountyReport.Status.REVIEWED,
            "reviewed_by": actor,
            "reviewed_at": at,
            "review_note": note,
        },
        audited=("status",),
        noted={"note": note},
    )


@transaction.atomic
def report_submit(*, actor, report: CountyReport, at: datetime) -> CountyReport:
    """[P5.3a] Submit the reviewed report to the city; from now on it is locked. Four eyes
    (DESIGN.md §5): the one who submits is not the one who reviewed."""
    require(actor, Cap.SUBMIT_COUNTY_REPORT)
    report = _lock(report)
    _own_county(actor, report.county)
    if report.status != CountyReport.Status.REVIEWED:
        raise ValidationError("报告须先经复核才能报送")
    if report.reviewed_by_id == actor.pk:
        raise ValidationError("复核人与报送人不能为同一人(双人经办)")
    return audit.audited_save(
        obj=report,
        actor=actor,
        action="reports.county_report.submit",
        at=at,
        values={"status": CountyReport.Status.SUBMITTED, "submitted_by": actor, "submitted_at": at},
        audited=("status",),
        noted={"version": report.version},
    )


def rollups_rebuild() -> tuple[int, int, int]:
    """Recount the dashboards' rollups from the records: the claims' (``dte.reports.rollups``) and the
    training stages' (``dte.reports.stages``), each in one transaction; idempotent. Returns the
    number of rows of each rollup."""
    tallies, dues = rollups.rebuild()
    return tallies, dues, stages.rebuild()


def stages_rebuild() -> int:
    """Recount the training stages' rollup alone: after the programme's start [P5.4] is changed by a
    published parameter version (the level certificates it counts are those issued from that date).
    Idempotent; the number of rows."""
    return stages.rebuild()
