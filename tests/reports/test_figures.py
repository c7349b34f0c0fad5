"""Figures on the dashboards and the year-end report equal counts and sums made directly over the
records (the known history in conftest.py, and a recount in plain Python)."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time
from decimal import Decimal

import pytest

from dte.demo.synthetic import ClaimStatus
from dte.evaluation.models import LevelCertificate
from dte.reports import open_data, selectors
from dte.reports.selectors import OUTSIDE
from dte.subsidy.models import COUNTED, Claim
from dte.training.models import Enrolment, TrainingCertificate
from tests.reports.conftest import AI, BIG_DATA, TODAY

pytestmark = pytest.mark.django_db


def _row(rows, occupation, level):
    return next(r for r in rows if r["occupation_code"] == occupation and r["level_code"] == level)


def test_the_year_end_report_counts_people_trained_by_occupation_and_level(history, county_reviewer):
    f = selectors.county_year_figures(county=county_reviewer.county, year=2025, as_of=TODAY)
    ai = _row(f["training"], AI, "junior")
    assert (ai["enrolled"], ai["completed"], ai["training_certified"], ai["level_certified"]) == (4, 3, 3, 1)
    bd = _row(f["training"], BIG_DATA, "intermediate")
    assert (bd["enrolled"], bd["completed"], bd["training_certified"], bd["level_certified"]) == (0, 1, 1, 1)
    # Totals are distinct people: 鹿城0 completed both classes and holds two level certificates.
    assert f["training_totals"] == {
        "enrolled": 4,
        "completed": 3,
        "training_certified": 3,
        "level_certified": 1,
    }


def test_the_year_end_report_sums_claims_approved_paid_and_recovered(history, county_reviewer):
    f = selectors.county_year_figures(county=county_reviewer.county, year=2025, as_of=TODAY)
    ai = _row(f["claims"], AI, "junior")
    assert (ai["received"], ai["approved"], ai["approved_amount"], ai["rejected"]) == (4, 2, 6600, 1)
    assert (ai["paid"], ai["paid_amount"], ai["recovered_amount"]) == (1, 3300, 0)
    bd = _row(f["claims"], BIG_DATA, "intermediate")
    assert (bd["approved_amount"], bd["paid_amount"], bd["recovered_amount"]) == (3900, 3900, 500)
    assert f["claims_totals"] == {
        "received": 5,
        "approved": 3,
        "approved_amount": 10500,
        "rejected": 1,
        "paid": 2,
        "paid_amount": 7200,
        "recovered_amount": 500,
    }


def test_the_year_end_report_equals_a_recount_over_the_records(history, other_county_reviewer):
    """瑞安市: recount every column in plain Python from the rows themselves."""
    county = other_county_reviewer.county
    f = selectors.county_year_figures(county=county, year=2025, as_of=TODAY)
    mine = [
        e for e in Enrolment.objects.select_related("klass", "person") if e.person.region_code == county.code
    ]
    completed = {e.person_id for e in mine if e.status == "completed" and e.klass.end_date.year == 2025}
    certified = {
        c.person_id
        for c in TrainingCertificate.objects.select_related("person")
        if c.person.region_code == county.code and c.status == "valid" and c.issued_on.year == 2025
    }
    levels = {
        c.person_id
        for c in LevelCertificate.objects.select_related("person")
        if c.person.region_code == county.code and c.status == "valid" and c.issued_on.year == 2025
    }
    assert f["training_totals"]["completed"] == len(completed) == 2
    assert f["training_totals"]["training_certified"] == len(certified) == 2
    assert f["training_totals"]["level_certified"] == len(levels) == 2
    paid = [c for c in Claim.objects.filter(county=county) if c.status == "paid" and c.paid_on.year == 2025]
    assert f["claims_totals"]["paid_amount"] == sum(c.amount for c in paid) == 3900
    assert f["claims_totals"]["received"] == 1  # the draft is not a claim received


def test_the_city_dashboard_funnel_counts_every_stage(history, city_officer):
    d = selectors.dashboard(actor=city_officer, today=TODAY)
    assert d.funnel == {
        "enrolled": 9,
        "trained": 8,
        "training_certified": 8,
        "level_certified": 5,
        "claimed": 5,
        "paid": 3,
    }
    assert d.funnel["claimed"] == Claim.objects.filter(status__in=COUNTED).count()
    assert (
        d.funnel["enrolled"]
        == Enrolment.objects.filter(status__in=["admitted", "completed", "dropped"]).count()
    )
    # By county (reading R1: trainees by registration region; claims by the county that pays).
    assert d.by_county["330302"]["enrolled"] == 6
    assert d.by_county["330381"]["trained"] == 2
    assert d.by_county[OUTSIDE] == {"enrolled": 1, "trained": 1, "training_certified": 1}
    assert d.by_county["330302"]["paid"] == 2 and d.by_county["330381"]["paid"] == 1
    # Every grouping adds up to the funnel.
    for groups in (d.by_county, d.by_occupation, d.by_level):
        for stage in d.funnel:
            assert sum(g.get(stage, 0) for g in groups.values()) == d.funnel[stage]


def test_the_funnel_for_a_year_counts_only_that_year(history, city_officer):
    d = selectors.dashboard(actor=city_officer, year=2024, today=TODAY)
    # 2024: classes B and C started, class C ended; one level certificate issued.
    assert d.funnel["enrolled"] == 3
    assert d.funnel["trained"] == 1
    assert d.funnel["level_certified"] == 1
    assert d.funnel["claimed"] == 0


def test_the_goal_counts_distinct_people_by_the_year_of_their_first_level_certificate(history, city_officer):
    g = selectors.dashboard(actor=city_officer, today=TODAY).goal
    assert g["current"] == 4
    assert dict(zip(g["years"], g["new_by_year"], strict=True)) == {2024: 1, 2025: 3}
    assert g["cumulative"][-1] == 4
    assert g["pace"] == 3  # first certificates in the 365 days to 2025-12-15
    years_left = (date(2030, 12, 31) - TODAY).days / 365.25  # [P1]
    assert g["projected"] == 4 + round(3 * years_left)
    assert float(g["needed_pace"]) == pytest.approx((1000 - 4) / years_left, abs=0.05)
    assert g["on_track"] is False


def test_service_levels_count_reviews_approvals_and_payments_on_time(history, city_officer):
    d = selectors.dashboard(actor=city_officer, today=TODAY)
    total = Counter()
    for row in d.service.values():
        total.update(row)
    assert (total["reviewed"], total["reviewed_on_time"]) == (5, 4)
    assert (total["decided"], total["decided_on_time"]) == (5, 4)
    assert (total["paid_due"], total["paid_on_time"]) == (3, 2)
    assert (total["overdue_review"], total["overdue_approval"], total["overdue_payment"]) == (1, 0, 1)
    assert selectors.service_rates(total) == {"review": 80, "approval": 80, "payment": Decimal("66.7")}


def test_an_approval_after_midnight_is_late_by_the_local_date(records, history, city_officer):
    """00:30 in Wenzhou on the day after the deadline is still the deadline day in UTC."""
    person = records.person(region="330302")
    claim = records.claim(
        person=person,
        county="330302",
        status=ClaimStatus.PAYABLE,
        claim_date=date(2025, 8, 1),
        approval_due=date(2025, 8, 20),
        decided_on=date(2025, 8, 21),
        payment_due=date(2026, 1, 30),
    )
    Claim.objects.filter(pk=claim.pk).update(
        decided_at=datetime.combine(date(2025, 8, 21), time(0, 30), tzinfo=selectors.tz())
    )
    d = selectors.dashboard(actor=city_officer, today=TODAY)
    assert d.service["330302"]["decided"] == 5
    assert d.service["330302"]["decided_on_time"] == 3


def test_fund_use_per_county_adds_budget_committed_paid_and_recovered(history, city_officer):
    d = selectors.dashboard(actor=city_officer, today=TODAY)
    assert d.fund["330302"] == {
        "budget": 100_000,
        "committed": 3300,
        "paid": 7200,
        "recovered": 500,
        "available": 90_000,
    }
    assert d.fund["330381"] == {
        "budget": 50_000,
        "committed": 0,
        "paid": 3900,
        "recovered": 0,
        "available": 46_100,
    }


def test_a_county_dashboard_shows_only_its_own_records(history, county_reviewer):
    d = selectors.dashboard(actor=county_reviewer, today=TODAY)
    assert d.county == county_reviewer.county
    assert set(d.by_county) == {"330302"}
    assert d.funnel["enrolled"] == 6
    assert d.funnel["claimed"] == 4
    assert set(d.fund) == {"330302"}
    assert d.goal["current"] == 2  # 鹿城0 and 鹿城5


def test_open_statistics_suppress_counts_below_five(history):
    rows = open_data.open_statistics()
    ai_lucheng_2025 = next(
        r for r in rows if (r["year"], r["county_code"], r["occupation_code"]) == (2025, "330302", AI)
    )
    assert ai_lucheng_2025["trained"] is None  # 3 people: suppressed
    assert ai_lucheng_2025["paid_amount"] is None  # one claim paid: its amount would identify the person
    assert all(
        set(r)
        == {
            "year",
            "county_code",
            "county",
            "occupation_code",
            "occupation",
            "level",
            "trained",
            "level_certified",
            "paid_claims",
            "paid_amount",
        }
        for r in rows
    )


def test_open_statistics_show_counts_of_five_or_more(records, history):
    klass = records.klass(
        occupation="2-02-10-12", level="senior", start=date(2025, 5, 5), end=date(2025, 6, 6)
    )
    for i in range(5):
        records.enrol(klass, records.person(region="330381", name=f"云{i}"))
    row = next(r for r in open_data.open_statistics() if r["occupation_code"] == "2-02-10-12")
    assert (row["year"], row["county"], row["trained"]) == (2025, "瑞安市", 5)


def test_the_claims_covering_index_exists_once_after_migrations():
    from django.db import connection

    with connection.cursor() as cur:
        found = connection.introspection.get_constraints(cur, "subsidy_claim")
    columns = [
        "county_id",
        "occupation_id",
        "level_id",
        "status",
        "claim_date",
        "paid_on",
        "amount",
        "reviewed_at",
        "review_due",
        "decided_at",
        "approval_due",
        "payment_due",
    ]
    assert found["reports_claim_oversight"]["columns"] == columns
    assert [name for name, c in found.items() if c["index"] and c["columns"] == columns] == [
        "reports_claim_oversight"
    ]


def test_a_year_view_keeps_the_queue_and_the_fund_as_of_today(history, city_officer):
    all_years = selectors.dashboard(actor=city_officer, today=TODAY)
    d = selectors.dashboard(actor=city_officer, year=2025, today=TODAY)
    assert d.fund == all_years.fund
    for key in ("overdue_review", "overdue_payment", "q_under_review", "q_payable"):
        assert sum(r[key] for r in d.service.values()) == sum(r[key] for r in all_years.service.values())
    # The flow follows the claims made in 2025: all non-draft claims are dated 2025.
    assert d.funnel["claimed"] == all_years.funnel["claimed"] == 5
