"""Periods (Civil Code Art. 201–203; policy-facts.md §3, readings D1–D3).

- A period in months: the starting day is not counted; it ends on the corresponding day of the last
  month, or that month's last day when it has none; a last day that is a rest day rolls forward to
  the next working day (D1).
- Time limits in working days: the day of receipt is not counted; the n-th working day after it is
  the due date (D3). The SLA numbers of [A2.6] are dated parameters (``sla.yaml``).

The scalar functions here run through the same column code as the rules (``days.add_months``,
``WorkCalendar.add_workdays_idx``), so a single date and a million dates agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt

from dte.policy import days, parameters
from dte.policy.calendar import WorkCalendar, WorkdayResult, get_calendar

Arr = npt.NDArray[Any]


def add_months(d: date, months: int) -> date:
    """``d`` plus ``months`` calendar months: same day of month, or the month's last day."""
    i = days.to_index(d)
    return days.from_index(int(days.add_months(np.array([i]), months)[0]))


def add_years(d: date, years: int) -> date:
    """``d`` plus ``years`` years (29 February → 28 February in a common year)."""
    return add_months(d, 12 * years)


def month_period_end_idx(start: Arr, months: Arr | int, cal: WorkCalendar) -> tuple[Arr, Arr, Arr]:
    """Columns: (raw end, end rolled to a working day, provisional) of a period of ``months``
    months starting on ``start`` (D1)."""
    raw = days.add_months(start, months)
    return raw, np.take(cal.next_work, raw), np.take(cal.roll_provisional, raw)


def deadline_from(start: date, months: int, cal: WorkCalendar | None = None) -> WorkdayResult:
    """The last day of a period of ``months`` months from ``start``, rolled past rest days (D1)."""
    cal = cal or get_calendar()
    _, end, prov = month_period_end_idx(np.array([days.to_index(start)]), months, cal)
    return WorkdayResult(days.from_index(int(end[0])), bool(prov[0]))


@dataclass(frozen=True)
class ReviewDueDates:
    """[A2.6.1] due dates for a claim received on ``received``."""

    received: date
    review_due: date
    approval_due: date
    provisional: bool


@dataclass(frozen=True)
class NoticePeriod:
    """[A2.6.2] public notice: ``first_day`` .. ``last_day`` (5 full working days after
    publication), and the payment due date (60th working day after the notice ends)."""

    published: date
    first_day: date
    last_day: date
    payment_due: date
    provisional: bool


def _sla(at: date) -> dict[str, int]:
    v = parameters.get("sla").at(at).value
    return {str(k): int(x) for k, x in v.items()}


def review_due_dates(
    received: date, paused_working_days: int = 0, cal: WorkCalendar | None = None
) -> ReviewDueDates:
    """[A2.6.1] Review opinion due on the 10th working day after receipt, approval on the 15th;
    working days spent awaiting information from the claimant are added (D3)."""
    cal = cal or get_calendar()
    sla = _sla(received)
    r = cal.add_workdays(received, sla["review_working_days"] + paused_working_days)
    a = cal.add_workdays(received, sla["approval_working_days"] + paused_working_days)
    return ReviewDueDates(received, r.value, a.value, r.provisional or a.provisional)


def notice_period(published: date, cal: WorkCalendar | None = None) -> NoticePeriod:
    """[A2.6.2] The public notice runs for 5 full working days from the first working day after
    publication; payment is due by the 60th working day after the notice ends (D3)."""
    cal = cal or get_calendar()
    sla = _sla(published)
    first = cal.add_workdays(published, 1)
    last = cal.add_workdays(published, sla["public_notice_working_days"])
    pay = payment_due(last.value, cal)
    return NoticePeriod(
        published,
        first.value,
        last.value,
        pay.value,
        first.provisional or last.provisional or pay.provisional,
    )


def payment_due(notice_end: date, cal: WorkCalendar | None = None) -> WorkdayResult:
    """[A2.6.2] Payment due by the 60th working day after the notice ends (or after an objection
    is resolved in the claimant's favour)."""
    cal = cal or get_calendar()
    return cal.add_workdays(notice_end, _sla(notice_end)["payment_working_days"])
