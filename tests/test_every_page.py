"""Every parameterless page of the platform, opened by every role and by an anonymous visitor:
nothing crashes, and only the public pages open without signing in."""

from __future__ import annotations

import pytest
from django.urls import URLResolver, get_resolver

from tests.conftest import PERSONAS

PUBLIC = {
    "",
    "occupations/",
    "institutions/",
    "accounts/login/",
    "accounts/sign-up/",
    "training/",
    "training/events/",
    "subsidy/notices/",
    "subsidy/credit/",
    "reports/open/",
    "supervision/fees/",
}


def _pages(resolver=None, prefix=""):
    for p in (resolver or get_resolver()).url_patterns:
        if isinstance(p, URLResolver):
            yield from _pages(p, prefix + str(p.pattern))
        else:
            url = prefix + str(p.pattern)
            if "<" not in url and "(?P" not in url and not url.startswith(("admin/", "api/")):
                yield url


PAGES = sorted(set(_pages()))


def test_the_page_list_is_not_empty_and_holds_the_public_pages():
    assert PUBLIC <= set(PAGES)
    assert len(PAGES) > 30


@pytest.mark.parametrize("url", PAGES)
def test_an_anonymous_visitor_sees_only_public_pages(client, reference, url):
    status = client.get("/" + url).status_code
    if url in PUBLIC:
        assert status == 200
    else:
        assert status in (302, 401, 403, 405), f"/{url} answered {status} without sign-in"


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_no_page_fails_for_any_role(client_as, persona):
    client = client_as(persona)
    failures = {}
    for url in PAGES:
        status = client.get("/" + url).status_code
        if status >= 500 or status not in (200, 302, 403, 404, 405):
            failures[url] = status
    assert not failures, f"{persona.username}: {failures}"
