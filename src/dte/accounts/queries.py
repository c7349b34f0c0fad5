"""The accounts app's hand-written SQL, on the one helper ``dte.core.rows``: the session and the
signed-in user, read on every request.

Why not the ORM: the ORM's query building costs about 0.35 ms of Python per query, more than the
database's answer to these two primary-key reads; every signed-in request makes both (with claim
submission's statements, in-process CPU per submission about 7 → 4.5 ms, bench/claims_submit.py).
Each function's docstring gives its own figure (time per call on SQLite with the
records of tests/accounts/test_queries.py, on the development machine). Tested against the ORM in
tests/accounts/test_queries.py."""

from __future__ import annotations

from datetime import datetime
from functools import cache

from django.contrib.sessions.models import Session

from dte.accounts.models import User
from dte.core import rows
from dte.core.rows import Loader, column


@cache
def _session(vendor: str) -> tuple[Loader, str]:
    del vendor  # the cache key: converters and quoting depend on the database
    loader = Loader(Session, "s")
    key, expires = column(Session, "session_key"), column(Session, "expire_date")
    return loader, loader.select("s", f"s.{key} = %s AND s.{expires} > %s")


def live_session(key: str, now: datetime) -> Session | None:
    """The session of this key unless it has expired by ``now``. ORM equivalent:
    ``Session.objects.filter(session_key=…, expire_date__gt=now).first()``
    (measured: 234 µs by the ORM, 18 µs here)."""
    loader, sql = _session(rows.vendor())
    return loader.one(sql, [key, rows.datetime_param(now)])


@cache
def _user(vendor: str) -> tuple[Loader, str]:
    del vendor  # the cache key
    loader = Loader(User, "u")
    return loader, loader.select("u", f"u.{column(User, 'id')} = %s")


def user_by_pk(pk: int) -> User | None:
    """The account. ORM equivalent: ``User.objects.filter(pk=…).first()``
    (measured: 341 µs by the ORM, 27 µs here)."""
    loader, sql = _user(rows.vendor())
    return loader.one(sql, [pk])
