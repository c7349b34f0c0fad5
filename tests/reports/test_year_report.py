"""The year-end county report [P5.3a]: generated, reviewed, submitted, locked; corrections are new
versions with a reason; the city sees who has submitted; a county acts only for itself."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction
from openpyxl import load_workbook

from dte.audit.models import AuditEntry
from dte.reports import exports, selectors, services
from dte.reports.models import CountyReport
from tests.reports.conftest import AI

pytestmark = pytest.mark.django_db
AT = datetime(2025, 12, 20, 2, 0, tzinfo=UTC)


@pytest.fixture
def submitted(history, county_reviewer, county_approver):
    r = services.report_generate(actor=county_reviewer, county=county_reviewer.county, year=2025, at=AT)
    services.report_review(actor=county_reviewer, report=r, note="已与台账核对", at=AT)
    return services.report_submit(actor=county_approver, report=r, at=AT)


def test_a_generated_report_holds_the_figures_of_the_records(history, county_reviewer):
    r = services.report_generate(actor=county_reviewer, county=county_reviewer.county, year=2025, at=AT)
    assert r.version == 1 and r.status == CountyReport.Status.DRAFT
    assert r.figures == selectors.county_year_figures(
        county=county_reviewer.county, year=2025, as_of=date(2025, 12, 20)
    )
    assert AuditEntry.objects.filter(action="reports.county_report.generate", object_id=str(r.pk)).exists()


def test_a_submitted_report_never_changes_even_when_the_records_do(submitted, records, county_reviewer):
    before = dict(submitted.figures)
    person = records.person(region="330302")
    records.enrol(records.klass(occupation=AI, start=date(2025, 9, 1), end=date(2025, 9, 30)), person)
    with pytest.raises(ValidationError, match="已报送"):
        services.report_generate(actor=county_reviewer, county=county_reviewer.county, year=2025, at=AT)
    submitted.refresh_from_db()
    assert submitted.figures == before
    assert submitted.status == CountyReport.Status.SUBMITTED


def test_the_model_refuses_to_save_or_delete_a_submitted_report(submitted):
    submitted.figures = {"tampered": True}
    with pytest.raises(ValidationError):
        submitted.save()
    with pytest.raises(ValidationError):
        submitted.delete()
    submitted.refresh_from_db()
    assert "tampered" not in submitted.figures


def test_the_database_refuses_to_change_a_submitted_report_behind_the_model_s_back(submitted):
    with pytest.raises(DatabaseError), transaction.atomic():
        CountyReport.objects.filter(pk=submitted.pk).update(figures={"tampered": True})
    submitted.refresh_from_db()
    assert "tampered" not in submitted.figures


def test_a_report_in_preparation_can_still_be_refreshed(history, county_reviewer):
    r = services.report_generate(actor=county_reviewer, county=county_reviewer.county, year=2025, at=AT)
    assert CountyReport.objects.filter(pk=r.pk).update(review_note="x") == 1


def test_a_correction_is_a_new_version_with_a_reason(submitted, records, county_reviewer):
    records.enrol(
        records.klass(occupation=AI, start=date(2025, 9, 1), end=date(2025, 9, 30)), records.person()
    )
    with pytest.raises(ValidationError):
        services.report_correct(
            actor=county_reviewer, county=county_reviewer.county, year=2025, reason=" ", at=AT
        )
    v2 = services.report_correct(
        actor=county_reviewer, county=county_reviewer.county, year=2025, reason="补录9月班次", at=AT
    )
    assert (v2.version, v2.correction_of, v2.correction_reason) == (2, submitted, "补录9月班次")
    assert v2.figures["training_totals"]["completed"] == submitted.figures["training_totals"]["completed"] + 1


def test_the_one_who_reviewed_cannot_submit(history, county_approver):
    r = services.report_generate(actor=county_approver, county=county_approver.county, year=2025, at=AT)
    services.report_review(actor=county_approver, report=r, at=AT)
    with pytest.raises(ValidationError, match="同一人"):
        services.report_submit(actor=county_approver, report=r, at=AT)


def test_a_draft_cannot_be_submitted_before_review(history, county_reviewer, county_approver):
    r = services.report_generate(actor=county_reviewer, county=county_reviewer.county, year=2025, at=AT)
    with pytest.raises(ValidationError, match="复核"):
        services.report_submit(actor=county_approver, report=r, at=AT)


def test_a_reviewer_may_not_submit_and_a_county_may_not_report_for_another(
    history, county_reviewer, other_county_reviewer
):
    with pytest.raises(PermissionDenied):
        services.report_generate(actor=other_county_reviewer, county=county_reviewer.county, year=2025, at=AT)
    r = services.report_generate(actor=county_reviewer, county=county_reviewer.county, year=2025, at=AT)
    services.report_review(actor=county_reviewer, report=r, at=AT)
    with pytest.raises(PermissionDenied):
        services.report_submit(actor=county_reviewer, report=r, at=AT)


def test_the_city_sees_which_counties_have_submitted_and_a_consolidated_table(submitted, city_officer):
    rows = {s["county"].code: s for s in selectors.city_submissions(actor=city_officer, year=2025)}
    assert rows["330302"]["submitted"] == submitted
    assert rows["330381"]["submitted"] is None
    table = selectors.city_table(actor=city_officer, year=2025)
    assert table["claims_totals"]["paid_amount"] == 7200
    assert table["training_totals"]["completed"] == 3


def test_a_county_sees_only_its_own_reports(submitted, other_county_reviewer):
    assert not selectors.reports_for(actor=other_county_reviewer).exists()
    with pytest.raises(PermissionDenied):
        selectors.city_submissions(actor=other_county_reviewer, year=2025)


def test_the_xlsx_is_laid_out_as_a_filed_report(submitted):
    ws = load_workbook(io.BytesIO(exports.xlsx(submitted))).active
    cells = [str(c.value) for row in ws.iter_rows() for c in row if c.value is not None]
    assert cells[0] == "2025年度数字技术工程师培育项目年度统计报表"
    assert any("鹿城区人力资源和社会保障局" in c for c in cells)
    assert "合计(人,去重)" in cells and "合计" in cells
    assert any(c.startswith("填报人") for c in cells) and any(c.startswith("填报日期") for c in cells)
    values = [c.value for row in ws.iter_rows() for c in row]
    assert 7200 in values and 10500 in values


def test_the_pdf_embeds_a_chinese_font(submitted):
    data = exports.pdf(submitted)
    assert data.startswith(b"%PDF-")
    assert b"/FontFile2" in data or b"/FontFile3" in data


def test_each_step_of_the_report_is_audited_with_what_changed(history, county_reviewer, county_approver):
    r = services.report_generate(actor=county_reviewer, county=county_reviewer.county, year=2025, at=AT)
    services.report_review(actor=county_reviewer, report=r, note=" 已核对 ", at=AT)
    services.report_generate(actor=county_reviewer, county=county_reviewer.county, year=2025, at=AT)
    services.report_review(actor=county_reviewer, report=r, at=AT)
    services.report_submit(actor=county_approver, report=r, at=AT)
    entries = AuditEntry.objects.filter(object_type="reports.CountyReport").order_by("pk")
    assert [(e.action, e.changes) for e in entries][1:] == [
        ("reports.county_report.review", {"status": ["draft", "reviewed"], "note": [None, "已核对"]}),
        ("reports.county_report.regenerate", {"status": ["reviewed", "draft"]}),
        ("reports.county_report.review", {"status": ["draft", "reviewed"], "note": [None, ""]}),
        ("reports.county_report.submit", {"status": ["reviewed", "submitted"], "version": [None, 1]}),
    ]
