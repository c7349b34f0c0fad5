"""Session authentication for the JSON API."""

from __future__ import annotations

from typing import Any

from django.contrib import auth
from django.http import HttpRequest
from ninja.security import SessionAuth as NinjaSessionAuth


class SessionAuth(NinjaSessionAuth):
    """Django's session, as ninja's ``SessionAuth`` (the CSRF check included), but ``request.auth``
    is the signed-in account itself rather than the lazy ``request.user`` proxy, through which
    every attribute the services read would go."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any | None:
        user = auth.get_user(request)  # the API's middleware has not evaluated request.user
        if not user.is_authenticated:
            return None
        request.user = user
        return user


session_auth = SessionAuth()
