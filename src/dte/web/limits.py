"""The platform's limits on a request's head, answered in Chinese whatever server runs it.

- a request line (method, target, version) over ``MAX_REQUEST_LINE`` bytes: 414 URI Too Long;
- header lines over ``MAX_HEADER_BYTES`` bytes in all, or more than ``MAX_HEADER_FIELDS`` of them:
  431 Request Header Fields Too Large.

``limit_head`` wraps the WSGI application (dte.wsgi), so a request beyond the limits never reaches
Django. The server enforces the outer bounds itself (dte.web.server): granian answers 431 beyond
``MAX_HEADER_FIELDS`` fields or a head over ``HEAD_BUFFER`` bytes, and 414 to a target longer than
its parser takes (64 KB); those answers come without the Chinese text, as they never reach Python.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

MAX_REQUEST_LINE = 16 * 1024
MAX_HEADER_BYTES = 32 * 1024
MAX_HEADER_FIELDS = 100
HEAD_BUFFER = 1024 * 1024  # the most the server reads of a head before answering 431 (dte.web.server)

_REASONS = {
    414: ("414 URI Too Long", f"请求地址过长(不超过{MAX_REQUEST_LINE // 1024} KB)。"),
    431: (
        "431 Request Header Fields Too Large",
        f"请求头过大(合计不超过{MAX_HEADER_BYTES // 1024} KB,不超过{MAX_HEADER_FIELDS}项)。",
    ),
}

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def request_line_length(environ: dict[str, Any]) -> int:
    """The length of the request line as the client sent it: method, target and version with the
    two spaces (the target rebuilt from its path and query when the server gives no RAW_URI)."""
    target = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if not target:
        path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
        query = environ.get("QUERY_STRING", "")
        target_length = len(path.encode("latin-1", "replace")) + (len(query) + 1 if query else 0)
    else:
        target_length = len(target)
    return (
        len(environ.get("REQUEST_METHOD", "")) + target_length + len(environ.get("SERVER_PROTOCOL", "")) + 2
    )


def header_size(environ: dict[str, Any]) -> tuple[int, int]:
    """(bytes, fields) of the header lines: ``Name: value`` and its line end for each field."""
    size = fields = 0
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            name_length = len(key) - 5
        elif key in ("CONTENT_TYPE", "CONTENT_LENGTH") and value:
            name_length = len(key)
        else:
            continue
        size += name_length + 2 + len(value) + 2
        fields += 1
    return size, fields


def verdict(environ: dict[str, Any]) -> int | None:
    """The status to answer for this request's head, or None when it is within the limits."""
    if request_line_length(environ) > MAX_REQUEST_LINE:
        return 414
    size, fields = header_size(environ)
    if size > MAX_HEADER_BYTES or fields > MAX_HEADER_FIELDS:
        return 431
    return None


def limit_head(app: WSGIApp) -> WSGIApp:
    """``app`` behind the head limits: an oversized request is answered here, in Chinese."""

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        status = verdict(environ)
        if status is None:
            return app(environ, start_response)
        line, text = _REASONS[status]
        body = text.encode()
        start_response(
            line,
            [
                ("Content-Type", "text/plain; charset=utf-8"),
                ("Content-Length", str(len(body))),
                ("Connection", "close"),
            ],
        )
        return [body]

    return application
