import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from dte.audit.models import AuditEntry
from dte.people.models import Person
from dte.people.services import find_person, person_register

VALID = "11010519491231002X"


def test_a_person_is_registered_with_birth_date_and_sex_derived_from_the_id_number(db, at):
    p = person_register(name="李华", id_number=VALID, phone="13805770011", at=at)
    assert p.birth_date.isoformat() == "1949-12-31"
    assert p.sex == "female"
    assert p.region_code == "110105"
    assert p.id_number == VALID
    assert p.masked_id_number == "110105********002X"


def test_the_id_number_is_not_stored_in_clear(db, at):
    person_register(name="李华", id_number=VALID, at=at)
    with connection.cursor() as cur:
        cur.execute("SELECT id_number_enc, id_number_hash FROM people_person")
        enc, digest = cur.fetchone()
    assert VALID not in enc and VALID not in digest
    assert enc.startswith("v1:")


def test_a_person_is_found_by_exact_id_number_lower_case_x_included(db, at):
    p = person_register(name="李华", id_number=VALID, at=at)
    assert find_person(id_number=VALID.lower()) == p


def test_an_id_number_with_a_wrong_check_digit_is_refused_and_nothing_is_written(db, at):
    with pytest.raises(ValidationError) as err:
        person_register(name="李华", id_number="110105194912310021", at=at)
    assert "校验码" in err.value.message_dict["id_number"][0]
    assert Person.objects.count() == 0
    assert AuditEntry.objects.count() == 0


def test_an_id_number_with_an_impossible_birth_date_is_refused(db, at):
    with pytest.raises(ValidationError) as err:
        person_register(name="李华", id_number="110105194902300020", at=at)
    assert "出生日期" in err.value.message_dict["id_number"][0]


def test_one_person_per_id_number(db, at):
    person_register(name="李华", id_number=VALID, at=at)
    with pytest.raises(ValidationError) as err:
        person_register(name="李小华", id_number=VALID, at=at)
    assert "已登记" in err.value.message_dict["id_number"][0]
    assert Person.objects.count() == 1


def test_registration_is_audited_with_masked_values_only(db, at):
    p = person_register(name="李华", id_number=VALID, phone="13805770011", at=at)
    entry = AuditEntry.objects.get(action="person.register")
    assert entry.object_id == str(p.pk)
    assert VALID not in str(entry.changes) and "13805770011" not in str(entry.changes)


def test_a_bad_phone_number_is_refused(db, at):
    with pytest.raises(ValidationError) as err:
        person_register(name="李华", id_number=VALID, phone="12345", at=at)
    assert "phone" in err.value.message_dict
