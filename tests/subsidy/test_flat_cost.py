"""A claim submission and the officers' queue page read what they need, not the history: with twenty
times as many claims already submitted through the same institution, each carrying the very same
evidence files (the worst case of the identical-evidence signal [A2.7a]), one more submission reads
less than 20 % more (rows and index
entries on PostgreSQL, virtual-machine steps on SQLite: dte.core.rows.read_cost). The full sizes
(10,000 and 1,000,000 claims) are in bench/claims_submit.py --history."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta

from django.db import connection

from dte.catalog.models import County, Institution
from dte.core import rows
from dte.demo.history import submitted_claims
from dte.subsidy import selectors, services
from dte.subsidy.models import OPEN_STATES, STEP_DUE_FIELD, Claim, Status
from dte.subsidy.models.claims import LAST_DAY
from tests.subsidy.conftest import PDF, PNG, SUBMIT_AT

ACCOUNTS = ["6222020200112233445", "6222020200112233452"]
SAME_FILES = [hashlib.sha256(PDF).hexdigest(), hashlib.sha256(PNG).hexdigest()]


def _history(n: int) -> None:
    submitted_claims(
        n,
        institution=Institution.objects.get(name="杭州电子科技大学"),
        county=County.objects.get(code="330302"),
        submitted_at=SUBMIT_AT - timedelta(hours=1),
        hashes=SAME_FILES,
    )


def _submission_cost(user, make_claim, *, at, account) -> rows.ReadCost:
    claim = make_claim(user, submit=False, at=at, account=account)
    with rows.read_cost(as_if_large=True) as cost:
        services.claim_submit(actor=user, claim=claim, at=at)
    assert Claim.objects.get(pk=claim.pk).status == Status.UNDER_REVIEW
    return cost


def test_a_submission_reads_as_much_after_twenty_times_the_history(make_trainee, make_claim):
    _history(150)
    small = _submission_cost(make_trainee("王一"), make_claim, at=SUBMIT_AT, account=ACCOUNTS[0])
    _history(2850)
    # A day later, into another account: nothing of the first measured claim is in this one's window.
    later = SUBMIT_AT + timedelta(days=1)
    large = _submission_cost(make_trainee("王二"), make_claim, at=later, account=ACCOUNTS[1])
    assert small.units > 0
    assert abs(large.units - small.units) < 0.2 * small.units, (small, large)


def test_the_identical_evidence_signal_still_sees_the_claims_of_its_window(make_trainee, make_claim):
    _history(300)
    first = make_claim(make_trainee("赵一"))
    second = make_claim(make_trainee("赵二"), at=SUBMIT_AT + timedelta(minutes=5))
    burst = [f["message"] for f in second.fraud_flags if f["kind"] == "identical_evidence_burst"]
    assert burst and burst[0].endswith(f":{first.reference}")  # that one claim, none of the history


def _queue_cost(reviewer) -> rows.ReadCost:
    if connection.vendor == "postgresql":  # the planner's statistics, as autovacuum keeps them
        with connection.cursor() as cur:
            cur.execute("ANALYZE subsidy_claim")
    queue = selectors.open_claims_queue(actor=reviewer, today=SUBMIT_AT.date())
    with rows.read_cost(as_if_large=True) as cost:  # the page's 50 claims, in the queue's order
        page = list(queue.values_list("pk", flat=True)[:50])
    assert len(page) == 50
    return cost


def test_the_queue_page_reads_as_much_with_twice_the_open_claims(county_reviewer):
    """Sizes at which PostgreSQL's planner already plans as for a large county (on a few hundred
    rows it rather reads them all and sorts)."""
    _history(3000)
    small = _queue_cost(county_reviewer)
    _history(3000)
    large = _queue_cost(county_reviewer)
    assert abs(large.units - small.units) < 0.2 * small.units, (small, large)


def test_the_queue_order_columns_follow_each_status(reference):
    """The generated columns give the due date of the step each open status waits for, LAST_DAY
    when it has none, and nothing for a claim that waits for no one."""
    _history(len(Status))
    claims = list(Claim.objects.order_by("pk")[: len(Status)])
    for claim, status in zip(claims, Status, strict=True):
        Claim.objects.filter(pk=claim.pk).update(
            status=status, notice_last_day=date(2025, 4, 1), payment_due=date(2025, 4, 20)
        )
    for claim in Claim.objects.filter(pk__in=[c.pk for c in claims]):
        field = STEP_DUE_FIELD.get(claim.status)
        expected = getattr(claim, field) if field else (LAST_DAY if claim.status in OPEN_STATES else None)
        assert claim.queue_due == expected, claim.status
        assert claim.queue_asked == (claim.info_requested_on or LAST_DAY)
