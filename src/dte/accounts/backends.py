"""The account backend: Django's ModelBackend, with the signed-in user loaded on every request by
one plain statement instead of an ORM query (dte.accounts.queries, which says why)."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend as DjangoModelBackend

from dte.accounts import queries

PATH = "dte.accounts.backends.ModelBackend"


class ModelBackend(DjangoModelBackend):
    def get_user(self, user_id):
        try:
            pk = int(user_id)
        except (TypeError, ValueError):
            return None
        user = queries.user_by_pk(pk)
        return user if user is not None and self.user_can_authenticate(user) else None
