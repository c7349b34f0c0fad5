"""Phone numbers are encrypted at rest (people and claims), with a keyed hash for the look-ups of the
fraud signals; the number reads back in full where the services need it."""

from __future__ import annotations

from django.db import connection

from dte.people.models import Person, phone_hash
from dte.people.services import person_register
from dte.subsidy import services
from dte.subsidy.models import Claim
from tests.conftest import AT
from tests.subsidy.conftest import ACCOUNT, certificate_for

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
