"""A claim submission reads what it needs, not the history: with twenty times as many claims already
submitted through the same institution, each carrying the very same evidence files (the worst case of
the identical-evidence signal [A2.7a]), one more submission reads less than 20 % more (rows and index
entries on PostgreSQL, virtual-machine steps on SQLite: dte.core.rows.read_cost). The full sizes
(10,000 and 1,000,000 claims) are in bench/claims_submit.py --history."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from dte.catalog.models import County, Institution
from dte.core import rows
from dte.demo.history import submitted_claims
from dte.subsidy import services
from dte.subsidy.models import Claim, Status
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
