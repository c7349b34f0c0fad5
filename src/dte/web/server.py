"""The production web server: granian (its HTTP in Rust, the platform in worker processes, each
running WSGI requests on a blocking thread), embedded in ``dte serve``: that process is granian's
master, which forks the workers and restarts one that dies.

The request-head limits are the platform's (dte.web.limits, answered in Chinese); granian's own
bounds sit outside them: more than ``MAX_HEADER_FIELDS`` header fields, or a head over
``HEAD_BUFFER`` bytes, get 431 and a target over 64 KB gets 414 from granian itself, without the
Chinese text. A head must arrive within ``HEAD_TIMEOUT_MS``; a slow client costs a socket in
granian's event loop, not a worker.

Each worker ends when the master does, however the master ends (killed included): the worker
waits on its parent's sentinel (multiprocessing's, closed by the kernel when the parent exits),
then stops itself with SIGTERM, finishing its requests, and exits after ``ORPHAN_GRACE`` seconds
if it is still there (``exit_with_master``)."""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time

from dte.web.limits import HEAD_BUFFER

HEAD_TIMEOUT_MS = 20_000
# One blocking thread per worker runs the platform, like a prefork worker. Measured with
# bench/claims_submit.py on SQLite (2 CPUs, 2 workers): 1 thread 469-489 claims/s at 3.4-3.5 ms of the
# machine's CPU per claim; 2 threads 267-340 claims/s at 4.4 ms (the two contend for the GIL).
BLOCKING_THREADS = 1
MASTER_ENV = "DTE_SERVE_MASTER"  # set by dte serve: its workers end with it
ORPHAN_GRACE = 10.0


def granian_server(
    *, bind: str, workers: int, request_log: bool = True, target: str = "dte.wsgi:application"
):
    """The granian server for ``bind`` (host:port) with ``workers`` processes, not yet serving."""
    from granian.constants import HTTPModes, Interfaces, RuntimeModes
    from granian.http import HTTP1Settings
    from granian.server import Server

    host, _, port = bind.rpartition(":")
    return Server(
        target,
        address=host.strip("[]") or "127.0.0.1",
        port=int(port),
        interface=Interfaces.WSGI,
        workers=workers,
        blocking_threads=BLOCKING_THREADS,
        runtime_mode=RuntimeModes.st,
        http=HTTPModes.http1,
        websockets=False,
        # One request per connection, said in the response: a worker's threads are few, and a
        # reverse proxy in front keeps the clients' connections (docs/deploy: TLS proxy).
        http1_settings=HTTP1Settings(
            header_read_timeout=HEAD_TIMEOUT_MS, keep_alive=False, max_buffer_size=HEAD_BUFFER
        ),
        backlog=1024,
        log_access=request_log,
        respawn_failed_workers=True,
        workers_kill_timeout=30,
        process_name=None,
    )


def exit_with_master() -> None:
    """In a worker of ``dte serve``: stop when the master is gone. Does nothing in other processes."""
    parent = multiprocessing.parent_process()
    if parent is None or os.environ.get(MASTER_ENV) != str(parent.pid):
        return

    # Until granian puts its own handler in place, SIGTERM ends the worker (the handler inherited
    # from the master would swallow it).
    signal.signal(signal.SIGTERM, signal.SIG_DFL)

    def watch() -> None:
        parent.join()  # returns when the parent's sentinel closes: the master has ended
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(ORPHAN_GRACE)
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-master", daemon=True).start()
