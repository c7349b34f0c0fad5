"""A holiday year and the time limits [A2.6.1] as parameter versions: proposed by one city officer,
published by a second, seen by every process's calendar (no file on any node), and the due dates
of the claims that carry them reckoned again, once."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.core.exceptions import ValidationError

from dte.audit.models import AuditEntry
from dte.parameters import preview, services
from dte.policy.calendar import get_calendar
from dte.subsidy.models import Claim
from dte.subsidy.services import deadlines
from tests.subsidy.conftest import make_claim, make_eligible  # noqa: F401 (make_claim: a fixture)

SUBMIT = datetime(2026, 12, 21, 2, tzinfo=UTC)  # Monday 21 December 2026, 10:00 in Wenzhou
DECIDED = datetime(2026, 12, 23, 2, tzinfo=UTC)
# Test data, not the official schedule: 1 January 2027 a holiday (a Friday).
YEAR_2027 = {
    "reference": "测试数据 — not the official schedule",
    "year": 2027,
    "holidays": ["2027-01-01", "2027-02-06..2027-02-12"],
    "workdays": ["2027-02-14"],
}
PUBLISHED = date(2026, 11, 10)


def holidays(body=YEAR_2027, on=PUBLISHED) -> dict:
    return {"holidays": {"values": {on: body}}}


def sla(review_working_days: int, on: date) -> dict:
    return {
        "sla": {
            "values": {
                on: {
                    "reference": "温人社发〔2026〕88号",
                    "review_working_days": review_working_days,
                    "approval_working_days": 15,
                    "public_notice_working_days": 5,
                    "payment_working_days": 60,
                }
            }
        }
    }


@pytest.fixture(autouse=True)
def no_year_files(tmp_path, monkeypatch):
    monkeypatch.setenv("DTE_CALENDAR_DIR", str(tmp_path / "calendar"))


@pytest.fixture
def december_claim(trainee, make_claim):  # noqa: F811
    make_eligible(trainee.person, first=(2026, 3), last=(2026, 11))
    return make_claim(trainee, at=SUBMIT, issued=date(2026, 6, 1))


def publish(draft, proposer, approver, document="国办发明电〔2026〕9号"):
    (v,) = services.propose(
        actor=proposer, draft=draft, document=document, reason="年度节假日安排", at=SUBMIT
    )
    return services.approve(actor=approver, version=v, at=DECIDED)


def test_a_published_holiday_year_is_the_calendar_of_every_process(city_officer, second_city_officer):
    assert get_calendar().is_provisional(date(2027, 2, 8))  # not yet published: Monday to Friday
    assert get_calendar().is_workday(date(2027, 2, 8))
    publish(holidays(), city_officer, second_city_officer)
    cal = get_calendar()
    assert not cal.is_provisional(date(2027, 2, 8))
    assert not cal.is_workday(date(2027, 2, 8))  # 春节
    assert cal.is_workday(date(2027, 2, 14))  # a Sunday worked (调休上班)
    assert not cal.is_workday(date(2027, 1, 1))


def test_a_draft_changes_no_calendar_until_a_second_officer_approves(city_officer):
    services.propose(
        actor=city_officer, draft=holidays(), document="国办发明电〔2026〕9号", reason="x", at=SUBMIT
    )
    assert get_calendar().is_workday(date(2027, 2, 8))


def test_publishing_the_year_moves_the_open_claims_due_dates_once(
    december_claim, city_officer, second_city_officer
):
    before = Claim.objects.get(pk=december_claim.pk)
    assert (before.review_due, before.dates_provisional) == (date(2027, 1, 4), True)
    publish(holidays(), city_officer, second_city_officer)
    claim = Claim.objects.get(pk=december_claim.pk)
    assert (claim.review_due, claim.approval_due, claim.dates_provisional) == (
        date(2027, 1, 5),
        date(2027, 1, 12),
        False,
    )
    (event,) = claim.events.filter(action="dues_recomputed")
    assert event.label == "按国务院办公厅公布的节假日安排重新计算期限"
    assert "审核期限:2027-01-04 → 2027-01-05" in event.note
    entry = AuditEntry.objects.get(action="claim.dues_recompute")
    assert entry.actor_id == second_city_officer.pk and "国办发明电〔2026〕9号" in entry.reason
    # The daily job, or the same step again, changes nothing more.
    assert deadlines.due_dates_recompute(at=DECIDED) == 0
    assert deadlines.due_dates_recompute(at=DECIDED, every_open=True) == 0
    assert claim.events.filter(action="dues_recomputed").count() == 1


def test_a_year_with_a_weekday_as_adjusted_working_day_is_refused_naming_the_date(city_officer):
    wrong = {**YEAR_2027, "workdays": ["2027-02-15"]}  # a Monday
    with pytest.raises(ValidationError) as e:
        services.propose(actor=city_officer, draft=holidays(wrong), document="x", reason="x", at=SUBMIT)
    assert "holidays 2026-11-10" in str(e.value) and "2027-02-15 is a weekday" in str(e.value)


def test_a_date_outside_the_year_is_refused(city_officer):
    wrong = {**YEAR_2027, "holidays": ["2028-01-01"]}
    with pytest.raises(ValidationError, match="2028-01-01 is not in 2027"):
        services.propose(actor=city_officer, draft=holidays(wrong), document="x", reason="x", at=SUBMIT)


def test_another_year_on_the_same_publication_date_is_refused(city_officer):
    services.propose(actor=city_officer, draft=holidays(), document="x", reason="x", at=SUBMIT)
    year_2028 = {"reference": "测试", "year": 2028, "holidays": ["2028-01-01"]}
    with pytest.raises(ValidationError, match="已有另一年度的节假日安排版本"):
        services.propose(actor=city_officer, draft=holidays(year_2028), document="x", reason="x", at=SUBMIT)


def test_a_revision_of_the_year_is_compared_with_that_year_only(city_officer, second_city_officer):
    publish(holidays(), city_officer, second_city_officer)
    revised = {**YEAR_2027, "holidays": ["2027-01-01", "2027-02-06..2027-02-13"]}
    (v,) = services.propose(
        actor=city_officer, draft=holidays(revised, date(2026, 11, 20)), document="y", reason="y", at=SUBMIT
    )
    assert [d["path"] for d in v.diff] == ["holidays"]


def test_the_preview_of_a_holiday_year_decides_the_claims_on_the_draft_calendar(december_claim):
    shown = preview.preview_draft(holidays(), today=SUBMIT.date())
    assert shown.summary["claims"] == 1 and shown.summary["changed"] == 0


def test_a_new_review_time_limit_moves_the_review_due_date_of_claims_received_since(
    december_claim, city_officer, second_city_officer
):
    publish(sla(12, date(2026, 12, 1)), city_officer, second_city_officer, document="温人社发〔2026〕88号")
    claim = Claim.objects.get(pk=december_claim.pk)
    assert (claim.review_due, claim.approval_due) == (date(2027, 1, 6), date(2027, 1, 11))
    (event,) = claim.events.filter(action="dues_recomputed")
    assert event.label == "按调整后的办理时限重新计算期限"


def test_a_time_limit_from_a_later_date_leaves_earlier_claims_as_they_were(
    december_claim, city_officer, second_city_officer
):
    publish(sla(12, date(2027, 1, 1)), city_officer, second_city_officer, document="温人社发〔2026〕88号")
    claim = Claim.objects.get(pk=december_claim.pk)
    assert claim.review_due == date(2027, 1, 4)
    assert not claim.events.filter(action="dues_recomputed").exists()
