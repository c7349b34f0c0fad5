"""Due dates reckoned over a year whose holiday schedule is not yet published are provisional (W1):
the claim is marked, its page says so, and once the year is loaded the daily job reckons the open
claims' dates again, with a timeline entry and an audit entry for each claim whose dates moved."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from dte.audit.models import AuditEntry
from dte.policy.calendar import load_year_file
from dte.subsidy import services
from dte.subsidy.models import Claim
from tests.subsidy.conftest import make_eligible

SUBMIT = datetime(2026, 12, 21, 2, tzinfo=UTC)  # Monday 21 December 2026, 10:00 in Wenzhou
# Test data, not the official schedule: 1 January 2027 a holiday (a Friday).
YEAR_2027 = """values:
  2026-11-10:
    reference: 测试数据 — not the official schedule
    year: 2027
    holidays: [2027-01-01, 2027-02-06..2027-02-12]
    workdays: [2027-02-14]
"""


def at_day(d: date, hour: int = 2) -> datetime:
    return datetime(d.year, d.month, d.day, hour, tzinfo=UTC)


@pytest.fixture
def calendar_dir(tmp_path, monkeypatch):
    d = tmp_path / "calendar"
    monkeypatch.setenv("DTE_CALENDAR_DIR", str(d))
    return d


@pytest.fixture
def load_2027(calendar_dir, tmp_path):
    def load():
        path = tmp_path / "2027.yaml"
        path.write_text(YEAR_2027, encoding="utf-8")
        load_year_file(path, calendar_dir)

    return load


@pytest.fixture
def december_claim(trainee, make_claim, calendar_dir):
    make_eligible(trainee.person, first=(2026, 3), last=(2026, 11))
    return make_claim(trainee, at=SUBMIT, issued=date(2026, 6, 1))


def test_a_claim_whose_review_runs_into_an_unpublished_year_has_provisional_dates(
    december_claim, trainee, client_as
):
    claim = Claim.objects.get(pk=december_claim.pk)
    # 10 working days after 21 December, Monday to Friday (W1): 1 January 2027 counts.
    assert (claim.review_due, claim.dates_provisional) == (date(2027, 1, 4), True)
    page = client_as(trainee).get(f"/subsidy/claims/{claim.pk}/").content.decode()
    assert 'id="dates-provisional"' in page and "暂按周一至周五为工作日计算" in page


def test_a_claim_within_published_years_is_not_provisional(submitted):
    assert Claim.objects.get(pk=submitted.pk).dates_provisional is False


def test_nothing_moves_until_the_year_is_loaded(december_claim):
    assert services.due_dates_recompute(at=at_day(date(2026, 12, 22))) == 0
    claim = Claim.objects.get(pk=december_claim.pk)
    assert (claim.review_due, claim.dates_provisional) == (date(2027, 1, 4), True)
    assert not claim.events.filter(action="dues_recomputed").exists()


def test_loading_the_year_moves_the_review_and_approval_dates_once(december_claim, load_2027):
    before = Claim.objects.get(pk=december_claim.pk)
    load_2027()
    assert services.due_dates_recompute(at=at_day(date(2026, 12, 23))) == 1
    claim = Claim.objects.get(pk=december_claim.pk)
    assert (claim.review_due, claim.approval_due) == (date(2027, 1, 5), date(2027, 1, 12))
    assert before.approval_due == date(2027, 1, 11)
    assert claim.dates_provisional is False
    event = claim.events.get(action="dues_recomputed")
    assert (
        "审核期限:2027-01-04 → 2027-01-05" in event.note and "审批期限:2027-01-11 → 2027-01-12" in event.note
    )
    entry = AuditEntry.objects.get(action="claim.dues_recompute")
    assert entry.changes["review_due"] == ["2027-01-04", "2027-01-05"]
    # Idempotent: a second run (or one on an unchanged calendar) changes nothing.
    assert services.due_dates_recompute(at=at_day(date(2026, 12, 24))) == 0
    assert claim.events.filter(action="dues_recomputed").count() == 1


def test_a_claim_on_notice_gets_its_notice_and_payment_dates_again(
    december_claim, county_reviewer, county_approver, load_2027
):
    services.review_pass(actor=county_reviewer, claim=december_claim, at=at_day(date(2026, 12, 23)))
    claim = services.claim_approve(actor=county_approver, claim=december_claim, at=at_day(date(2026, 12, 28)))
    # 5 working days after 28 December (W1): 29, 30, 31 December, 1 and 4 January.
    assert (claim.notice_last_day, claim.dates_provisional) == (date(2027, 1, 4), True)
    provisional_payment = claim.payment_due
    load_2027()
    assert services.due_dates_recompute(at=at_day(date(2026, 12, 29))) == 1
    claim = Claim.objects.get(pk=claim.pk)
    assert (claim.notice_first_day, claim.notice_last_day) == (date(2026, 12, 29), date(2027, 1, 5))
    # 60 working days after the notice, over the (test) Spring Festival week of 2027.
    assert claim.payment_due > provisional_payment and claim.dates_provisional is False


def test_a_closed_claim_only_loses_the_mark(december_claim, trainee, load_2027):
    services.claim_withdraw(actor=trainee, claim=december_claim, at=SUBMIT)
    load_2027()
    assert services.due_dates_recompute(at=at_day(date(2026, 12, 23))) == 0
    claim = Claim.objects.get(pk=december_claim.pk)
    assert claim.dates_provisional is False and claim.review_due == date(2027, 1, 4)
