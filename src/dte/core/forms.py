"""Helpers shared by the apps' forms and form views: the date and time widgets (ISO values, which
the browser's pickers read) and add_form_errors (a service's ValidationError onto a form)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

# The browser's <input type="date"> reads and writes only ISO dates ("2027-01-10"); the zh-hans
# locale's first DATE_INPUT_FORMATS entry is "2027/01/10", which Chromium shows as an empty field.
ISO_DATE = "%Y-%m-%d"
ISO_TIME = "%H:%M"
ISO_DATETIME = "%Y-%m-%dT%H:%M"

# The empty choice of a select, in place of Django's "---------".
EMPTY_LABEL = "请选择"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None, format=ISO_DATE):
        super().__init__(attrs=attrs, format=format)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None, format=ISO_TIME):
        super().__init__(attrs=attrs, format=format)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None, format=ISO_DATETIME):
        super().__init__(attrs=attrs, format=format)


def add_form_errors(form, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form: field errors beside their fields, the rest on top."""
    if hasattr(exc, "error_dict"):
        for field, msgs in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, msgs)
    else:
        form.add_error(None, exc.messages)
