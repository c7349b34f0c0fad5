"""Dashboard, report and open-statistics pages and API: who may see what, and the downloads."""

from __future__ import annotations

import csv
import io
import json

import pytest

from tests.reports.conftest import TODAY

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def today(monkeypatch):
    monkeypatch.setattr("dte.core.clock.today", lambda: TODAY)


def test_the_city_dashboard_shows_charts_and_their_tables(history, city_officer, client_as):
    r = client_as(city_officer).get("/reports/dashboard/")
    assert r.status_code == 200
    html = r.content.decode()
    assert "vendor/echarts.min.js" in html
    for chart in ["chart-goal", "chart-funnel", "chart-county", "chart-service", "chart-fund"]:
        assert f'id="{chart}"' in html
    assert 'id="table-funnel_county"' in html


def test_every_dashboard_table_downloads_as_csv(history, city_officer, client_as):
    client = client_as(city_officer)
    r = client.get("/reports/dashboard/?download=fund")
    assert r["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0] == ["县(市、区)", "年度预算", "已承诺未拨付", "本年已拨付", "本年追回", "可用余额"]
    assert rows[1] == ["鹿城区", "100000", "3300", "7200", "500", "90000"]
    assert rows[-1][0] == "合计"
    assert client.get("/reports/dashboard/?download=nonsense").status_code == 404


def test_a_county_sees_its_own_dashboard_and_is_refused_another(history, county_reviewer, client_as):
    client = client_as(county_reviewer)
    r = client.get("/reports/dashboard/")
    assert r.status_code == 200 and "鹿城区" in r.content.decode()
    assert client.get("/reports/dashboard/?county=330381").status_code == 403
    assert client.get("/api/reports/dashboard?county=330381").status_code == 403
    assert client.get("/api/reports/dashboard").json()["county"] == "330302"


@pytest.mark.parametrize("persona", ["trainee", "institution_staff", "evaluation_staff"], indirect=True)
def test_people_outside_the_bureaus_see_no_dashboard(persona, client_as):
    assert client_as(persona).get("/reports/dashboard/").status_code == 403


def test_a_county_generates_reviews_and_submits_its_report_through_the_pages(
    history, county_reviewer, county_approver, city_officer, client_as
):
    client = client_as(county_reviewer)
    r = client.post("/reports/year/generate/", {"year": 2025})
    assert r.status_code == 302
    url = r["Location"]
    client.post(url + "review/", {"note": "核对一致"})
    client = client_as(county_approver)
    client.post(url + "submit/")
    page = client.get(url).content.decode()
    assert "已报送(锁定)" in page
    x = client.get(url + "?format=xlsx")
    assert x["Content-Type"].startswith("application/vnd.openxmlformats")
    assert client.get(url + "?format=pdf").content.startswith(b"%PDF-")
    city = client_as(city_officer).get("/reports/year/?year=2025").content.decode()
    assert 'data-county="330302"' in city and "已报送" in city


def test_another_county_cannot_open_the_report(history, county_reviewer, other_county_reviewer, client_as):
    url = client_as(county_reviewer).post("/reports/year/generate/", {"year": 2025})["Location"]
    assert client_as(other_county_reviewer).get(url).status_code == 404


def test_open_statistics_are_public_in_csv_and_json(history, client):
    assert client.get("/reports/open/").status_code == 200
    data = json.loads(client.get("/reports/open/?format=json").content)
    assert data["suppressed_below"] == 5 and data["rows"]
    text = client.get("/reports/open/?format=csv").content.decode("utf-8-sig")
    assert "<5" in text
    assert client.get("/api/reports/open").status_code == 200
