"""Oversight in the browser, on the demo data (``dte demo`` and ``dte demo_oversight``): the city
dashboard draws its charts (ECharts, served locally), a county generates, submits and downloads its
year-end report [P5.3a], and the city runs an inspection draw [P2.3]. Screenshots of each step are
kept under test-results/."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook

from dte.catalog.services import reference_load
from dte.core import clock
from dte.demo import oversight as oversight_demo
from dte.demo.accounts import ACCOUNTS
from dte.demo.seed import demo_create
from tests.browser.conftest import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORDS = {a.username: a.password for a in ACCOUNTS}
CHARTS = [
    "chart-goal",
    "chart-funnel",
    "chart-queue",
    "chart-county",
    "chart-occupation",
    "chart-level",
    "chart-service",
    "chart-fund",
]


@pytest.fixture
def demo(transactional_db):
    reference_load(at=clock.now())
    demo_create(at=clock.now())
    assert oversight_demo.create(at=clock.now())


def sign_in(page, base, username):
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORDS[username])
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/accounts/home/$"))


def canvas_is_drawn(page, chart_id: str) -> bool:
    """The chart's canvas exists and has painted pixels (not a blank surface)."""
    return page.evaluate(
        """(id) => {
          const c = document.querySelector('#' + id + ' canvas');
          if (!c || c.width === 0 || c.height === 0) return false;
          const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
          let painted = 0;
          for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) painted++;
          return painted > 500;
        }""",
        chart_id,
    )


def test_the_city_dashboard_draws_its_charts(browser_page, live_server, demo):
    page = browser_page
    sign_in(page, live_server.url, "city_officer")
    page.click("#oversight-links >> text=全市统计看板")
    page.wait_for_url(re.compile(r"/reports/dashboard/"))
    assert page.evaluate("typeof window.echarts") == "object"
    for chart in CHARTS:
        page.wait_for_selector(f"#{chart} canvas")
        assert canvas_is_drawn(page, chart), f"{chart} is empty"
    # The numbers beside the charts, in tables one click away: open them all.
    page.evaluate("document.querySelectorAll('details.tbl').forEach(d => d.open = true)")
    first = page.locator("#table-funnel tbody tr").first.locator("td").nth(1).inner_text()
    assert int(first) > 0
    with page.expect_download() as dl:
        page.locator("[data-download=funnel_county]").click()
    assert dl.value.suggested_filename == "dashboard-funnel_county-city.csv"
    page.screenshot(path=str(ARTIFACTS / "oversight_city_dashboard.png"), full_page=True)


def test_a_county_generates_submits_and_downloads_its_year_end_report(browser_page, live_server, demo):
    page = browser_page
    base = live_server.url
    year = clock.today().year
    sign_in(page, base, "county_reviewer")
    page.goto(f"{base}/reports/dashboard/")
    page.wait_for_selector("#chart-goal canvas")
    assert "鹿城区" in page.locator("h1").inner_text()
    page.screenshot(path=str(ARTIFACTS / "oversight_county_dashboard.png"), full_page=True)
    page.goto(f"{base}/reports/year/?year={year}")
    page.click("#generate-form button")
    page.wait_for_url(re.compile(r"/reports/year/\d+/$"))
    report_url = page.url
    assert page.locator("#report-status").inner_text() == "草稿"
    page.fill("#note", "已与本局台账核对一致")
    page.click("#review-form button")
    page.wait_for_selector("#report-status:has-text('已复核')")

    sign_in(page, base, "county_approver")
    page.goto(report_url)
    page.click("#submit-form button")
    page.wait_for_selector("#report-status:has-text('已报送')")
    page.screenshot(path=str(ARTIFACTS / "oversight_year_report_submitted.png"), full_page=True)
    with page.expect_download() as dl:
        page.click("#download-xlsx")
    path = dl.value.path()
    ws = load_workbook(io.BytesIO(open(path, "rb").read())).active
    assert ws["A1"].value == f"{year}年度数字技术工程师培育项目年度统计报表"
    with page.expect_download() as dl:
        page.click("#download-pdf")
    assert open(dl.value.path(), "rb").read(5) == b"%PDF-"

    sign_in(page, base, "city_officer")
    page.goto(f"{base}/reports/year/?year={year}")
    row = page.locator("#submissions tr[data-county='330302']")
    assert "已报送" in row.inner_text()
    page.screenshot(path=str(ARTIFACTS / "oversight_city_submissions.png"), full_page=True)


def test_the_city_runs_an_inspection_draw(browser_page, live_server, demo):
    page = browser_page
    base = live_server.url
    sign_in(page, base, "city_officer")
    page.goto(f"{base}/supervision/")
    today = clock.today()
    page.fill("#id_title", "不定期现场抽查(浏览器测试)")
    page.fill("#id_period_start", f"{today.year - 1}-01-01")
    page.fill("#id_period_end", today.isoformat())
    page.fill("#id_sample_size", "3")
    page.fill("#id_seed", "20301231")
    page.click("#draw-form button")
    page.wait_for_url(re.compile(r"/supervision/plans/\d+/$"))
    assert page.locator("#seed").inner_text() == "20301231"
    assert page.locator("#reproduces").inner_text() == "一致"
    assert page.locator("#drawn tbody tr").count() == 3
    page.screenshot(path=str(ARTIFACTS / "oversight_inspection_draw.png"), full_page=True)
