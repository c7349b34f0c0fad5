"""JSON API of the level assessment (mounted at /api/evaluation) [P3.3], [P4.2]."""

from __future__ import annotations

from datetime import date

from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status

from dte.core import clock
from dte.core.api_auth import session_auth
from dte.core.api_errors import ErrorOut
from dte.evaluation import results_file, selectors, services
from dte.training import selectors as training_selectors
from dte.training.api import IMPORT_REJECTED, ImportOut, ImportRejectedOut, ReasonIn
from dte.training.tables import Row

router = Router(tags=["evaluation"])
auth = {"auth": session_auth}


class RegistrationIn(Schema):
    training_certificate_id: int
    education: str
    education_related: bool = True
    graduating_student: bool = False
    title_held: str = "none"
    years_in_occupation: int = 0
    # submit although the conditions are not met, with the reason; flagged to the city
    insist: bool = False
    insist_reason: str = ""


class EvaluationRegistrationOut(Schema):
    id: int
    person: str  # masked name
    occupation: str
    level: str
    evaluation_body: str
    status: str
    conditions: str
    check_note: str
    theory_score: int | None
    ability_score: int | None
    insisted: bool = False


def _reg_out(r) -> dict:
    return {
        "id": r.pk,
        "person": r.person.masked_name,
        "occupation": r.occupation.code,
        "level": r.level.code,
        "evaluation_body": r.evaluation_body.code,
        "status": r.status,
        "conditions": services.conditions.check(services.declaration(r)).summary,
        "check_note": r.check_note,
        "theory_score": r.theory_score,
        "ability_score": r.ability_score,
        "insisted": r.insisted,
    }


@router.get("/registrations", response=list[EvaluationRegistrationOut], **auth)
def list_registrations(request):
    return [_reg_out(r) for r in selectors.registrations_for(actor=request.auth)]


@router.post("/registrations", response={201: EvaluationRegistrationOut, 404: ErrorOut}, **auth)
def register(request, payload: RegistrationIn):
    data = payload.dict()
    cert = get_object_or_404(
        training_selectors.certificates_for(actor=request.auth), pk=data.pop("training_certificate_id")
    )
    return Status(
        201,
        _reg_out(services.registration_create(actor=request.auth, certificate=cert, at=clock.now(), **data)),
    )


class CheckIn(Schema):
    accept: bool
    note: str = ""


@router.post("/registrations/{pk}/check", response=EvaluationRegistrationOut, **auth)
def check(request, pk: int, payload: CheckIn):
    reg = selectors.registration_for(actor=request.auth, pk=pk)
    return _reg_out(
        services.registration_check(
            actor=request.auth, registration=reg, accept=payload.accept, note=payload.note, at=clock.now()
        )
    )


class ScoresIn(Schema):
    theory_score: int
    ability_score: int
    exam_date: date


@router.post("/registrations/{pk}/scores", response=EvaluationRegistrationOut, **auth)
def scores(request, pk: int, payload: ScoresIn):
    reg = selectors.registration_for(actor=request.auth, pk=pk)
    return _reg_out(
        services.scores_record(actor=request.auth, registration=reg, at=clock.now(), **payload.dict())
    )


class LevelCertificateOut(Schema):
    id: int
    number: str
    code: str
    holder: str
    occupation: str
    level: str
    theory_score: int
    ability_score: int
    issued_on: date
    status: str
    title: str | None


def _cert_out(c) -> dict:
    title = getattr(c, "title", None)
    return {
        "id": c.pk,
        "number": c.number,
        "code": c.code,
        "holder": c.person.masked_name,
        "occupation": c.occupation.code,
        "level": c.level.code,
        "theory_score": c.theory_score,
        "ability_score": c.ability_score,
        "issued_on": c.issued_on,
        "status": c.status,
        "title": title.title if title else None,
    }


@router.post("/registrations/{pk}/certificate", response={201: LevelCertificateOut}, **auth)
def issue(request, pk: int):
    reg = selectors.registration_for(actor=request.auth, pk=pk)
    return Status(
        201, _cert_out(services.level_certificate_issue(actor=request.auth, registration=reg, at=clock.now()))
    )


@router.post("/certificates/{pk}/revoke", response=LevelCertificateOut, **auth)
def revoke(request, pk: int, payload: ReasonIn):
    cert = selectors.level_certificate_for(actor=request.auth, pk=pk)
    return _cert_out(
        services.level_certificate_revoke(
            actor=request.auth, certificate=cert, reason=payload.reason, at=clock.now()
        )
    )


class ResultIn(Schema):
    registration_id: int
    id_number: str
    name: str
    theory_score: int
    ability_score: int
    exam_date: date


def _result_rows(payload: list[ResultIn]) -> list[Row]:
    return [
        Row(
            line=i,
            values={
                "申报编号": str(r.registration_id),
                "身份证号": r.id_number,
                "姓名": r.name,
                "理论成绩": str(r.theory_score),
                "能力成绩": str(r.ability_score),
                "考核日期": r.exam_date.isoformat(),
            },
        )
        for i, r in enumerate(payload, start=1)
    ]


class PreviewOut(Schema):
    ok: bool
    summary: str  # 将登记 N 条成绩,将颁发 N 张证书
    to_record: int
    to_issue: int
    unchanged: int
    errors: list[dict]


class PreviewRejectedOut(ErrorOut):
    """The preview of rows that would be refused (422): ``detail``, each bad row in ``errors``
    (``line``, ``reason``) and what the good rows would do; a body that does not validate answers
    the plain error shape."""

    errors: list[dict] = []
    ok: bool = False
    summary: str = ""
    to_record: int = 0
    to_issue: int = 0
    unchanged: int = 0


@router.post("/results/preview", response={200: PreviewOut, 422: PreviewRejectedOut}, **auth)
def results_preview(request, payload: list[ResultIn]):
    """What ``POST /results`` with the same rows would do (scores to record, level certificates to
    issue), every bad row named; nothing is written [P3.3]."""
    plan = results_file.results_preview(actor=request.auth, rows=_result_rows(payload), at=clock.now())
    report = plan.report
    out = {
        "ok": report.ok,
        "summary": plan.summary,
        "to_record": plan.to_record,
        "to_issue": plan.to_issue,
        "unchanged": plan.unchanged,
        "errors": report.as_dict()["errors"],
    }
    return out if report.ok else Status(422, {"detail": IMPORT_REJECTED, **out})


@router.post("/results", response={200: ImportOut, 422: ImportRejectedOut}, **auth)
def results(request, payload: list[ResultIn]):
    """Scores in bulk, as the XLSX import once confirmed: all or nothing; a re-run changes nothing.
    ``POST /results/preview`` says first what it will do."""
    report = results_file.results_import(
        actor=request.auth, rows=_result_rows(payload), filename="api", at=clock.now()
    )
    if not report.ok:
        return Status(422, {"detail": IMPORT_REJECTED, **report.as_dict()})
    return report.as_dict()


class LevelCertificateVerifyOut(Schema):
    number: str
    status: str
    holder: str
    evaluation_body: str
    occupation: str
    level: str
    issued_on: date


@router.get("/verify/{code}", response=LevelCertificateVerifyOut)
def verify(request, code: str):
    c = selectors.certificate_by_code(code=code)
    return {
        "number": c.number,
        "status": c.status,
        "holder": c.person.masked_name,
        "evaluation_body": c.evaluation_body.name,
        "occupation": c.occupation.name,
        "level": c.level.name,
        "issued_on": c.issued_on,
    }


class TitleOut(Schema):
    person: str
    certificate: str
    occupation: str
    level: str
    title: str
    route: str
    recognised_on: date
    void: bool


@router.get("/titles", response=list[TitleOut], **auth)
def titles(request):
    """Title recognition records [P4.2]: all for the city, own for a trainee."""
    return [
        {
            "person": t.person.masked_name,
            "certificate": t.certificate.number,
            "occupation": t.certificate.occupation.code,
            "level": t.certificate.level.code,
            "title": t.title,
            "route": t.route,
            "recognised_on": t.recognised_on,
            "void": t.void,
        }
        for t in selectors.titles_for(actor=request.auth)
    ]
