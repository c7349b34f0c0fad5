"""``dte serve`` runs the platform under granian, as the README says."""

import json
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


def _server_on(port: int) -> list[int]:
    """The processes of the server serving ``port``: dte serve (granian's master) and the workers it
    forked, which carry the master's pid in their environment (read from /proc: no width limit)."""
    bind = f"127.0.0.1:{port}".encode()
    masters, pids = set(), []
    procs = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            args = (proc / "cmdline").read_bytes().split(b"\0")
            env = (proc / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        procs.append((int(proc.name), args, env))
        if b"serve" in args and any(bind in a for a in args):
            masters.add(proc.name.encode())
    for pid, _args, env in procs:
        if str(pid).encode() in masters or any(e == b"DTE_SERVE_MASTER=" + m for e in env for m in masters):
            pids.append(pid)
    return pids


def test_dte_serve_answers_the_api_and_closes_each_connection(served):
    _, port = served
    response = _get(port, "/api/subsidy/claims")
    head, _, body = response.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 401")
    assert b"\r\nconnection: close" in head.lower()
    assert json.loads(body) == {"detail": "请先登录", "errors": []}  # the API's one error shape


def test_dte_serve_accepts_long_request_headers(served):
    _, port = served
    cookie = "x=" + "a" * 20000  # beyond the 4 or 8 KB that many servers take by default
    assert _get(port, "/api/subsidy/claims", f"Cookie: {cookie}\r\n").startswith(b"HTTP/1.1 401")


def test_dte_serve_answers_a_20_kb_query_string_with_414_in_chinese(served):
    _, port = served
    response = _get(port, "/subsidy/queue/?q=" + "a" * 20_000)
    head, _, body = response.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 414 URI Too Long") and "请求地址过长" in body.decode()


def test_dte_serve_answers_a_70_kb_query_string_with_414(served):
    """Beyond the 64 KB granian's parser takes, granian answers 414 itself (without the text)."""
    _, port = served
    assert _get(port, "/subsidy/queue/?q=" + "a" * 70_000).startswith(b"HTTP/1.1 414 URI Too Long")


def test_dte_serve_answers_70_kb_of_headers_with_431(served):
    _, port = served
    cookie = "x=" + "a" * 70_000
    response = _get(port, "/api/subsidy/claims", f"Cookie: {cookie}\r\n")
    head, _, body = response.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 431 Request Header Fields Too Large") and "请求头过大" in body.decode()


def test_dte_serve_answers_too_many_header_fields_with_431(served):
    _, port = served
    many = "".join(f"X-Field-{i}: {i}\r\n" for i in range(150))
    assert _get(port, "/api/subsidy/claims", many).startswith(b"HTTP/1.1 431")


def test_dte_serve_answers_a_megabyte_head_without_a_reset(served):
    _, port = served
    assert _get(port, "/?q=" + "a" * 900_000).startswith(b"HTTP/1.1 414")
    # A head beyond the megabyte granian reads before answering: 431, still an answer, not a reset.
    assert _get(port, "/?q=" + "a" * 3_000_000).startswith(b"HTTP/1.1 431")


def test_a_query_string_within_the_limit_reaches_the_platform_whole(served):
    _, port = served
    query = "q=" + "a" * 15_000
    response = _get(port, f"/api/subsidy/claims?{query}")
    assert response.startswith(b"HTTP/1.1 401")


def test_a_post_body_reaches_the_platform(served):
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
    assert len(_server_on(port)) == 3  # the master and its two workers
    proc.kill()
    proc.wait()
    deadline = time.monotonic() + 20
    while _server_on(port) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _server_on(port)
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()


def test_the_task_consumer_does_not_outlive_dte_serve_either(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(DTE_VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="dte.settings", DTE_ENV="development")
    dte = str(Path(sys.executable).parent / "dte")
    port = _free_port()
    proc = subprocess.Popen(
        [dte, "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while not _tasks_of(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        consumers = _tasks_of(proc.pid)
        assert consumers, "dte serve started no task consumer"
    finally:
        proc.kill()
        proc.wait()
    deadline = time.monotonic() + 20
    while any(Path(f"/proc/{pid}").exists() for pid in consumers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(Path(f"/proc/{pid}").exists() for pid in consumers)


def test_dte_serve_with_its_task_consumer_stops_cleanly_on_sigterm(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(DTE_VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="dte.settings", DTE_ENV="development")
    dte = str(Path(sys.executable).parent / "dte")
    port = _free_port()
    proc = subprocess.Popen(
        [dte, "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while not _tasks_of(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    consumers = _tasks_of(proc.pid)
    time.sleep(2)  # the consumer started: its life line is being read
    proc.send_signal(signal.SIGTERM)
    output = proc.communicate(timeout=30)[0].decode()
    assert proc.returncode == 0, output[-2000:]
    assert consumers and "Fatal Python error" not in output
    assert not any(Path(f"/proc/{pid}").exists() for pid in consumers)


def _tasks_of(parent: int) -> list[int]:
    """The ``dte tasks`` processes whose parent is ``parent``."""
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            args = (proc / "cmdline").read_bytes().split(b"\0")
            ppid = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if ppid == parent and b"tasks" in args:
            found.append(int(proc.name))
    return found


ECHO_APP = """
def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    keys = ("REMOTE_ADDR", "SERVER_PORT", "QUERY_STRING", "HTTP_X_LAST")
    return [" ".join(f"{k}={environ.get(k)}" for k in keys).encode()]
"""


def test_the_application_sees_the_clients_address_and_every_header(tmp_path):
    """REMOTE_ADDR is the client's (rate limits and lockouts key on it), and a request with nearly
    the 100 header fields the platform allows reaches the application whole."""
    (tmp_path / "echo_app.py").write_text(ECHO_APP)
    port = _free_port()
    code = (
        "from dte.web.server import granian_server; "
        f"granian_server(bind='127.0.0.1:{port}', workers=1, request_log=False, "
        "target='echo_app:application').serve()"
    )
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                fields = "".join(f"X-Field-{i}: {i}\r\n" for i in range(98)) + "X-Last: yes\r\n"
                response = _get(port, "/?q=1", fields)
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("granian did not start")
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
