"""Civil-Code periods (D1) and the working-day time limits of [A2.6] (D3)."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from dte.policy.calendar import get_calendar
from dte.policy.periods import (
    add_months,
    add_years,
    deadline_from,
    notice_period,
    payment_due,
    review_due_dates,
)


def test_a_month_period_ends_on_the_same_day_or_the_month_end() -> None:
    assert add_months(date(2024, 9, 20), 12) == date(2025, 9, 20)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2023, 1, 31), 1) == date(2023, 2, 28)
    assert add_months(date(2024, 8, 31), 18) == date(2026, 2, 28)
    assert add_months(date(2024, 3, 31), -1) == date(2024, 2, 29)
    assert add_years(date(2008, 2, 29), 17) == date(2025, 2, 28)


def test_the_claim_deadline_rolls_past_rest_days() -> None:
    assert deadline_from(date(2024, 9, 20), 12) == (date(2025, 9, 22), False)
    assert deadline_from(date(2024, 10, 1), 12) == (date(2025, 10, 9), False)
    assert deadline_from(date(2024, 9, 28), 12) == (date(2025, 9, 28), False)
    assert deadline_from(date(2026, 1, 9), 12) == (date(2027, 1, 11), True)


def test_review_is_due_on_the_10th_and_approval_on_the_15th_working_day_after_receipt() -> None:
    due = review_due_dates(date(2025, 9, 26))  # a Friday before National Day
    assert due.review_due == date(2025, 10, 16)
    assert due.approval_due == date(2025, 10, 23)
    assert not due.provisional


def test_days_awaiting_information_extend_the_review_time_limit() -> None:
    due = review_due_dates(date(2025, 3, 3), paused_working_days=5)
    assert due.review_due == get_calendar().add_workdays(date(2025, 3, 3), 15).value


def test_the_public_notice_runs_5_full_working_days_after_publication() -> None:
    notice = notice_period(date(2025, 9, 26))
    assert notice.first_day == date(2025, 9, 28)  # the adjusted working Sunday
    assert notice.last_day == date(2025, 10, 10)  # 9-28, 9-29, 9-30, 10-09, 10-10
    assert notice.payment_due == payment_due(date(2025, 10, 10)).value
    assert get_calendar().working_days_between(notice.last_day, notice.payment_due).value == 60


@given(d=st.dates(min_value=date(1900, 1, 1), max_value=date(2090, 12, 31)), n=st.integers(0, 240))
@settings(max_examples=500, deadline=None)
def test_adding_months_keeps_the_day_or_clamps_to_the_month_end(d: date, n: int) -> None:
    out = add_months(d, n)
    assert (out.year * 12 + out.month) - (d.year * 12 + d.month) == n
    next_month = (out.replace(day=28) + timedelta(days=4)).replace(day=1)
    last = (next_month - timedelta(days=1)).day
    assert out.day == min(d.day, last)


@given(d=st.dates(min_value=date(2004, 1, 1), max_value=date(2028, 12, 31)), n=st.sampled_from([6, 12, 18]))
@settings(max_examples=300, deadline=None)
def test_a_deadline_is_the_first_working_day_on_or_after_the_period_end(d: date, n: int) -> None:
    cal = get_calendar()
    end = add_months(d, n)
    deadline = deadline_from(d, n).value
    assert deadline >= end and cal.is_workday(deadline)
    assert all(not cal.is_workday(end + timedelta(days=k)) for k in range((deadline - end).days))
