"""What the training pages share: one service call with its message, and tables as CSV or XLSX."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse

from dte.core import spreadsheet
from dte.training.models import TrainingClass, TrainingPlan


def enrolment_closed(klass: TrainingClass, today) -> bool:
    """The class no longer takes applications: past its closing day, or no longer enrolling (the
    service refuses them alike); its page says 报名已截止 instead of showing the form."""
    enrolling = (
        klass.status == TrainingClass.Status.ENROLLING and klass.plan.status == TrainingPlan.Status.ON_FILE
    )
    return not enrolling or today > klass.enrol_by


def error_text(exc: ValidationError) -> str:
    return ";".join(exc.messages)


def attempt(request, action: Callable[[], object], success: str) -> bool:
    """Run one service call; a refusal becomes an error message on the next page."""
    try:
        action()
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return False
    messages.success(request, success)
    return True


def table_response(*, header: list[str], rows: list[list], filename: str, fmt: str) -> HttpResponse:
    """A table as CSV (UTF-8 with BOM, so that spreadsheet programs read the Chinese) or XLSX, through
    dte.core.spreadsheet: a name or subject like "=HYPERLINK(…)" is written as text, never a formula."""
    if fmt == "xlsx":
        response = HttpResponse(
            spreadsheet.xlsx_bytes(header, rows, title="Sheet"),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        response = HttpResponse(spreadsheet.csv_bytes(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response
