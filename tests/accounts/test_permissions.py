"""Every role × every page and endpoint → allowed, or refused (403 / sign-in)."""

import pytest

from tests.conftest import PERSONAS

ALL = set(PERSONAS)
OFFICERS = {"county_reviewer", "county_approver", "other_county_reviewer", "city_officer", "auditor"}
REGISTRARS = {"institution_staff", "county_reviewer", "other_county_reviewer", "city_officer"}
AUDIT_READERS = {"city_officer", "auditor", "administrator"}

# (method, url, payload, roles allowed). Anonymous visitors are sent to sign in (pages) or get 401 (API).
PROTECTED = [
    ("get", "/accounts/home/", None, ALL),
    ("get", "/accounts/password/", None, ALL),
    ("get", "/accounts/manage/", None, {"city_officer", "administrator"}),
    ("get", "/admin/", None, AUDIT_READERS),
    ("get", "/admin/catalog/occupation/", None, {"city_officer", "administrator"}),
    ("get", "/admin/audit/auditentry/", None, AUDIT_READERS),
    ("get", "/admin/accounts/user/", None, {"city_officer", "administrator"}),
    ("get", "/api/me", None, ALL),
    ("post", "/api/people/lookup", {"id_number": "11010519491231002X"}, OFFICERS),
    ("post", "/api/people", {"name": "李华", "id_number": "11010519491231002X"}, REGISTRARS),
    ("get", "/api/audit/verify", None, AUDIT_READERS),
]
PUBLIC = [
    "/",
    "/occupations/",
    "/institutions/",
    "/accounts/login/",
    "/accounts/sign-up/",
    "/api/catalog/occupations",
    "/api/catalog/institutions",
    "/api/catalog/counties",
    "/api/openapi.json",
]


def _call(client, method, url, payload):
    if payload is None:
        return getattr(client, method)(url)
    return getattr(client, method)(url, payload, content_type="application/json")


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
@pytest.mark.parametrize(("method", "url", "payload", "allowed"), PROTECTED, ids=[p[1] for p in PROTECTED])
def test_each_role_reaches_only_what_it_may(client_as, persona, method, url, payload, allowed):
    client = client_as(persona)
    status = _call(client, method, url, payload).status_code
    if persona.username in allowed:
        assert status in (200, 201, 404), f"{persona.username} should reach {url}, got {status}"
    elif url.startswith("/admin/"):
        assert status in (302, 403), f"{persona.username} must not reach {url} (got {status})"
    else:
        assert status == 403, f"{persona.username} must be refused {url} (got {status})"


@pytest.mark.parametrize(("method", "url", "payload", "allowed"), PROTECTED, ids=[p[1] for p in PROTECTED])
def test_anonymous_visitors_are_asked_to_sign_in(client, reference, method, url, payload, allowed):
    resp = _call(client, method, url, payload)
    if url.startswith("/api/"):
        assert resp.status_code == 401
    else:
        assert resp.status_code == 302 and "login" in resp["Location"]


@pytest.mark.parametrize("url", PUBLIC)
def test_public_pages_are_open_to_everyone(client, reference, url):
    assert client.get(url).status_code == 200


def test_the_admin_refuses_to_delete_catalogue_rows(client_as, city_officer):
    from dte.catalog.models import Occupation

    occ = Occupation.objects.first()
    resp = client_as(city_officer).post(f"/admin/catalog/occupation/{occ.pk}/delete/", {"post": "yes"})
    assert resp.status_code == 403
    assert Occupation.objects.filter(pk=occ.pk).exists()


def test_the_city_edits_a_catalogue_row_in_the_admin_and_it_is_audited(client_as, city_officer):
    from dte.audit.models import AuditEntry
    from dte.catalog.models import EvaluationBody

    body = EvaluationBody.objects.get(code="DEMO-EVAL-01")
    resp = client_as(city_officer).post(
        f"/admin/catalog/evaluationbody/{body.pk}/change/",
        {"code": "DEMO-EVAL-01", "name": "温州市某评价中心", "active": "on"},
    )
    assert resp.status_code == 302
    body.refresh_from_db()
    assert body.name == "温州市某评价中心"
    entry = AuditEntry.objects.filter(action="catalog.change").get()
    assert entry.actor_label == "city_officer"
    assert entry.changes == {"name": ["示范评价机构(演示)", "温州市某评价中心"]}
