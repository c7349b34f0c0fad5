"""Database sessions (Django's), read on every request by one plain statement instead of an ORM
query (dte.accounts.queries, which says why). Set as ``SESSION_ENGINE``."""

from __future__ import annotations

from django.contrib.sessions.backends.db import SessionStore as DbSessionStore
from django.utils import timezone

from dte.accounts import queries


class SessionStore(DbSessionStore):
    def _get_session_from_db(self):
        key = self.session_key
        if not key:
            return None
        found = queries.live_session(key, timezone.now())
        if found is None:
            self._session_key = None
        return found
