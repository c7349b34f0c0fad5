"""The officers' queue: every open claim (under review, awaiting information, reviewed, on notice,
objection, payable, in a batch), its status shown, truly ordered by the due date of the step it waits
for, none last."""

from __future__ import annotations

import re
from datetime import date

import pytest

from dte.subsidy import selectors
from dte.subsidy.models import Claim
from tests.subsidy.conftest import SUBMIT_AT

TODAY = date(2025, 3, 18)


@pytest.fixture
def open_claims(make_trainee, make_claim):
    """Seven open claims, one in each open status, made in an order unlike that of their dues."""
    steps = [
        ("under_review", {"review_due": date(2025, 3, 24)}),  # 4th
        ("reviewed", {"review_due": date(2025, 3, 3), "approval_due": date(2025, 3, 20)}),  # 3rd
        ("payable", {"payment_due": date(2025, 3, 17)}),  # 1st: overdue
        ("on_notice", {"notice_last_day": date(2025, 3, 28)}),  # 6th
        ("awaiting_info", {"review_due": date(2025, 3, 10), "info_requested_on": date(2025, 3, 12)}),  # last
        ("in_batch", {"payment_due": date(2025, 3, 19)}),  # 2nd
        ("objection", {"notice_last_day": date(2025, 3, 26)}),  # 5th
    ]
    claims = {}
    for status, dues in steps:
        claim = make_claim(make_trainee())
        Claim.objects.filter(pk=claim.pk).update(status=status, **dues)
        claims[status] = claim.pk
    return claims


ORDER = ["payable", "in_batch", "reviewed", "under_review", "objection", "on_notice", "awaiting_info"]


def test_the_queue_lists_every_open_claim_by_the_due_date_of_its_next_step(open_claims, county_reviewer):
    rows = selectors.open_claims_queue(actor=county_reviewer, today=TODAY)
    assert [c.pk for c in rows] == [open_claims[s] for s in ORDER]


def test_a_claim_without_a_due_date_comes_last(open_claims, county_reviewer):
    Claim.objects.filter(pk=open_claims["payable"]).update(payment_due=None)
    rows = selectors.open_claims_queue(actor=county_reviewer, today=TODAY)
    assert [c.pk for c in rows][-2:] == [open_claims["awaiting_info"], open_claims["payable"]]


def test_closed_claims_and_another_county_are_not_in_the_queue(
    open_claims, county_reviewer, other_county_reviewer
):
    Claim.objects.filter(pk=open_claims["on_notice"]).update(status="paid")
    rows = selectors.open_claims_queue(actor=county_reviewer, today=TODAY)
    assert open_claims["on_notice"] not in [c.pk for c in rows] and rows.count() == 6
    assert not selectors.open_claims_queue(actor=other_county_reviewer, today=TODAY).exists()


def test_overdue_and_due_soon_count_the_officers_steps_only(open_claims, county_reviewer):
    overdue = selectors.open_claims_queue(actor=county_reviewer, today=TODAY, flag="overdue")
    soon = selectors.open_claims_queue(actor=county_reviewer, today=TODAY, flag="due_soon")
    # awaiting information since 12 March, its review due on the 10th: the clock is paused, not overdue
    assert [c.pk for c in overdue] == [open_claims["payable"]]
    assert [c.pk for c in soon] == [open_claims["in_batch"], open_claims["reviewed"]]


def test_the_queue_page_shows_each_claims_status_and_due_in_order(
    open_claims, county_reviewer, client_as, freeze
):
    freeze(SUBMIT_AT.replace(day=18))
    html = client_as(county_reviewer).get("/subsidy/queue/").content.decode()
    assert re.findall(r'data-status="(\w+)"', html) == ORDER
    assert "拨付中" in html and "公示中" in html and "异议调查中" in html
    assert '<span class="due-label">审批期限</span> 2025-03-20' in html
    assert '<span class="due-label">补正期限</span>' in html
    assert re.findall(r'data-flag="(\w*)"', html)[:3] == ["overdue", "due_soon", "due_soon"]


def test_the_queue_filters_on_any_open_status(open_claims, county_approver, client_as):
    html = client_as(county_approver).get("/subsidy/queue/?status=payable").content.decode()
    assert re.findall(r'data-status="(\w+)"', html) == ["payable"]
    assert '<option value="in_batch"' in html and '<option value="objection"' in html
