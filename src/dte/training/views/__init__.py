"""Training pages: thin views that parse input, call one service or selector, and render; one module
per aggregate (plans, classes, enrolment, attendance, certificates, events, continuing education).
The trainee's own page (training:me) is dte.web.trainee: it also shows evaluation's level result."""

from dte.training.views.common import attempt, error_text, table_response

__all__ = ["attempt", "error_text", "table_response"]
