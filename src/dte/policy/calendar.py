"""The working-day calendar (policy-facts.md §2, reading W1).

Sources, later overriding earlier, one whole year at a time:

1. Monday–Friday working, Saturday and Sunday rest — for any year with no schedule; every result
   computed from such a year is *provisional* (reading W1) and is recomputed once the year is loaded;
2. the ``chinesecalendar`` package (2004–2026): holidays and adjusted working days (调休上班);
3. year files loaded by an administrator (``dte calendar load FILE``) into the calendar directory:
   ``$DTE_CALENDAR_DIR``, else ``$DTE_VAR_DIR/calendar``, else ``<repo>/var/calendar``;
4. the parameter ``holidays`` (``parameters/holidays.yaml``): the years the city publishes in the
   platform (a draft, a second officer's approval), which every process of every node reads from the
   database (``parameters.set_source``), each year's latest dated value counting.

A year file has the shape of a parameter file (values keyed by the date the schedule was published,
each with its citation; the latest value wins, so a revised schedule is a new dated value)::

    description: 2027年部分节假日安排
    values:
      2026-11-10:
        reference: 国务院办公厅关于2027年部分节假日安排的通知
        year: 2027
        holidays: [2027-01-01, 2027-02-06..2027-02-13]   # single dates or ranges a..b
        workdays: [2027-02-14]                            # adjusted working days (weekend days)

The calendar is a set of lookup columns over the day table (see ``days``): is-working,
next-working-day, cumulative working-day count, provisional. Scalar helpers below go through the
same columns, so a single date and a million dates give the same answer.
"""

from __future__ import annotations

import functools
import os
import shutil
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
import yaml

from dte.policy import days, parameters

Arr = npt.NDArray[Any]

REPO_ROOT = Path(__file__).resolve().parents[3]


class CalendarError(ValueError):
    """A holiday year file is malformed, or a date is outside the calendar."""


@dataclass(frozen=True)
class YearSchedule:
    year: int
    holidays: frozenset[date]
    workdays: frozenset[date]  # adjusted working days (调休上班)
    source: str  # "chinesecalendar" or the path of the loaded year file
    reference: str


class WorkdayResult(NamedTuple):
    value: date
    provisional: bool


class CountResult(NamedTuple):
    value: int
    provisional: bool


def calendar_dir() -> Path:
    return _calendar_dir(os.environ.get("DTE_CALENDAR_DIR"), os.environ.get("DTE_VAR_DIR"))


@functools.lru_cache(maxsize=16)
def _calendar_dir(calendar_env: str | None, var_env: str | None) -> Path:
    if calendar_env:
        return Path(calendar_env)
    if var_env:
        return Path(var_env) / "calendar"
    return REPO_ROOT / "var" / "calendar"


# -- year files ----------------------------------------------------------------------------------


def _as_date(v: Any, where: str) -> date:
    if isinstance(v, date):
        return v
    if isinstance(v, str):
        try:
            return date.fromisoformat(v.strip())
        except ValueError:
            pass
    raise CalendarError(f"{where}: {v!r} is not a date (YYYY-MM-DD)")


def _dates(items: Any, where: str) -> list[date]:
    if items is None:
        return []
    if not isinstance(items, list):
        raise CalendarError(f"{where}: expected a list of dates or ranges 'YYYY-MM-DD..YYYY-MM-DD'")
    out: list[date] = []
    for item in items:
        if isinstance(item, str) and ".." in item:
            a_s, b_s = item.split("..", 1)
            a, b = _as_date(a_s, where), _as_date(b_s, where)
            if b < a:
                raise CalendarError(f"{where}: range {item!r} ends before it starts")
            out.extend(a + timedelta(days=k) for k in range((b - a).days + 1))
        else:
            out.append(_as_date(item, where))
    return out


def parse_year_file(path: Path) -> YearSchedule:
    """Read and check one holiday year file (see the module docstring for its shape)."""
    try:
        with path.open(encoding="utf-8") as fh:
            raw = yaml.safe_load(fh)
    except OSError as exc:
        raise CalendarError(f"{path}: cannot read: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise CalendarError(f"{path}: not valid YAML: {exc}") from exc
    except ValueError as exc:  # YAML read a date that does not exist (2027-02-30)
        raise CalendarError(f"{path}: not a valid date in the file: {exc}") from exc
    if not isinstance(raw, dict) or not isinstance(raw.get("values"), dict) or not raw["values"]:
        raise CalendarError(f"{path}: expected a mapping with 'values' keyed by publication date")
    versions = []
    for start, body in raw["values"].items():
        start_d = _as_date(start, f"{path}: values")
        if not isinstance(body, dict) or not body.get("reference"):
            raise CalendarError(f"{path}: value from {start_d} has no reference (citation)")
        versions.append((start_d, body))
    start_d, body = max(versions, key=lambda v: v[0])
    return parse_year(body, where=f"{path} (value from {start_d})", source=str(path))


def parse_year(body: dict[str, Any], *, where: str, source: str) -> YearSchedule:
    """One year's schedule (``year``, ``holidays``, ``workdays``, ``reference``) checked: the
    checks of ``dte calendar load`` and of a holiday year proposed in the platform."""
    holidays = _dates(body.get("holidays"), f"{where}: holidays")
    workdays = _dates(body.get("workdays"), f"{where}: workdays")
    year = body.get("year")
    if year is None:
        years = {d.year for d in holidays + workdays}
        if len(years) != 1:
            raise CalendarError(f"{where}: give 'year' (cannot infer it from the dates)")
        year = years.pop()
    if not isinstance(year, int) or isinstance(year, bool) or not 1900 <= year <= 2199:
        raise CalendarError(f"{where}: year {year!r} is not a year")
    for d in holidays + workdays:
        if d.year != year:
            raise CalendarError(f"{where}: {d.isoformat()} is not in {year}")
    both = sorted(set(holidays) & set(workdays))
    if both:
        raise CalendarError(f"{where}: {both[0].isoformat()} is listed both as holiday and as workday")
    for d in workdays:
        if d.weekday() < 5:
            raise CalendarError(
                f"{where}: workday {d.isoformat()} is a weekday; list only adjusted working days "
                "(调休上班) that fall on a Saturday or Sunday"
            )
    return YearSchedule(
        year=year,
        holidays=frozenset(holidays),
        workdays=frozenset(workdays),
        source=source,
        reference=str(body.get("reference", "")),
    )


def load_year_file(path: Path, directory: Path | None = None) -> tuple[YearSchedule, Path]:
    """Check ``path`` and store it as ``<calendar dir>/<year>.yaml`` (adding or replacing the year)."""
    schedule = parse_year_file(path)
    target_dir = directory or calendar_dir()
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / f"{schedule.year}.yaml"
    if path.resolve() != target.resolve():
        tmp = target.with_suffix(".yaml.tmp")
        shutil.copyfile(path, tmp)
        os.replace(tmp, target)
    clear_cache()
    return schedule, target


# -- the package ---------------------------------------------------------------------------------


def package_years() -> dict[int, YearSchedule]:
    """The years carried by ``chinesecalendar`` (2004–2026 in 1.11.0)."""
    from chinese_calendar import constants  # type: ignore[import-untyped,unused-ignore]

    hol: dict[int, set[date]] = {}
    work: dict[int, set[date]] = {}
    for d in constants.holidays:
        hol.setdefault(d.year, set()).add(d)
    for d in constants.workdays:
        work.setdefault(d.year, set()).add(d)
    out = {}
    for y in range(min(hol), max(hol) + 1):
        out[y] = YearSchedule(
            year=y,
            holidays=frozenset(hol.get(y, set())),
            workdays=frozenset(work.get(y, set())),
            source="chinesecalendar",
            reference="国务院办公厅节假日安排 (chinesecalendar)",
        )
    return out


def loaded_years(directory: Path | None = None) -> dict[int, YearSchedule]:
    d = directory or calendar_dir()
    out: dict[int, YearSchedule] = {}
    if d.is_dir():
        for path in sorted(d.glob("*.yaml")):
            s = parse_year_file(path)
            out[s.year] = s
    return out


# -- the parameter ------------------------------------------------------------------------------

HOLIDAYS = "holidays"


def published_years() -> dict[int, YearSchedule]:
    """The years of the parameter ``holidays`` (its file, an override, the versions published in the
    platform), each year's value published last."""
    out: dict[int, YearSchedule] = {}
    for v in parameters.get(HOLIDAYS).values:  # in order of publication
        s = parse_year(
            {"reference": v.reference, **v.value},
            where=f"{HOLIDAYS} {v.start.isoformat()}",
            source=f"{HOLIDAYS} {v.start.isoformat()}",
        )
        out[s.year] = s
    return out


# -- the calendar --------------------------------------------------------------------------------


class WorkCalendar:
    """Working-day look-up columns over the day table, built from year schedules."""

    def __init__(self, schedules: Iterable[YearSchedule]) -> None:
        self.years: dict[int, YearSchedule] = {s.year: s for s in schedules}
        is_work = days.WEEKDAY < 5
        holiday = np.zeros(days.N_DAYS, dtype=np.bool_)
        known_year = np.zeros(int(days.YEAR.max()) + 1, dtype=np.bool_)
        for s in self.years.values():
            if not days.FIRST.year <= s.year <= days.LAST.year:
                continue
            known_year[s.year] = True
            for d in s.holidays:
                holiday[days.to_index(d)] = True
            if s.workdays:
                is_work[[days.to_index(d) for d in s.workdays]] = True
        is_work &= ~holiday
        self.is_work: npt.NDArray[np.bool_] = is_work
        self.holiday: npt.NDArray[np.bool_] = holiday
        self.provisional_day: npt.NDArray[np.bool_] = ~known_year[days.YEAR]
        self.cum: npt.NDArray[np.int32] = np.cumsum(is_work, dtype=np.int32)
        """Working days in [first day, i]."""
        self.work_idx: npt.NDArray[np.int32] = np.flatnonzero(is_work).astype(np.int32)
        self.n_work = len(self.work_idx)
        # next working day on or after i; the table ends on a working day far beyond any use
        pos = np.minimum(self.cum - is_work, self.n_work - 1)
        self.next_work: npt.NDArray[np.int32] = self.work_idx[pos]
        self.prov_cum: npt.NDArray[np.int32] = np.cumsum(self.provisional_day, dtype=np.int32)
        self.roll_provisional: npt.NDArray[np.bool_] = self.provisional_between(
            np.arange(days.N_DAYS), self.next_work
        )
        """Whether rolling day i forward to a working day used a year with no schedule (W1)."""
        self._added: dict[tuple[date, int], WorkdayResult] = {}

    # columns ------------------------------------------------------------------------------------

    def provisional_between(self, a: Arr, b: Arr) -> Arr:
        """Whether any day in [min(a,b), max(a,b)] lies in a year with no schedule (W1)."""
        lo, hi = np.minimum(a, b), np.maximum(a, b)
        return (self.prov_cum[hi] - self.prov_cum[lo] + self.provisional_day[lo]) > 0

    def add_workdays_idx(self, idx: Arr, n: Arr | int) -> Arr:
        """The n-th working day after each day (n ≥ 1), before it (n ≤ -1), or the day itself
        rolled forward to a working day (n = 0). The starting day is never counted."""
        n_arr = np.asarray(n, dtype=np.int64)
        before = self.cum[idx] - self.is_work[idx]  # working days strictly before idx
        pos = np.where(n_arr > 0, self.cum[idx] + n_arr - 1, np.where(n_arr < 0, before + n_arr, before))
        if np.any(pos < 0) or np.any(pos >= self.n_work):
            raise CalendarError("working-day count runs outside the calendar range")
        return self.work_idx[pos]

    # scalars ------------------------------------------------------------------------------------

    def _i(self, d: date) -> int:
        try:
            return days.to_index(d)
        except ValueError as exc:
            raise CalendarError(str(exc)) from exc

    def is_workday(self, d: date) -> bool:
        return bool(self.is_work[self._i(d)])

    def is_holiday(self, d: date) -> bool:
        return bool(self.holiday[self._i(d)])

    def is_provisional(self, d: date) -> bool:
        """True when ``d`` lies in a year with no holiday schedule (reading W1)."""
        return bool(self.provisional_day[self._i(d)])

    def next_workday(self, d: date) -> WorkdayResult:
        """``d`` itself if it is a working day, else the next working day."""
        i = self._i(d)
        j = int(self.next_work[i])
        return WorkdayResult(days.from_index(j), bool(self.provisional_between(np.array(i), np.array(j))))

    def add_workdays(self, d: date, n: int) -> WorkdayResult:
        """The n-th working day after ``d`` (``d`` not counted); n < 0 counts backwards."""
        # Remembered per calendar (which never changes once built): the same few due dates are
        # reckoned again and again from the same days, and numpy's cost is in the call, not the sum.
        found = self._added.get((d, n))
        if found is None:
            i = self._i(d)
            j = int(self.add_workdays_idx(np.array([i]), n)[0])
            prov = bool(self.provisional_between(np.array(i), np.array(j)))
            found = WorkdayResult(days.from_index(j), prov)
            if len(self._added) >= 100_000:
                self._added.clear()
            self._added[(d, n)] = found
        return found

    def working_days_between(self, a: date, b: date) -> CountResult:
        """Working days in (a, b] — after ``a``, up to and including ``b`` (negative if b < a)."""
        i, j = self._i(a), self._i(b)
        count = int(self.cum[j]) - int(self.cum[i])
        prov = bool(self.provisional_between(np.array(i), np.array(j)))
        return CountResult(count, prov)


def _snapshot(d: Path) -> tuple[str, tuple[tuple[str, int, int], ...], int]:
    files: list[tuple[str, int, int]] = []
    if d.is_dir():
        for p in sorted(d.glob("*.yaml")):
            st = p.stat()
            files.append((p.name, st.st_mtime_ns, st.st_size))
    return str(d), tuple(files), parameters.generation()


_Key = tuple[str, tuple[tuple[str, int, int], ...], int]
_cache: dict[_Key, WorkCalendar] = {}
_package: dict[int, YearSchedule] = {}
# The directory is looked at again at most this often (seconds): a request reckons due dates more
# than once, and a year loaded by another process needs only be seen soon, not within microseconds.
RECHECK_AFTER = 1.0
_seen: dict[Path, tuple[float, _Key]] = {}


def get_calendar(directory: Path | None = None) -> WorkCalendar:
    """The calendar: package years overridden by the year files in the calendar directory, then by
    the years of the parameter ``holidays``. Cached; a changed directory (a year loaded) is picked
    up within ``RECHECK_AFTER`` seconds, and at once in the process that loaded it; a year published
    in the platform as soon as the parameters see it (within a second in every process)."""
    d = directory or calendar_dir()
    now = time.monotonic()
    seen = _seen.get(d)
    if (
        seen is not None
        and now - seen[0] < RECHECK_AFTER
        and seen[1][2] == parameters.generation()
        and seen[1] in _cache
    ):
        return _cache[seen[1]]
    key = _snapshot(d)
    _seen[d] = (now, key)
    cal = _cache.get(key)
    if cal is None:
        cal = WorkCalendar(_years(d).values())
        _cache.clear()
        _cache[key] = cal
    return cal


def _years(d: Path) -> dict[int, YearSchedule]:
    if not _package:
        _package.update(package_years())
    years = dict(_package)
    years.update(loaded_years(d))
    years.update(published_years())
    return years


def with_years(schedules: Iterable[YearSchedule], directory: Path | None = None) -> WorkCalendar:
    """The calendar as it would be with ``schedules`` added (each replacing its year): a holiday
    year's draft, previewed."""
    years = _years(directory or calendar_dir())
    years.update({s.year: s for s in schedules})
    return WorkCalendar(years.values())


def clear_cache() -> None:
    _cache.clear()
    _seen.clear()
