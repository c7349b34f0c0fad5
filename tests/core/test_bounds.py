"""dte.core.bounds: the one helper every service uses for a person's free text, integers and page
numbers."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from dte.core.bounds import clean_int, clean_text, page_number, parse_int


def _message(exc: pytest.ExceptionInfo) -> dict:
    return exc.value.message_dict


def test_a_text_is_stripped_and_kept_whole_up_to_the_limit():
    assert clean_text("  理由  ", field="reason", label="理由", max_length=2) == "理由"
    assert clean_text(None, field="reason", label="理由", max_length=2) == ""


def test_a_text_over_the_limit_is_refused_with_a_field_error_not_cut():
    with pytest.raises(ValidationError) as exc:
        clean_text("理" * 100_000, field="reason", label="理由", max_length=500)
    assert _message(exc) == {"reason": ["理由不能超过500个字"]}


def test_a_required_text_must_be_given():
    with pytest.raises(ValidationError) as exc:
        clean_text("   ", field="name", label="名称", max_length=60, required=True)
    assert _message(exc) == {"name": ["请填写名称"]}


@pytest.mark.parametrize("bad", ["a\x00b", "a\x1bb", "a\x85b", "abc\u202edcba", "a\u2066b\u2069"])
def test_control_and_bidi_characters_are_refused_in_any_text(bad):
    with pytest.raises(ValidationError, match="控制字符"):
        clean_text(bad, field="reason", label="理由", max_length=500)


def test_a_multi_line_text_keeps_its_line_breaks_and_tabs_but_a_name_does_not():
    text = "第一行\n第二行\t完"
    assert clean_text(text, field="reason", label="理由", max_length=500) == text
    for bad in (text, "张\u200b三"):
        with pytest.raises(ValidationError, match="控制字符"):
            clean_text(bad, field="name", label="名称", max_length=60, line=True)


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("12", 12),
        (" -3 ", -3),
        (7, 7),
        ("1e3", None),
        ("", None),
        (None, None),
        ("１２", None),
        (True, None),
        ("9" * 40, None),
    ],
)
def test_integers_are_read_only_from_plain_digits(raw, value):
    assert parse_int(raw) == value


def test_an_integer_out_of_its_range_is_refused():
    assert clean_int("2025", field="year", label="年度", min_value=2024, max_value=2100) == 2025
    for raw in ("99999999999999999999", "-1", "abc"):
        with pytest.raises(ValidationError) as exc:
            clean_int(raw, field="year", label="年度", min_value=2024, max_value=2100)
        assert _message(exc) == {"year": ["年度应为2024至2100之间的整数"]}


@pytest.mark.parametrize(
    ("raw", "pages", "page"),
    [
        ("9223372036854775807", 3, 3),
        ("9" * 100, 3, 3),
        ("999", 1, 1),
        ("2", 3, 2),
        ("abc", 3, 1),
        ("-1", 3, 1),
        ("0", 3, 1),
        (None, 3, 1),
        ("1", 0, 1),
    ],
)
def test_a_page_number_clamps_to_the_pages_there_are(raw, pages, page):
    assert page_number(raw, pages) == page
