"""Fixtures for the claim tests: a trainee with a 大数据 junior level certificate, the facts that make
them eligible (employed in 鹿城区 with Wenzhou insurance since mid-2024), and a submitted claim."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from dte.accounts.models import Role
from dte.accounts.services import account_create
from dte.catalog.models import County, Institution, Level, Occupation
from dte.subsidy import services
from dte.subsidy.models import Employment, InsuranceMonth
from dte.subsidy.sources import CertificateFacts

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
ACCOUNT = "6228480402564890018"
SUBMIT_AT = datetime(2025, 3, 10, 2, 0, tzinfo=UTC)  # Monday 10:00 in Wenzhou


def certificate_for(occupation="2-02-10-11", level="junior", issued=date(2025, 1, 15), hours=130):
    occ = Occupation.objects.get(code=occupation)
    lvl = Level.objects.get(code=level)
    return CertificateFacts(
        level_certificate_id=None,
        level_number=f"LC-{occupation}-{level}",
        occupation_id=occ.pk,
        level_id=lvl.pk,
        level_issued_on=issued,
        training_certificate_id=None,
        training_number=f"TC-{occupation}-{level}",
        institution_id=Institution.objects.get(name="杭州电子科技大学").pk,
        training_occupation_id=occ.pk,
        training_level_id=lvl.pk,
        training_hours=hours,
        training_issued_on=date(2024, 12, 1),
    )


def make_eligible(person, county="330302", first=(2024, 6), last=(2025, 2)):
    c = County.objects.get(code=county)
    Employment.objects.get_or_create(
        person=person,
        started_on=date(2024, 5, 1),
        defaults={"status": "employed", "employer": "温州某科技有限公司", "in_wenzhou": True},
    )
    y, m = first
    while (y, m) <= last:
        InsuranceMonth.objects.get_or_create(person=person, month=date(y, m, 1), defaults={"county": c})
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)


@pytest.fixture
def eligible_trainee(trainee):
    make_eligible(trainee.person)
    return trainee


@pytest.fixture
def make_claim():
    def make(user, *, at=SUBMIT_AT, submit=True, account=ACCOUNT, **cert):
        claim = services.claim_start(actor=user, certificate=certificate_for(**cert), at=at)
        services.claim_update(actor=user, claim=claim, bank_kind="sscard", bank_account=account, at=at)
        services.evidence_add(
            actor=user, claim=claim, kind="training_certificate", filename="t.pdf", content=PDF, at=at
        )
        services.evidence_add(
            actor=user, claim=claim, kind="level_certificate", filename="l.png", content=PNG, at=at
        )
        if submit:
            claim = services.claim_submit(actor=user, claim=claim, at=at)
        return claim

    return make


@pytest.fixture
def submitted(eligible_trainee, make_claim):
    return make_claim(eligible_trainee)


@pytest.fixture
def second_reviewer(reference):
    return account_create(
        username="reviewer2",
        password="Correct-Horse-2026",
        role=Role.COUNTY_REVIEWER,
        county=County.objects.get(code="330302"),
        at=SUBMIT_AT,
    )


@pytest.fixture
def make_trainee(reference, make_person):
    counter = iter(range(201, 999, 2))  # odd sequence numbers: men (GB 11643)

    def make(name="李四"):
        n = next(counter)
        person = make_person(name, seq=n)
        user = account_create(
            username=f"t{n}", password="Correct-Horse-2026", role=Role.TRAINEE, person=person, at=SUBMIT_AT
        )
        make_eligible(person)
        return user

    return make


@pytest.fixture
def freeze(monkeypatch):
    """Set the platform clock (``dte.core.clock``) for the pages under test."""

    def set_to(when: datetime):
        from django.utils import timezone

        monkeypatch.setattr("dte.core.clock.now", lambda: when)
        monkeypatch.setattr("dte.core.clock.today", lambda: timezone.localdate(when))

    return set_to
