"""The preview of a draft on the recorded claims, and its application on publication."""

from __future__ import annotations

from dte.audit.models import AuditEntry
from dte.parameters import preview, selectors, services
from dte.parameters.models import ChangedDecision
from dte.subsidy import services as subsidy
from dte.subsidy.models import ClaimEvent

from .conftest import RAISE_HOURS, SUBMIT_AT


def test_the_preview_counts_the_claims_a_draft_would_decide_otherwise(records, draft):
    shown = preview.preview_draft(draft(**RAISE_HOURS), today=SUBMIT_AT.date()).summary
    assert shown["claims"] == 3  # the withdrawn one is not considered
    assert (shown["changed"], shown["to_eligible"], shown["to_ineligible"]) == (2, 0, 2)
    assert (shown["amount_before"], shown["amount_after"], shown["amount_delta"]) == (9900, 3300, -6600)
    assert shown["by_county"] == {"330302": {"claims": 3, "changed": 2, "amount_delta": -6600}}
    assert shown["by_occupation_level"] == {
        "2-02-10-11/junior": {"claims": 3, "changed": 2, "amount_delta": -6600}
    }
    assert shown["by_year"] == {"2025": {"claims": 3, "changed": 2, "amount_delta": -6600}}


def test_claims_dated_before_the_draft_are_not_considered(records, draft):
    from datetime import date

    shown = preview.preview_draft(
        draft(start=date(2025, 4, 1), **RAISE_HOURS), today=SUBMIT_AT.date()
    ).summary
    assert (shown["claims"], shown["changed"], shown["amount_delta"]) == (0, 0, 0)


def test_a_draft_that_changes_nothing_shows_no_change(records, draft):
    shown = preview.preview_draft(draft(code="2-02-10-11", level="junior", hours=128), today=SUBMIT_AT.date())
    assert (shown.summary["claims"], shown.summary["changed"], shown.summary["amount_delta"]) == (3, 0, 0)


def test_publication_redecides_the_open_claims_and_lists_the_decided_ones_for_their_county(
    records, draft, city_officer, second_city_officer, county_reviewer, other_county_reviewer
):
    open_, decided, long_ = records
    (v,) = services.propose(
        actor=city_officer,
        draft=draft(**RAISE_HOURS),
        document="温人社发〔2025〕9号",
        reason="学时调整",
        at=SUBMIT_AT,
    )
    services.approve(actor=second_city_officer, version=v, at=SUBMIT_AT)
    open_.refresh_from_db()
    assert (open_.eligible, open_.amount, open_.failed_rules) == (False, 0, ["A2.2-hours"])
    assert ClaimEvent.objects.filter(claim=open_, action="redecided").count() == 1
    assert AuditEntry.objects.filter(action="claim.redecide", object_id=str(open_.pk)).exists()
    decided.refresh_from_db()
    assert (decided.eligible, decided.amount) == (True, 3300)  # decided claims keep their decision
    (listed,) = selectors.changed_decisions(actor=county_reviewer)
    assert (listed.claim_id, listed.amount_before, listed.amount_after, listed.eligible_after) == (
        decided.pk, 3300, 0, False,
    )  # fmt: skip
    assert not selectors.changed_decisions(actor=other_county_reviewer).exists()
    long_.refresh_from_db()
    assert (long_.eligible, long_.amount) == (True, 3300)  # its finding now names 140 hours
    v.refresh_from_db()
    assert v.effect["changed"] == 2


def test_applying_twice_changes_nothing_more(records, draft, city_officer, second_city_officer):
    open_, _, _ = records
    (v,) = services.propose(
        actor=city_officer,
        draft=draft(**RAISE_HOURS),
        document="温人社发〔2025〕9号",
        reason="学时调整",
        at=SUBMIT_AT,
    )
    services.approve(actor=second_city_officer, version=v, at=SUBMIT_AT)
    assert subsidy.claims_redecide(reason="再次", at=SUBMIT_AT) == 0
    assert ClaimEvent.objects.filter(claim=open_, action="redecided").count() == 1
    assert ChangedDecision.objects.count() == 1


def test_a_draft_of_a_rule_on_the_person_redecides_from_the_persons_facts(records):
    # the claimants were born in 1990: at least 40 years of age excludes all three
    draft = {
        "eligibility": {
            "values": {
                "2025-03-01": {
                    "reference": "温人社发〔2025〕9号",
                    "min_age_years": 40,
                    "min_consecutive_insurance_months": 6,
                    "retirement_reading": "strict",
                }
            }
        }
    }
    s = preview.preview_draft(draft, today=SUBMIT_AT.date()).summary
    assert (s["claims"], s["changed"], s["to_ineligible"], s["amount_delta"]) == (3, 3, 3, -9900)
