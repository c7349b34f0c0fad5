"""Forms people trust, in the browser: a double click posts once (the buttons are disabled while the
request is in flight); an irreversible act asks first, and declining sends nothing; a refused form
comes back with what was typed, the account type included."""

from __future__ import annotations

import time

import pytest

from dte.audit.models import AuditEntry
from dte.subsidy import services
from dte.subsidy.models import Claim
from tests.conftest import PASSWORD
from tests.subsidy.conftest import ACCOUNT, PDF, PNG, SUBMIT_AT, certificate_for, make_eligible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def draft(trainee):
    make_eligible(trainee.person)
    return services.claim_start(actor=trainee, certificate=certificate_for(), at=SUBMIT_AT)


def _submitted(trainee, claim):
    services.claim_update(actor=trainee, claim=claim, bank_kind="sscard", bank_account=ACCOUNT, at=SUBMIT_AT)
    for kind, name, content in (("training_certificate", "t.pdf", PDF), ("level_certificate", "l.png", PNG)):
        services.evidence_add(
            actor=trainee, claim=claim, kind=kind, filename=name, content=content, at=SUBMIT_AT
        )
    return services.claim_submit(actor=trainee, claim=claim, at=SUBMIT_AT)


def _sign_in(page, base):
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", "trainee")
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")


def _posts_to(page, path: str) -> list[str]:
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.url) if r.method == "POST" and path in r.url else None)
    return sent


def test_clicking_save_again_while_it_is_saving_posts_the_form_once(
    browser_page, live_server, draft, monkeypatch
):
    page, base = browser_page, live_server.url
    saving = services.claim_update

    def slow_save(**kw):  # a busy server: the second click comes while the first is in flight
        time.sleep(0.6)
        return saving(**kw)

    monkeypatch.setattr(services, "claim_update", slow_save)
    _sign_in(page, base)
    page.goto(f"{base}/subsidy/claims/{draft.pk}/")
    page.select_option("#id_bank_kind", "designated")
    page.fill("#id_bank_name", "温州银行")
    page.fill("#id_bank_account", ACCOUNT)
    sent = _posts_to(page, "/update/")
    page.locator("#account-form button").scroll_into_view_if_needed()
    box = page.locator("#account-form button").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    with page.expect_navigation():
        page.mouse.dblclick(x, y)
        page.wait_for_timeout(200)
        page.mouse.click(x, y)  # a third impatient click while the request is in flight
    page.wait_for_timeout(1500)
    assert len(sent) == 1
    assert AuditEntry.objects.filter(action="claim.update").count() == 1
    assert page.locator(".messages").inner_text() == "已保存收款账户"


def test_a_refused_form_comes_back_with_the_account_type_and_bank_name_typed(
    browser_page, live_server, draft
):
    page, base = browser_page, live_server.url
    _sign_in(page, base)
    page.goto(f"{base}/subsidy/claims/{draft.pk}/")
    page.select_option("#id_bank_kind", "designated")
    page.fill("#id_bank_name", "温州银行鹿城支行")
    page.fill("#id_bank_account", "12ab")
    with page.expect_navigation():
        page.click("#account-form button")
    assert page.input_value("#id_bank_kind") == "designated"
    assert page.input_value("#id_bank_name") == "温州银行鹿城支行"
    assert "银行账号应为12至30位数字" in page.locator("[data-field=bank_account]").inner_text()
    # Back from a refused form the button works again.
    assert page.locator("#account-form button").is_enabled()


def test_withdrawing_asks_first_and_declining_sends_nothing(browser_page, live_server, trainee, draft):
    claim = _submitted(trainee, draft)
    page, base = browser_page, live_server.url
    _sign_in(page, base)
    page.goto(f"{base}/subsidy/claims/{claim.pk}/")
    sent = _posts_to(page, "/withdraw/")
    asked: list[str] = []

    def decline(dialog):
        asked.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", decline)
    page.click("text=撤回申领")
    page.wait_for_timeout(500)
    assert asked and asked[0].startswith("确认撤回这份申领")
    assert sent == [] and Claim.objects.get(pk=claim.pk).status == "under_review"
    page.once("dialog", lambda d: d.accept())
    with page.expect_navigation():
        page.click("text=撤回申领")
    assert len(sent) == 1 and Claim.objects.get(pk=claim.pk).status == "withdrawn"
