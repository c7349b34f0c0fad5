"""Resident ID numbers (GB 11643-1999)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dte.policy import divisions
from dte.policy.identity import IdNumberError, age_on, check_character, is_valid, parse, parse_id_number


def test_the_examples_of_the_facts_are_valid() -> None:
    a = parse_id_number("11010519491231002X")
    assert (a.region, a.birth, a.sex) == ("110105", date(1949, 12, 31), "female")
    b = parse_id_number("440524188001010014")
    assert (b.region, b.birth, b.sex) == ("440524", date(1880, 1, 1), "male")


def test_a_lower_case_x_is_accepted_and_normalised() -> None:
    assert parse_id_number("11010519491231002x").number == "11010519491231002X"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("330302199005120114", "wrong check character '4', expected '3'"),
        ("33030219900512011", "has 17 characters, expected 18"),
        ("3303021990051201A3", "first 17 characters must be digits"),
        ("33030219900512011Y", "last character must be a digit or X"),
        ("330302199002300113", "19900230 is not a valid birth date"),
    ],
)
def test_an_invalid_number_is_refused_with_a_precise_message(value: str, message: str) -> None:
    with pytest.raises(IdNumberError, match=message):
        parse_id_number(value)
    assert not is_valid(value)


def test_the_first_names_of_the_module_still_work() -> None:
    rid = parse("330302199005120113")
    assert (rid.region_code, rid.birth_date, rid.province_code) == ("330302", date(1990, 5, 12), "33")


@given(
    born=st.dates(min_value=date(1900, 1, 1), max_value=date(2025, 12, 31)),
    seq=st.integers(min_value=0, max_value=999),
)
def test_a_number_built_with_its_check_character_is_valid_and_reads_back(born: date, seq: int) -> None:
    first17 = f"330302{born:%Y%m%d}{seq:03d}"
    ident = parse_id_number(first17 + check_character(first17))
    assert ident.birth == born
    assert ident.sex == ("male" if seq % 2 else "female")


# --- the region: administrative division codes (GB/T 2260) -----------------------------------------
def number(region: str, born: str, seq: str = "011") -> str:
    first17 = f"{region}{born}{seq}"
    return first17 + check_character(first17)


def test_a_region_that_is_no_division_code_is_refused_with_a_precise_message() -> None:
    with pytest.raises(
        IdNumberError, match="region code 999999 is not an administrative division code"
    ) as exc:
        parse_id_number(number("999999", "19900512"))
    assert exc.value.message_zh == "地址码999999不是有效的行政区划代码(GB/T 2260)"


def test_a_wenzhou_code_in_force_is_accepted() -> None:
    ident = parse_id_number(number("330302", "19900512"))
    assert ident.region == "330302" and divisions.name_of(ident.region) == "鹿城区"


def test_a_withdrawn_code_is_valid_for_people_born_while_it_existed() -> None:
    # 330322 洞头县 was last listed in 2014 and became 330305 洞头区 in 2015.
    assert [(d.name, d.last) for d in divisions.lookup("330322")][-1] == ("洞头县", 2014)
    assert parse_id_number(number("330322", "19900101")).region == "330322"
    assert parse_id_number(number("330322", "20150301")).region == "330322"  # withdrawn during 2015
    with pytest.raises(IdNumberError, match=r"330322.*withdrawn after 2014") as exc:
        parse_id_number(number("330322", "20160101"))
    assert "已于2014年后撤销" in exc.value.message_zh


def test_a_code_created_after_the_birth_is_accepted_the_number_being_issued_later() -> None:
    # 330383 龙港市 dates from 2019; people born earlier were issued numbers with it.
    assert parse_id_number(number("330383", "19850101")).region == "330383"


def test_the_division_codes_name_their_source_and_date() -> None:
    text = divisions.source()
    assert "GB/T 2260" in text and "2026-09-11" in text and "MIT" in text
    assert len(divisions.table()) > 4000


# --- the birth date between 1900 and today, when today is known ---------------------------------
TODAY = date(2026, 12, 4)


@pytest.mark.parametrize(
    ("born", "message", "message_zh"),
    [
        ("18991231", "before 1900-01-01", "出生日期1899-12-31早于1900年1月1日"),
        ("20261205", "in the future", "出生日期2026-12-05晚于今天(2026-12-04)"),
    ],
)
def test_a_birth_date_before_1900_or_after_today_is_refused(born: str, message: str, message_zh: str) -> None:
    with pytest.raises(IdNumberError, match=message) as exc:
        parse_id_number(number("330302", born), today=TODAY)
    assert exc.value.message_zh == message_zh


@pytest.mark.parametrize("born", ["19000101", "20261204"])
def test_the_bounds_of_the_birth_date_themselves_are_accepted(born: str) -> None:
    assert parse_id_number(number("330302", born), today=TODAY).birth.strftime("%Y%m%d") == born


def test_without_today_only_the_format_is_checked_as_the_claim_rules_need() -> None:
    assert parse_id_number(number("330302", "20300101")).birth == date(2030, 1, 1)


# --- age ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("birth", "on", "age"),
    [
        (date(1990, 5, 12), date(2025, 5, 12), 35),
        (date(1990, 5, 12), date(2025, 5, 11), 34),
        (date(2009, 3, 10), date(2025, 3, 10), 16),
        (date(2008, 2, 29), date(2025, 2, 28), 17),  # a common year: the birthday is 28 February
        (date(2008, 2, 29), date(2025, 2, 27), 16),
        (date(2008, 2, 29), date(2024, 2, 28), 15),  # a leap year: 29 February
        (date(2008, 2, 29), date(2024, 2, 29), 16),
    ],
)
def test_age_on_a_date_counts_completed_years(birth: date, on: date, age: int) -> None:
    assert age_on(birth, on) == age


def test_age_before_the_birth_is_an_error() -> None:
    with pytest.raises(ValueError, match="before the birth date"):
        age_on(date(2000, 1, 2), date(2000, 1, 1))
