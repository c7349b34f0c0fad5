"""The claimant's account form: every mistake at once beside its field, what was typed kept, and
Chinese throughout (no "---------" empty choice)."""

from __future__ import annotations

import re

from dte.subsidy import services
from dte.subsidy.models import Claim
from tests.subsidy.conftest import ACCOUNT, SUBMIT_AT, certificate_for


def _draft(user):
    return services.claim_start(actor=user, certificate=certificate_for(), at=SUBMIT_AT)


def _errors_of(page: str, field: str) -> str:
    match = re.search(rf'<ul class="errorlist"[^>]*data-field="{field}">(.*?)</ul>', page, re.S)
    return match.group(1) if match else ""


def test_a_refused_account_form_shows_every_error_and_keeps_what_was_typed(
    eligible_trainee, client_as, freeze
):
    freeze(SUBMIT_AT)
    claim = _draft(eligible_trainee)
    resp = client_as(eligible_trainee).post(
        f"/subsidy/claims/{claim.pk}/update/",
        {"bank_kind": "designated", "bank_name": "", "bank_account": "12ab", "phone": "123"},
    )
    assert resp.status_code == 422
    page = resp.content.decode()
    assert "指定银行账户须填写开户银行" in _errors_of(page, "bank_name")
    assert "银行账号应为12至30位数字" in _errors_of(page, "bank_account")
    assert "手机号码应为11位数字" in _errors_of(page, "phone")
    assert '<option value="designated" selected>' in page
    assert 'value="12ab"' in page and 'value="123"' in page
    claim.refresh_from_db()
    assert claim.bank_kind != "designated" and not claim.bank_account_enc


def test_a_bank_name_typed_stays_when_the_account_is_refused(eligible_trainee, client_as, freeze):
    freeze(SUBMIT_AT)
    claim = _draft(eligible_trainee)
    resp = client_as(eligible_trainee).post(
        f"/subsidy/claims/{claim.pk}/update/",
        {"bank_kind": "designated", "bank_name": "温州银行鹿城支行", "bank_account": "1"},
    )
    page = resp.content.decode()
    assert resp.status_code == 422
    assert 'value="温州银行鹿城支行"' in page and '<option value="designated" selected>' in page
    assert _errors_of(page, "bank_name") == ""


def test_a_correct_account_form_is_saved_and_goes_back_to_the_claim(eligible_trainee, client_as, freeze):
    freeze(SUBMIT_AT)
    claim = _draft(eligible_trainee)
    resp = client_as(eligible_trainee).post(
        f"/subsidy/claims/{claim.pk}/update/",
        {"bank_kind": "designated", "bank_name": "温州银行", "bank_account": ACCOUNT, "phone": "13800000000"},
        follow=True,
    )
    assert "已保存收款账户" in resp.content.decode()
    claim.refresh_from_db()
    assert (claim.bank_kind, claim.bank_name, claim.phone) == ("designated", "温州银行", "13800000000")


def test_the_empty_choice_reads_in_chinese(eligible_trainee, client_as, freeze):
    freeze(SUBMIT_AT)
    Claim.objects.filter(pk=_draft(eligible_trainee).pk).update(bank_kind="")
    claim = Claim.objects.get()
    page = client_as(eligible_trainee).get(f"/subsidy/claims/{claim.pk}/").content.decode()
    assert '<option value="" selected>请选择</option>' in page
    assert "---------" not in page
