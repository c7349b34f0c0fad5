"""Database sessions (Django's), read on every request by one plain statement instead of an ORM
query (see dte.core.rows). Set as ``SESSION_ENGINE``."""

from __future__ import annotations

from functools import cache

from django.contrib.sessions.backends.db import SessionStore as DbSessionStore
from django.contrib.sessions.models import Session
from django.db import connection
from django.utils import timezone

from dte.core.rows import Loader


@cache
def _loader(vendor: str) -> tuple[Loader, str]:
    del vendor  # the cache key
    loader = Loader(Session, "s")
    return loader, loader.select("s", "s.session_key = %s AND s.expire_date > %s")


class SessionStore(DbSessionStore):
    def _get_session_from_db(self):
        loader, sql = _loader(connection.vendor)
        key = self.session_key
        if not key:
            return None
        found = loader.one(sql, [key, connection.ops.adapt_datetimefield_value(timezone.now())])
        if found is None:
            self._session_key = None
        return found
