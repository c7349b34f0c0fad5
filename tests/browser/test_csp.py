"""The Content-Security-Policy in the browser: the pages whose scripts moved out of the templates
(the dashboards' charts, the shared site.js) work under it, and Chromium reports no violation."""

from __future__ import annotations

import pytest

from tests.browser.test_oversight_dashboard import CHARTS, canvas_is_drawn, demo, sign_in  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _watch_violations(page) -> list[str]:
    seen: list[str] = []
    page.on("console", lambda m: seen.append(m.text) if "Content Security Policy" in m.text else None)
    return seen


def test_dashboards_draw_their_charts_under_the_csp_with_no_violation(browser_page, live_server, demo):  # noqa: F811
    page = browser_page
    violations = _watch_violations(page)
    sign_in(page, live_server.url, "city_officer")
    response = page.goto(f"{live_server.url}/reports/dashboard/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    for chart in CHARTS:
        page.wait_for_selector(f"#{chart} canvas")
        assert canvas_is_drawn(page, chart), f"{chart} is empty"
    page.goto(f"{live_server.url}/supervision/quality/")
    page.wait_for_selector("#chart-institutions canvas")
    assert canvas_is_drawn(page, "chart-institutions")
    assert violations == []


def test_a_data_confirm_button_asks_first_and_does_nothing_when_declined(browser_page, live_server, demo):  # noqa: F811
    page = browser_page
    violations = _watch_violations(page)
    sign_in(page, live_server.url, "city_officer")
    page.goto(f"{live_server.url}/")
    # A form whose button asks first (as the bank-return button of a payment batch does).
    page.evaluate(
        """() => {
          const f = document.createElement('form'); f.method = 'get'; f.action = '/';
          f.innerHTML = '<input type="hidden" name="submitted" value="1">'
            + '<button id="probe" data-confirm="确认?">提交</button>';
          document.querySelector('main').appendChild(f);
        }"""
    )
    asked: list[str] = []

    def decline(dialog):
        asked.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", decline)
    page.click("#probe")
    page.wait_for_timeout(300)
    assert asked == ["确认?"] and "submitted" not in page.url
    page.once("dialog", lambda d: d.accept())
    with page.expect_navigation():
        page.click("#probe")
    assert page.url.endswith("/?submitted=1")
    assert violations == []
