"""The account backend: Django's ModelBackend, with the signed-in user loaded on every request by
one plain statement instead of an ORM query (see dte.core.rows)."""

from __future__ import annotations

from functools import cache

from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.db import connection

from dte.accounts.models import User
from dte.core.rows import Loader

PATH = "dte.accounts.backends.ModelBackend"


@cache
def _loader(vendor: str) -> tuple[Loader, str]:
    del vendor  # the cache key
    loader = Loader(User, "u")
    return loader, loader.select("u", "u.id = %s")


class ModelBackend(DjangoModelBackend):
    def get_user(self, user_id):
        loader, sql = _loader(connection.vendor)
        try:
            pk = int(user_id)
        except (TypeError, ValueError):
            return None
        user = loader.one(sql, [pk])
        return user if user is not None and self.user_can_authenticate(user) else None
