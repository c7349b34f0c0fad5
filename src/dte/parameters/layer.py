"""The published versions handed to the policy engine: the source every process installs
(``apps.ready``). The engine asks it for its token before reading a parameter; the token (the
published versions' count and latest id, one read of an index) is read at most once a second per
process, so a version published by another process is seen within a second, without a restart."""

from __future__ import annotations

import time
from collections.abc import Hashable, Mapping
from typing import Any

from django.db import DatabaseError, transaction

from dte.policy import parameters

TTL_SECONDS = 1.0


class DatabaseLayer:
    def __init__(self, ttl: float = TTL_SECONDS) -> None:
        self.ttl = ttl
        self._token: Hashable = None
        self._read_at = float("-inf")

    def token(self) -> Hashable:
        now = time.monotonic()
        if now - self._read_at < self.ttl:
            return self._token
        from dte.parameters import selectors

        try:
            # In a savepoint: on PostgreSQL a failed read (the table not yet migrated, as during the
            # migrations that reckon due dates) would otherwise abort the caller's transaction.
            with transaction.atomic():
                self._token = selectors.published_token()
        except (DatabaseError, RuntimeError):
            # Before the table is migrated, or where the database may not be used (a test without
            # it): the layer stays as it is.
            return self._token
        self._read_at = now
        return self._token

    def load(self) -> tuple[Hashable, Mapping[str, Any]]:
        from dte.parameters import selectors

        try:
            with transaction.atomic():
                return self.token(), selectors.published_layer()
        except (DatabaseError, RuntimeError) as e:
            raise parameters.SourceUnavailable(str(e)) from e

    def forget(self) -> None:
        """Read the token again at the next parameter read (as a new process would)."""
        self._read_at = float("-inf")


SOURCE = DatabaseLayer()


def install() -> None:
    parameters.set_source(SOURCE)
