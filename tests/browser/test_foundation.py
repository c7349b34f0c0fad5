"""Every demo role signs in through the real login page and lands on its own home page."""

import re

import pytest

from dte.catalog.services import reference_load
from dte.core import clock
from dte.demo.accounts import ACCOUNTS
from dte.demo.seed import demo_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(transactional_db):
    reference_load(at=clock.now())
    demo_create(at=clock.now())


def sign_in(page, base, username, password):
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")


@pytest.mark.parametrize("account", ACCOUNTS, ids=[a.username for a in ACCOUNTS])
def test_each_demo_role_signs_in_and_sees_its_home_page(browser_page, live_server, demo, account):
    page = browser_page
    sign_in(page, live_server.url, account.username, account.password)
    page.wait_for_url(re.compile(r"/accounts/home/$"))
    heading = page.locator("h1")
    assert heading.get_attribute("data-role") == account.role.value
    assert heading.inner_text() == f"{account.role.label}工作台"
    assert account.display_name in page.locator(".nav-user").inner_text()
    page.click("text=退出")
    page.wait_for_url(f"{live_server.url}/")


def test_the_home_page_shows_every_occupation_and_designation(browser_page, live_server, demo):
    page = browser_page
    page.goto(live_server.url + "/")
    assert page.locator("article.card").count() == 10
    assert page.locator("article.card ul.tags li").count() == 36
    # htmx, served locally, has loaded: no asset from outside this server.
    assert page.evaluate("typeof window.htmx") == "object"


@pytest.mark.mobile
def test_the_home_page_is_usable_at_phone_width(browser_page, live_server, demo):
    page = browser_page
    page.goto(live_server.url + "/")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"page scrolls sideways at phone width ({width}px)"
    assert page.locator("a.button", has_text="实名注册").is_visible()


def test_a_wrong_password_shows_a_message_in_chinese(browser_page, live_server, demo):
    page = browser_page
    sign_in(page, live_server.url, "trainee", "not-the-password")
    assert "账号或密码不正确" in page.locator(".errorlist").inner_text()
