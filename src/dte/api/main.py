"""The JSON API (/api, OpenAPI at /api/openapi.json). Endpoints stay thin: parse, check the
capability, call one service or selector, return a schema. Errors are precise, field by field."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from ninja import NinjaAPI, Schema, Status

from dte.audit import services as audit_services
from dte.catalog import selectors as catalog
from dte.catalog.models import County
from dte.core import clock
from dte.core.api_auth import session_auth
from dte.core.permissions import Cap, require
from dte.evaluation.api import router as evaluation_router
from dte.people import services as people_services
from dte.reports.api import router as reports_router
from dte.subsidy.api import router as subsidy_router
from dte.supervision.api import router as supervision_router
from dte.training.api import router as training_router

api = NinjaAPI(
    title="温州市数字技术工程师培育项目管理平台 API",
    version="1",
    description="DTE Platform JSON API. Session authentication (sign in at /accounts/login/) with CSRF.",
    urls_namespace="api",
)


class FieldError(Schema):
    field: str
    message: str


class ErrorOut(Schema):
    detail: str
    errors: list[FieldError] = []


@api.exception_handler(ValidationError)
def on_validation_error(request, exc: ValidationError):
    errors = (
        [{"field": f, "message": m} for f, msgs in exc.message_dict.items() for m in msgs]
        if hasattr(exc, "error_dict")
        else [{"field": "__all__", "message": m} for m in exc.messages]
    )
    return api.create_response(request, {"detail": "invalid input", "errors": errors}, status=422)


@api.exception_handler(PermissionDenied)
def on_permission_denied(request, exc: PermissionDenied):
    return api.create_response(request, {"detail": str(exc) or "permission denied", "errors": []}, status=403)


# --- catalogue (public) --------------------------------------------------------------------------
class InstitutionRef(Schema):
    id: int
    name: str


class OccupationOut(Schema):
    code: str
    name: str
    field: str
    institutions: list[InstitutionRef]


class OccupationRef(Schema):
    code: str
    name: str


class InstitutionOut(Schema):
    id: int
    name: str
    occupations: list[OccupationRef]


class CountyOut(Schema):
    code: str
    name: str


@api.get("/catalog/occupations", response=list[OccupationOut], tags=["catalog"])
def list_occupations(request):
    return [
        {
            "code": o.code,
            "name": o.name,
            "field": o.field,
            "institutions": [
                {"id": d.institution.pk, "name": d.institution.name} for d in o.designations.all()
            ],
        }
        for o in catalog.occupations_with_institutions()
    ]


def _institution_out(i) -> dict:
    return {
        "id": i.pk,
        "name": i.name,
        "occupations": [{"code": d.occupation.code, "name": d.occupation.name} for d in i.designations.all()],
    }


@api.get("/catalog/institutions", response=list[InstitutionOut], tags=["catalog"])
def list_institutions(request):
    return [_institution_out(i) for i in catalog.institutions_with_occupations()]


@api.get("/catalog/institutions/{pk}", response={200: InstitutionOut, 404: ErrorOut}, tags=["catalog"])
def get_institution(request, pk: int):
    inst = catalog.institution_detail(pk=pk)
    if inst is None:
        return Status(404, {"detail": f"no institution {pk}"})
    return _institution_out(inst)


@api.get("/catalog/counties", response=list[CountyOut], tags=["catalog"])
def list_counties(request):
    return list(County.objects.values("code", "name"))


# --- accounts and people -------------------------------------------------------------------------
class MeOut(Schema):
    username: str
    display_name: str
    role: str
    role_label: str
    scope: str


@api.get("/me", response=MeOut, auth=session_auth, tags=["accounts"])
def me(request):
    require(request.auth, Cap.SIGNED_IN)
    u = request.auth
    return {
        "username": u.username,
        "display_name": str(u),
        "role": u.role,
        "role_label": u.role_label,
        "scope": u.scope_label,
    }


class PersonIn(Schema):
    name: str
    id_number: str
    phone: str = ""


class LookupIn(Schema):
    id_number: str


class PersonOut(Schema):
    id: int
    name: str
    id_number_masked: str
    birth_date: str
    sex: str


def _person_out(p) -> dict:
    return {
        "id": p.pk,
        "name": p.name,
        "id_number_masked": p.masked_id_number,
        "birth_date": p.birth_date.isoformat(),
        "sex": p.sex,
    }


@api.post(
    "/people", response={201: PersonOut, 422: ErrorOut, 403: ErrorOut}, auth=session_auth, tags=["people"]
)
def register_person(request, payload: PersonIn):
    require(request.auth, Cap.REGISTER_PEOPLE)
    person = people_services.person_register(
        name=payload.name,
        id_number=payload.id_number,
        phone=payload.phone,
        actor=request.auth,
        at=clock.now(),
    )
    return Status(201, _person_out(person))


@api.post(
    "/people/lookup",
    response={200: PersonOut, 404: ErrorOut, 403: ErrorOut},
    auth=session_auth,
    tags=["people"],
)
def look_up_person(request, payload: LookupIn):
    """Exact lookup by ID number (through the keyed hash; the number itself is never searched)."""
    require(request.auth, Cap.LOOK_UP_PEOPLE)
    person = people_services.find_person(id_number=payload.id_number)
    if person is None:
        return Status(404, {"detail": "no person with that id_number"})
    return _person_out(person)


# --- audit ---------------------------------------------------------------------------------------
class VerifyOut(Schema):
    ok: bool
    checked: int
    first_broken: int | None
    problem: str


@api.get("/audit/verify", response={200: VerifyOut, 403: ErrorOut}, auth=session_auth, tags=["audit"])
def verify_audit(request):
    require(request.auth, Cap.VIEW_AUDIT_LOG)
    r = audit_services.verify()
    return {"ok": r.ok, "checked": r.checked, "first_broken": r.first_broken, "problem": r.problem}


# --- the apps' routers ---------------------------------------------------------------------------
api.add_router("/training", training_router)
api.add_router("/evaluation", evaluation_router)
api.add_router("/subsidy", subsidy_router)
api.add_router("/reports", reports_router)
api.add_router("/supervision", supervision_router)
