"""Middleware the site's pages need and the JSON API does not.

The API (``/api/``) serves JSON to signed-in sessions and tokens: no static files, one language,
no flash messages, no htmx, no password form for the lockout page. Running those five for every
API request cost about half a millisecond of each claim submission (issue 5's busiest write), so
each is subclassed here to pass API requests straight through. Security, sessions, common checks,
CSRF, authentication and X-Frame-Options run for every request. None of the five has a view or
exception hook, so skipping ``__call__`` skips all it does."""

from __future__ import annotations

from axes.middleware import AxesMiddleware
from django.contrib.messages.middleware import MessageMiddleware
from django.middleware.locale import LocaleMiddleware
from django_htmx.middleware import HtmxMiddleware
from whitenoise.middleware import WhiteNoiseMiddleware

API_PREFIX = "/api/"


class SiteOnly:
    def __call__(self, request):
        if request.path_info.startswith(API_PREFIX):
            return self.get_response(request)
        return super().__call__(request)


class WhiteNoise(SiteOnly, WhiteNoiseMiddleware):
    pass


class Locale(SiteOnly, LocaleMiddleware):
    pass


class Messages(SiteOnly, MessageMiddleware):
    pass


class Htmx(SiteOnly, HtmxMiddleware):
    pass


class Axes(SiteOnly, AxesMiddleware):
    pass
