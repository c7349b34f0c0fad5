"""The JSON API's one error shape, and the error statuses every operation documents.

Every error status (400, 401, 403, 404, 409, 422, 429) answers ``ErrorOut``: ``detail`` says what
went wrong in Chinese; ``errors`` names each bad input (``field``, ``message``), empty when the
refusal is not about one field. ``dte.api.main`` turns every exception the endpoints and ninja raise
into it, and ``document_errors`` adds to each operation the statuses the framework itself answers,
so that the OpenAPI document lists every status an operation can give:

- an operation behind authentication: 401 (not signed in) and 403 (CSRF check, or a capability or
  scope refusal);
- an operation with parameters (path, query or body): 422 (a parameter that does not validate);
- an operation with a body: 400 (a body that is not JSON);
- an operation with a path parameter: 404 (no such record within the actor's scope);
- a write (POST, PUT, PATCH, DELETE): 409 (the write conflicts with a record written meanwhile);
- an operation with a rate limit (throttle): 429.

An operation declares in its own ``response`` what else it answers (its success, and e.g. 404 for a
record named in its body); what it declares is kept.
"""

from __future__ import annotations

from typing import Any

from ninja import Schema

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class FieldError(Schema):
    field: str  # the input's name: a body field ("id_number"), "query.year", or "__all__"
    message: str


class ErrorOut(Schema):
    detail: str
    errors: list[FieldError] = []


def error_statuses(operation: Any) -> set[int]:
    """The error statuses ninja and the platform's exception handlers can answer for ``operation``
    (a ninja ``Operation``), from its authentication, parameters, method and throttles."""
    sources = {model.__ninja_param_source__ for model in operation.models}
    codes: set[int] = set()
    if operation.auth_callbacks:
        codes |= {401, 403}
    if sources:
        codes.add(422)
    if "body" in sources:
        codes.add(400)
    if "path" in sources:
        codes.add(404)
    if WRITE_METHODS.intersection(operation.methods):
        codes.add(409)
    if operation.throttle_objects:
        codes.add(429)
    return codes


def document_errors(routers: Any) -> None:
    """Add ``ErrorOut`` for each status of ``error_statuses`` to every operation of ``routers``
    (pairs of prefix and ninja ``Router``, before the API binds them) that does not document it."""
    for _prefix, router in routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                models = operation.response_models
                for code in error_statuses(operation) - models.keys():
                    models[code] = operation._create_response_model(ErrorOut)
                operation.response_models = dict(sorted(models.items()))  # listed by status
