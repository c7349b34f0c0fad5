"""The production web server: uWSGI, one process per worker (prefork, like gunicorn's sync workers),
speaking HTTP itself. Its request handling is C; gunicorn's is Python, which cost about 0.3 ms of
CPU per request here (bench/claims_submit.py)."""

from __future__ import annotations

import os
import sys


def uwsgi_command(*, bind: str, workers: int, request_log: bool = True) -> list[str]:
    command = [
        os.path.join(os.path.dirname(sys.executable), "uwsgi"),
        "--strict",  # an unknown option is an error, not ignored
        "--http-socket",
        bind,
        "--module",
        "dte.wsgi:application",
        "--master",
        "--processes",
        str(workers),
        # The platform is loaded once, then the workers are forked from it (dte.wsgi closes any
        # database connection first). Loading in each worker instead (--lazy-apps) leaves uWSGI
        # unable to stop while a worker is still loading.
        "--need-app",
        "--die-on-term",  # SIGTERM stops the server (uWSGI would reload)
        "--enable-threads",
        "--thunder-lock",
        # Request headers up to 64 KB (uWSGI's default is 4 KB: long cookies would be refused).
        "--buffer-size",
        "65535",
        "--harakiri",
        "60",  # a request running longer than a minute has its worker restarted
        # One request per connection, said in the response (clients do not try to reuse it).
        "--add-header",
        "Connection: close",
        "--listen",
        "1024",
    ]
    if not request_log:
        command.append("--disable-logging")
    return command
