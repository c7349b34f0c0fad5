"""Bounds on what a person may type or post, in one place.

Every free text a service takes from a person (a reason, a note, a question, an answer, a label, a
name) has a maximum length; an over-long text is refused with a field error in Chinese and nothing
is written: never truncated silently. Names and labels (one line) also refuse control and
bidirectional-override characters (U+202E turns "exe.txt" into "txt.exe" on screen); longer texts
may hold line breaks and tabs but no other control character (NUL is refused by PostgreSQL).
Integers posted by a person have a range, and page numbers are clamped to the pages there are.

Use:

    reason = clean_text(reason, field="reason", label="理由", max_length=REASON_MAX)
    name = clean_text(name, field="name", label="令牌名称", max_length=LABEL_MAX, required=True, line=True)
    year = clean_int(raw, field="year", label="年度", min_value=2024, max_value=2100)
    number = page_number(request.GET.get("page"), pages)

The limits follow the models' ``max_length`` where a column has one; the others are ours.
"""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError

# -- limits (characters) -----------------------------------------------------------------------
REASON_MAX = 500  # a reason: withdrawal, rejection, objection, reversal, revocation
NOTE_MAX = 500  # a review or approval note, a request for information (补正要求)
ANSWER_MAX = 1000  # the claimant's answer to a request for information
FINDING_MAX = 1000  # the finding of an objection's investigation
LABEL_MAX = 60  # a one-line label: a token's name, a bank name (Claim.bank_name max_length=60)
CONTACT_MAX = 60  # Objection.contact max_length=60
FILENAME_MAX = 200  # Evidence.filename max_length=200
MESSAGE_SUBJECT_MAX = 120  # notifications.Message.subject max_length=120
MESSAGE_BODY_MAX = 8000  # an inbox message's body: the platform's text around a person's bounded text
AUDIT_REASON_MAX = 2000  # the reason recorded in an audit entry (the longest reason above, with room)

# -- files (bytes) ----------------------------------------------------------------------------
IMPORT_BYTES_MAX = 20 * 1024 * 1024  # an uploaded table to import (XLSX/CSV), as subsidy's data facts
IMPORT_TOO_LARGE = f"文件大小超过 {IMPORT_BYTES_MAX // (1024 * 1024)} MB 上限,未导入任何记录;请拆分后分批上传"

# -- integers ---------------------------------------------------------------------------------
YEAR_MIN, YEAR_MAX = 2000, 2100  # a year a person may ask for (the programme runs from 2024 [P5.4])
INT_DIGITS_MAX = 32  # longer digit strings are not read as numbers at all

# Bidirectional controls: embeddings, overrides, isolates, marks.
BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Line breaks and tabs that a multi-line text may hold.
_TEXT_WHITESPACE = frozenset("\n\r\t")


def _invisible(ch: str, *, line: bool) -> bool:
    if ch in BIDI:
        return True
    category = unicodedata.category(ch)
    if category == "Cc":  # C0/C1 control characters, NUL included
        return line or ch not in _TEXT_WHITESPACE
    # Other format characters (zero-width joiners etc.) are refused in one-line names and labels.
    return line and category == "Cf"


def clean_text(
    value: object,
    *,
    field: str,
    label: str,
    max_length: int,
    required: bool = False,
    line: bool = False,
) -> str:
    """The text stripped of surrounding white space, or a ``ValidationError({field: …})``.

    ``max_length`` counts characters; ``required`` refuses an empty text; ``line`` marks a name or a
    label (one line): control, format and bidirectional characters are refused. In any text, control
    characters other than line breaks and tabs are refused, and so are bidirectional overrides."""
    text = "" if value is None else str(value)
    text = text.strip()
    if required and not text:
        raise ValidationError({field: f"请填写{label}"}, code="required")
    if len(text) > max_length:
        raise ValidationError({field: f"{label}不能超过{max_length}个字"}, code="max_length")
    if any(_invisible(ch, line=line) for ch in text):
        raise ValidationError(
            {field: f"{label}含有控制字符或文字方向控制符,请删除后重试"}, code="invalid_characters"
        )
    return text


def parse_int(value: object) -> int | None:
    """An integer from a posted value ("12", " 12 ", 12), or None when it is not one. Digit strings
    longer than ``INT_DIGITS_MAX`` are not read; a range check (``clean_int``) keeps the database's
    integers from overflowing."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = str(value if value is not None else "").strip()
    digits = text[1:] if text[:1] in "+-" else text
    if not digits.isascii() or not digits.isdigit() or len(digits) > INT_DIGITS_MAX:
        return None
    return int(text)


def clean_int(value: object, *, field: str, label: str, min_value: int, max_value: int) -> int:
    """An integer within [min_value, max_value], or a ``ValidationError({field: …})``."""
    number = parse_int(value)
    if number is None or not min_value <= number <= max_value:
        raise ValidationError({field: f"{label}应为{min_value}至{max_value}之间的整数"}, code="range")
    return number


def page_number(value: object, pages: int) -> int:
    """The page to show for a requested page number: a number beyond the last page is the last page,
    one below 1 (or not a number) is the first."""
    last = max(int(pages), 1)
    number = parse_int(value)
    if number is None:
        text = str(value if value is not None else "").strip().lstrip("+")
        # A positive number too long to read is past the last page all the same.
        return last if text.isascii() and text.isdigit() else 1
    return min(max(number, 1), last)
