"""Helpers shared by the apps' form views."""

from __future__ import annotations

from django.core.exceptions import ValidationError


def add_form_errors(form, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form: field errors beside their fields, the rest on top."""
    if hasattr(exc, "error_dict"):
        for field, msgs in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, msgs)
    else:
        form.add_error(None, exc.messages)
