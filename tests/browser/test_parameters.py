"""Issue 18, done when: a city officer drafts the 区块链 junior hours (unset today, reading S1), sees the
preview (figures and chart) on the demo records, a second city officer approves it, and an open claim's
decision changes with a timeline entry. Playwright with Debian's Chromium (tests/browser/conftest.py; one
browser for the session, so the test lives here and not beside the other parameter tests)."""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from dte.accounts.models import Role, User
from dte.accounts.services import account_create
from dte.catalog.models import Institution, Level, Occupation
from dte.catalog.services import reference_load
from dte.demo.seed import demo_create
from dte.parameters import layer
from dte.policy import parameters
from dte.subsidy import services as subsidy
from dte.subsidy.models import Claim, ClaimEvent
from dte.subsidy.sources import CertificateFacts

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _fresh_layer():
    """The published layer read again before and after (the database is emptied between tests)."""
    parameters.set_layer({}, None)
    layer.SOURCE.forget()
    yield
    parameters.set_layer({}, None)
    layer.SOURCE.forget()


T0 = datetime(2026, 3, 16, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))  # a Monday
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
SECOND = ("city_officer2", "Second-City-2026")


@pytest.fixture
def demo(transactional_db, monkeypatch):
    monkeypatch.setattr("dte.core.clock.now", lambda: T0)
    monkeypatch.setattr("dte.core.clock.today", lambda: timezone.localdate(T0))
    reference_load(at=T0)
    demo_create(at=T0)
    account_create(username=SECOND[0], password=SECOND[1], role=Role.CITY_OFFICER, display_name="王二", at=T0)
    return blockchain_claim(User.objects.get(username="trainee"))


def blockchain_claim(user) -> Claim:
    """The demo trainee's open 区块链初级 claim: trained 40 hours at 浙江大学 (designated)."""
    occ, lvl = Occupation.objects.get(code="2-02-10-15"), Level.objects.get(code="junior")
    cert = CertificateFacts(
        level_certificate_id=None, level_number="LC-BLOCKCHAIN", occupation_id=occ.pk, level_id=lvl.pk,
        level_issued_on=date(2026, 2, 2), training_number="TC-BLOCKCHAIN",
        institution_id=Institution.objects.get(name="浙江大学").pk, training_occupation_id=occ.pk,
        training_level_id=lvl.pk, training_hours=40, training_issued_on=date(2026, 1, 20),
    )  # fmt: skip
    claim = subsidy.claim_start(actor=user, certificate=cert, at=T0)
    subsidy.claim_update(
        actor=user, claim=claim, bank_kind="sscard", bank_account="6228480402564890018", at=T0
    )
    for kind, name, content in (("training_certificate", "t.pdf", PDF), ("level_certificate", "l.png", PNG)):
        subsidy.evidence_add(actor=user, claim=claim, kind=kind, filename=name, content=content, at=T0)
    return subsidy.claim_submit(actor=user, claim=claim, at=T0)


def sign_in(page, base, username, password):
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_selector("h1[data-role]")


def test_the_city_sets_the_blockchain_hours_and_an_open_claim_is_decided_again(
    browser_page, live_server, demo
):
    page, base, claim = browser_page, live_server.url, demo
    assert claim.eligible and claim.amount == 2200  # hours unset: the rule passes (S1)

    sign_in(page, base, "city_officer", "Demo-City-2026")
    page.goto(f"{base}/parameters/draft/?name=subsidy_standards")
    value = page.input_value("#id_value")
    line = re.search(r"^  junior: \{hours: null, amount: 2200\}$", value.split("2-02-10-15:")[1], re.M)
    assert line, value
    head, tail = value.split("2-02-10-15:")
    page.fill(
        "#id_value",
        head + "2-02-10-15:" + tail.replace(line.group(0), "  junior: {hours: 64, amount: 2200}", 1),
    )
    page.fill("#id_document", "温人社发〔2026〕3号")
    page.fill("#id_reason", "区块链工程技术人员初级培训学时确定为64学时")
    page.click("button[value=preview]")
    assert page.locator("[data-figure=changed]").inner_text() == "1"
    assert page.locator("[data-figure=to_ineligible]").inner_text() == "1"
    assert page.locator("svg.pv-chart rect").count() == 1
    assert "2-02-10-15.junior.hours" in page.content()
    page.click("button[value=propose]")
    page.wait_for_selector("#version-status")
    assert page.locator("#version-status").inner_text() == "待审批"
    assert page.locator("text=审批通过并发布").count() == 0  # not the proposer's to approve
    url = page.url

    sign_in(page, base, *SECOND)
    page.goto(url)
    page.on("dialog", lambda dialog: dialog.accept())
    page.fill("input[name=note]", "同意")
    page.click("text=审批通过并发布")
    page.wait_for_selector("text=参数调整已发布")
    assert page.locator("#version-status").inner_text() == "已发布"

    claim.refresh_from_db()
    assert (claim.eligible, claim.amount, claim.failed_rules) == (False, 0, ["A2.2-hours"])
    (event,) = ClaimEvent.objects.filter(claim=claim, action="redecided")
    assert "温人社发〔2026〕3号" in event.label
