"""Review and approval [A2.6.1] on the working-day clock (D3), four eyes, county scope, rejection
notice with remedies, reminders, escalation, lapse, and batch re-decision."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from dte.audit.models import AuditEntry
from dte.notifications.models import Message
from dte.subsidy import selectors, services
from dte.subsidy.models import Claim, InsuranceMonth
from tests.subsidy.conftest import SUBMIT_AT


def at_day(d: date, hour: int = 2) -> datetime:
    return datetime(d.year, d.month, d.day, hour, tzinfo=UTC)


def test_asking_for_information_pauses_the_clock(submitted, county_reviewer):
    services.review_request_info(
        actor=county_reviewer, claim=submitted, question="请补充劳动合同", at=at_day(date(2025, 3, 12))
    )
    # Answered on Wednesday 2025-03-19: five working days paused (13, 14, 17, 18, 19 March).
    claim = services.claim_answer(
        actor=submitted.person.account, claim=submitted, answer="已补充", at=at_day(date(2025, 3, 19))
    )
    assert claim.paused_working_days == 5
    assert (claim.review_due, claim.approval_due) == (date(2025, 3, 31), date(2025, 4, 8))
    assert claim.status == "under_review"


def test_the_approver_is_never_the_reviewer(submitted, county_reviewer, county_approver):
    services.review_pass(actor=county_reviewer, claim=submitted, at=SUBMIT_AT)
    with pytest.raises(PermissionDenied):
        services.claim_approve(actor=county_reviewer, claim=submitted, at=SUBMIT_AT)
    claim = services.claim_approve(actor=county_approver, claim=submitted, at=at_day(date(2025, 3, 14)))
    # Published Friday 14 March: notice 17–21 March, payment due on the 60th working day after.
    assert claim.status == "on_notice"
    assert (claim.notice_first_day, claim.notice_last_day) == (date(2025, 3, 17), date(2025, 3, 21))
    assert claim.payment_due > date(2025, 6, 1)


def test_an_approver_who_reviewed_cannot_approve_their_own_review(
    submitted, county_approver, second_reviewer
):
    services.review_pass(actor=second_reviewer, claim=submitted, at=SUBMIT_AT)
    Claim.objects.filter(pk=submitted.pk).update(reviewed_by=county_approver)
    with pytest.raises(PermissionDenied, match="双人审核"):
        services.claim_approve(actor=county_approver, claim=submitted, at=SUBMIT_AT)


def test_another_county_neither_sees_nor_acts_on_the_claim(submitted, other_county_reviewer, county_reviewer):
    assert list(selectors.review_queue(actor=other_county_reviewer)) == []
    assert [c.pk for c in selectors.review_queue(actor=county_reviewer)] == [submitted.pk]
    assert selectors.claim_for(actor=other_county_reviewer, pk=submitted.pk) is None
    with pytest.raises(PermissionDenied):
        services.review_pass(actor=other_county_reviewer, claim=submitted, at=SUBMIT_AT)


def test_a_rejection_cites_the_clauses_and_states_the_remedies(submitted, county_reviewer):
    with pytest.raises(ValidationError):
        services.claim_reject(actor=county_reviewer, claim=submitted, clauses=[], reason="x", at=SUBMIT_AT)
    services.claim_reject(
        actor=county_reviewer,
        claim=submitted,
        clauses=["A2.1-group"],
        reason="劳动合同显示在杭州就业",
        at=SUBMIT_AT,
    )
    msg = Message.objects.get(person=submitted.person, subject="申领未通过")
    assert "A2.1" in msg.body and "60日内" in msg.body and "6个月内" in msg.body
    entry = AuditEntry.objects.get(action="claim.reject")
    assert entry.changes["clauses"] == ["A2.1-group"] and entry.changes["decision"]["findings"]


def test_the_queue_is_sorted_by_due_date_and_flags_overdue(eligible_trainee, make_claim, county_reviewer):
    first = make_claim(eligible_trainee, level="junior", at=at_day(date(2025, 3, 3)))
    second = make_claim(eligible_trainee, level="intermediate", at=at_day(date(2025, 3, 10)))
    rows = selectors.review_queue(actor=county_reviewer, today=date(2025, 3, 18))
    assert [c.pk for c in rows] == [first.pk, second.pk]
    assert selectors.due_flag(rows[0], date(2025, 3, 18)) == "overdue"
    assert selectors.due_flag(rows[1], date(2025, 3, 18)) == ""
    assert selectors.due_flag(rows[1], date(2025, 3, 21)) == "due_soon"


def test_a_withdrawn_or_rejected_claim_is_never_flagged_overdue(
    eligible_trainee, make_claim, county_reviewer
):
    late = date(2025, 4, 30)  # both reviews were due in March
    rejected = make_claim(eligible_trainee, level="junior")
    withdrawn = make_claim(eligible_trainee, level="intermediate")
    assert selectors.due_flag(rejected, late) == selectors.due_flag(withdrawn, late) == "overdue"
    services.claim_reject(
        actor=county_reviewer,
        claim=rejected,
        clauses=["A2.1-group"],
        reason="劳动合同显示在杭州就业",
        at=SUBMIT_AT,
    )
    services.claim_withdraw(actor=eligible_trainee, claim=withdrawn, reason="不再申领", at=SUBMIT_AT)
    for claim in (rejected, withdrawn):
        claim.refresh_from_db()
        assert selectors.next_due(claim) is None and selectors.due_flag(claim, late) == ""


def test_a_claim_awaiting_information_is_never_listed_as_overdue(submitted, county_reviewer):
    services.review_request_info(
        actor=county_reviewer, claim=submitted, question="请补充劳动合同", at=at_day(date(2025, 3, 12))
    )
    # The review was due on 24 March; the clock is paused while the claimant answers (D3).
    assert not selectors.review_queue(actor=county_reviewer, today=date(2025, 3, 26), flag="overdue").exists()
    assert [c.pk for c in selectors.review_queue(actor=county_reviewer, today=date(2025, 3, 26))] == [
        submitted.pk
    ]


def test_overdue_claims_are_reminded_then_escalated_once(submitted):
    counts = services.deadlines_check(at=at_day(date(2025, 3, 20)))
    assert counts["reminded"] == 1 and counts["escalated"] == 0
    counts = services.deadlines_check(at=at_day(date(2025, 3, 25)))
    assert counts["escalated"] == 1
    assert services.deadlines_check(at=at_day(date(2025, 3, 26)))["escalated"] == 0
    assert Claim.objects.get(pk=submitted.pk).escalated_on == date(2025, 3, 25)


def test_a_claimant_who_never_answers_is_reminded_and_the_claim_lapses(submitted, county_reviewer):
    services.review_request_info(
        actor=county_reviewer, claim=submitted, question="请补充", at=at_day(date(2025, 3, 11))
    )
    assert services.deadlines_check(at=at_day(date(2025, 4, 2)))["info_reminded"] == 1
    assert services.deadlines_check(at=at_day(date(2025, 4, 9)))["lapsed"] == 1
    assert Claim.objects.get(pk=submitted.pk).status == "lapsed"


def test_new_facts_redecide_open_claims_and_flag_the_changed_findings(submitted):
    InsuranceMonth.objects.filter(person=submitted.person, month__gte=date(2024, 10, 1)).delete()
    changed = services.claims_redecide(reason="测试", at=SUBMIT_AT)
    claim = Claim.objects.get(pk=submitted.pk)
    assert changed == 1 and not claim.eligible
    assert [d["rule"] for d in claim.findings_changed if d["before"] != d["after"]] == ["A2.1-group"]
    assert services.claims_redecide(reason="再次", at=SUBMIT_AT) == 0
