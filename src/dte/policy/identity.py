"""Chinese resident ID numbers (GB 11643-1999; policy-facts.md §5): validation, and the birth
date, sex and region they carry.

The region must be an administrative division code (GB/T 2260, ``dte.policy.divisions``) that
existed at some time from the person's birth on. The engine has no clock: a caller that knows
today passes ``today`` to refuse birth dates in the future or before 1900 (people.services does,
with the platform's clock); the claim rules, which may read historical claims, do not."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

from dte.policy import divisions

EARLIEST_BIRTH = date(1900, 1, 1)  # a living person's birth date is on or after this day

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK = "10X98765432"


class IdNumberError(ValueError):
    """The ID number is not a valid 18-character resident ID number; ``message`` says why in
    English (API, CLI), ``message_zh`` in Chinese (for people)."""

    def __init__(self, message: str, message_zh: str = "身份证号码格式不正确") -> None:
        super().__init__(message)
        self.message = message
        self.message_zh = message_zh


@dataclass(frozen=True)
class Identity:
    number: str
    region: str  # 6-digit address code
    birth: date
    sex: str  # male | female (odd | even sequence)

    # the names of the first version of this module (ResidentId), kept for its callers
    @property
    def region_code(self) -> str:
        return self.region

    @property
    def birth_date(self) -> date:
        return self.birth

    @property
    def province_code(self) -> str:
        return self.region[:2]


ResidentId = Identity


def check_character(first17: str) -> str:
    """The check character for the first 17 digits (S mod 11 → 1 0 X 9 8 7 6 5 4 3 2)."""
    s = sum(int(c) * w for c, w in zip(first17, WEIGHTS, strict=True))
    return CHECK[s % 11]


def parse_id_number(value: object, *, today: date | None = None) -> Identity:
    """Validate ``value`` and read its region, birth date and sex; raises IdNumberError with a
    precise message (wrong length, non-digits, impossible birth date, wrong check character, region
    not a division code at or after the birth). With ``today``, the birth date must also lie
    between 1900-01-01 and today."""
    if not isinstance(value, str):
        raise IdNumberError(
            f"ID number must be a string of 18 characters, got {type(value).__name__}", "应为18位字符串"
        )
    s = value.strip().upper()
    if len(s) != 18:
        raise IdNumberError(
            f"ID number {value!r} has {len(s)} characters, expected 18", f"应为18位,实际为{len(s)}位"
        )
    if not s[:17].isascii() or not s[:17].isdigit():
        raise IdNumberError(f"ID number {value!r}: the first 17 characters must be digits", "前17位应为数字")
    if not (s[17].isdigit() or s[17] == "X"):
        raise IdNumberError(
            f"ID number {value!r}: the last character must be a digit or X", "最后一位应为数字或X"
        )
    try:
        birth = date(int(s[6:10]), int(s[10:12]), int(s[12:14]))
    except ValueError as exc:
        raise IdNumberError(
            f"ID number {value!r}: {s[6:14]} is not a valid birth date", f"出生日期{s[6:14]}不存在"
        ) from exc
    expected = check_character(s[:17])
    if s[17] != expected:
        raise IdNumberError(
            f"ID number {value!r}: wrong check character {s[17]!r}, expected {expected!r}", "校验码不正确"
        )
    region = s[:6]
    if not divisions.valid_for_birth(region, birth):
        if divisions.is_known(region):
            last = max(d.last or 0 for d in divisions.lookup(region))
            raise IdNumberError(
                f"ID number {value!r}: region code {region} ({divisions.name_of(region)}) was withdrawn "
                f"after {last}, before the birth date {birth.isoformat()}",
                f"地址码{region}({divisions.name_of(region)})已于{last}年后撤销,"
                f"不适用于{birth.isoformat()}出生的人",
            )
        raise IdNumberError(
            f"ID number {value!r}: region code {region} is not an administrative division code (GB/T 2260)",
            f"地址码{region}不是有效的行政区划代码(GB/T 2260)",
        )
    if today is not None:
        check_birth(birth, today=today, value=value)
    return Identity(number=s, region=s[:6], birth=birth, sex="male" if int(s[16]) % 2 else "female")


def check_birth(birth: date, *, today: date, value: object = None) -> None:
    """Refuse a birth date before 1900-01-01 or after ``today`` (IdNumberError)."""
    label = f"ID number {value!r}" if value is not None else "birth date"
    if birth < EARLIEST_BIRTH:
        raise IdNumberError(
            f"{label}: birth date {birth.isoformat()} is before {EARLIEST_BIRTH.isoformat()}",
            f"出生日期{birth.isoformat()}早于1900年1月1日",
        )
    if birth > today:
        raise IdNumberError(
            f"{label}: birth date {birth.isoformat()} is in the future (today is {today.isoformat()})",
            f"出生日期{birth.isoformat()}晚于今天({today.isoformat()})",
        )


def age_on(birth: date, on: date) -> int:
    """Age in completed years on ``on``. A birthday on 29 February falls on 28 February in a common
    year (as the [A2.1] age rule counts it: the Civil-Code month arithmetic of ``days.add_months``)."""
    if on < birth:
        raise ValueError(f"{on.isoformat()} is before the birth date {birth.isoformat()}")
    years = on.year - birth.year
    anniversary_day = min(birth.day, calendar.monthrange(on.year, birth.month)[1])
    if (on.month, on.day) < (birth.month, anniversary_day):
        years -= 1
    return years


def parse(raw: str) -> Identity:
    """The first version's name for ``parse_id_number``."""
    return parse_id_number(raw)


check_char = check_character
CHECK_CHARS = CHECK


def is_valid(value: object) -> bool:
    try:
        parse_id_number(value)
    except IdNumberError:
        return False
    return True
