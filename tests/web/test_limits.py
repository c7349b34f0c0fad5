"""The platform's request-head limits (dte.web.limits): a request line over 16 KB is answered 414,
header lines over 32 KB or more than 100 fields 431, in Chinese, before Django sees the request."""

import pytest

from dte.web import limits


def _environ(target: str = "/", headers: dict[str, str] | None = None) -> dict:
    path, _, query = target.partition("?")
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_PROTOCOL": "HTTP/1.1",
    }
    for name, value in (headers or {}).items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    return environ


def _fields(n: int) -> dict[str, str]:
    return {f"X-{i}": "1" for i in range(n)}


@pytest.mark.parametrize(
    ("environ", "status"),
    [
        (_environ("/?q=" + "a" * limits.MAX_REQUEST_LINE), 414),
        (_environ("/?q=" + "a" * (limits.MAX_REQUEST_LINE - 30)), None),  # "GET " + " HTTP/1.1" fit
        (_environ("/" + "a" * (limits.MAX_REQUEST_LINE + 10)), 414),  # the path alone is too long
        (_environ("/", {"Cookie": "a" * limits.MAX_HEADER_BYTES}), 431),
        (_environ("/", {"Cookie": "a" * (limits.MAX_HEADER_BYTES - 100)}), None),
        (_environ("/", _fields(limits.MAX_HEADER_FIELDS + 1)), 431),
        (_environ("/", _fields(limits.MAX_HEADER_FIELDS)), None),
    ],
)
def test_the_verdict_on_a_head(environ, status):
    assert limits.verdict(environ) == status


def test_the_request_line_is_measured_as_sent_when_the_server_gives_it():
    environ = _environ("/short", {})
    environ["RAW_URI"] = "/" + "%41" * 6000  # the target as sent, escapes included
    assert limits.verdict(environ) == 414


def _call(app, environ):
    seen = {}

    def start_response(status, headers):
        seen["status"], seen["headers"] = status, dict(headers)

    body = b"".join(app(environ, start_response))
    return seen["status"], seen["headers"], body


def test_an_oversized_request_is_answered_in_chinese_and_never_reaches_the_platform():
    reached = []

    def platform(environ, start_response):
        reached.append(environ)
        start_response("200 OK", [])
        return [b"ok"]

    app = limits.limit_head(platform)
    status, headers, body = _call(app, _environ("/?q=" + "a" * 20_000))
    assert status == "414 URI Too Long" and "请求地址过长(不超过16 KB)" in body.decode()
    assert headers["Content-Length"] == str(len(body)) and headers["Connection"] == "close"
    status, _, body = _call(app, _environ("/", {"Cookie": "a" * 40_000}))
    assert status == "431 Request Header Fields Too Large" and "请求头过大" in body.decode()
    assert reached == []
    assert _call(app, _environ("/?q=1")) == ("200 OK", {}, b"ok") and len(reached) == 1
