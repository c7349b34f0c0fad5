"""The working-day calendar: the official schedules, loaded years, reading W1, and properties."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dte.policy import days
from dte.policy.calendar import CalendarError, WorkCalendar, get_calendar, load_year_file, package_years

YEAR_2027 = """\
description: 2027年部分节假日安排(测试用,非官方)
values:
  2026-11-10:
    reference: 测试数据 — not the official schedule
    year: 2027
    holidays: [2027-01-01, 2027-02-06..2027-02-12, 2027-10-01..2027-10-07]
    workdays: [2027-02-14, 2027-10-09]
"""


def write(tmp_path: Path, text: str, name: str = "2027.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_package_carries_2004_to_2026() -> None:
    years = package_years()
    assert min(years) == 2004 and max(years) == 2026


@pytest.mark.parametrize(
    ("day", "working"),
    [
        ("2024-02-04", True),  # Sunday, adjusted working day
        ("2024-02-10", False),  # Spring Festival
        ("2024-02-18", True),  # Sunday, adjusted working day
        ("2025-01-28", False),  # 除夕 is a holiday from 2025
        ("2025-01-26", True),
        ("2025-05-02", False),
        ("2025-09-20", False),  # an ordinary Saturday
        ("2025-09-28", True),  # Sunday, adjusted working day
        ("2025-10-08", False),
        ("2025-10-11", True),  # Saturday, adjusted working day
        ("2026-01-04", True),
        ("2026-02-23", False),
        ("2026-02-28", True),
        ("2026-09-20", True),
        ("2026-10-10", True),
    ],
)
def test_working_days_follow_the_official_schedule(day: str, working: bool) -> None:
    assert get_calendar().is_workday(date.fromisoformat(day)) is working
    assert not get_calendar().is_provisional(date.fromisoformat(day))


def test_a_year_without_schedule_is_monday_to_friday_and_provisional() -> None:
    cal = get_calendar()
    assert cal.is_workday(date(2027, 1, 1))  # a Friday: no schedule yet, so a working day (W1)
    assert not cal.is_workday(date(2027, 1, 2))
    assert cal.is_provisional(date(2027, 1, 1))
    result = cal.add_workdays(date(2026, 12, 30), 3)
    assert result.value == date(2027, 1, 4) and result.provisional
    assert not cal.add_workdays(date(2026, 12, 1), 3).provisional


def test_a_loaded_year_overrides_the_package_and_clears_the_provisional_flag(isolated_policy: Path) -> None:
    schedule, target = load_year_file(write(isolated_policy.parent, YEAR_2027))
    assert schedule.year == 2027 and target == isolated_policy / "2027.yaml"
    cal = get_calendar()
    assert not cal.is_workday(date(2027, 1, 1))
    assert not cal.is_workday(date(2027, 2, 8))
    assert cal.is_workday(date(2027, 2, 14))  # a Sunday, adjusted working day
    assert not cal.is_provisional(date(2027, 6, 1))
    assert cal.add_workdays(date(2026, 12, 30), 3) == (date(2027, 1, 5), False)


def test_a_year_another_process_loaded_is_seen_once_the_directory_is_looked_at_again(
    isolated_policy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dte.policy import calendar

    monkeypatch.setattr(calendar, "RECHECK_AFTER", 3600.0)
    assert get_calendar().is_workday(date(2027, 1, 1))
    isolated_policy.mkdir(parents=True, exist_ok=True)  # another process writes the year file
    (isolated_policy / "2027.yaml").write_text(YEAR_2027, encoding="utf-8")
    assert get_calendar().is_workday(date(2027, 1, 1))  # not looked at again yet
    monkeypatch.setattr(calendar, "RECHECK_AFTER", 0.0)
    assert not get_calendar().is_workday(date(2027, 1, 1))


def test_a_loaded_year_replaces_a_package_year(isolated_policy: Path) -> None:
    text = (
        "values:\n  2026-12-01:\n    reference: 测试数据\n    year: 2026\n"
        "    holidays: [2026-01-01, 2026-02-06]\n    workdays: [2026-02-08]\n"
    )
    load_year_file(write(isolated_policy.parent, text, "2026.yaml"))
    cal = get_calendar()
    assert not cal.is_workday(date(2026, 2, 6))  # loaded holiday
    assert cal.is_workday(date(2026, 2, 16))  # package holiday no longer applies
    assert cal.years[2026].source.endswith("2026.yaml")


def test_the_latest_dated_value_of_a_year_file_wins(isolated_policy: Path) -> None:
    text = YEAR_2027 + (
        "  2026-12-20:\n    reference: 修订 — revised\n    year: 2027\n"
        "    holidays: [2027-01-01, 2027-03-03]\n    workdays: []\n"
    )
    load_year_file(write(isolated_policy.parent, text))
    cal = get_calendar()
    assert not cal.is_workday(date(2027, 3, 3))
    assert cal.is_workday(date(2027, 2, 8))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("values: {}\n", "expected a mapping"),
        ("values:\n  2026-11-10:\n    year: 2027\n    holidays: [2027-01-01]\n", "no reference"),
        (
            "values:\n  2026-11-10:\n    reference: x\n    year: 2027\n    holidays: [2028-01-01]\n",
            "not in 2027",
        ),
        (
            "values:\n  2026-11-10:\n    reference: x\n    year: 2027\n    holidays: [2027-02-30]\n",
            "not a valid date",
        ),
        ("values:\n  2026-11-10:\n    reference: x\n    year: 2027\n    holidays: [someday]\n", "not a date"),
        (
            "values:\n  2026-11-10:\n    reference: x\n    year: 2027\n    workdays: [2027-03-03]\n",
            "is a weekday",
        ),
        (
            "values:\n  2026-11-10:\n    reference: x\n    year: 2027\n    holidays: [2027-02-14]\n"
            "    workdays: [2027-02-14]\n",
            "both as holiday and as workday",
        ),
        (
            "values:\n  2026-11-10:\n    reference: x\n    holidays: ['2027-02-12..2027-02-06']\n",
            "ends before",
        ),
        ("values: [\n", "not valid YAML"),
    ],
)
def test_a_malformed_year_file_is_refused_with_a_precise_message(
    tmp_path: Path, text: str, message: str
) -> None:
    with pytest.raises(CalendarError, match=message):
        load_year_file(write(tmp_path, text, "bad.yaml"), tmp_path / "cal")
    assert not (tmp_path / "cal" / "2027.yaml").exists()


# -- properties ----------------------------------------------------------------------------------

dates = st.dates(min_value=date(2004, 1, 1), max_value=date(2030, 12, 31))


@given(d=dates, n=st.integers(min_value=1, max_value=400))
@settings(max_examples=300, deadline=None)
def test_the_nth_working_day_after_d_is_a_working_day_with_exactly_n_working_days_between(
    d: date, n: int
) -> None:
    cal = get_calendar()
    after = cal.add_workdays(d, n).value
    assert after > d
    assert cal.is_workday(after)
    assert cal.working_days_between(d, after).value == n
    # no working day is skipped: the day before the result leaves one fewer
    assert cal.working_days_between(d, after - timedelta(days=1)).value == n - 1


@given(d=dates, n=st.integers(min_value=1, max_value=200), m=st.integers(min_value=1, max_value=200))
@settings(max_examples=200, deadline=None)
def test_counting_n_then_m_working_days_is_counting_n_plus_m(d: date, n: int, m: int) -> None:
    cal = get_calendar()
    assert cal.add_workdays(cal.add_workdays(d, n).value, m).value == cal.add_workdays(d, n + m).value


@given(d=dates, n=st.integers(min_value=1, max_value=200))
@settings(max_examples=200, deadline=None)
def test_counting_backwards_undoes_counting_forwards_from_a_working_day(d: date, n: int) -> None:
    cal = get_calendar()
    start = cal.next_workday(d).value
    assert cal.add_workdays(cal.add_workdays(start, n).value, -n).value == start


@given(d=dates)
@settings(max_examples=300, deadline=None)
def test_rolling_forward_gives_the_first_working_day_on_or_after_d(d: date) -> None:
    cal = get_calendar()
    rolled = cal.next_workday(d).value
    assert rolled >= d and cal.is_workday(rolled)
    assert all(not cal.is_workday(d + timedelta(days=k)) for k in range((rolled - d).days))


@given(st.lists(st.tuples(dates, st.integers(min_value=-100, max_value=300)), min_size=1, max_size=50))
@settings(max_examples=100, deadline=None)
def test_columns_and_single_dates_agree(pairs: list[tuple[date, int]]) -> None:
    cal = get_calendar()
    idx = np.array([days.to_index(d) for d, _ in pairs])
    ns = np.array([n for _, n in pairs])
    out = cal.add_workdays_idx(idx, ns)
    assert [days.from_index(int(i)) for i in out] == [cal.add_workdays(d, n).value for d, n in pairs]


def test_weekends_without_schedule_are_rest_days() -> None:
    cal = WorkCalendar([])
    assert not cal.is_workday(date(2025, 10, 4)) and cal.is_workday(date(2025, 10, 1))
    assert cal.is_provisional(date(2025, 10, 1))


def test_the_calendar_directory_is_chosen_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from dte.policy.calendar import REPO_ROOT, calendar_dir

    monkeypatch.setenv("DTE_CALENDAR_DIR", str(tmp_path / "a"))
    monkeypatch.setenv("DTE_VAR_DIR", str(tmp_path / "var"))
    assert calendar_dir() == tmp_path / "a"
    monkeypatch.delenv("DTE_CALENDAR_DIR")
    assert calendar_dir() == tmp_path / "var" / "calendar"
    monkeypatch.delenv("DTE_VAR_DIR")
    assert calendar_dir() == REPO_ROOT / "var" / "calendar"
    assert (REPO_ROOT / "src" / "dte" / "policy").is_dir()


def test_the_years_of_the_parameter_holidays_override_the_package_and_the_year_files(
    tmp_path: Path, isolated_policy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The city publishes a year as a version of the parameter ``holidays`` (here its file, as an
    operator's override would be; in the platform, the published layer): the calendar reads it, and
    the latest value of each year counts."""
    overrides = tmp_path / "parameters"
    overrides.mkdir()
    (overrides / "holidays.yaml").write_text(
        "values:\n"
        "  2026-11-10: {reference: 测试, year: 2027, holidays: [2027-02-08..2027-02-12]}\n"
        "  2026-11-20: {reference: 测试, year: 2027, holidays: [2027-02-09..2027-02-12]}\n"
        "  2027-11-10: {reference: 测试, year: 2028, holidays: [2028-01-03]}\n",
        encoding="utf-8",
    )
    write(isolated_policy.parent, YEAR_2027.replace("2027-02-06..2027-02-12", "2027-03-01"))
    load_year_file(isolated_policy.parent / "2027.yaml", isolated_policy)
    monkeypatch.setenv("DTE_PARAMETERS_DIR", str(overrides))
    from dte.policy import parameters

    parameters.clear_cache()
    cal = get_calendar()
    assert cal.is_workday(date(2027, 2, 8))  # revised on 20 November
    assert not cal.is_workday(date(2027, 2, 9))
    assert cal.is_workday(date(2027, 3, 1))  # the year file's 2027 is replaced whole
    assert not cal.is_workday(date(2028, 1, 3)) and not cal.is_provisional(date(2028, 1, 3))
    parameters.clear_cache()
