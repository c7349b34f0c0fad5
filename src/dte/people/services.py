"""Writes to the real-name person registry."""

from __future__ import annotations

import re
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from dte.audit import services as audit
from dte.people import crypto
from dte.people.models import ID_CONTEXT, Person
from dte.policy import identity

PHONE_RE = re.compile(r"^1[3-9]\d{9}$")


def clean_id_number(raw: str) -> identity.Identity:
    """Validate a resident ID number (GB 11643 checksum, real birth date) or raise ValidationError
    with a message in Chinese, keyed by the field name ``id_number``."""
    try:
        return identity.parse_id_number(raw)
    except identity.IdNumberError as exc:
        raise ValidationError({"id_number": f"身份证号码无效:{exc.message_zh}"}, code="invalid") from exc


def clean_phone(raw: str) -> str:
    phone = (raw or "").strip()
    if phone and not PHONE_RE.match(phone):
        raise ValidationError({"phone": "手机号码应为11位数字,以1开头"}, code="invalid")
    return phone


def clean_name(raw: str) -> str:
    name = (raw or "").strip()
    if not (2 <= len(name) <= 60):
        raise ValidationError({"name": "姓名应为2至60个字"}, code="invalid")
    return name


def find_person(*, id_number: str) -> Person | None:
    return Person.objects.filter(id_number_hash=Person.hash_id_number(id_number.strip())).first()


@transaction.atomic
def person_register(*, name: str, id_number: str, phone: str = "", actor=None, at: datetime) -> Person:
    """Register a real-name person. One person per ID number: a second registration is refused."""
    rid = clean_id_number(id_number)
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
