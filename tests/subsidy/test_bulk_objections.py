"""Similar objections decided together [A2.6.2]: one finding for several, each claim moved, audited and
given its timeline entry as if decided alone, all in one transaction; refused whole when one of them
is closed or in another county."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from dte.audit.models import AuditEntry
from dte.subsidy import services
from dte.subsidy.models import Claim, ClaimEvent, Objection


def at_day(d: date, hour: int = 2) -> datetime:
    return datetime(d.year, d.month, d.day, hour, tzinfo=UTC)


@pytest.fixture
def objected(make_claim, make_trainee, county_reviewer, county_approver):
    """Three claims on notice, each with one open objection (the same complaint thrice)."""
    found = []
    for i in range(3):
        claim = make_claim(make_trainee())
        services.review_pass(actor=county_reviewer, claim=claim, at=at_day(date(2025, 3, 14)))
        services.claim_approve(actor=county_approver, claim=claim, at=at_day(date(2025, 3, 14)))
        found.append(
            services.objection_file(
                claim=claim,
                reason="同一机构的学员均未到课",
                contact="13900000000",
                client=f"1.2.3.{i}",
                at=at_day(date(2025, 3, 18)),
            )
        )
    return found


def test_similar_objections_dismissed_together_each_move_their_claim_with_its_own_entries(
    objected, county_reviewer
):
    ids = [o.pk for o in objected]
    services.objections_decide(
        actor=county_reviewer,
        objection_ids=ids,
        upheld=False,
        finding="考勤记录完整",
        at=at_day(date(2025, 3, 25)),
    )
    claims = [o.claim_id for o in objected]
    assert set(Claim.objects.filter(pk__in=claims).values_list("status", flat=True)) == {"payable"}
    assert set(Objection.objects.filter(pk__in=ids).values_list("status", flat=True)) == {"dismissed"}
    for pk in claims:
        assert (
            ClaimEvent.objects.filter(claim_id=pk, action="objection_dismissed", note="考勤记录完整").count()
            == 1
        )
        assert AuditEntry.objects.filter(action="claim.objection_dismissed", object_id=str(pk)).count() == 1
    bulk = AuditEntry.objects.get(action="subsidy.objections.bulk_decide")
    assert bulk.changes["objections"] == sorted(ids) and bulk.actor == county_reviewer


def test_similar_objections_upheld_together_cancel_every_claim(objected, county_reviewer):
    services.objections_decide(
        actor=county_reviewer,
        objection_ids=[o.pk for o in objected],
        upheld=True,
        finding="培训机构承认代签",
        at=at_day(date(2025, 3, 19)),
    )
    assert set(
        Claim.objects.filter(pk__in=[o.claim_id for o in objected]).values_list("status", flat=True)
    ) == {"cancelled"}


def test_one_objection_already_decided_refuses_them_all_and_changes_nothing(objected, county_reviewer):
    first, *rest = objected
    services.objection_decide(
        actor=county_reviewer, objection=first, upheld=False, finding="已查", at=at_day(date(2025, 3, 19))
    )
    with pytest.raises(ValidationError, match="已处理"):
        services.objections_decide(
            actor=county_reviewer,
            objection_ids=[o.pk for o in objected],
            upheld=True,
            finding="一并取消",
            at=at_day(date(2025, 3, 19)),
        )
    assert set(Objection.objects.filter(pk__in=[o.pk for o in rest]).values_list("status", flat=True)) == {
        "open"
    }
    assert not AuditEntry.objects.filter(
        action__in=["claim.cancel", "subsidy.objections.bulk_decide"]
    ).exists()


def test_an_objection_of_another_county_refuses_them_all(objected, other_county_reviewer, county_reviewer):
    with pytest.raises(ValidationError, match="不属于本县"):
        services.objections_decide(
            actor=other_county_reviewer,
            objection_ids=[objected[0].pk],
            upheld=True,
            finding="x" * 4,
            at=at_day(date(2025, 3, 19)),
        )
    with pytest.raises(ValidationError, match="请写明调查结论"):  # no finding: nothing decided either
        services.objections_decide(
            actor=county_reviewer,
            objection_ids=[o.pk for o in objected],
            upheld=True,
            finding="",
            at=at_day(date(2025, 3, 19)),
        )
    assert set(Objection.objects.values_list("status", flat=True)) == {"open"}


def test_the_city_supervisor_who_does_not_review_cannot_decide_objections(objected, auditor):
    with pytest.raises(PermissionDenied):
        services.objections_decide(
            actor=auditor,
            objection_ids=[objected[0].pk],
            upheld=True,
            finding="取消",
            at=at_day(date(2025, 3, 19)),
        )


def test_the_objections_page_decides_the_ticked_ones_together(objected, county_reviewer, client_as, freeze):
    freeze(at_day(date(2025, 3, 25)))
    client = client_as(county_reviewer)
    page = client.get("/subsidy/objections/").content.decode()
    assert page.count('form="bulk-decide"') == 3
    ticked = [objected[0].pk, objected[2].pk]
    response = client.post(
        "/subsidy/objections/decide/",
        {"objection": ticked, "upheld": "0", "finding": "考勤记录完整"},
        follow=True,
    )
    assert "已一并处理2件异议" in response.content.decode()
    statuses = dict(Objection.objects.values_list("pk", "status"))
    assert [statuses[o.pk] for o in objected] == ["dismissed", "open", "dismissed"]


def test_the_objections_page_names_the_objection_that_stops_the_rest(
    objected, county_reviewer, other_county_reviewer, client_as
):
    response = client_as(other_county_reviewer).post(
        "/subsidy/objections/decide/",
        {"objection": [objected[0].pk], "upheld": "1", "finding": "取消"},
        follow=True,
    )
    assert f"异议{objected[0].pk}不存在或不属于本县" in response.content.decode()
    assert Objection.objects.get(pk=objected[0].pk).status == "open"
