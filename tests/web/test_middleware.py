"""The site's pages run the full middleware; the JSON API skips what it does not use (static files,
language negotiation, flash messages, htmx, the lockout page) but keeps sessions, CSRF and the
security headers."""

from __future__ import annotations


def test_a_page_is_negotiated_for_language_and_the_api_is_not(client, db):
    page = client.get("/")
    assert page.status_code == 200 and page["Content-Language"] == "zh-hans"
    api = client.get("/api/openapi.json")
    assert api.status_code == 200 and not api.has_header("Content-Language")
    for resp in (page, api):
        assert resp["X-Frame-Options"] == "DENY" and resp["X-Content-Type-Options"] == "nosniff"


def test_static_files_are_still_served(client, db):
    assert client.get("/static/web/site.css").status_code == 200


def test_the_api_still_checks_csrf_for_a_signed_in_session(trainee):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(trainee, backend="dte.accounts.backends.ModelBackend")
    resp = client.post("/api/subsidy/claims", {"level_certificate": 1}, content_type="application/json")
    assert resp.status_code == 403 and "CSRF" in resp.content.decode()
