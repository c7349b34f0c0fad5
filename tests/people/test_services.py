import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from dte.audit.models import AuditEntry
from dte.people.models import Person
from dte.people.services import clean_id_number, clean_name, find_person, person_register
from dte.policy.identity import check_character

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


# --- real people: ID numbers and names ------------------------------------------------------------
def number(region: str, born: str, seq: str = "011") -> str:
    first17 = f"{region}{born}{seq}"
    return first17 + check_character(first17)


def nothing_written() -> bool:
    return not Person.objects.exists() and not AuditEntry.objects.exists()


def test_an_id_number_whose_region_is_no_division_code_is_refused_and_nothing_is_written(db, at):
    with pytest.raises(ValidationError) as err:
        person_register(name="李华", id_number=number("999999", "19900512"), at=at)
    assert err.value.message_dict["id_number"] == [
        "身份证号码无效:地址码999999不是有效的行政区划代码(GB/T 2260)"
    ]
    assert nothing_written()


def test_an_old_wenzhou_code_is_accepted_for_a_person_born_while_it_existed(db, at):
    # 330322 洞头县 became 330305 洞头区 in 2015
    p = person_register(name="林海", id_number=number("330322", "19880808"), at=at)
    assert p.region_code == "330322"


@pytest.mark.parametrize(
    ("born", "message"),
    [
        ("20250311", "身份证号码无效:出生日期2025-03-11晚于今天(2025-03-10)"),  # at is 2025-03-10
        ("18991231", "身份证号码无效:出生日期1899-12-31早于1900年1月1日"),
    ],
)
def test_a_birth_date_in_the_future_or_before_1900_is_refused_and_nothing_is_written(db, at, born, message):
    with pytest.raises(ValidationError) as err:
        person_register(name="李华", id_number=number("330302", born), at=at)
    assert err.value.message_dict["id_number"] == [message]
    assert nothing_written()


def test_a_birth_date_of_today_is_accepted(db, at):
    assert person_register(name="李华", id_number=number("330302", "20250310"), at=at).birth_date == at.date()


def test_the_id_number_check_uses_the_platforms_clock_when_no_date_is_given(db):
    with pytest.raises(ValidationError, match="晚于今天"):
        clean_id_number(number("330302", "20991231"))


@pytest.mark.parametrize(
    "name",
    [
        "李\u202e华",  # right-to-left override
        "李\u2066华\u2069",  # isolates
        "李\u200e华",  # left-to-right mark
        "\u061c李华",  # Arabic letter mark
        "李\u200b华",  # zero-width space
        "李\u200d华",  # zero-width joiner
        "李\ufeff华",  # zero-width no-break space (BOM)
        "李\x00华",  # NUL
        "李\n华",  # line break
        "李\x1b[31m华",  # escape sequence
    ],
)
def test_a_name_with_control_or_direction_characters_is_refused_and_nothing_is_written(db, at, name):
    with pytest.raises(ValidationError) as err:
        person_register(name=name, id_number=VALID, at=at)
    assert err.value.message_dict["name"] == ["姓名含有控制字符、零宽字符或文字方向控制符,请删除后重新填写"]
    assert nothing_written()


@pytest.mark.parametrize("name", ["阿卜杜拉·买买提", "阿依古丽•艾海提", "Zhang San", "欧阳志强"])
def test_names_with_middle_dots_and_spaces_are_accepted(db, at, name):
    assert person_register(name=name, id_number=VALID, at=at).name == name


@pytest.mark.parametrize("name", ["李", "李" * 61, "  李  "])
def test_a_name_keeps_between_2_and_60_characters(name):
    with pytest.raises(ValidationError, match="2至60"):
        clean_name(name)
