"""Sessions and attendance: adding sessions, check-in scans, corrections, online learning records,
the roster's progress and a class's anomalies [P2.3]."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

from django.shortcuts import get_object_or_404
from ninja import Schema, Status

from dte.core import clock
from dte.core.api_errors import ErrorOut
from dte.training import rules, selectors, services
from dte.training.api.common import auth, router
from dte.training.models import Attendance, Enrolment, Session
from dte.training.tables import Row


class SessionIn(Schema):
    date: date
    start: time
    end: time
    kind: str
    mode: str
    topic: str = ""
    place: str = ""
    backfill_reason: str = ""  # required when the session's start has passed (补录) [P2.3]


class SessionOut(Schema):
    id: int
    class_id: int
    date: date
    start: time
    end: time
    kind: str
    mode: str
    topic: str
    warnings: list[str] = []  # hours scheduled beyond the plan's split [P3.1]


def _session_out(s) -> dict:
    return {
        "id": s.pk,
        "class_id": s.klass_id,
        "date": s.date,
        "start": s.start,
        "end": s.end,
        "kind": s.kind,
        "mode": s.mode,
        "topic": s.topic,
    }


@router.post("/classes/{pk}/sessions", response={201: SessionOut}, **auth)
def add_session(request, pk: int, payload: SessionIn):
    klass = selectors.class_for(actor=request.auth, pk=pk)
    s = services.session_add(actor=request.auth, klass=klass, at=clock.now(), **payload.dict())
    return Status(201, {**_session_out(s), "warnings": rules.schedule_warnings(s.klass)})


class AttendanceOut(Schema):
    id: int
    session_id: int
    enrolment_id: int
    check_in: datetime | None
    check_out: datetime | None
    minutes: int
    source: str
    corrected_by: str | None
    correction_reason: str


def _attendance_out(a: Attendance) -> dict:
    return {
        "id": a.pk,
        "session_id": a.session_id,
        "enrolment_id": a.enrolment_id,
        "check_in": a.check_in,
        "check_out": a.check_out,
        "minutes": a.minutes,
        "source": a.source,
        "corrected_by": a.corrected_by.username if a.corrected_by else None,
        "correction_reason": a.correction_reason,
    }


class ScanIn(Schema):
    action: str  # in | out
    token: str


@router.post("/sessions/{pk}/scan", response=AttendanceOut, **auth)
def scan(request, pk: int, payload: ScanIn):
    """A trainee's check-in or check-out with the token of the QR code shown in class."""
    session = get_object_or_404(Session, pk=pk)
    return _attendance_out(
        services.attendance_scan(
            actor=request.auth, session=session, action=payload.action, token=payload.token, at=clock.now()
        )
    )


class CorrectionIn(Schema):
    enrolment_id: int
    check_in: datetime | None = None
    check_out: datetime | None = None
    reason: str


@router.post("/sessions/{pk}/corrections", response=AttendanceOut, **auth)
def correct(request, pk: int, payload: CorrectionIn):
    session = selectors.session_for(actor=request.auth, pk=pk)
    e = get_object_or_404(Enrolment, pk=payload.enrolment_id)
    return _attendance_out(
        services.attendance_correct(
            actor=request.auth,
            session=session,
            enrolment=e,
            check_in=payload.check_in,
            check_out=payload.check_out,
            reason=payload.reason,
            at=clock.now(),
        )
    )


class OnlineRecordIn(Schema):
    id_number: str
    name: str
    session_id: int
    start: str  # local time, YYYY-MM-DD HH:MM[:SS]
    end: str


class ImportOut(Schema):
    ok: bool
    created: int
    updated: int
    unchanged: int
    errors: list[dict]
    warnings: list[dict] = []  # rows written but flagged as attendance anomalies [P2.3]


class ImportRejectedOut(ErrorOut):
    """An import refused whole (422), in the API's one error shape: ``detail``, each bad row in
    ``errors`` (``line``, ``reason``) and the report's counts (nothing written). A body that does not
    validate answers the plain shape (``errors`` as ``field``, ``message``)."""

    errors: list[dict] = []
    ok: bool = False
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    warnings: list[dict] = []


IMPORT_REJECTED = "导入未通过校验,未写入任何记录"


@router.post("/classes/{pk}/online-records", response={200: ImportOut, 422: ImportRejectedOut}, **auth)
def online_records(request, pk: int, payload: list[OnlineRecordIn]):
    """Online learning records from the online platform: all or nothing; ``line`` in an error is the
    record's position (1-based) in the list; a re-run with the same records changes nothing."""
    klass = selectors.class_for(actor=request.auth, pk=pk)
    rows = [
        Row(
            line=i,
            values={
                "身份证号": r.id_number,
                "姓名": r.name,
                "课次编号": str(r.session_id),
                "开始时间": r.start,
                "结束时间": r.end,
            },
        )
        for i, r in enumerate(payload, start=1)
    ]
    report = services.online_records_import(
        actor=request.auth,
        klass=klass,
        rows=rows,
        source=Attendance.Source.API,
        filename="api",
        at=clock.now(),
    )
    if not report.ok:
        return Status(422, {"detail": IMPORT_REJECTED, **report.as_dict()})
    return report.as_dict()


class ProgressOut(Schema):
    enrolment_id: int
    person: str
    status: str
    theory_hours: Decimal | None
    theory_required: Decimal | None
    practice_hours: Decimal | None
    practice_required: Decimal | None
    met: bool | None
    at_risk: bool | None
    certificate: str | None


@router.get("/classes/{pk}/roster", response=list[ProgressOut], **auth)
def roster(request, pk: int):
    klass = selectors.class_for(actor=request.auth, pk=pk)
    out = []
    for r in selectors.roster(actor=request.auth, klass=klass, now=clock.now()):
        e, p, c = r["enrolment"], r["progress"], r["certificate"]
        out.append(
            {
                "enrolment_id": e.pk,
                "person": e.person.name,
                "status": e.status,
                "theory_hours": p.theory[0] if p else None,
                "theory_required": p.theory[1] if p else None,
                "practice_hours": p.practice[0] if p else None,
                "practice_required": p.practice[1] if p else None,
                "met": p.met if p else None,
                "at_risk": p.at_risk if p else None,
                "certificate": c.number if c else None,
            }
        )
    return out


class AnomalyOut(Schema):
    kind: str
    label: str
    message: str
    clause: str
    attendance_ids: list[int]


@router.get("/classes/{pk}/anomalies", response=list[AnomalyOut], **auth)
def anomalies(request, pk: int):
    klass = selectors.class_for(actor=request.auth, pk=pk)
    return [
        {
            "kind": a.kind,
            "label": a.label,
            "message": a.message,
            "clause": a.clause,
            "attendance_ids": a.attendance_ids,
        }
        for a in selectors.anomalies(actor=request.auth, klass=klass)
    ]
