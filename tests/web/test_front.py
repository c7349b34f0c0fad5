"""The front of ``dte serve`` (dte.web.front): oversized heads are answered 414/431 by the front
itself; the others reach uWSGI's socket whole, after a PROXY line with the client's address."""

from __future__ import annotations

import socket
import threading

import pytest

from dte.web import front


@pytest.mark.parametrize(
    ("head", "status"),
    [
        (b"GET /?q=1 HTTP/1.1\r\nHost: x\r\n\r\n", None),
        (b"GET /?q=" + b"a" * front.MAX_REQUEST_LINE + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
        (b"GET / HTTP/1.1\r\nCookie: " + b"a" * front.MAX_HEADER_BYTES + b"\r\n\r\n", 431),
        (b"GET / HTTP/1.1\r\n" + b"X: 1\r\n" * (front.MAX_HEADER_FIELDS + 1) + b"\r\n", 431),
        (b"GET / HTTP/1.1\r\n" + b"X: 1\r\n" * front.MAX_HEADER_FIELDS + b"\r\n", None),
        (b"GET /" + b"a" * (front.MAX_REQUEST_LINE + 10), 414),  # the line alone is too long
    ],
)
def test_the_verdict_on_a_head(head, status):
    assert front.verdict(head) == status


def test_the_proxy_line_names_the_client_and_the_server():
    assert front.proxy_line(("10.1.2.3", 5555), ("127.0.0.1", 8000)) == (
        b"PROXY TCP4 10.1.2.3 127.0.0.1 5555 8000\r\n"
    )
    assert front.proxy_line(("::1", 5555, 0, 0), ("::1", 8000, 0, 0)).startswith(b"PROXY TCP6 ::1 ::1 5555")
    assert front.proxy_line(None, None) == b"PROXY UNKNOWN\r\n"


def _exchange(tmp_path, request: bytes) -> tuple[bytes, bytes]:
    """Send ``request`` through a front to a fake uWSGI; (what the client got, what uWSGI got)."""
    got = bytearray()
    path = str(tmp_path / "u.sock")
    backend = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    backend.bind(path)
    backend.listen(8)

    def fake_uwsgi():
        conn, _ = backend.accept()
        with conn, conn.makefile("rb") as f:
            head = f.readline() + b"".join(iter(lambda: f.readline(), b"\r\n")) + b"\r\n"
            length = (
                int(head.split(b"Content-Length: ")[1].split(b"\r\n")[0]) if b"Content-Length" in head else 0
            )
            got.extend(head + f.read(length))
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")

    threading.Thread(target=fake_uwsgi, daemon=True).start()
    listener = front.listen("127.0.0.1:0")
    front.serve(listener, path, threads=2)
    try:
        with socket.create_connection(listener.getsockname(), timeout=20) as sock:
            sock.sendall(request)
            out = b""
            while chunk := sock.recv(65536):
                out += chunk
    finally:
        listener.close()
        backend.close()
    return out, bytes(got)


def test_a_request_within_the_limits_reaches_uwsgi_whole_after_the_proxy_line(tmp_path):
    body = b"x" * 300_000
    request = b"POST /a?b=c HTTP/1.1\r\nHost: x\r\nContent-Length: 300000\r\n\r\n" + body
    answer, got = _exchange(tmp_path, request)
    assert answer == b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
    assert got.startswith(b"PROXY TCP4 127.0.0.1 127.0.0.1 ") and got.endswith(request)


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (b"GET /?q=" + b"a" * 70_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", b"414 URI Too Long"),
        (b"GET / HTTP/1.1\r\nCookie: " + b"a" * 70_000 + b"\r\n\r\n", b"431 Request Header Fields Too Large"),
    ],
)
def test_an_oversized_request_is_answered_by_the_front_and_never_reaches_uwsgi(
    tmp_path, request_bytes, status
):
    answer, got = _exchange(tmp_path, request_bytes)
    assert answer.startswith(b"HTTP/1.1 " + status + b"\r\n") and got == b""
