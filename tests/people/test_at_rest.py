"""Personal data at rest: phone numbers (people and claims) encrypted, with a keyed hash for the
look-ups of the fraud signals; uploaded files (evidence) encrypted, bound to their column."""

from __future__ import annotations

import hashlib

import pytest
from cryptography.exceptions import InvalidTag
from django.db import connection

from dte.ops import queries
from dte.people import crypto
from dte.people.models import Person, phone_hash
from dte.people.services import person_register
from dte.subsidy import services
from dte.subsidy.models import Claim, Evidence
from tests.conftest import AT
from tests.subsidy.conftest import ACCOUNT, PDF, certificate_for

PHONE = "13805770011"


def _stored_rows(table: str, pk: int) -> str:
    with connection.cursor() as cur:
        cur.execute(f"SELECT * FROM {connection.ops.quote_name(table)} WHERE id = %s", [pk])  # noqa: S608
        return " ".join(str(v) for v in cur.fetchone())


def test_a_persons_phone_is_stored_encrypted_and_found_by_its_keyed_hash(reference):
    person = person_register(name="林雅琪", id_number="330302199005120316", phone=PHONE, at=AT)
    assert PHONE not in _stored_rows(Person._meta.db_table, person.pk)
    stored = Person.objects.get(pk=person.pk)
    assert stored.phone_enc.startswith("v1:") and stored.phone == PHONE
    assert Person.objects.get(phone_hash=phone_hash(PHONE)).pk == person.pk
    assert phone_hash(PHONE) != phone_hash("13805770012") and phone_hash("") == ""


def test_a_claims_contact_phone_is_stored_encrypted(trainee):
    claim = services.claim_start(actor=trainee, certificate=certificate_for(), at=AT)
    services.claim_update(
        actor=trainee, claim=claim, bank_kind="sscard", bank_account=ACCOUNT, phone=PHONE, at=AT
    )
    assert PHONE not in _stored_rows(Claim._meta.db_table, claim.pk)
    assert Claim.objects.get(pk=claim.pk).phone == PHONE
    # An update without a phone keeps the one on record.
    services.claim_update(actor=trainee, claim=claim, bank_kind="sscard", bank_account=ACCOUNT, at=AT)
    assert Claim.objects.get(pk=claim.pk).phone == PHONE


def test_evidence_files_are_stored_encrypted_and_read_back_whole(trainee):
    claim = services.claim_start(actor=trainee, certificate=certificate_for(), at=AT)
    ev = services.evidence_add(
        actor=trainee, claim=claim, kind="training_certificate", filename="t.pdf", content=PDF, at=AT
    )
    stored = queries.blob_read(Evidence, "content", ev.pk)
    assert stored.startswith(b"v1:") and PDF not in stored
    assert bytes(Evidence.objects.get(pk=ev.pk).content) == PDF
    assert Evidence.objects.get(pk=ev.pk).sha256 == hashlib.sha256(PDF).hexdigest()  # of the plain file
    # Bound to its column: the same bytes in another encrypted column do not decrypt.
    with pytest.raises(InvalidTag):
        crypto.decrypt_bytes(stored, context="supervision.Photo.content")
