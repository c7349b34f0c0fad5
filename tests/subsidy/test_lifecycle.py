"""The claim lifecycle table (dte.subsidy.lifecycle) read as sentences, and checked against the code
it drives: the services' refusals, the claim page's handlers and buttons, the API's actions."""

from __future__ import annotations

import importlib
import inspect
import re

import pytest
from django.core.exceptions import ValidationError

from dte.subsidy import lifecycle, services
from dte.subsidy.api import REVIEW_ACTIONS
from dte.subsidy.lifecycle import actions_for, allowed, may, next_statuses
from dte.subsidy.models import Claim, Status
from dte.subsidy.views.claim import HANDLERS

FINAL = (Status.REJECTED, Status.WITHDRAWN, Status.LAPSED, Status.CANCELLED)


def claim_of(person_id: int | None, status: str) -> Claim:
    return Claim(person_id=person_id, status=status)


def someone_elses(status: str) -> Claim:
    return claim_of(-1, status)


# -- who may do what ---------------------------------------------------------------------------------


def test_a_county_reviewer_can_pass_a_claim_under_review_but_not_approve_it(county_reviewer):
    claim = someone_elses(Status.UNDER_REVIEW)
    assert may(county_reviewer, claim, "pass") and may(county_reviewer, claim, "request_info")
    assert not may(county_reviewer, someone_elses(Status.REVIEWED), "approve")


def test_a_county_approver_can_approve_a_reviewed_claim_and_a_trainee_cannot(county_approver, trainee):
    assert may(county_approver, someone_elses(Status.REVIEWED), "approve")
    assert not may(county_approver, someone_elses(Status.UNDER_REVIEW), "approve")
    assert not may(trainee, someone_elses(Status.REVIEWED), "approve")
    assert not may(trainee, claim_of(trainee.person_id, Status.REVIEWED), "approve")


def test_the_reviewer_rejects_under_review_and_the_approver_after_the_review(
    county_reviewer, county_approver
):
    under_review, reviewed = someone_elses(Status.UNDER_REVIEW), someone_elses(Status.REVIEWED)
    assert may(county_reviewer, under_review, "reject") and not may(county_reviewer, reviewed, "reject")
    assert may(county_approver, reviewed, "reject") and not may(county_approver, under_review, "reject")


def test_a_claimant_acts_on_their_own_claim_only(trainee, outsider):
    draft = claim_of(trainee.person_id, Status.DRAFT)
    assert actions_for(trainee, draft) >= {"update", "evidence", "submit", "withdraw", "discard"}
    assert actions_for(outsider, draft) == frozenset()


def test_an_officer_never_acts_on_their_own_claim(county_reviewer):
    county_reviewer.person_id = 4242  # an officer who is also a claimant (not saved)
    assert not may(county_reviewer, claim_of(county_reviewer.person_id, Status.UNDER_REVIEW), "pass")


def test_a_claimant_may_withdraw_until_approval_and_not_after(trainee):
    for status in (Status.DRAFT, Status.UNDER_REVIEW, Status.AWAITING_INFO, Status.REVIEWED):
        assert may(trainee, claim_of(trainee.person_id, status), "withdraw")
    for status in (Status.ON_NOTICE, Status.PAYABLE, Status.PAID):
        assert not allowed(claim_of(trainee.person_id, status), "withdraw")


def test_a_claim_awaiting_information_takes_the_claimants_answer_and_evidence(trainee):
    claim = claim_of(trainee.person_id, Status.AWAITING_INFO)
    assert actions_for(trainee, claim) == {"answer", "evidence", "withdraw"}


def test_the_approver_recovers_a_paid_claim_and_records_its_credit_entry(county_approver, county_reviewer):
    paid = someone_elses(Status.PAID)
    assert actions_for(county_approver, paid) >= {"recovery", "repayment", "recovery_close", "credit"}
    assert not actions_for(county_reviewer, paid) & {"recovery", "credit"}
    assert not allowed(someone_elses(Status.PAYABLE), "recovery")


def test_the_public_and_the_scheduler_have_no_buttons(city_officer):
    on_notice = someone_elses(Status.ON_NOTICE)
    assert allowed(on_notice, "objection") and allowed(on_notice, "notice_end")
    assert not actions_for(city_officer, on_notice) & {"objection", "notice_end"}


# -- where a claim can go ------------------------------------------------------------------------------


def test_no_action_leads_out_of_paid_except_the_banks_return_to_payable():
    assert next_statuses(Status.PAID) == {Status.PAID, Status.PAYABLE}
    leaving = [t.action for t in lifecycle.TRANSITIONS if Status.PAID in t.from_ and t.to]
    assert leaving == ["payment_returned"]


def test_rejected_withdrawn_lapsed_and_cancelled_claims_are_final():
    for status in FINAL:
        assert next_statuses(status) == frozenset()


def test_a_draft_is_submitted_to_review_and_review_leads_to_notice_or_rejection():
    assert next_statuses(Status.DRAFT) == {Status.DRAFT, Status.UNDER_REVIEW, "discarded"}
    assert next_statuses(Status.REVIEWED) == {
        Status.REVIEWED,
        Status.ON_NOTICE,
        Status.REJECTED,
        Status.WITHDRAWN,
    }


def test_every_status_is_reached_by_some_action_and_a_draft_only_by_starting_a_claim():
    reached = {s for t in lifecycle.TRANSITIONS for s in t.to}
    assert set(Status.values) <= reached
    assert [t.action for t in lifecycle.TRANSITIONS if Status.DRAFT in t.to] == ["start"]


# -- the refusals are the services' ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "action", "message"),
    [
        (
            Status.ON_NOTICE,
            "withdraw",
            "申领当前状态为“公示中”,只能在“草稿、审核中、待补充材料、审核通过,待审批”时办理",
        ),
        (Status.REVIEWED, "evidence", "申领当前状态为“审核通过,待审批”,只能在“草稿、待补充材料”时办理"),
        (Status.PAID, "reject", "申领当前状态为“已拨付”,只能在“审核中、审核通过,待审批”时办理"),
        (Status.PAYABLE, "recovery", "只有已拨付的申领才能追回"),
        (Status.PAYABLE, "objection", "该公示已结束,不再受理异议"),
    ],
)
def test_require_refuses_with_the_services_message(status, action, message):
    with pytest.raises(ValidationError) as exc:
        lifecycle.require(claim_of(1, status), action)
    assert exc.value.messages == [message]


def test_the_service_refuses_a_step_the_table_does_not_allow(submitted, eligible_trainee, at):
    with pytest.raises(ValidationError, match="只能在“草稿”时办理"):
        services.claim_submit(actor=eligible_trainee, claim=submitted, at=at)


# -- the table and the code it drives ------------------------------------------------------------------


def test_every_claim_page_action_has_a_handler_and_every_handler_an_action():
    assert set(HANDLERS) == set(lifecycle.PAGE_ACTIONS)


def test_the_apis_review_actions_are_officers_actions_of_the_table():
    for action in REVIEW_ACTIONS:
        assert all(t.by == lifecycle.OFFICER for t in lifecycle.rows(action))


def _resolve(dotted: str):
    module, name = dotted.rsplit(".", 1)
    return module, getattr(importlib.import_module(module), name)


def test_every_row_names_its_service_and_every_due_date_its_rule():
    for t in lifecycle.TRANSITIONS:
        assert callable(_resolve(t.service)[1]), t.service
        if t.due is not None:
            assert callable(_resolve(t.due.rule)[1]), t.due.rule


def test_the_labels_and_notifications_are_the_ones_the_services_write():
    for t in lifecycle.TRANSITIONS:
        source = inspect.getsource(importlib.import_module(_resolve(t.service)[0]))
        for text in (t.label, t.notification):
            for part in filter(None, re.split(r"\{\w+\}", text)):
                assert part in source, (t.action, part)


# -- the claim page shows the table's buttons ----------------------------------------------------------


def test_the_claim_page_shows_the_buttons_of_the_users_actions(
    submitted, eligible_trainee, client_as, county_reviewer, county_approver
):
    url = f"/subsidy/claims/{submitted.pk}/"
    reviewer = client_as(county_reviewer).get(url).content.decode()
    assert 'id="review-pass"' in reviewer and 'id="request-info"' in reviewer and "/reject/" in reviewer
    approver = client_as(county_approver).get(url).content.decode()
    assert (
        'id="review-pass"' not in approver and 'id="approve"' not in approver and "/reject/" not in approver
    )
    own = client_as(eligible_trainee).get(url).content.decode()
    assert "/withdraw/" in own and 'id="review-pass"' not in own and 'id="discard-draft"' not in own


def test_a_claim_read_through_the_api_lists_the_users_actions(
    submitted, eligible_trainee, client_as, county_reviewer
):
    url = f"/api/subsidy/claims/{submitted.pk}"
    assert client_as(county_reviewer).get(url).json()["actions"] == ["pass", "reject", "request_info"]
    assert client_as(eligible_trainee).get(url).json()["actions"] == ["withdraw"]
