"""Session authentication for the JSON API."""

from __future__ import annotations

from typing import Any

from django.contrib import auth
from django.http import HttpRequest, HttpResponseForbidden
from django.middleware.csrf import CsrfViewMiddleware
from ninja.errors import HttpError
from ninja.security import SessionAuth as NinjaSessionAuth


class _CsrfCheck(CsrfViewMiddleware):
    """Django's CSRF check with a bare refusal: the API answers its own JSON (403), so the site's
    failure page (CSRF_FAILURE_VIEW, a rendered template) is neither needed nor rendered."""

    def _reject(self, request, reason):
        return HttpResponseForbidden(reason)


def _no_view(request):  # the check never calls it
    return None


def csrf_refused(request: HttpRequest) -> bool:
    """Whether Django's CSRF check refuses ``request`` (safe methods always pass)."""
    check = _CsrfCheck(_no_view)
    request.csrf_processing_done = False  # type: ignore[attr-defined]
    check.process_request(request)
    return check.process_view(request, _no_view, (), {}) is not None


class SessionAuth(NinjaSessionAuth):
    """Django's session, as ninja's ``SessionAuth`` (the CSRF check included), but ``request.auth``
    is the signed-in account itself rather than the lazy ``request.user`` proxy, through which
    every attribute the services read would go. The CSRF check is Django's, without the site's
    failure page."""

    def _get_key(self, request: HttpRequest) -> str | None:
        if self.csrf and not getattr(request, "_ninja_csrf_exempt", False) and csrf_refused(request):
            raise HttpError(403, "CSRF check Failed")
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any | None:
        user = auth.get_user(request)  # the API's middleware has not evaluated request.user
        if not user.is_authenticated:
            return None
        request.user = user
        return user


session_auth = SessionAuth()
