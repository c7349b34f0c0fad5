"""The day table: every date from 1800-01-01 to 2199-12-31 as a small integer (a *day index*), with
lookup columns (year-month, day of month, month starts, month lengths, year starts).

Rules work on day indexes held in NumPy columns, so that date arithmetic over a million claims is
a handful of table look-ups instead of a million ``datetime.date`` objects. A missing date is -1.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt

Arr = npt.NDArray[Any]

FIRST = date(1800, 1, 1)
LAST = date(2199, 12, 31)
BASE_ORD = FIRST.toordinal()
N_DAYS = LAST.toordinal() - BASE_ORD + 1
MISSING = -1

# Dates accepted from claims: wide enough for any birth date on a valid ID number and any claim,
# narrow enough that every period computed from them (at most ~70 years) stays inside the table.
INPUT_FIRST = date(1800, 1, 1)
INPUT_LAST = date(2100, 12, 31)

_days = np.arange(N_DAYS, dtype=np.int64) + (BASE_ORD - date(1970, 1, 1).toordinal())
_d64 = _days.astype("datetime64[D]")
_m64 = _d64.astype("datetime64[M]")
_months = _m64.astype(np.int64)

YM: npt.NDArray[np.int16] = (_months - _months[0]).astype(np.int16)
"""Months since 1800-01 of each day (``year * 12 + month - 1`` shifted)."""
DOM: npt.NDArray[np.int8] = ((_d64 - _m64.astype("datetime64[D]")).astype(np.int64) + 1).astype(np.int8)
"""Day of month of each day (1..31)."""
YEAR: npt.NDArray[np.int16] = (_d64.astype("datetime64[Y]").astype(np.int64) + 1970).astype(np.int16)
WEEKDAY: npt.NDArray[np.int8] = ((_days + 3) % 7).astype(np.int8)
"""Monday = 0 … Sunday = 6 (1970-01-01 was a Thursday)."""
MSTART: npt.NDArray[np.int32] = np.flatnonzero(DOM == 1).astype(np.int32)
"""Day index of the first day of each month (indexed by ``YM``)."""
DIM: npt.NDArray[np.int32] = np.diff(np.append(MSTART, N_DAYS)).astype(np.int32)
"""Number of days in each month (indexed by ``YM``)."""
YSTART: npt.NDArray[np.int32] = MSTART[(YM.astype(np.int32) // 12) * 12]
"""Day index of 1 January of each day's year."""
N_MONTHS = len(MSTART)

del _days, _d64, _m64, _months


def to_index(d: date) -> int:
    """The day index of ``d`` (raises ValueError outside the table)."""
    i = d.toordinal() - BASE_ORD
    if not 0 <= i < N_DAYS:
        raise ValueError(f"{d.isoformat()} is outside the supported range {FIRST} .. {LAST}")
    return i


def from_index(i: int) -> date:
    return date.fromordinal(int(i) + BASE_ORD)


def iso(i: int) -> str:
    return (FIRST + timedelta(days=int(i))).isoformat()


def month_index(year: int, month: int) -> int:
    """Months since 1800-01 of ``year-month``."""
    return (year - FIRST.year) * 12 + month - 1


def month_iso(m: int) -> str:
    y, mm = divmod(int(m), 12)
    return f"{y + FIRST.year:04d}-{mm + 1:02d}"


def add_months(idx: Arr, months: Arr | int, ym: Arr | None = None) -> Arr:
    """Civil-Code month arithmetic over columns: the same day of month ``months`` months later, or
    that month's last day when it has no such day (2024-01-31 + 1 month = 2024-02-29).
    ``ym`` may pass ``YM[idx]`` when the caller already has it."""
    target = (np.take(YM, idx) if ym is None else ym) + np.asarray(months, dtype=np.int32)
    d = np.minimum(np.take(DOM, idx), np.take(DIM, target))
    out: Arr = np.take(MSTART, target) + (d - 1)
    return out
