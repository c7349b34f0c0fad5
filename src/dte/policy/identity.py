"""Chinese resident ID numbers (GB 11643-1999; policy-facts.md §5): validation, and the birth
date, sex and region they carry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK = "10X98765432"


class IdNumberError(ValueError):
    """The ID number is not a valid 18-character resident ID number."""


@dataclass(frozen=True)
class Identity:
    number: str
    region: str  # 6-digit address code
    birth: date
    sex: str  # male | female (odd | even sequence)


def check_character(first17: str) -> str:
    """The check character for the first 17 digits (S mod 11 → 1 0 X 9 8 7 6 5 4 3 2)."""
    s = sum(int(c) * w for c, w in zip(first17, WEIGHTS, strict=True))
    return CHECK[s % 11]


def parse_id_number(value: object) -> Identity:
    """Validate ``value`` and read its region, birth date and sex; raises IdNumberError with a
    precise message (wrong length, non-digits, impossible birth date, wrong check character)."""
    if not isinstance(value, str):
        raise IdNumberError(f"ID number must be a string of 18 characters, got {type(value).__name__}")
    s = value.strip().upper()
    if len(s) != 18:
        raise IdNumberError(f"ID number {value!r} has {len(s)} characters, expected 18")
    if not s[:17].isascii() or not s[:17].isdigit():
        raise IdNumberError(f"ID number {value!r}: the first 17 characters must be digits")
    if not (s[17].isdigit() or s[17] == "X"):
        raise IdNumberError(f"ID number {value!r}: the last character must be a digit or X")
    try:
        birth = date(int(s[6:10]), int(s[10:12]), int(s[12:14]))
    except ValueError as exc:
        raise IdNumberError(f"ID number {value!r}: {s[6:14]} is not a valid birth date") from exc
    expected = check_character(s[:17])
    if s[17] != expected:
        raise IdNumberError(f"ID number {value!r}: wrong check character {s[17]!r}, expected {expected!r}")
    return Identity(number=s, region=s[:6], birth=birth, sex="male" if int(s[16]) % 2 else "female")


def is_valid(value: object) -> bool:
    try:
        parse_id_number(value)
    except IdNumberError:
        return False
    return True
