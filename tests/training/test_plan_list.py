"""The plans list through the shared list component: the city sorts, filters, pages and exports it
(70 plans a year need more than one long table)."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import date

from openpyxl import load_workbook

from dte.training.views import plans as plan_views
from tests.training import helpers as h


def _fees(body: str) -> list[str]:
    return re.findall(r"<td>([\d,]+)元</td>", body)


def _three_plans(staff):
    for fee, start in ((2800, date(2025, 4, 1)), (1500, date(2025, 5, 1)), (3600, date(2025, 6, 1))):
        h.draft_plan(staff, fee=fee, start=start, end=date(2025, 9, 30))


def test_the_city_sorts_the_plans_by_fee_and_filters_them_by_status_and_start_date(
    institution_staff, city_officer, client_as
):
    _three_plans(institution_staff)
    client = client_as(city_officer)
    assert _fees(client.get("/training/plans/", {"sort": "fee"}).content.decode()) == [
        "1,500",
        "2,800",
        "3,600",
    ]
    assert _fees(client.get("/training/plans/", {"sort": "-fee"}).content.decode()) == [
        "3,600",
        "2,800",
        "1,500",
    ]
    may = client.get(
        "/training/plans/", {"start_from": "2025-04-15", "start_to": "2025-05-31"}
    ).content.decode()
    assert "1,500" in may and "2,800" not in may and "3,600" not in may and "共 1 条" in may
    assert "共 0 条" in client.get("/training/plans/", {"status": "on_file"}).content.decode()


def test_the_plans_list_is_paged(institution_staff, city_officer, client_as, monkeypatch):
    monkeypatch.setattr(plan_views, "PLAN_LIST", replace(plan_views.PLAN_LIST, per_page=2))
    _three_plans(institution_staff)
    body = client_as(city_officer).get("/training/plans/", {"page": "2"}).content.decode()
    assert "第 2/2 页" in body and 'rel="prev"' in body and 'rel="next"' not in body


def test_the_plans_export_holds_the_current_filter(institution_staff, city_officer, client_as):
    _three_plans(institution_staff)
    response = client_as(city_officer).get("/training/plans/", {"sort": "fee", "export": "xlsx", "q": "2-02"})
    assert re.fullmatch(
        r'attachment; filename="training-plans-\d{4}-\d\d-\d\d\.xlsx"', response["Content-Disposition"]
    )
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "计划" and [r[5] for r in rows[1:]] == [1500, 2800, 3600]
