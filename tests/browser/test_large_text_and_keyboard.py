"""Large-text mode and the keyboard (issue 17, item 7; GB/T 37668 and the MIIT 适老化 rules): the
header's 大字模式 button enlarges text and spacing by 1.25× or more, the choice survives navigation
and axe-core still finds no critical or serious violation in it; on the login page and a claim page
the Tab key reaches every link, button and field, each with a visible focus."""

from __future__ import annotations

import pytest

from dte.demo.accounts import ACCOUNTS
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_accessibility import PUBLIC, axe_violations, demo, sign_in  # noqa: F401
from tests.browser.test_phone_width import busy_demo  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ACCOUNT = {a.username: a for a in ACCOUNTS}
TOGGLE = "header [data-text-size]"


def heading_width(page) -> float:
    """The width the heading's text takes on screen (not its box, which spans the page)."""
    return page.evaluate(
        "() => { const r = document.createRange(); r.selectNodeContents(document.querySelector('main h1'));"
        " return r.getBoundingClientRect().width; }"
    )


def test_large_text_mode_enlarges_the_text_and_survives_navigation(browser_page, live_server, demo):  # noqa: F811
    page = browser_page
    page.goto(f"{live_server.url}/training/")
    normal = heading_width(page)
    assert page.get_attribute(TOGGLE, "aria-pressed") == "false"
    page.click(TOGGLE)
    assert page.get_attribute(TOGGLE, "aria-pressed") == "true"
    assert heading_width(page) >= 1.25 * normal

    page.goto(f"{live_server.url}/subsidy/notices/")  # another page: still on, from the first paint
    assert page.evaluate("document.documentElement.classList.contains('large-text')")
    assert page.get_attribute(TOGGLE, "aria-pressed") == "true"
    large = heading_width(page)
    page.click(TOGGLE)  # and off again
    assert heading_width(page) * 1.25 <= large
    page.reload()
    assert not page.evaluate("document.documentElement.classList.contains('large-text')")


def test_axe_finds_nothing_serious_in_large_text_mode(browser_page, live_server, demo):  # noqa: F811
    page = browser_page
    base = live_server.url
    page.goto(f"{base}/")
    page.click(TOGGLE)
    found = []
    for path in PUBLIC:
        page.goto(base + path)
        found += axe_violations(page)
    sign_in(page, base, ACCOUNT["county_reviewer"])
    for path in ("/accounts/home/", "/subsidy/queue/", "/subsidy/objections/"):
        page.goto(base + path)
        assert page.evaluate("document.documentElement.classList.contains('large-text')")
        found += axe_violations(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "large_text_queue.png"), full_page=True)
    assert found == [], "\n".join(found)


# Every control the keyboard should reach, numbered (one radio per group: Tab enters a group once).
NUMBER_CONTROLS = """() => {
  const sel = 'a[href], button:not([disabled]), input:not([type=hidden]):not([disabled]),'
    + ' select:not([disabled]), textarea:not([disabled]), summary, [tabindex]:not([tabindex="-1"])';
  const groups = new Set();
  let n = 0;
  for (const el of document.querySelectorAll(sel)) {
    if (!el.getClientRects().length || getComputedStyle(el).visibility === 'hidden') continue;
    if (el.type === 'radio') { if (groups.has(el.name)) continue; groups.add(el.name); }
    el.dataset.kb = String(n++);
  }
  return n;
}"""
FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || !el.dataset.kb) return null;
  const s = getComputedStyle(el);
  const ring = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none';
  const group = el.type === 'radio'
    ? document.querySelector(`input[type=radio][name="${el.name}"][data-kb]`).dataset.kb : el.dataset.kb;
  return [group, ring, el.outerHTML.slice(0, 80)];
}"""


def tab_through(page) -> None:
    """Tab from the top of the page to its end: every numbered control is reached, each visibly."""
    total = page.evaluate(NUMBER_CONTROLS)
    assert total >= 3
    reached, unseen_focus = set(), []
    for _ in range(total + 10):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused is None:
            continue
        key, ring, html = focused
        reached.add(key)
        if not ring:
            unseen_focus.append(html)
    missing = page.evaluate(
        "keys => [...document.querySelectorAll('[data-kb]')].filter(e => !keys.includes(e.dataset.kb))"
        ".map(e => e.outerHTML.slice(0, 80))",
        sorted(reached),
    )
    assert missing == [], f"not reached by Tab: {missing}"
    assert unseen_focus == [], unseen_focus


def test_the_login_page_is_usable_by_keyboard_alone(browser_page, live_server, demo):  # noqa: F811
    page = browser_page
    page.goto(f"{live_server.url}/accounts/login/")
    tab_through(page)
    # And signing in without the mouse.
    account = ACCOUNT["trainee"]
    page.focus("#id_username")
    page.keyboard.type(account.username)
    page.keyboard.press("Tab")
    page.keyboard.type(account.password)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/accounts/home/")


def test_a_claim_page_is_usable_by_keyboard_alone(browser_page, live_server, busy_demo):  # noqa: F811
    page = browser_page
    sign_in(page, live_server.url, ACCOUNT["county_reviewer"])
    page.goto(f"{live_server.url}/subsidy/queue/")
    page.locator("#results a[href*='/subsidy/claims/']").first.click()
    page.wait_for_url("**/subsidy/claims/*/")
    tab_through(page)
