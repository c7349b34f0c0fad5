"""Phone width (issue 17, item 6): at 390 px the lists become cards, no page needs sideways
scrolling and no text is squeezed to a character or two a line: the queue, the public catalogue,
class management and payments in detail, and every page of every role (the axe test's crawl). The
queue at 390 px is kept as test-results/queue_390.png."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from dte.catalog.services import reference_load
from dte.core import clock
from dte.demo import oversight as oversight_demo
from dte.demo.accounts import ACCOUNTS
from dte.demo.seed import demo_create
from dte.training.models import TrainingClass
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_accessibility import demo, sign_in, visit_all  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.mobile, pytest.mark.django_db(transaction=True)]

ACCOUNT = {a.username: a for a in ACCOUNTS}

# Elements of the page body (four characters or more) whose text is under three characters wide and
# runs over two lines or more, under two and a half characters a line: wrapped a character or two a line.
SQUEEZED = """() => {
  const bad = [];
  const tags = ['td', 'th', 'p', 'li', 'a', 'dd', 'dt', 'label', 'button', 'h1', 'h2'];
  for (const el of document.querySelectorAll(tags.map(t => 'main ' + t).join(', '))) {
    const text = el.textContent.replace(/\\s+/g, '');
    if (text.length < 4 || el.offsetParent === null || el.closest('.sr-only, .visually-hidden')) continue;
    const style = getComputedStyle(el);
    const line = parseFloat(style.lineHeight) || 1.6 * parseFloat(style.fontSize);
    const range = document.createRange();
    range.selectNodeContents(el);
    const box = range.getBoundingClientRect();
    const lines = Math.round(box.height / line);
    if (lines >= 2 && text.length / lines < 2.5 && box.width < 3 * parseFloat(style.fontSize)) {
      bad.push(`${el.tagName} "${text.slice(0, 16)}" ${Math.round(box.width)}px, ${lines} lines`);
    }
  }
  return bad;
}"""


@pytest.fixture
def busy_demo(transactional_db):
    """The demo with two years of classes and claims across the counties: a queue full of claims."""
    reference_load(at=clock.now())
    demo_create(at=clock.now())
    oversight_demo.create(at=clock.now())


def assert_fits_the_phone(page):
    page.wait_for_load_state("networkidle")
    assert page.evaluate("window.innerWidth") == 390
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{page.url}: {width} px wide, the page scrolls sideways"
    assert page.evaluate(SQUEEZED) == [], page.url


def assert_rows_are_cards(page, table: str = "main table"):
    rows = page.locator(f"{table} tbody tr")
    assert rows.count() >= 1
    first = rows.first
    assert first.evaluate("tr => getComputedStyle(tr).display") == "block"
    labels = first.locator("td").evaluate_all("tds => tds.map(td => td.dataset.label || '')")
    assert any(labels), "the cells carry no column name"


def test_the_county_queue_is_a_stack_of_cards_at_phone_width(browser_page, live_server, busy_demo):
    page = browser_page
    sign_in(page, live_server.url, ACCOUNT["county_reviewer"])
    page.goto(f"{live_server.url}/subsidy/queue/")
    assert_rows_are_cards(page, "#results table")
    labels = (
        page.locator("#results tbody tr")
        .first.locator("td")
        .evaluate_all("tds => tds.map(td => td.dataset.label)")
    )
    assert "申领编号" in labels and "申领人" in labels
    assert_fits_the_phone(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "queue_390.png"), full_page=True)


def test_the_public_catalogue_fits_the_phone(browser_page, live_server, demo):  # noqa: F811
    page = browser_page
    page.goto(f"{live_server.url}/training/")
    assert_fits_the_phone(page)


def test_class_management_fits_the_phone(browser_page, live_server, demo):  # noqa: F811
    page = browser_page
    sign_in(page, live_server.url, ACCOUNT["institution_staff"])
    klass = TrainingClass.objects.filter(plan__institution__name="杭州电子科技大学").order_by("pk").first()
    page.goto(f"{live_server.url}/training/classes/{klass.pk}/manage/")
    assert page.locator(".error-page").count() == 0
    assert_rows_are_cards(page)
    assert_fits_the_phone(page)


def test_the_payments_page_fits_the_phone(browser_page, live_server, demo):  # noqa: F811
    page = browser_page
    sign_in(page, live_server.url, ACCOUNT["county_approver"])
    page.goto(f"{live_server.url}/subsidy/payments/")
    assert_fits_the_phone(page)


def test_the_queue_in_large_text_mode_still_fits_the_phone(browser_page, live_server, busy_demo):
    page = browser_page
    sign_in(page, live_server.url, ACCOUNT["county_reviewer"])
    page.click("header [data-text-size]")
    page.goto(f"{live_server.url}/subsidy/queue/")
    assert page.evaluate("document.documentElement.classList.contains('large-text')")
    assert_rows_are_cards(page, "#results table")
    assert_fits_the_phone(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "queue_390_large_text.png"), full_page=True)


def too_wide(page) -> list[str]:
    """The page's sideways scroll and squeezed text at 390 px, one line each."""
    page.wait_for_load_state("networkidle")
    path = urlsplit(page.url).path
    width = page.evaluate("document.documentElement.scrollWidth")
    found = [f"{path}: {width} px wide"] if width > 390 else []
    return found + [f"{path}: squeezed {s}" for s in page.evaluate(SQUEEZED)[:3]]


@pytest.mark.parametrize("account", ACCOUNTS, ids=[a.username for a in ACCOUNTS])
def test_no_page_of_any_role_scrolls_sideways_at_phone_width(browser_page, live_server, demo, account):  # noqa: F811
    page = browser_page
    sign_in(page, live_server.url, account)
    menu = page.eval_on_selector_all("nav.role-nav a", "els => els.map(e => e.href)")
    visited, found = visit_all(page, live_server.url, menu, check=too_wide)
    assert len(visited) >= len(menu)
    assert found == [], "\n".join(found)
