"""The JSON API: integrations load facts with a county-scoped bearer token; claimants submit and
officers review through the session API."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import PermissionDenied

from dte.catalog.models import County
from dte.subsidy import facts, services
from dte.subsidy.models import InsuranceMonth
from tests.subsidy.conftest import SUBMIT_AT


@pytest.fixture
def lucheng_token(city_officer):
    _, token = facts.api_token_issue(
        actor=city_officer, name="鹿城社保系统", county=County.objects.get(code="330302"), at=SUBMIT_AT
    )
    return token


def put(client, token, kind, rows):
    return client.put(
        f"/api/subsidy/facts/{kind}",
        data=json.dumps({"rows": rows}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )


def test_an_integration_loads_insurance_months_idempotently(client, lucheng_token, trainee):
    rows = [{"id_number": trainee.person.id_number, "month": "2025-01", "county": "330302"}]
    assert put(client, lucheng_token, "insurance", rows).json() == {
        "created": 1,
        "updated": 0,
        "unchanged": 0,
    }
    assert put(client, lucheng_token, "insurance", rows).json() == {
        "created": 0,
        "updated": 0,
        "unchanged": 1,
    }
    assert InsuranceMonth.objects.filter(person=trainee.person).count() == 1


def test_a_county_token_cannot_load_another_county_and_nothing_is_written(client, lucheng_token, trainee):
    rows = [
        {"id_number": trainee.person.id_number, "month": "2025-01", "county": "330302"},
        {"id_number": trainee.person.id_number, "month": "2025-02", "county": "330381"},
    ]
    resp = put(client, lucheng_token, "insurance", rows)
    assert resp.status_code == 422
    assert "第2行" in resp.json()["errors"][0]["message"]
    assert not InsuranceMonth.objects.exists()


def test_a_wrong_or_revoked_token_is_refused(client, city_officer, lucheng_token, trainee):
    assert put(client, "dte_wrong", "insurance", []).status_code == 401
    row = facts.api_token_check(lucheng_token)
    facts.api_token_revoke(actor=city_officer, token=row, at=SUBMIT_AT)
    assert put(client, lucheng_token, "insurance", []).status_code == 401


def test_only_the_city_issues_tokens(county_reviewer):
    with pytest.raises(PermissionDenied):
        facts.api_token_issue(actor=county_reviewer, name="x", county=None, at=SUBMIT_AT)


def test_a_claim_is_submitted_and_reviewed_through_the_api(
    eligible_trainee, make_claim, client_as, county_reviewer, freeze
):
    freeze(SUBMIT_AT)
    draft = make_claim(eligible_trainee, submit=False)
    c = client_as(eligible_trainee)
    got = c.get(f"/api/subsidy/claims/{draft.pk}").json()
    assert got["eligible"] and len(got["findings"]) == 11
    out = c.post(f"/api/subsidy/claims/{draft.pk}/submit").json()
    assert out["status"] == "under_review" and out["county"] == "330302" and out["review_due"] == "2025-03-24"
    again = c.post(f"/api/subsidy/claims/{draft.pk}/submit")
    assert again.status_code == 422 and "只能在" in again.json()["errors"][0]["message"]
    r = client_as(county_reviewer).post(
        f"/api/subsidy/claims/{draft.pk}/review",
        data={"action": "reject", "note": "x"},
        content_type="application/json",
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "clauses"
    r = client_as(county_reviewer).post(
        f"/api/subsidy/claims/{draft.pk}/review", data={"action": "pass"}, content_type="application/json"
    )
    assert r.json()["status"] == "reviewed"
    assert services.claim_counted(draft.__class__.objects.get(pk=draft.pk))


def test_the_city_issues_a_token_on_its_page_and_sees_it_once(client_as, city_officer, auditor):
    resp = client_as(city_officer).post(
        "/subsidy/city/tokens/", {"name": "瑞安社保", "county": "330381"}, follow=True
    )
    page = resp.content.decode()
    assert "仅显示一次" in page and "dte_" in page
    token = page.split("妥善保存):")[1].split("<")[0].strip()
    assert facts.api_token_check(token).county.code == "330381"
    assert client_as(auditor).post("/subsidy/city/tokens/", {"name": "x"}).status_code == 403
