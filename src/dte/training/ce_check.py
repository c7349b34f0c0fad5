"""The number and the public check of a continuing-education statement [P4.1], as the certificates
have theirs: the statement is printed on demand for a person and a year, so its number is derived,
not stored — ``CE<year>-<person>-<check>``, the check a keyed hash (the platform's SECRET_KEY) that
nobody can forge for another person or year. The QR code on the PDF opens the public check page,
which shows the year, the holder's masked name and the hours registered on the platform now."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from django.utils.crypto import constant_time_compare, salted_hmac

from dte.people.models import Person
from dte.training.models import ContinuingEducationCredit

SALT = "dte.training.ce-statement"
NUMBER_RE = re.compile(r"^CE(\d{4})-(\d{6,})-([0-9A-F]{10})$")


def _check(person_id: int, year: int) -> str:
    return salted_hmac(SALT, f"{person_id}:{year}", algorithm="sha256").hexdigest()[:10].upper()


def statement_number(*, person_id: int, year: int) -> str:
    return f"CE{year}-{person_id:06d}-{_check(person_id, year)}"


@dataclass(frozen=True)
class CheckedStatement:
    number: str
    year: int
    person: Person
    credits: list[ContinuingEducationCredit]
    total: Decimal


def statement_by_number(number: str) -> CheckedStatement | None:
    """The statement of that number with the hours registered now, or None if the number is not
    one the platform issued (a wrong check, a person who does not exist)."""
    match = NUMBER_RE.match((number or "").strip().upper())
    if not match:
        return None
    year, person_id, check = int(match.group(1)), int(match.group(2)), match.group(3)
    if not constant_time_compare(check, _check(person_id, year)):
        return None
    person = Person.objects.filter(pk=person_id).first()
    if person is None:
        return None
    credits = list(
        ContinuingEducationCredit.objects.filter(person_id=person_id, year=year, void=False)
        .select_related("certificate__institution")
        .order_by("credited_on", "id")
    )
    total = sum((c.hours for c in credits), Decimal(0))
    return CheckedStatement(statement_number(person_id=person_id, year=year), year, person, credits, total)
