"""The JSON API (/api, OpenAPI at /api/openapi.json). Endpoints stay thin: parse, check the
capability, call one service or selector, return a schema. Errors are precise, field by field."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DataError, IntegrityError
from django.http import Http404
from django.http.multipartparser import MultiPartParserError
from ninja import NinjaAPI, Schema, Status
from ninja import errors as ninja_errors

from dte.audit import services as audit_services
from dte.catalog import selectors as catalog
from dte.catalog.models import County
from dte.core import clock
from dte.core.api_auth import session_auth
from dte.core.api_errors import ErrorOut, document_errors
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


# --- one error shape (dte.core.api_errors.ErrorOut) for every error status ---------------------
# ninja's own refusals, in Chinese; any other HttpError keeps its message.
HTTP_ERROR_DETAIL = {
    400: "请求体不是有效的 JSON",
    401: "请先登录",
    403: "CSRF 校验失败:请求须带 X-CSRFToken 请求头(与 csrftoken Cookie 的值相同)",
    429: "请求过于频繁,请稍后再试",
}


def _error(request, status: int, detail: str, errors: list[dict] | None = None):
    return api.create_response(request, {"detail": detail, "errors": errors or []}, status=status)


@api.exception_handler(ValidationError)
def on_validation_error(request, exc: ValidationError):
    """A service's refusal, field by field [the services' ValidationError]."""
    errors = (
        [{"field": f, "message": m} for f, msgs in exc.message_dict.items() for m in msgs]
        if hasattr(exc, "error_dict")
        else [{"field": "__all__", "message": m} for m in exc.messages]
    )
    return _error(request, 422, "输入有误", errors)


@api.exception_handler(ninja_errors.ValidationError)
def on_invalid_parameters(request, exc: ninja_errors.ValidationError):
    """A parameter that does not validate (ninja: a list of pydantic errors as ``detail``), in the
    one shape: ``field`` is the parameter's place, e.g. ``id_number``, ``query.year``, ``path.pk``."""
    errors = [{"field": _field(e.get("loc", ())), "message": str(e.get("msg", ""))} for e in exc.errors]
    return _error(request, 422, "输入有误", errors)


def _field(loc) -> str:
    # ninja's loc: (source, [the body parameter's name,] field...): a body field is named by itself.
    parts = [str(p) for p in loc]
    if parts[:1] == ["body"]:
        parts = parts[2:] if len(parts) > 2 else parts[:1]
    return ".".join(parts) or "__all__"


@api.exception_handler(MultiPartParserError)
def on_unreadable_form(request, exc: MultiPartParserError):
    # A multipart body without its boundary: Django's CSRF check reads request.POST first.
    return _error(request, 400, "请求体无法解析")


@api.exception_handler(PermissionDenied)
def on_permission_denied(request, exc: PermissionDenied):
    return _error(request, 403, str(exc) or "无权执行此操作")


@api.exception_handler(Http404)
def on_not_found(request, exc: Http404):
    # The selectors name what is missing in Chinese (没有这个培训计划); Django's get_object_or_404
    # says it in English, which the API does not pass on.
    message = str(exc)
    chinese = any("\u4e00" <= ch <= "\u9fff" for ch in message)
    return _error(request, 404, message if chinese else "未找到所请求的记录")


@api.exception_handler(IntegrityError)
def on_conflict(request, exc: IntegrityError):
    """A uniqueness or reference constraint that a concurrent write won; the transaction is rolled
    back, nothing is written."""
    return _error(request, 409, "与同时写入的记录冲突,未保存。请刷新后重试")


@api.exception_handler(OverflowError)
@api.exception_handler(DataError)
def on_out_of_range(request, exc: Exception):
    """A number beyond the database's integers (SQLite: OverflowError; PostgreSQL: DataError, also
    for a text longer than its column): an input the schema's types let through, refused as such;
    the transaction is rolled back, nothing is written."""
    return _error(request, 422, "输入超出允许的范围(数值过大或文本过长)")


@api.exception_handler(ninja_errors.HttpError)
def on_http_error(request, exc: ninja_errors.HttpError):
    # ninja raises HttpError for a body that is not JSON (400), no session (401), a failed CSRF
    # check (403) and a rate limit (429).
    return _error(request, exc.status_code, HTTP_ERROR_DETAIL.get(exc.status_code, str(exc)))


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


@api.get("/catalog/institutions/{pk}", response=InstitutionOut, tags=["catalog"])
def get_institution(request, pk: int):
    inst = catalog.institution_detail(pk=pk)
    if inst is None:
        raise Http404
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


@api.post("/people", response={201: PersonOut}, auth=session_auth, tags=["people"])
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
    response={200: PersonOut, 404: ErrorOut},
    auth=session_auth,
    tags=["people"],
)
def look_up_person(request, payload: LookupIn):
    """Exact lookup by ID number (through the keyed hash; the number itself is never searched)."""
    require(request.auth, Cap.LOOK_UP_PEOPLE)
    person = people_services.find_person(id_number=payload.id_number)
    if person is None:
        return Status(404, {"detail": "没有该身份证号码的人员记录", "errors": []})
    return _person_out(person)


# --- audit ---------------------------------------------------------------------------------------
class AuditVerifyOut(Schema):
    ok: bool
    checked: int
    first_broken: int | None
    problem: str


@api.get("/audit/verify", response=AuditVerifyOut, auth=session_auth, tags=["audit"])
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

# Every operation documents the error statuses ninja and the handlers above answer for it
# (dte.core.api_errors), before api.urls binds the routers.
document_errors(api._routers)
