"""Claims chosen for a payment batch [A2.6.2]: only the ticked ones, all payable claims of the county;
none ticked, the oldest payment due first as before."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.core.exceptions import ValidationError

from dte.catalog.models import County
from dte.subsidy import services
from dte.subsidy.models import Claim, PaymentBatch

LUCHENG = "330302"


def at_day(d: date) -> datetime:
    return datetime(d.year, d.month, d.day, 2, tzinfo=UTC)


@pytest.fixture
def three_payable(make_claim, make_trainee, county_reviewer, county_approver):
    claims = []
    for _ in range(3):
        c = make_claim(make_trainee())
        services.review_pass(actor=county_reviewer, claim=c, at=at_day(date(2025, 3, 14)))
        services.claim_approve(actor=county_approver, claim=c, at=at_day(date(2025, 3, 14)))
        claims.append(c)
    services.notices_expire(at=at_day(date(2025, 3, 24)))
    services.fund_budget(
        actor=county_approver,
        county=County.objects.get(code=LUCHENG),
        year=2025,
        amount=100000,
        at=at_day(date(2025, 3, 24)),
    )
    assert set(Claim.objects.filter(pk__in=[c.pk for c in claims]).values_list("status", flat=True)) == {
        "payable"
    }
    return claims


def test_a_batch_of_the_chosen_claims_holds_those_alone(three_payable, county_approver):
    chosen = [three_payable[0].pk, three_payable[2].pk]
    batch = services.batch_create(
        actor=county_approver,
        county=County.objects.get(code=LUCHENG),
        at=at_day(date(2025, 3, 25)),
        claim_ids=chosen,
    )
    assert sorted(batch.lines.values_list("claim_id", flat=True)) == sorted(chosen)
    assert Claim.objects.get(pk=three_payable[1].pk).status == "payable"


def test_a_chosen_claim_that_is_not_payable_in_the_county_refuses_the_batch(
    three_payable, county_approver, submitted
):
    with pytest.raises(ValidationError, match="请勾选本县"):
        services.batch_create(
            actor=county_approver,
            county=County.objects.get(code=LUCHENG),
            at=at_day(date(2025, 3, 25)),
            claim_ids=[three_payable[0].pk, submitted.pk],  # the second is under review
        )
    assert not PaymentBatch.objects.exists()


def test_the_payments_page_makes_a_batch_of_the_ticked_claims(
    three_payable, county_approver, client_as, freeze
):
    freeze(at_day(date(2025, 3, 25)))
    client = client_as(county_approver)
    assert client.get("/subsidy/payments/").content.decode().count('form="batch-form"') == 3
    client.post("/subsidy/payments/batches/", {"claim": [three_payable[1].pk]})
    batch = PaymentBatch.objects.get()
    assert list(batch.lines.values_list("claim_id", flat=True)) == [three_payable[1].pk]
