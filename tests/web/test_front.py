"""The front of ``dte serve`` (dte.web.front): oversized heads are answered 414/431 by the front
itself; the others reach uWSGI's socket whole, after a PROXY line with the client's address."""

from __future__ import annotations

import asyncio
import socket

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


def _run(coro):
    return asyncio.run(asyncio.wait_for(coro, 30))


async def _exchange(tmp_path, request: bytes) -> tuple[bytes, bytes]:
    """Send ``request`` through a front to a fake uWSGI; (what the client got, what uWSGI got)."""
    got = bytearray()
    path = str(tmp_path / "u.sock")

    async def fake_uwsgi(reader, writer):
        head = await reader.readuntil(b"\r\n")  # the PROXY line
        head += await reader.readuntil(b"\r\n\r\n")  # the request head
        length = int(head.split(b"Content-Length: ")[1].split(b"\r\n")[0]) if b"Content-Length" in head else 0
        got.extend(head + await reader.readexactly(length))
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        await writer.drain()
        writer.close()

    backend = await asyncio.start_unix_server(fake_uwsgi, path)
    server = await asyncio.start_server(front.handler(path), "127.0.0.1", 0, limit=front.HEAD_READ_CAP)
    port = server.sockets[0].getsockname()[1]

    def client() -> bytes:
        with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
            sock.sendall(request)
            out = b""
            while chunk := sock.recv(65536):
                out += chunk
        return out

    async with backend, server:
        answer = await asyncio.to_thread(client)
    return answer, bytes(got)


def test_a_request_within_the_limits_reaches_uwsgi_whole_after_the_proxy_line(tmp_path):
    body = b"x" * 300_000
    request = b"POST /a?b=c HTTP/1.1\r\nHost: x\r\nContent-Length: 300000\r\n\r\n" + body
    answer, got = _run(_exchange(tmp_path, request))
    assert answer == b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
    assert got.startswith(b"PROXY TCP4 127.0.0.1 127.0.0.1 ") and got.endswith(request)


def test_an_oversized_request_is_answered_by_the_front_and_never_reaches_uwsgi(tmp_path):
    answer, got = _run(_exchange(tmp_path, b"GET /?q=" + b"a" * 70_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n"))
    assert answer.startswith(b"HTTP/1.1 414 URI Too Long\r\n") and got == b""
    answer, got = _run(_exchange(tmp_path, b"GET / HTTP/1.1\r\nCookie: " + b"a" * 70_000 + b"\r\n\r\n"))
    assert answer.startswith(b"HTTP/1.1 431 ") and got == b""
