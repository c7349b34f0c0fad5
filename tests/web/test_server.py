"""``dte serve`` runs the platform under uWSGI, as the README says."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(port: int, path: str, headers: str = "") -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{headers}\r\n".encode())
        chunks = []
        while chunk := sock.recv(65536):  # the server closes the connection after the response
            chunks.append(chunk)
    return b"".join(chunks)


@pytest.fixture
def served(tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    # Plain HTTP on 127.0.0.1: the development profile (production would redirect to HTTPS).
    env.update(DTE_VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="dte.settings", DTE_ENV="development")
    port = _free_port()
    dte = str(Path(sys.executable).parent / "dte")
    proc = subprocess.Popen(
        [dte, "serve", "--no-tasks", "--bind", f"127.0.0.1:{port}", "--workers", "2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"dte serve did not start: {proc.stdout.read().decode()[-2000:]}")
            time.sleep(0.1)
    yield proc, port
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _uwsgi_on(port: int) -> bool:
    """Whether a uWSGI process, or the front it runs (dte.web.front), serving ``port`` is running
    (read from /proc: no width limit)."""
    bind = f"127.0.0.1:{port}".encode()
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            args = cmdline.read_bytes().split(b"\0")
        except OSError:
            continue
        server = any(a.endswith(b"/uwsgi") for a in args) or b"dte.web.front" in args
        if server and any(bind in a for a in args):
            return True
    return False


def test_dte_serve_answers_the_api_and_closes_each_connection(served):
    _, port = served
    response = _get(port, "/api/subsidy/claims")
    head, _, body = response.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 401")
    assert b"\r\nConnection: close" in head
    assert body == b'{"detail": "Unauthorized"}'


def test_dte_serve_accepts_long_request_headers(served):
    _, port = served
    cookie = "x=" + "a" * 20000  # beyond uWSGI's default 4 KB buffer
    assert _get(port, "/api/subsidy/claims", f"Cookie: {cookie}\r\n").startswith(b"HTTP/1.1 401")


def test_dte_serve_answers_a_70_kb_query_string_with_414(served):
    _, port = served
    response = _get(port, "/subsidy/queue/?q=" + "a" * 70_000)
    head, _, body = response.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 414 URI Too Long") and "请求地址过长" in body.decode()


def test_dte_serve_answers_70_kb_of_headers_with_431(served):
    _, port = served
    cookie = "x=" + "a" * 70_000
    response = _get(port, "/api/subsidy/claims", f"Cookie: {cookie}\r\n")
    assert response.startswith(b"HTTP/1.1 431 Request Header Fields Too Large")


def test_dte_serve_answers_too_many_header_fields_with_431(served):
    _, port = served
    many = "".join(f"X-Field-{i}: {i}\r\n" for i in range(150))
    assert _get(port, "/api/subsidy/claims", many).startswith(b"HTTP/1.1 431")


def test_dte_serve_answers_a_megabyte_head_without_a_reset(served):
    _, port = served
    assert _get(port, "/?q=" + "a" * 3_000_000).startswith(b"HTTP/1.1 414")


def test_a_query_string_within_the_limit_reaches_the_platform_whole(served):
    _, port = served
    query = "q=" + "a" * 15_000  # beyond half of uWSGI's 64 KB packet it would be lost silently
    response = _get(port, f"/api/subsidy/claims?{query}")
    assert response.startswith(b"HTTP/1.1 401")


def test_a_post_body_goes_through_the_front(served):
    _, port = served
    body = b'{"level_certificate": 1}' + b" " * 200_000
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(
            b"POST /api/subsidy/claims HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    # The platform answered (no session, no CSRF token): the request and its body came through.
    assert b"".join(chunks).startswith(b"HTTP/1.1 403 Forbidden")


def test_dte_serve_stops_on_sigterm(served):
    proc, _ = served
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=20) == 0


def test_the_server_does_not_outlive_dte_serve_even_when_it_is_killed(served):
    proc, port = served
    assert _get(port, "/api/subsidy/claims").startswith(b"HTTP/1.1 401")  # serving
    assert _uwsgi_on(port)
    proc.kill()
    proc.wait()
    deadline = time.monotonic() + 20
    while _uwsgi_on(port) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _uwsgi_on(port)


ECHO_APP = """
def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    keys = ("REMOTE_ADDR", "SERVER_PORT", "QUERY_STRING", "HTTP_X_LAST")
    return [" ".join(f"{k}={environ.get(k)}" for k in keys).encode()]
"""


def test_behind_the_front_the_platform_sees_the_clients_address_and_every_header(tmp_path):
    """The front hands requests to uWSGI over a Unix socket: the PROXY line keeps REMOTE_ADDR the
    client's (rate limits and lockouts key on it), not the socket's empty address; and a request
    with nearly the 100 header fields the front lets through reaches the application whole."""
    from dte.web.server import uwsgi_command

    (tmp_path / "echo_app.py").write_text(ECHO_APP)
    port = _free_port()
    command = uwsgi_command(bind=f"127.0.0.1:{port}", workers=1, request_log=False)
    command[command.index("dte.wsgi:application")] = "echo_app:application"
    command += ["--pythonpath", str(tmp_path)]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                fields = "".join(f"X-Field-{i}: {i}\r\n" for i in range(98)) + "X-Last: yes\r\n"
                response = _get(port, "/?q=1", fields)
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("uWSGI did not start")
                time.sleep(0.1)
        body = response.partition(b"\r\n\r\n")[2].decode()
        assert body == f"REMOTE_ADDR=127.0.0.1 SERVER_PORT={port} QUERY_STRING=q=1 HTTP_X_LAST=yes"
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
