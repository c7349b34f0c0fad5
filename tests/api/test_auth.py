from django.conf import settings
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.test import Client, RequestFactory

from dte.accounts.models import User
from dte.core.api_auth import session_auth


def _request(session_key: str | None):
    request = RequestFactory().get("/api/subsidy/claims")
    if session_key:
        request.COOKIES[settings.SESSION_COOKIE_NAME] = session_key
    SessionMiddleware(lambda r: None).process_request(request)
    AuthenticationMiddleware(lambda r: None).process_request(request)
    return request


def test_the_api_hands_the_services_the_signed_in_account_itself(client, trainee):
    client.force_login(trainee)
    request = _request(client.session.session_key)
    user = session_auth.authenticate(request, client.session.session_key)
    assert type(user) is User and user.pk == trainee.pk
    assert request.user is user  # the lazy proxy is replaced, not loaded a second time


def test_the_api_refuses_a_request_without_a_session(db):
    assert session_auth.authenticate(_request(None), None) is None
    assert session_auth.authenticate(_request("no-such-session"), "no-such-session") is None


def failure_page_that_cannot_render(request, reason=""):
    raise RuntimeError("the site's CSRF failure page was rendered for an API request")


def test_a_csrf_refusal_answers_json_without_rendering_the_sites_failure_page(institution_staff, settings):
    settings.CSRF_FAILURE_VIEW = "tests.api.test_auth.failure_page_that_cannot_render"
    client = Client(enforce_csrf_checks=True)
    client.force_login(institution_staff, backend="dte.accounts.backends.ModelBackend")
    r = client.post("/api/people", "{}", content_type="application/json")
    assert r.status_code == 403 and r.json()["detail"].startswith("CSRF")
