"""What the subsidy pages share: a service called with its refusal shown as a message, the claim in
the user's scope, an uploaded file, and the posted numbers and dates."""

from __future__ import annotations

from datetime import date
from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse

from dte.subsidy import selectors
from dte.subsidy.evidence import download_name
from dte.subsidy.models import Claim, Evidence


def show_errors(request, exc: ValidationError) -> None:
    for msg in exc.messages:
        messages.error(request, msg)


def run(request, fn, ok: str = ""):
    """Call a service; a ValidationError becomes an error message. Returns the result or None."""
    try:
        result = fn()
    except ValidationError as exc:
        show_errors(request, exc)
        return None
    if ok:
        messages.success(request, ok)
    return result


def claim_in_scope(request, pk: int) -> Claim:
    claim = selectors.claim_for(actor=request.user, pk=pk)
    if claim is None:
        raise Http404("没有该申领,或不在本账号的管辖范围内")
    return claim


def upload(request, name: str = "file") -> tuple[str, bytes] | None:
    f = request.FILES.get(name)
    if f is None:
        return None
    return f.name, f.read()


def posted_int(v) -> int:
    try:
        return int(str(v).strip())
    except (TypeError, ValueError):
        return 0


def posted_date(v) -> date | None:
    try:
        return date.fromisoformat(str(v).strip())
    except (TypeError, ValueError):
        return None


def evidence_response(ev: Evidence, fallback: str) -> HttpResponse:
    """An evidence file shown in the browser, saved under its uploaded name with the extension of
    its content: an ASCII ``filename`` (``evidence-<id>.<ext>`` for a Chinese name) and the
    RFC 5987 ``filename*`` with the name itself."""
    name = download_name(ev.filename, ev.content_type, fallback)
    plain = name if name.isascii() else download_name("", ev.content_type, f"evidence-{ev.pk}")
    plain = plain.replace("\\", "_").replace('"', "_")
    resp = HttpResponse(bytes(ev.content), content_type=ev.content_type)
    resp["Content-Disposition"] = f"inline; filename=\"{plain}\"; filename*=UTF-8''{quote(name, safe='')}"
    resp["X-Content-Type-Options"] = "nosniff"
    return resp
