"""The production web server: uWSGI, one process per worker (prefork, like gunicorn's sync workers),
speaking HTTP itself. Its request handling is C; gunicorn's is Python, which cost about 0.3 ms of
CPU per request here (bench/claims_submit.py).

uWSGI drops a request whose head exceeds its 64 KB buffer (the buffer cannot be larger) by closing
the connection. So the public address is held by the front (dte.web.front, run by uWSGI's master
as a daemon), which answers 414 or 431 beyond the platform's limits and hands the other requests
to uWSGI over a private Unix socket, with the client's address in a PROXY protocol line."""

from __future__ import annotations

import os
import shlex
import sys
import tempfile

from dte.web.front import RUN_DIR_PREFIX


def uwsgi_command(*, bind: str, workers: int, request_log: bool = True) -> list[str]:
    # The socket's directory is private to this user (mode 0700): only the front connects.
    backend = os.path.join(tempfile.mkdtemp(prefix=RUN_DIR_PREFIX), "uwsgi.sock")
    # uWSGI runs the daemon's command through the shell; its keyval option list is split on commas.
    front = shlex.join([sys.executable, "-m", "dte.web.front", "--bind", bind, "--to", backend])
    if "," in front:
        raise ValueError(f"dte serve cannot run the front from a path with a comma: {front}")
    command = [
        os.path.join(os.path.dirname(sys.executable), "uwsgi"),
        "--strict",  # an unknown option is an error, not ignored
        "--http-socket",
        backend,
        "--enable-proxy-protocol",  # REMOTE_ADDR is the client's, from the front's PROXY line
        "--vacuum",  # the socket is removed when the server stops
        # The front holds ``bind``; uWSGI's master starts it and stops it (and stops if it dies).
        "--attach-daemon2",
        f"cmd={front},control=1,stopsignal=15",
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
        # Request heads up to 64 KB, uWSGI's most (its default is 4 KB: long cookies would be
        # refused); the front refuses heads beyond the platform's smaller limits before they come.
        "--buffer-size",
        "65535",
        # Room for the CGI variables and the front's 100 header fields (uWSGI's default drops a
        # request of more than about 110 header fields by closing the connection).
        "--max-vars",
        "256",
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
