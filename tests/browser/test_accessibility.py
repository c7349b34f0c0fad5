"""Accessibility in the browser (issue 17, item 7): axe-core (from npm, served locally from
static/vendor) runs over every page of every demo role (the role menu's pages and one page of each
kind linked from them) and over the public pages signed out; any critical or serious violation
fails the test, listed by page, rule and element."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from dte.catalog.services import reference_load
from dte.core import clock
from dte.demo.accounts import ACCOUNTS
from dte.demo.seed import demo_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parents[2] / "src/dte/web/static/vendor/axe.min.js"
PUBLIC = [
    "/",
    "/occupations/",
    "/institutions/",
    "/training/",
    "/training/events/",
    "/subsidy/notices/",
    "/supervision/fees/",
    "/reports/open/",
    "/accounts/login/",
    "/accounts/sign-up/",
]
# Links that are files, not pages (certificates, QR codes, exports, evidence), or that leave the session.
NOT_A_PAGE = re.compile(
    r"\.(png|pdf|xlsx|csv|json|xml|zip)$|/pdf/$|/file/$|/evidence/|/photos/|/documents/\d+/$"
    r"|/logout/|/api/|/static/|/checkin/"
)


@pytest.fixture
def demo(transactional_db):
    reference_load(at=clock.now())
    demo_create(at=clock.now())


def sign_in(page, base, account):
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", account.username)
    page.fill("#id_password", account.password)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/accounts/home/$"))


def axe_violations(page) -> list[str]:
    """Run axe-core on the page as it stands; the critical and serious violations, one line each."""
    assert AXE.exists(), f"{AXE} is missing: run scripts/vendor-static (npm package axe-core)"
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # By address, not inline: the Content-Security-Policy allows the platform's own scripts only.
        origin = "{0.scheme}://{0.netloc}".format(urlsplit(page.url))
        page.add_script_tag(url=f"{origin}/static/vendor/axe.min.js")
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    lines = []
    for v in result["violations"]:
        if v["impact"] in ("critical", "serious"):
            targets = "; ".join(" ".join(n["target"]) for n in v["nodes"][:5])
            lines.append(f"{urlsplit(page.url).path}: {v['impact']} {v['id']} ({len(v['nodes'])}×) {targets}")
    return lines


def _pattern(url: str) -> str:
    return re.sub(r"/\d+(?=/|\.|$)", "/N", urlsplit(url).path)


def _links(page, base: str) -> list[str]:
    hrefs = page.eval_on_selector_all("main a[href]", "els => els.map(e => e.getAttribute('href'))")
    out = []
    for href in hrefs:
        url = urljoin(page.url, href.split("#")[0])
        if url.startswith(base) and not NOT_A_PAGE.search(urlsplit(url).path):
            out.append(url)
    return out


def visit_all(page, base: str, start: list[str], check=None) -> tuple[list[str], list[str]]:
    """Visit ``start`` and one page of each kind linked from them; ``check`` each (axe by default):
    (the pages visited, the problems found)."""
    check = check or axe_violations
    seen = {_pattern(u) for u in start}
    visited, found, deeper = [], [], []
    for url in start:
        response = page.goto(url)
        assert response.ok, f"{url}: {response.status}"
        visited.append(url)
        found += check(page)
        if "/admin/" in url:
            continue  # Django's own admin: its index and the menu's audit list are checked, not its forms
        for link in _links(page, base):
            if _pattern(link) not in seen:
                seen.add(_pattern(link))
                deeper.append(link)
    for url in deeper:
        response = page.goto(url)
        if not response.ok or "text/html" not in response.headers.get("content-type", ""):
            continue
        visited.append(url)
        found += check(page)
    return visited, found


@pytest.mark.parametrize("account", ACCOUNTS, ids=[a.username for a in ACCOUNTS])
def test_every_page_of_each_role_has_no_critical_or_serious_axe_violation(
    browser_page, live_server, demo, account
):
    page = browser_page
    base = live_server.url
    sign_in(page, base, account)
    menu = page.eval_on_selector_all("nav.role-nav a", "els => els.map(e => e.href)")
    assert len(menu) >= 2
    visited, found = visit_all(page, base, menu)
    assert len(visited) >= len(menu)
    assert found == [], "\n".join(found)


def test_every_public_page_signed_out_has_no_critical_or_serious_axe_violation(
    browser_page, live_server, demo
):
    page = browser_page
    visited, found = visit_all(page, live_server.url, [live_server.url + p for p in PUBLIC])
    assert len(visited) > len(PUBLIC)  # an institution, a class, an event… one level deep
    assert found == [], "\n".join(found)
