"""The OpenAPI document (/api/openapi.json) is the API's contract: valid OpenAPI 3.1, every $ref
resolving, every operation's schemas those of the classes it really takes and returns (no two
schemas sharing a name), every error status documented with the one error shape."""

from __future__ import annotations

import json

import pytest
from ninja import Router
from ninja.openapi.schema import NinjaGenerateJsonSchema
from ninja.throttling import AnonRateThrottle
from openapi_spec_validator import OpenAPIV31SpecValidator

from dte.api.main import api
from dte.core.api_errors import document_errors

COMPONENTS = "#/components/schemas/"
OWN_DEFS = "#/$defs/"

# The operation ids the API has published; generated clients name their methods after them.
PUBLISHED_OPERATION_IDS = {
    "dte_api_main_list_occupations",
    "dte_api_main_get_institution",
    "dte_api_main_me",
    "dte_api_main_register_person",
    "dte_api_main_look_up_person",
    "dte_api_main_verify_audit",
    "dte_training_api_list_plans",
    "dte_training_api_draft_plan",
    "dte_training_api_verify",
    "dte_training_api_online_records",
    "dte_training_api_register_for_event",
    "dte_evaluation_api_register",
    "dte_evaluation_api_results_preview",
    "dte_evaluation_api_verify",
    "dte_subsidy_api_put_facts",
    "dte_subsidy_api_review_claim",
    "dte_subsidy_api_withdraw_claim",
    "dte_reports_api_dashboard",
    "dte_supervision_api_list_plans",
    "dte_supervision_api_draw",
}


@pytest.fixture(scope="module")
def document():
    """The document as a client reads it (JSON: statuses are strings)."""
    return json.loads(json.dumps(api.get_openapi_schema(path_prefix="/api/")))


def _operations(document):
    for path, item in document["paths"].items():
        for method, op in item.items():
            yield method.upper(), path, op


def _resolve(schema, lookup, seen=()):
    """The schema with every $ref replaced by what it names (titles dropped: a title is a label)."""
    if isinstance(schema, list):
        return [_resolve(s, lookup, seen) for s in schema]
    if not isinstance(schema, dict):
        return schema
    if "$ref" in schema:
        ref = schema["$ref"]
        assert ref not in seen, f"recursive schema {ref}"
        return _resolve(lookup(ref), lookup, (*seen, ref))
    return {k: _resolve(v, lookup, seen) for k, v in schema.items() if k != "title"}


def _in_document(document):
    schemas = document["components"]["schemas"]
    return lambda ref: schemas[ref.removeprefix(COMPONENTS)]


def _own_schema(model, mode: str):
    """What pydantic says of ``model``'s single field (ninja's wrapper of a response or body),
    with its own definitions resolved: the truth the document must tell."""
    schema = model.model_json_schema(
        ref_template=OWN_DEFS + "{model}", schema_generator=NinjaGenerateJsonSchema, mode=mode
    )
    defs = schema.get("$defs", {})
    (field,) = schema["properties"].values()
    return _resolve(field, lambda ref: defs[ref.removeprefix(OWN_DEFS)])


def _code_operations():
    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            yield from path_view.operations


def test_the_document_served_validates_as_openapi_3_1(client):
    served = client.get("/api/openapi.json")
    assert served.status_code == 200
    document = served.json()
    assert document["openapi"].startswith("3.1")
    OpenAPIV31SpecValidator(document).validate()


def test_every_ref_in_the_document_resolves(document):
    schemas = document["components"]["schemas"]
    refs = []

    def walk(node):
        if isinstance(node, dict):
            if "$ref" in node:
                refs.append(node["$ref"])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(document)
    assert refs
    unresolved = [r for r in refs if r.removeprefix(COMPONENTS) not in schemas or r[0] != "#"]
    assert unresolved == []


def test_every_response_documented_is_the_schema_of_what_the_operation_returns(document):
    by_id = {op["operationId"]: op for _, _, op in _operations(document)}
    lookup = _in_document(document)
    wrong = []
    for operation in _code_operations():
        op_id = operation.operation_id or api.get_openapi_operation_id(operation)
        for status, model in operation.response_models.items():
            documented = by_id[op_id]["responses"][str(status)]
            if model is None:
                assert "content" not in documented
                continue
            schema = documented["content"]["application/json"]["schema"]
            if _resolve(schema, lookup) != _own_schema(model, "serialization"):
                wrong.append(f"{op_id} {status}: {schema}")
    assert wrong == []


def test_every_request_body_documented_is_the_schema_the_operation_takes(document):
    by_id = {op["operationId"]: op for _, _, op in _operations(document)}
    lookup = _in_document(document)
    wrong = []
    for operation in _code_operations():
        op_id = operation.operation_id or api.get_openapi_operation_id(operation)
        for model in operation.models:
            if model.__ninja_param_source__ != "body":
                continue
            schema = by_id[op_id]["requestBody"]["content"]["application/json"]["schema"]
            if _resolve(schema, lookup) != _own_schema(model, "validation"):
                wrong.append(f"{op_id}: {schema}")
    assert wrong == []


def test_no_two_schema_classes_share_a_name():
    names: dict[str, set[str]] = {}

    def collect(annotation):
        for cls in getattr(annotation, "__mro__", ())[:1]:
            if hasattr(cls, "model_fields"):
                qualified = f"{cls.__module__}.{cls.__qualname__}"
                if qualified in names.setdefault(cls.__name__, set()):
                    return
                names[cls.__name__].add(qualified)
                for field in cls.model_fields.values():
                    collect(field.annotation)
        for arg in getattr(annotation, "__args__", ()):
            collect(arg)

    for operation in _code_operations():
        for model in [*operation.response_models.values(), *operation.models]:
            for field in getattr(model, "model_fields", {}).values():
                collect(field.annotation)
    shared = {name: classes for name, classes in names.items() if len(classes) > 1}
    assert shared == {}


def test_the_audit_check_and_the_plans_reference_their_own_schemas(document):
    paths = document["paths"]

    def ok_schema(path, method, status="200"):
        return paths[path][method]["responses"][status]["content"]["application/json"]["schema"]

    assert ok_schema("/api/audit/verify", "get") == {"$ref": COMPONENTS + "AuditVerifyOut"}
    assert ok_schema("/api/training/plans", "get")["items"] == {"$ref": COMPONENTS + "PlanOut"}
    assert ok_schema("/api/supervision/plans", "get")["items"] == {"$ref": COMPONENTS + "InspectionPlanOut"}
    schemas = document["components"]["schemas"]
    assert set(schemas["AuditVerifyOut"]["properties"]) == {"ok", "checked", "first_broken", "problem"}
    assert "filing_number" in schemas["PlanOut"]["properties"]
    assert "seed" in schemas["InspectionPlanOut"]["properties"]


def test_the_published_operation_ids_are_kept(document):
    ids = {op["operationId"] for _, _, op in _operations(document)}
    assert PUBLISHED_OPERATION_IDS - ids == set()


def test_every_error_status_is_documented_with_the_one_error_shape(document):
    lookup = _in_document(document)
    not_the_shape = []
    for method, path, op in _operations(document):
        for status, response in op["responses"].items():
            if int(status) < 400:
                continue
            schema = _resolve(response["content"]["application/json"]["schema"], lookup)
            detail = schema["properties"].get("detail")
            errors = schema["properties"].get("errors")
            if detail != {"type": "string"} or errors is None or errors["type"] != "array":
                not_the_shape.append(f"{method} {path} {status}")
            if "detail" not in schema.get("required", []):
                not_the_shape.append(f"{method} {path} {status}: detail not required")
    assert not_the_shape == []


def test_each_operation_documents_the_statuses_its_authentication_and_parameters_give(document):
    responses = {(m, p): set(op["responses"]) for m, p, op in _operations(document)}
    # behind the session: 401 and 403; a path parameter: 404 and 422; a body: 400 and 422; a write: 409
    assert {"401", "403", "404", "409", "422", "400"} <= responses["POST", "/api/training/plans/{pk}/return"]
    assert {"401", "403"} <= responses["GET", "/api/audit/verify"]
    assert {"422"} <= responses["GET", "/api/reports/dashboard"]  # ?year= out of range
    # public and without parameters: nothing can go wrong but the server
    assert responses["GET", "/api/catalog/counties"] == {"200"}
    assert responses["GET", "/api/training/verify/{code}"] == {"200", "404", "422"}
    assert responses["POST", "/api/subsidy/claims/{pk}/withdraw"] >= {"200", "204", "409"}


def test_a_rate_limited_operation_documents_429_and_a_public_one_without_parameters_nothing_more():
    router = Router()

    @router.get("/limited/{code}", response=dict, throttle=AnonRateThrottle("5/m"))
    def limited(request, code: str):
        return {}

    @router.get("/open", response=dict)
    def open_figures(request):
        return {}

    document_errors([("", router)])
    limited_op, open_op = (view.operations[0] for view in router.path_operations.values())
    assert set(limited_op.response_models) == {200, 404, 422, 429}
    assert set(open_op.response_models) == {200}
