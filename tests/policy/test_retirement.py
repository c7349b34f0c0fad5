"""Statutory retirement dates (policy-facts.md §1)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dte.policy.retirement import GROUPS, retirement_date


@pytest.mark.parametrize(
    ("born", "group", "retires"),
    [
        ("1964-12-15", "male", "2024-12-15"),  # before the first delayed month: 60
        ("1965-01-15", "male", "2025-02-15"),  # 60 years 1 month
        ("1965-12-10", "male", "2026-03-10"),  # 60 years 3 months
        ("1976-09-01", "male", "2039-09-01"),  # the full 36 months: 63
        ("1990-05-12", "male", "2053-05-12"),
        ("1969-12-31", "female_cadre", "2024-12-31"),  # 55
        ("1971-04-30", "female_cadre", "2026-08-30"),  # 55 years 4 months
        ("1981-09-01", "female_cadre", "2039-09-01"),  # 58
        ("1974-12-31", "female_worker", "2024-12-31"),  # 50
        ("1975-01-31", "female_worker", "2025-02-28"),  # 50 years 1 month, month end
        ("1984-11-30", "female_worker", "2039-11-30"),  # 55
        ("1990-01-01", "female_worker", "2045-01-01"),  # 55, the maximum
    ],
)
def test_the_statutory_retirement_date_of_each_group(born: str, group: str, retires: str) -> None:
    assert retirement_date(date.fromisoformat(born), group) == date.fromisoformat(retires)


def test_before_the_reform_the_old_ages_apply() -> None:
    assert retirement_date(date(1965, 1, 15), "male", at=date(2024, 6, 1)) == date(2025, 1, 15)


def test_an_unknown_group_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown retirement group"):
        retirement_date(date(1990, 1, 1), "female")


@given(
    a=st.dates(min_value=date(1940, 1, 1), max_value=date(2010, 12, 31)),
    b=st.dates(min_value=date(1940, 1, 1), max_value=date(2010, 12, 31)),
    group=st.sampled_from(GROUPS),
)
def test_a_later_birth_never_retires_earlier(a: date, b: date, group: str) -> None:
    if a > b:
        a, b = b, a
    assert retirement_date(a, group) <= retirement_date(b, group)
