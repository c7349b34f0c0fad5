"""Each hand-written statement of dte.reports.queries gives what its ORM equivalent gives, on the
known history of conftest.py plus reviews and decisions right at the local midnight of their due
date (the on-time count compares a timestamp's local date, on SQLite by plain text)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db.models import Case, Count, F, IntegerField, Q, Sum, When
from django.db.models.functions import Coalesce

from dte.catalog.models import County
from dte.reports import queries
from dte.reports.selectors import COMMITTED, OPEN_STATUSES
from dte.subsidy.models import Claim
from dte.subsidy.models import Status as ClaimStatus
from tests.reports.conftest import TODAY

pytestmark = pytest.mark.django_db

STOCK = [s.value for s in (*OPEN_STATUSES, *COMMITTED)]


def _flag(q: Q) -> Coalesce:
    return Coalesce(Sum(Case(When(q, then=1), default=0, output_field=IntegerField())), 0)


def orm_claim_sums(*, county_id, year, fund_year, today, stock=None) -> list[tuple]:
    """``queries.claim_sums`` in the ORM (``__date``: the local date of a timestamp)."""
    fy = (date(fund_year, 1, 1), date(fund_year, 12, 31))
    qs = Claim.objects.exclude(status=ClaimStatus.DRAFT)
    if county_id is not None:
        qs = qs.filter(county_id=county_id)
    if year is not None:
        qs = qs.filter(claim_date__gte=date(year, 1, 1), claim_date__lte=date(year, 12, 31))
    if stock is not None:
        qs = qs.filter(
            Q(status__in=stock) | Q(status=ClaimStatus.PAID, paid_on__gte=fy[0], paid_on__lte=fy[1])
        )
    sums = {
        "n": Count("id"),
        "amount": Coalesce(Sum("amount"), 0),
        "paid_amount": Coalesce(Sum("amount", filter=Q(paid_on__gte=fy[0], paid_on__lte=fy[1])), 0),
        "reviewed": Count("reviewed_at"),
        "reviewed_on_time": _flag(Q(reviewed_at__date__lte=F("review_due"))),
        "decided": Count("decided_at"),
        "decided_on_time": _flag(Q(decided_at__date__lte=F("approval_due"))),
        "paid_due": Count("paid_on"),
        "paid_on_time": _flag(Q(paid_on__lte=F("payment_due"))),
        "review_past_due": _flag(Q(review_due__lt=today)),
        "approval_past_due": _flag(Q(approval_due__lt=today)),
        "payment_past_due": _flag(Q(payment_due__lt=today)),
    }
    assert list(sums) == queries.CLAIM_SUMS
    keys = ("county_id", "occupation_id", "level_id", "status")
    named = {f"sum_{k}": v for k, v in sums.items()}  # not a field's name
    return [
        tuple(r[k] for k in keys) + tuple(int(r[k]) for k in named)
        for r in qs.values(*keys).annotate(**named).order_by()
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


@pytest.mark.parametrize(
    ("county", "year", "stock"),
    [
        (None, None, None),
        ("330302", None, None),
        (None, 2025, None),
        ("330302", None, STOCK),
        (None, 2025, STOCK),
    ],
)
def test_claim_sums_equal_the_orms(at_midnight, county, year, stock):
    county_id = County.objects.get(code=county).pk if county else None
    args = {"county_id": county_id, "year": year, "fund_year": 2025, "today": TODAY, "stock": stock}
    found = _plain(queries.claim_sums(**args))
    assert found == sorted(orm_claim_sums(**args))
    assert found, "the history has claims in every case"


def test_on_time_turns_at_the_local_midnight_of_the_due_date(at_midnight):
    groups = {
        tuple(r[:4]): dict(zip(queries.CLAIM_SUMS, r[4:], strict=True))
        for r in queries.claim_sums(county_id=None, year=None, fund_year=2025, today=TODAY)
    }

    def of(claim: Claim) -> dict:
        claim.refresh_from_db()
        return groups[(claim.county_id, claim.occupation_id, claim.level_id, claim.status)]

    paid, late = of(at_midnight["claims"]["paid"]), of(at_midnight["claims"]["paid_late"])
    assert (paid["n"], paid["reviewed_on_time"], paid["decided_on_time"]) == (1, 1, 1)
    assert (late["n"], late["reviewed_on_time"], late["decided_on_time"]) == (1, 0, 0)
