"""The dashboards' rollups of the claims (dte.reports.rollups), kept in the transaction of every claim
write, equal a full recount from the claims after a mix of writes: claims started, submitted, asked
for information, reviewed, rejected, withdrawn, approved, put on notice, batched, paid, returned by
the bank, and bulk updates of the ORM; and ``rebuild`` gives the same, however often it runs."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.db import transaction

from dte.catalog.models import County
from dte.reports import rollups
from dte.reports.models import ClaimDueTally, ClaimTally
from dte.subsidy import services
from dte.subsidy.models import Claim

pytestmark = pytest.mark.django_db
LUCHENG = "330302"


def at_day(d: date, hour: int = 2) -> datetime:
    return datetime(d.year, d.month, d.day, hour, tzinfo=UTC)


def assert_recounted() -> rollups.Tallies:
    kept = rollups.stored()
    assert kept == rollups.recount()
    return kept


def test_the_kept_rollups_equal_a_recount_after_a_mix_of_writes(
    make_trainee, make_claim, county_reviewer, county_approver
):
    trainees = [make_trainee(f"学员{i}") for i in range(7)]
    draft = make_claim(trainees[0], submit=False)
    claims = [make_claim(t) for t in trainees[1:]]
    assert assert_recounted()[0], "submitted claims are counted"
    assert Claim.objects.get(pk=draft.pk).status == "draft"

    waiting, asked, rejected, withdrawn, paid, returned = claims
    services.review_request_info(
        actor=county_reviewer, claim=asked, question="请补充劳动合同", at=at_day(date(2025, 3, 12))
    )
    services.claim_reject(
        actor=county_reviewer,
        claim=rejected,
        clauses=["A2.1-group"],
        reason="不属于补贴对象",
        at=at_day(date(2025, 3, 13)),
    )
    services.claim_withdraw(
        actor=withdrawn.person.account, claim=withdrawn, reason="信息有误", at=at_day(date(2025, 3, 13))
    )
    for c in (paid, returned):
        services.review_pass(actor=county_reviewer, claim=c, at=at_day(date(2025, 3, 14)))
    assert_recounted()
    for c in (paid, returned):
        services.claim_approve(actor=county_approver, claim=c, at=at_day(date(2025, 3, 14)))
    services.notices_expire(at=at_day(date(2025, 3, 24)))
    assert_recounted()

    county = County.objects.get(code=LUCHENG)
    services.fund_budget(
        actor=county_approver, county=county, year=2025, amount=100_000, at=at_day(date(2025, 3, 24))
    )
    batch = services.batch_create(actor=county_approver, county=county, at=at_day(date(2025, 3, 25)))
    assert_recounted()
    lines = {line.claim_id: line.line for line in batch.lines.all()}
    result = (
        "批次号,行号,结果,失败原因\n"
        f"{batch.reference},{lines[paid.pk]},成功,\n"
        f"{batch.reference},{lines[returned.pk]},失败,账户已销户\n"
    )
    services.results_import(
        actor=county_approver,
        batch=batch,
        content=result.encode(),
        filename="r.csv",
        at=at_day(date(2025, 4, 1)),
    )
    assert Claim.objects.get(pk=paid.pk).status == "paid"
    assert Claim.objects.get(pk=returned.pk).status == "payable"
    kept = assert_recounted()
    assert any(k[5] == 2025 for k in kept[0]), "a payment year is counted"
    assert any(k[1] == "under_review" for k in kept[1]), "a review due date is counted"

    # Writes of the ORM outside the services: a queryset's update, a bulk update; a draft discarded.
    Claim.objects.filter(pk=waiting.pk).update(review_due=date(2025, 3, 11))
    moved = list(Claim.objects.filter(pk__in=[paid.pk, returned.pk]))
    for c in moved:
        c.payment_due = date(2025, 3, 31)
    Claim.objects.bulk_update(moved, ["payment_due"])
    assert_recounted()
    services.claim_withdraw(actor=draft.person.account, claim=draft, at=at_day(date(2025, 4, 2)))  # deleted
    assert not Claim.objects.filter(pk=draft.pk).exists()
    assert_recounted()

    before = rollups.stored()
    assert rollups.rebuild() == (len(before[0]), len(before[1]))
    assert rollups.stored() == before == rollups.recount()
    rollups.rebuild()  # idempotent
    assert rollups.stored() == before


def test_a_rolled_back_write_leaves_the_rollups_as_they_were(make_trainee, make_claim, county_reviewer):
    claim = make_claim(make_trainee())
    before = rollups.stored()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.review_pass(actor=county_reviewer, claim=claim, at=at_day(date(2025, 3, 14)))
        assert rollups.stored() != before
        raise RuntimeError("rolled back")
    assert rollups.stored() == before == rollups.recount()


def test_rebuild_repairs_rollups_that_drifted(make_trainee, make_claim):
    make_claim(make_trainee())
    ClaimTally.objects.update(n=99)
    ClaimDueTally.objects.all().delete()
    assert rollups.stored() != rollups.recount()
    rollups.rebuild()
    assert rollups.stored() == rollups.recount()
