"""Resident ID numbers (GB 11643-1999)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dte.policy.identity import IdNumberError, check_character, is_valid, parse, parse_id_number


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
