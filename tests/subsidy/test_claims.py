"""Claims [A2.5]: start pre-filled, pre-check in Chinese, evidence checked by content, submit
freezes the facts [A2.7c] and routes to the county (G5), limits [A2.4b] [A2.4c], withdrawal."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from dte.audit.models import AuditEntry
from dte.notifications.models import Message, OutboxMessage
from dte.people.models import phone_columns
from dte.subsidy import services
from dte.subsidy.models import Claim
from dte.subsidy.services import claims, common
from tests.subsidy.conftest import ACCOUNT, PDF, SUBMIT_AT, certificate_for


def test_the_precheck_explains_every_finding_in_chinese_with_the_deadline(eligible_trainee):
    claim = services.claim_start(actor=eligible_trainee, certificate=certificate_for(), at=SUBMIT_AT)
    decision = services.precheck(claim, date(2025, 3, 10))
    assert decision["eligible"] and decision["amount"] == 3300
    assert decision["claim_deadline"] == "2026-01-15"
    rules = {f["rule"]: f for f in decision["findings"]}
    assert "申领期限12个月,至2026-01-15" in rules["A2.4a-deadline"]["message"]
    assert all("[" in f["message"] for f in decision["findings"])


def test_a_claim_starts_prefilled_from_the_certificates(eligible_trainee):
    claim = services.claim_start(actor=eligible_trainee, certificate=certificate_for(), at=SUBMIT_AT)
    assert (claim.status, claim.occupation.code, claim.level.code) == ("draft", "2-02-10-11", "junior")
    assert claim.training_institution.name == "杭州电子科技大学" and claim.training_hours == 130


def test_submit_freezes_the_facts_routes_to_the_county_and_sets_working_day_due_dates(submitted):
    claim = submitted
    assert claim.status == "under_review" and claim.county.code == "330302"
    # D3: received Monday 2025-03-10; the 10th working day after is 2025-03-24, the 15th 2025-03-31.
    assert (claim.review_due, claim.approval_due) == (date(2025, 3, 24), date(2025, 3, 31))
    assert claim.snapshot["as_of"] == "2025-03-10"
    assert claim.snapshot["engine_input"]["person"]["id_number"].count("*") == 8
    assert len(claim.snapshot["engine_input"]["person"]["insurance_months"]) == 9
    entry = AuditEntry.objects.get(action="claim.submit", object_id=str(claim.pk))
    assert entry.changes["decision"]["amount"] == 3300 and len(entry.changes["decision"]["findings"]) == 11
    assert Message.objects.filter(person=claim.person, subject="申领已受理").exists()


def test_the_bank_account_is_kept_encrypted(submitted):
    row = Claim.objects.values("bank_account_enc").get(pk=submitted.pk)
    assert ACCOUNT not in row["bank_account_enc"]
    assert submitted.bank_account == ACCOUNT and submitted.masked_bank_account == "6228***********0018"


def test_evidence_is_checked_by_content_not_by_name(eligible_trainee):
    claim = services.claim_start(actor=eligible_trainee, certificate=certificate_for(), at=SUBMIT_AT)
    with pytest.raises(ValidationError, match="仅接受 PDF、JPEG、PNG"):
        services.evidence_add(
            actor=eligible_trainee,
            claim=claim,
            kind="other",
            filename="scan.pdf",
            content=b"MZ\x90\x00 not a pdf",
            at=SUBMIT_AT,
        )
    with pytest.raises(ValidationError, match="超过 5 MB"):
        services.evidence_add(
            actor=eligible_trainee,
            claim=claim,
            kind="other",
            filename="big.pdf",
            content=PDF + b"0" * (5 * 1024 * 1024),
            at=SUBMIT_AT,
        )
    ev = services.evidence_add(
        actor=eligible_trainee,
        claim=claim,
        kind="other",
        filename="photo.txt",
        content=b"\xff\xd8\xff\xe0jpeg",
        at=SUBMIT_AT,
    )
    assert ev.content_type == "image/jpeg"


def test_submit_needs_both_certificates_uploaded(eligible_trainee, make_claim):
    claim = services.claim_start(actor=eligible_trainee, certificate=certificate_for(), at=SUBMIT_AT)
    services.claim_update(
        actor=eligible_trainee, claim=claim, bank_kind="sscard", bank_account=ACCOUNT, at=SUBMIT_AT
    )
    with pytest.raises(ValidationError, match="培训合格证书、专业技术等级证书"):
        services.claim_submit(actor=eligible_trainee, claim=claim, at=SUBMIT_AT)
    assert Claim.objects.get(pk=claim.pk).status == "draft"


def test_a_claim_after_the_deadline_is_not_received(eligible_trainee, make_claim):
    with pytest.raises(ValidationError, match="已超过申领期限"):
        make_claim(eligible_trainee, issued=date(2024, 2, 1))


def test_a_claimant_without_wenzhou_facts_cannot_be_routed(trainee, make_claim):
    with pytest.raises(ValidationError, match="无法确定受理的县"):
        make_claim(trainee)


def test_the_same_occupation_and_level_is_never_claimed_twice(eligible_trainee, make_claim, submitted):
    with pytest.raises(ValidationError, match=r"A2\.4c"):
        make_claim(eligible_trainee)


def test_a_fourth_claim_in_one_year_is_refused(eligible_trainee, make_claim):
    make_claim(eligible_trainee, level="junior")
    make_claim(eligible_trainee, level="intermediate")
    make_claim(eligible_trainee, level="senior")
    with pytest.raises(ValidationError, match=r"A2\.4b"):
        make_claim(eligible_trainee, occupation="2-02-10-15", level="junior")


def test_a_withdrawn_claim_no_longer_counts(eligible_trainee, make_claim, submitted):
    services.claim_withdraw(actor=eligible_trainee, claim=submitted, reason="信息有误", at=SUBMIT_AT)
    again = make_claim(eligible_trainee, at=SUBMIT_AT + timedelta(hours=1))
    assert again.status == "under_review"


def test_no_one_else_can_touch_a_trainees_claim(outsider, submitted):
    with pytest.raises(PermissionDenied):
        services.claim_withdraw(actor=outsider, claim=submitted, at=SUBMIT_AT)


def test_the_sms_backend_writes_to_the_outbox(submitted):
    submitted.person.phone = "13805770011"
    submitted.person.save()
    services.claim_withdraw(actor=submitted.person.account, claim=submitted, at=SUBMIT_AT)
    common.tell(submitted, "测试", "内容", SUBMIT_AT)
    assert OutboxMessage.objects.filter(recipient="13805770011", channel="sms").exists()


def test_submit_decides_again_when_the_claim_changed_between_the_reading_and_the_lock(
    eligible_trainee, make_claim, monkeypatch
):
    """The engine and the fraud signals run before the write transaction; if the claimant's form or
    evidence changed in between, the claim is decided on what the lock sees, not on the early read."""
    from dte.subsidy import fraud

    claim = make_claim(eligible_trainee, submit=False)
    real_signals, decided = fraud.signals, []
    real_decide = claims._decide_for_submit

    def signals_then_change(c, **kw):
        out = real_signals(c, **kw)
        if len(decided) == 1:  # between the early read and the lock, once
            Claim.objects.filter(pk=c.pk).update(**phone_columns("13900000000"))
        return out

    def counting_decide(c, on, priors):
        decided.append(c.phone)
        return real_decide(c, on, priors)

    monkeypatch.setattr(fraud, "signals", signals_then_change)
    monkeypatch.setattr(claims, "_decide_for_submit", counting_decide)
    claim = services.claim_submit(actor=eligible_trainee, claim=claim, at=SUBMIT_AT)
    assert decided == ["", "13900000000"]
    assert claim.status == "under_review" and claim.phone == "13900000000"
    assert claim.occupation.code == "2-02-10-11"


def test_submit_decides_once_when_nothing_moved(eligible_trainee, make_claim, monkeypatch):
    claim = make_claim(eligible_trainee, submit=False)
    calls = []
    real_decide = claims._decide_for_submit
    monkeypatch.setattr(
        claims, "_decide_for_submit", lambda c, on, priors: calls.append(1) or real_decide(c, on, priors)
    )
    claim = services.claim_submit(actor=eligible_trainee, claim=claim, at=SUBMIT_AT)
    assert len(calls) == 1 and claim.status == "under_review"
