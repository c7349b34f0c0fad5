"""Chinese resident identity numbers (GB 11643-1999), policy-facts.md §5.

18 characters: 6-digit address code, 8-digit birth date, 3-digit sequence (odd = male,
even = female) and a check character over the first 17 digits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"

Sex = Literal["male", "female"]


class IdNumberError(ValueError):
    """An invalid resident ID number; ``message_zh`` says why, in Chinese, for people."""

    def __init__(self, message: str, message_zh: str) -> None:
        super().__init__(message)
        self.message = message
        self.message_zh = message_zh


@dataclass(frozen=True)
class ResidentId:
    number: str  # normalised: upper-case X
    region_code: str
    birth_date: date
    sex: Sex

    @property
    def province_code(self) -> str:
        return self.region_code[:2]


def check_char(first17: str) -> str:
    return CHECK_CHARS[sum(int(c) * w for c, w in zip(first17, WEIGHTS, strict=True)) % 11]


def parse(raw: str) -> ResidentId:
    """Validate ``raw`` and derive region, birth date and sex; raise IdNumberError if invalid."""
    number = (raw or "").strip().upper()
    if len(number) != 18:
        raise IdNumberError(f"must be 18 characters, got {len(number)}", f"应为18位,实际为{len(number)}位")
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise IdNumberError("the first 17 characters must be digits and the last a digit or X",
                            "前17位应为数字,最后一位应为数字或X")
    try:
        birth = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError as exc:
        raise IdNumberError(f"birth date {number[6:14]} is not a real date", f"出生日期{number[6:14]}不存在") from exc
    if birth.year < 1900:
        raise IdNumberError(f"birth date {birth.isoformat()} is before 1900", f"出生日期{birth.isoformat()}早于1900年")
    expected = check_char(number[:17])
    if number[17] != expected:
        raise IdNumberError(f"check character is {number[17]}, expected {expected}", "校验码不正确")
    sex: Sex = "male" if int(number[16]) % 2 == 1 else "female"
    return ResidentId(number=number, region_code=number[:6], birth_date=birth, sex=sex)


def is_valid(raw: str) -> bool:
    try:
        parse(raw)
    except IdNumberError:
        return False
    return True
