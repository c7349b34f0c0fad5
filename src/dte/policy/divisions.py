"""Administrative division codes (GB/T 2260), the first six digits of a resident ID number.

The codes ship as data (``gb2260.txt`` beside this module; its header names the sources and their
dates, ``gb2260-LICENSES.txt`` their licences; ``scripts/gb2260-build`` rebuilds it). Each code
carries the years it was listed in the yearly codebooks, once per name it has had.

A person keeps the number issued with the code of their division as it was then, so an old code
stays valid for people born while it existed: a code is valid for a birth date when it is still in
force or was last listed no earlier than the year before the birth (a code last listed in 2014 was
withdrawn during 2015, and a child born in 2015 before the change got it). A code that was never
listed (999999) is valid for no one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "gb2260.txt"


@dataclass(frozen=True)
class Division:
    code: str
    name: str
    first: int | None  # first year listed; None: before 1980 (the first codebook) or unknown
    last: int | None  # last year listed; None: still in force

    @property
    def in_force(self) -> bool:
        return self.last is None


def _year(text: str) -> int | None:
    return int(text) if text else None


@cache
def table() -> dict[str, tuple[Division, ...]]:
    """Every code with its names over the years, read once from ``gb2260.txt``."""
    out: dict[str, list[Division]] = {}
    with DATA.open(encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("#") or not line.strip():
                continue
            code, name, first, last = line.rstrip("\n").split("\t")
            out.setdefault(code, []).append(Division(code, name, _year(first), _year(last)))
    return {code: tuple(names) for code, names in out.items()}


def source() -> str:
    """The header of the data file: where the codes come from and when they were taken."""
    with DATA.open(encoding="utf-8") as fh:
        return "".join(line[2:] for line in fh if line.startswith("#")).strip()


def lookup(code: str) -> tuple[Division, ...]:
    """The names ``code`` has had, oldest first; empty when it was never a division code."""
    return table().get(code, ())


def is_known(code: str) -> bool:
    return code in table()


def valid_for_birth(code: str, birth: date) -> bool:
    """True when ``code`` was a division code at some time from the year before ``birth`` on."""
    return any(d.last is None or d.last + 1 >= birth.year for d in lookup(code))


def name_of(code: str, birth: date | None = None) -> str:
    """The division's name: the one in force (or the latest), else the one valid at ``birth``;
    empty for an unknown code."""
    names = lookup(code)
    if not names:
        return ""
    current = [d for d in names if d.in_force]
    if current:
        return current[-1].name
    if birth is not None:
        fitting = [d for d in names if d.last is not None and d.last + 1 >= birth.year]
        if fitting:
            return fitting[0].name
    return names[-1].name
