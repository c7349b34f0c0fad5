"""Each hand-written statement of dte.reports.queries gives what its ORM equivalent gives, on the
known history of conftest.py plus reviews and decisions right at the local midnight of their due
date (the on-time count compares a timestamp's local date, on SQLite by plain text)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db.models import Case, Count, F, IntegerField, Q, Sum, When
from django.db.models.functions import Coalesce, ExtractYear

from dte.reports import queries
from dte.subsidy.models import Claim
from dte.subsidy.models import Status as ClaimStatus

pytestmark = pytest.mark.django_db


def _flag(q: Q) -> Coalesce:
    return Coalesce(Sum(Case(When(q, then=1), default=0, output_field=IntegerField())), 0)


def orm_claim_tallies() -> list[tuple]:
    """``queries.claim_tallies`` in the ORM (``__date``: the local date of a timestamp)."""
    qs = Claim.objects.exclude(status=ClaimStatus.DRAFT)
    sums = {
        "n": Count("id"),
        "amount": Coalesce(Sum("amount"), 0),
        "reviewed": Count("reviewed_at"),
        "reviewed_on_time": _flag(Q(reviewed_at__date__lte=F("review_due"))),
        "decided": Count("decided_at"),
        "decided_on_time": _flag(Q(decided_at__date__lte=F("approval_due"))),
        "paid_due": Count("paid_on"),
        "paid_on_time": _flag(Q(paid_on__lte=F("payment_due"))),
    }
    assert tuple(sums) == queries.TALLY_SUMS
    keys = {
        "k_county": Coalesce("county_id", 0),
        "k_occupation": F("occupation_id"),
        "k_level": F("level_id"),
        "k_status": F("status"),
        "k_claim_year": Coalesce(ExtractYear("claim_date"), 0),
        "k_paid_year": Coalesce(ExtractYear("paid_on"), 0),
    }
    named = {f"sum_{k}": v for k, v in sums.items()}  # not a field's name
    return [
        tuple(r[k] for k in keys) + tuple(int(r[k]) for k in named)
        for r in qs.values(**keys).annotate(**named).order_by()
    ]


def _plain(found: list[tuple]) -> list[tuple]:
    return sorted(tuple(int(v) if i >= 4 else v for i, v in enumerate(r)) for r in found)


@pytest.fixture
def at_midnight(history):
    """Reviews and decisions 1 minute before and 1 minute after the local midnight that ends
    their due date (Asia/Shanghai, UTC+8)."""
    claims = history["claims"]

    def local(day: date, hour: int, minute: int) -> datetime:
        return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC) - timedelta(hours=8)

    paid, late = claims["paid"], claims["paid_late"]
    Claim.objects.filter(pk=paid.pk).update(
        reviewed_at=local(paid.review_due, 23, 59), decided_at=local(paid.approval_due, 23, 59)
    )
    Claim.objects.filter(pk=late.pk).update(
        reviewed_at=local(late.review_due + timedelta(days=1), 0, 1),
        decided_at=local(late.approval_due + timedelta(days=1), 0, 1),
    )
    return history


def test_claim_tallies_equal_the_orms(at_midnight):
    found = _plain(queries.claim_tallies())
    assert found == sorted(orm_claim_tallies())
    assert found, "the history has submitted claims"
    assert {r[5] for r in found} >= {0, 2025}, "paid and unpaid claims"


def test_on_time_turns_at_the_local_midnight_of_the_due_date(at_midnight):
    groups: dict[tuple, dict] = {}
    for r in queries.claim_tallies():
        g = groups.setdefault(tuple(r[:4]), dict.fromkeys(queries.TALLY_SUMS, 0))
        for k, v in zip(queries.TALLY_SUMS, r[6:], strict=True):
            g[k] += v

    def of(claim: Claim) -> dict:
        claim.refresh_from_db()
        return groups[(claim.county_id, claim.occupation_id, claim.level_id, claim.status)]

    paid, late = of(at_midnight["claims"]["paid"]), of(at_midnight["claims"]["paid_late"])
    assert (paid["n"], paid["reviewed_on_time"], paid["decided_on_time"]) == (1, 1, 1)
    assert (late["n"], late["reviewed_on_time"], late["decided_on_time"]) == (1, 0, 0)


def test_tally_add_makes_the_row_then_adds_to_it_as_the_orm_would():
    from dte.reports.models import ClaimDueTally, ClaimTally

    keys = ("county", "occupation", "level", "status", "claim_year", "paid_year")
    key = (1, 2, 3, "under_review", 2026, 0)
    queries.tally_add(ClaimTally, keys, key, {"n": 1, "amount": 3300})
    queries.tally_add(ClaimTally, keys, key, {"n": 2, "amount": -100, "reviewed": 1})
    row = ClaimTally.objects.get(**dict(zip(keys, key, strict=True)))
    assert (row.n, row.amount, row.reviewed, row.decided) == (3, 3200, 1, 0)
    queries.tally_add(ClaimDueTally, ("county", "status", "due"), (1, "reviewed", date(2027, 1, 4)), {"n": 1})
    queries.tally_add(
        ClaimDueTally, ("county", "status", "due"), (1, "reviewed", date(2027, 1, 4)), {"n": -1}
    )
    assert list(ClaimDueTally.objects.values_list("status", "due", "n")) == [
        ("reviewed", date(2027, 1, 4), 0)
    ]
