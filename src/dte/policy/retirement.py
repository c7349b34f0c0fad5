"""Statutory retirement date (policy-facts.md §1; the 2024 reform in force 2025-01-01).

Let d = months from the group's first delayed birth month to the person's birth month;
delay = 0 if d < 0, else min(d // step + 1, max). The statutory retirement date is the birth date
plus the old age in years plus the delay in months (same day of month, or the month's last day).
The rule is a dated parameter (``retirement.yaml``); the column function below serves the claim
rule [A2.1c] and the scalar helper alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt

from dte.policy import days, parameters

Arr = npt.NDArray[Any]

GROUPS = ("male", "female_cadre", "female_worker")
GROUP_NAMES = {"male": "男", "female_cadre": "女干部(原55周岁)", "female_worker": "女工人(原50周岁)"}
NO_DELAY = 10**6  # a first delayed birth month no one reaches


@dataclass(frozen=True)
class RetirementRule:
    """Per group (in ``GROUPS`` order): old age in months, first delayed birth month (day-table
    month index), birth months per month of delay, maximum delay in months."""

    start: date
    reference: str
    old_age_months: tuple[int, int, int]
    first_delayed: tuple[int, int, int]
    step: tuple[int, int, int]
    max_delay: tuple[int, int, int]


def _month(v: Any, where: str) -> int:
    if v is None:
        return NO_DELAY
    try:
        y, m = str(v).split("-")
        return days.month_index(int(y), int(m))
    except ValueError as exc:
        raise parameters.ParameterError(f"retirement: {where}: {v!r} is not YYYY-MM") from exc


def rule_from(v: parameters.DatedValue) -> RetirementRule:
    old, first, step, mx = [], [], [], []
    for g in GROUPS:
        try:
            body = v.value[g]
            old.append(int(body["old_age_years"]) * 12)
            first.append(_month(body["first_delayed_birth_month"], g))
            step.append(int(body["birth_months_per_month_of_delay"]))
            mx.append(int(body["max_delay_months"]))
        except (KeyError, TypeError) as exc:
            raise parameters.ParameterError(f"retirement (from {v.start}): group {g}: missing {exc}") from exc
        if step[-1] < 1:
            raise parameters.ParameterError(f"retirement (from {v.start}): group {g}: step must be ≥ 1")
    return RetirementRule(
        v.start,
        v.reference,
        (old[0], old[1], old[2]),
        (first[0], first[1], first[2]),
        (step[0], step[1], step[2]),
        (mx[0], mx[1], mx[2]),
    )


def retirement_age_months(birth_month: Arr, old_age: Any, first: Any, step: Any, max_delay: Any) -> Arr:
    """Columns: the statutory retirement age in months for birth months (day-table month indexes)."""
    d = birth_month - first
    out: Arr = old_age + np.where(d < 0, 0, np.minimum(d // step + 1, max_delay))
    return out


def age_table(rule: RetirementRule) -> npt.NDArray[np.int16]:
    """The retirement age in months for every group and birth month, as one look-up column:
    entry ``group * days.N_MONTHS + birth month``."""
    months = np.arange(days.N_MONTHS, dtype=np.int32)
    return np.concatenate(
        [
            retirement_age_months(
                months, rule.old_age_months[g], rule.first_delayed[g], rule.step[g], rule.max_delay[g]
            )
            for g in range(len(GROUPS))
        ]
    ).astype(np.int16)


def retirement_columns(birth: Arr, group: Arr, table: Arr) -> tuple[Arr, Arr]:
    """Columns: (statutory retirement day index, retirement age in months) for birth day indexes
    and groups (index in ``GROUPS``), from an ``age_table``."""
    ym = np.take(days.YM, birth).astype(np.int32)
    age = np.take(table, group * days.N_MONTHS + ym)
    return days.add_months(birth, age, ym), age


def retirement_date(birth: date, group: str, at: date | None = None) -> date:
    """The statutory retirement date of a person born on ``birth`` in ``group``
    (male | female_cadre | female_worker), under the rule in force on ``at`` (default: latest)."""
    if group not in GROUPS:
        raise ValueError(f"unknown retirement group {group!r} (male | female_cadre | female_worker)")
    p = parameters.get("retirement")
    table = age_table(rule_from(p.latest() if at is None else p.at(at)))
    idx, _ = retirement_columns(np.array([days.to_index(birth)]), np.array([GROUPS.index(group)]), table)
    return days.from_index(int(idx[0]))


def age_text(months: int) -> str:
    """63岁 / 60岁1个月."""
    y, m = divmod(int(months), 12)
    return f"{y}岁" + (f"{m}个月" if m else "")
