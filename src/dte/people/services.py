"""Writes to the real-name person registry."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from dte.audit import services as audit
from dte.core import clock
from dte.core.bounds import BIDI
from dte.people import crypto
from dte.people.models import ID_CONTEXT, Person
from dte.policy import identity

PHONE_RE = re.compile(r"^1[3-9]\d{9}$")


def clean_id_number(raw: str, *, today: date | None = None) -> identity.Identity:
    """Validate a resident ID number (GB 11643 checksum, real birth date between 1900-01-01 and
    ``today``, region a GB/T 2260 division code that existed at or after the birth) or raise
    ValidationError with a message in Chinese, keyed by the field name ``id_number``. ``today``
    defaults to the platform's clock."""
    try:
        return identity.parse_id_number(raw, today=clock.today() if today is None else today)
    except identity.IdNumberError as exc:
        raise ValidationError({"id_number": f"身份证号码无效:{exc.message_zh}"}, code="invalid") from exc


def clean_phone(raw: str) -> str:
    phone = (raw or "").strip()
    if phone and not PHONE_RE.match(phone):
        raise ValidationError({"phone": "手机号码应为11位数字,以1开头"}, code="invalid")
    return phone


# Bidirectional controls (dte.core.bounds.BIDI: U+202E turns "exe.txt" into "txt.exe" on screen).
# Control (Cc), format (Cf: zero-width space/joiners, BOM, soft hyphen), line/paragraph separators,
# private-use, surrogate and unassigned code points: nothing a printed name holds.
_NOT_IN_NAMES = frozenset({"Cc", "Cf", "Zl", "Zp", "Co", "Cs", "Cn"})


def clean_name(raw: str) -> str:
    """A person's name as on the ID card: 2 to 60 characters, no control, format or direction
    characters; middle dots of ethnic-minority names (阿卜杜拉·买买提) are kept."""
    name = (raw or "").strip()
    if any(ch in BIDI or unicodedata.category(ch) in _NOT_IN_NAMES for ch in name):
        raise ValidationError(
            {"name": "姓名含有控制字符、零宽字符或文字方向控制符,请删除后重新填写"}, code="invalid_characters"
        )
    if not (2 <= len(name) <= 60):
        raise ValidationError({"name": "姓名应为2至60个字"}, code="invalid")
    return name


def find_person(*, id_number: str) -> Person | None:
    return Person.objects.filter(id_number_hash=Person.hash_id_number(id_number.strip())).first()


@transaction.atomic
def person_register(*, name: str, id_number: str, phone: str = "", actor=None, at: datetime) -> Person:
    """Register a real-name person. One person per ID number: a second registration is refused."""
    rid = clean_id_number(id_number, today=timezone.localdate(at))
    name = clean_name(name)
    phone = clean_phone(phone)
    digest = Person.hash_id_number(rid.number)
    if Person.objects.filter(id_number_hash=digest).exists():
        raise ValidationError({"id_number": "该身份证号码已登记,不能重复登记"}, code="duplicate")
    try:
        with transaction.atomic():
            person = Person.objects.create(
                name=name,
                id_number_enc=crypto.encrypt(rid.number, context=ID_CONTEXT),
                id_number_hash=digest,
                birth_date=rid.birth,
                sex=rid.sex,
                region_code=rid.region,
                phone=phone,
                created_at=at,
            )
    except IntegrityError as exc:  # a concurrent registration of the same number won the race
        raise ValidationError({"id_number": "该身份证号码已登记,不能重复登记"}, code="duplicate") from exc
    audit.record(
        actor=actor,
        action="person.register",
        obj=person,
        at=at,
        after={"name": person.masked_name, "id_number": person.masked_id_number, "phone": phone and "***"},
    )
    return person
