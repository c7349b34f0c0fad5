"""Every error the API answers has one shape: ``{"detail": "<Chinese>", "errors": [{"field",
"message"}, ...]}``, whether ninja refuses the request (no session, CSRF, a body that is not JSON, a
parameter that does not validate) or the platform does (a capability, a record out of scope, a
service's ValidationError, a constraint a concurrent write won)."""

from __future__ import annotations

import json
from datetime import date

from django.db import IntegrityError
from django.test import Client, RequestFactory

from dte.api.main import api
from dte.demo.synthetic import Records
from dte.supervision.models import InspectionPlan
from tests.conftest import AT


def _post(client, path, body, **extra):
    return client.post(path, body if isinstance(body, str) else json.dumps(body), **extra)


def test_a_request_without_a_session_is_told_to_sign_in(client, db):
    r = client.get("/api/me")
    assert r.status_code == 401
    assert r.json() == {"detail": "请先登录", "errors": []}


def test_a_write_without_the_csrf_header_is_refused_with_the_way_to_send_it(institution_staff):
    client = Client(enforce_csrf_checks=True)
    client.force_login(institution_staff, backend="dte.accounts.backends.ModelBackend")
    r = _post(client, "/api/people", {"name": "李四", "id_number": "x"}, content_type="application/json")
    assert r.status_code == 403
    assert r.json()["detail"].startswith("CSRF 校验失败") and "X-CSRFToken" in r.json()["detail"]
    assert r.json()["errors"] == []


def test_an_account_without_the_capability_is_refused_in_the_one_shape(client_as, trainee):
    r = _post(
        client_as(trainee),
        "/api/people",
        {"name": "李四", "id_number": "330302199001011234"},
        content_type="application/json",
    )
    assert r.status_code == 403
    assert set(r.json()) == {"detail", "errors"} and r.json()["detail"] and r.json()["errors"] == []


def test_a_body_that_does_not_validate_names_each_field(client_as, institution_staff):
    r = _post(client_as(institution_staff), "/api/people", {"name": 7}, content_type="application/json")
    assert r.status_code == 422
    body = r.json()
    assert body["detail"] == "输入有误"
    assert {e["field"] for e in body["errors"]} == {"name", "id_number"}
    assert all(isinstance(e["message"], str) and e["message"] for e in body["errors"])


def test_a_query_parameter_out_of_range_is_a_field_error_not_a_server_error(client_as, city_officer):
    r = client_as(city_officer).get("/api/reports/dashboard?year=0")
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == ["query.year"]


def test_a_body_that_is_not_json_is_a_bad_request(client_as, institution_staff):
    r = _post(client_as(institution_staff), "/api/people", "{not json", content_type="application/json")
    assert r.status_code == 400
    assert r.json() == {"detail": "请求体不是有效的 JSON", "errors": []}


def test_a_multipart_body_without_its_boundary_is_a_bad_request_not_a_server_error(institution_staff):
    # With CSRF enforced and its cookie set, Django's check reads request.POST, which cannot parse
    # such a body.
    client = Client(enforce_csrf_checks=True)
    client.force_login(institution_staff, backend="dte.accounts.backends.ModelBackend")
    client.cookies["csrftoken"] = "a" * 32
    r = client.post("/api/people", "x", content_type="multipart/form-data")
    assert r.status_code == 400
    assert r.json() == {"detail": "请求体无法解析", "errors": []}


def test_a_record_that_does_not_exist_is_not_found_in_the_one_shape(client, reference):
    r = client.get("/api/catalog/institutions/987654")
    assert r.status_code == 404
    assert r.json() == {"detail": "未找到所请求的记录", "errors": []}


def test_a_record_out_of_reach_is_named_as_the_selector_names_it(client_as, city_officer):
    r = client_as(city_officer).get("/api/supervision/plans/987654")
    assert r.status_code == 404
    assert r.json() == {"detail": "没有这个抽查计划", "errors": []}


def test_an_unknown_occupation_in_a_plan_is_a_field_error(client_as, institution_staff):
    body = {
        "occupation": "9-99-99-99",
        "level": "junior",
        "evaluation_body": "none",
        "title": "t",
        "start_date": "2026-03-01",
        "end_date": "2026-06-01",
        "capacity": 30,
        "fee": 1000,
        "assessment_plan": "考核",
    }
    r = _post(client_as(institution_staff), "/api/training/plans", body, content_type="application/json")
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "occupation"
    assert "9-99-99-99" in r.json()["errors"][0]["message"]


def test_a_write_that_loses_a_race_to_a_constraint_is_a_conflict(db):
    request = RequestFactory().post("/api/people")
    r = api.on_exception(request, IntegrityError("UNIQUE constraint failed: people_person.id_hash"))
    assert r.status_code == 409
    body = json.loads(r.content)
    assert body["errors"] == [] and "冲突" in body["detail"]


def test_a_number_beyond_the_databases_integers_is_refused_as_input_not_a_server_error(client_as, trainee):
    r = client_as(trainee).post("/api/subsidy/claims/10000000000000000001/submit")
    # SQLite cannot bind it (422); PostgreSQL finds no such claim of the trainee's (403)
    documented = api.get_openapi_schema(path_prefix="/api/")["paths"]["/api/subsidy/claims/{pk}/submit"]
    assert 400 <= r.status_code < 500 and r.status_code in documented["post"]["responses"]
    assert set(r.json()) == {"detail", "errors"}


def test_a_draw_of_more_classes_than_an_integer_holds_writes_nothing(client_as, city_officer):
    Records(user=city_officer, at=AT).klass(start=date(2025, 3, 3), end=date(2025, 5, 30))
    body = {"title": "抽查", "period_start": "2025-03-01", "period_end": "2025-06-30", "sample_size": 2**80}
    client = client_as(city_officer)
    r = client.post("/api/supervision/plans", json.dumps(body), content_type="application/json")
    assert r.status_code == 422 and r.json()["detail"].startswith("输入超出允许的范围")
    assert InspectionPlan.objects.count() == 0
    body["sample_size"] = 1  # the same draw within range is made: the class is a candidate
    r = client.post("/api/supervision/plans", json.dumps(body), content_type="application/json")
    assert r.status_code == 201
