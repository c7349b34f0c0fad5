"""Each role's workbench in the browser, on the demo data with its two years of history: every
demo account signs in, lands on its workbench (a screenshot of each is kept under
test-results/workbench_<account>.png) and follows one card to the list filtered to its items; the
role menu is reachable by keyboard; the 404 page of a wrong certificate code
(test-results/error_404_certificate.png)."""

from __future__ import annotations

import re

import pytest

from dte.catalog.services import reference_load
from dte.core import clock
from dte.demo import oversight as oversight_demo
from dte.demo.accounts import ACCOUNTS
from dte.demo.seed import demo_create
from tests.browser.conftest import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The card each account follows, and the address its filtered list opens at.
FOLLOW = {
    "trainee": ("claims-draft", r"/subsidy/\?status=draft"),
    "institution_staff": ("plans-submitted", r"/training/plans/\?status=submitted"),
    "evaluation_staff": ("regs-accepted", r"/evaluation/\?status=accepted"),
    "county_reviewer": ("claims-review", r"/subsidy/queue/\?status=under_review"),
    "county_approver": ("claims-approve", r"/subsidy/queue/\?status=reviewed"),
    "other_county_reviewer": ("claims-review", r"/subsidy/queue/\?status=under_review"),
    "city_officer": ("plans-submitted", r"/training/plans/\?status=submitted"),
    "auditor": ("claims-review", r"/subsidy/queue/\?status=under_review"),
    "admin": ("accounts", r"/accounts/manage/"),
}


@pytest.fixture
def demo(transactional_db):
    reference_load(at=clock.now())
    demo_create(at=clock.now())
    oversight_demo.create(at=clock.now())  # two years of classes and claims across the counties


def sign_in(page, base, account):
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", account.username)
    page.fill("#id_password", account.password)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/accounts/home/$"))


@pytest.mark.parametrize("account", ACCOUNTS, ids=[a.username for a in ACCOUNTS])
def test_each_role_opens_its_workbench_and_follows_a_card_to_its_list(
    browser_page, live_server, demo, account
):
    page = browser_page
    sign_in(page, live_server.url, account)
    assert page.locator("h1").inner_text() == f"{account.role.label}工作台"
    assert page.locator(".work-card").count() >= 2
    assert page.locator("nav.role-nav a").first.inner_text() == "工作台"
    page.wait_for_load_state("networkidle")  # the city's anomaly count arrives after the page
    assert page.locator(".work-lazy:has-text('正在统计')").count() == 0
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"workbench_{account.username}.png"), full_page=True)

    key, address = FOLLOW[account.username]
    card = page.locator(f"#card-{key}")
    count = card.get_attribute("data-count")
    card.locator("h3 a").click()
    page.wait_for_url(re.compile(address))
    assert page.locator(".error-page").count() == 0
    if "/subsidy/queue/" in address:  # the queue counts exactly the card's claims
        assert f"共 {count} 件" in page.locator("#results").inner_text()


def test_the_role_menu_is_reachable_by_keyboard(browser_page, live_server, demo):
    page = browser_page
    sign_in(page, live_server.url, next(a for a in ACCOUNTS if a.username == "county_reviewer"))
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "跳到正文"
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.closest('nav.role-nav') !== null"):
            break
    else:
        pytest.fail("the role menu is not reachable with the Tab key")
    assert page.evaluate("document.activeElement.textContent") == "工作台"
    while page.evaluate("document.activeElement.textContent") != "办理队列":
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/subsidy/queue/$"))


def test_a_wrong_certificate_code_shows_the_404_page_in_chinese(browser_page, live_server, demo):
    page = browser_page
    response = page.goto(f"{live_server.url}/training/verify/FORGED-0000/")
    assert response.status == 404
    assert page.locator("h1").inner_text() == "未找到该证书,可能为伪造,请核实"
    assert page.locator("nav.site-nav a", has_text="培训项目").is_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "error_404_certificate.png"), full_page=True)
