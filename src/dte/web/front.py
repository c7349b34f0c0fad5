"""The front of ``dte serve``: it holds the public address, reads each request's head, answers an
oversized one itself and hands every other connection to uWSGI (dte.web.server).

uWSGI's HTTP parser reads a request's head into a buffer of at most 64 KB (``--buffer-size`` is
capped at 65535 whatever is asked) and its variables into a packet of the same size: a longer head
is dropped by closing the connection, which the client sees as a reset, and a query string of more
than about 32 KB is silently lost (the variables REQUEST_URI and QUERY_STRING both carry it). So the
platform sets its own limits, well inside uWSGI's, and answers beyond them here:

- a request line (method, target, version) over ``MAX_REQUEST_LINE`` bytes: 414 URI Too Long;
- header lines over ``MAX_HEADER_BYTES`` bytes in all, or more than ``MAX_HEADER_FIELDS`` of them:
  431 Request Header Fields Too Large;
- no complete head within ``HEAD_TIMEOUT`` seconds: 408 Request Timeout.

The whole head is read (up to ``HEAD_READ_CAP``) before answering, and the rest of the request is
drained after the answer, so that the client reads the answer instead of a reset. A request within
the limits goes to uWSGI over a private Unix socket, preceded by a PROXY protocol line (uWSGI's
``--enable-proxy-protocol``) so that REMOTE_ADDR is still the client's address; the two streams
are then copied as they come, until uWSGI closes the connection (one request per connection).

Run by the uWSGI master as a daemon (``--attach-daemon2``), so it starts and stops with the server:
``python -m dte.web.front --bind 127.0.0.1:8000 --to /tmp/dte-…/uwsgi.sock``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ctypes
import ipaddress
import os
import shutil
import signal
import socket

MAX_REQUEST_LINE = 16 * 1024
MAX_HEADER_BYTES = 32 * 1024
MAX_HEADER_FIELDS = 100
HEAD_READ_CAP = 1024 * 1024  # a head is read this far to answer it; beyond, the connection is closed
HEAD_TIMEOUT = 30.0
DRAIN_TIMEOUT = 2.0
DRAIN_CAP = 4 * 1024 * 1024
BACKEND_WAIT = 10.0  # how long a request waits for uWSGI's socket while the server is starting
COPY_CHUNK = 256 * 1024
RUN_DIR_PREFIX = "dte-serve-"  # the private directory of uWSGI's socket (dte.web.server)

_REASONS = {
    400: ("Bad Request", "请求格式不正确。"),
    408: ("Request Timeout", "请求超时。"),
    414: ("URI Too Long", f"请求地址过长(不超过{MAX_REQUEST_LINE // 1024} KB)。"),
    431: (
        "Request Header Fields Too Large",
        f"请求头过大(合计不超过{MAX_HEADER_BYTES // 1024} KB,不超过{MAX_HEADER_FIELDS}项)。",
    ),
    502: ("Bad Gateway", "服务暂时不可用,请稍后再试。"),
}


def verdict(head: bytes) -> int | None:
    """The status to answer for a request head (up to and including its blank line, or as far as it
    was read), or None when it is within the platform's limits."""
    end = head.find(b"\r\n")
    line_length = len(head) if end < 0 else end
    if line_length > MAX_REQUEST_LINE:
        return 414
    if end < 0:
        return 400
    fields = head[end + 2 :]
    if fields.endswith(b"\r\n\r\n"):
        fields = fields[:-2]
    if len(fields) > MAX_HEADER_BYTES or fields.count(b"\r\n") > MAX_HEADER_FIELDS:
        return 431
    return None


def response(status: int) -> bytes:
    reason, text = _REASONS[status]
    body = text.encode()
    return (
        f"HTTP/1.1 {status} {reason}\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n"
    ).encode() + body


def proxy_line(peer, local) -> bytes:
    """The PROXY protocol (v1) line naming the client's and our own address and port."""
    try:
        client, server = ipaddress.ip_address(peer[0]), ipaddress.ip_address(local[0])
    except (TypeError, ValueError, IndexError):
        return b"PROXY UNKNOWN\r\n"
    if client.version != server.version:
        return b"PROXY UNKNOWN\r\n"
    family = "TCP4" if client.version == 4 else "TCP6"
    return f"PROXY {family} {client} {server} {peer[1]} {local[1]}\r\n".encode()


COMPLETE, OVERRUN, CLOSED = "complete", "overrun", "closed"


async def _read_head(reader: asyncio.StreamReader) -> tuple[bytes, str]:
    """(head, how it ended): the bytes up to and including the blank line (COMPLETE), as many as the
    cap allowed (OVERRUN), or what came before the client stopped sending (CLOSED)."""
    try:
        return await reader.readuntil(b"\r\n\r\n"), COMPLETE
    except asyncio.LimitOverrunError as exc:
        # The buffer holds at least ``consumed`` bytes and no blank line: read them for the verdict.
        return await reader.readexactly(exc.consumed), OVERRUN
    except asyncio.IncompleteReadError as exc:
        return exc.partial, CLOSED


async def _refuse(status: int, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.write(response(status))
    with contextlib.suppress(OSError, asyncio.TimeoutError):
        await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()
        # Read what the client is still sending, so that closing does not reset the connection
        # (a reset can discard the answer before the client has read it).
        async with asyncio.timeout(DRAIN_TIMEOUT):
            drained = 0
            while drained < DRAIN_CAP and (chunk := await reader.read(COPY_CHUNK)):
                drained += len(chunk)


async def _copy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, eof: bool) -> None:
    with contextlib.suppress(OSError):
        while chunk := await reader.read(COPY_CHUNK):
            writer.write(chunk)
            await writer.drain()
        if eof and writer.can_write_eof():
            writer.write_eof()


async def _backend(path: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + BACKEND_WAIT
    while True:
        try:
            return await asyncio.open_unix_connection(path, limit=COPY_CHUNK)
        except (FileNotFoundError, ConnectionRefusedError):
            if loop.time() > deadline:
                raise
            await asyncio.sleep(0.05)


def handler(backend_path: str):
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            try:
                async with asyncio.timeout(HEAD_TIMEOUT):
                    head, ended = await _read_head(reader)
            except TimeoutError:
                await _refuse(408, reader, writer)
                return
            if ended == CLOSED:  # nothing to answer: the client stopped before the end of its head
                return
            status = verdict(head)
            if status is None and ended == OVERRUN:
                status = 431
            if status is not None:
                await _refuse(status, reader, writer)
                return
            try:
                up_reader, up_writer = await _backend(backend_path)
            except OSError:
                await _refuse(502, reader, writer)
                return
            try:
                sock = writer.get_extra_info("socket")
                up_writer.write(proxy_line(writer.get_extra_info("peername"), sock.getsockname()) + head)
                upstream = asyncio.create_task(_copy(reader, up_writer, eof=True))
                await _copy(up_reader, writer, eof=False)  # uWSGI closes after its response
                upstream.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await upstream
            finally:
                up_writer.close()
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()

    return handle


def _host_port(bind: str) -> tuple[str, int]:
    host, _, port = bind.rpartition(":")
    return host.strip("[]") or "127.0.0.1", int(port)


async def serve(bind: str, backend_path: str) -> None:
    host, port = _host_port(bind)
    server = await asyncio.start_server(
        handler(backend_path), host, port, limit=HEAD_READ_CAP, backlog=1024, reuse_address=True
    )
    for s in server.sockets:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    async with server:
        await stop.wait()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m dte.web.front")
    parser.add_argument("--bind", required=True, help="host:port to listen on")
    parser.add_argument("--to", required=True, help="uWSGI's Unix socket")
    args = parser.parse_args(argv)
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG: die with uWSGI
    try:
        asyncio.run(serve(args.bind, args.to))
    finally:
        # The socket's private directory (dte.web.server made it) goes with the server.
        run_dir = os.path.dirname(args.to)
        if os.path.basename(run_dir).startswith(RUN_DIR_PREFIX):
            shutil.rmtree(run_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
