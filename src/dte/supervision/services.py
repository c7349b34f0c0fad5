"""Writes of the supervision of institutions [P2.3] and fee disclosure [P5.3b]. Each service runs in
one transaction, checks the actor's capability and scope, and records an audit entry."""

from __future__ import annotations

import hashlib
import random
import secrets
from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from dte.audit import services as audit
from dte.catalog.models import Institution
from dte.core.permissions import Cap, require
from dte.supervision.models import (
    QUESTIONS,
    AnomalyAction,
    DocumentRequest,
    Finding,
    FollowUp,
    Inspection,
    InspectionPlan,
    Photo,
    SurveyResponse,
)
from dte.training.models import Enrolment, TrainingClass, TrainingPlan

MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024


# --- the random draw [P2.3] -------------------------------------------------------------------------
def draw(*, candidates: list[int], seed: int, size: int) -> list[int]:
    """The classes drawn for unannounced checks. The candidates are put in ascending order first, so
    the same seed and the same candidate set always give the same draw, in the same order."""
    ordered = sorted(set(candidates))
    return random.Random(seed).sample(ordered, min(size, len(ordered)))


def draw_candidates(*, period_start: date, period_end: date) -> list[int]:
    """Classes of plans on file that run during the period (any overlap) [P2.3]."""
    return list(
        TrainingClass.objects.filter(
            plan__status=TrainingPlan.Status.ON_FILE, start_date__lte=period_end, end_date__gte=period_start
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )


@transaction.atomic
def inspection_plan_draw(
    *,
    actor,
    title: str,
    period_start: date,
    period_end: date,
    sample_size: int,
    seed: int | None = None,
    at: datetime,
) -> InspectionPlan:
    """Draw classes for unannounced on-site checks (不定期现场抽查) [P2.3]; the seed and the candidate
    set are recorded so that the draw can be repeated by anyone."""
    require(actor, Cap.INSPECT_INSTITUTIONS)
    errors: dict[str, list[str]] = {}
    if not title.strip():
        errors["title"] = ["请填写抽查计划名称"]
    if period_end < period_start:
        errors["period_end"] = ["结束日期不能早于开始日期"]
    if sample_size < 1:
        errors["sample_size"] = ["抽取班次数至少为 1"]
    if errors:
        raise ValidationError(errors)
    candidates = draw_candidates(period_start=period_start, period_end=period_end)
    if not candidates:
        raise ValidationError({"period_start": ["该期间没有可抽查的已备案培训班次"]})
    if seed is None:
        seed = secrets.randbits(62)
    drawn = draw(candidates=candidates, seed=seed, size=sample_size)
    plan = InspectionPlan.objects.create(
        title=title.strip(),
        period_start=period_start,
        period_end=period_end,
        sample_size=sample_size,
        seed=seed,
        candidates=candidates,
        drawn=drawn,
        created_by=actor,
        created_at=at,
    )
    Inspection.objects.bulk_create([Inspection(plan=plan, klass_id=pk, created_at=at) for pk in drawn])
    audit.record(
        actor=actor,
        action="supervision.plan.draw",
        obj=plan,
        at=at,
        after={"seed": seed, "candidates": candidates, "drawn": drawn, "sample_size": sample_size},
    )
    return plan


@transaction.atomic
def inspection_open(*, actor, klass: TrainingClass, at: datetime) -> Inspection:
    """An ad hoc check of one class, outside a drawn plan (e.g. after a complaint) [P2.3]."""
    require(actor, Cap.INSPECT_INSTITUTIONS)
    inspection = Inspection.objects.create(klass=klass, created_at=at)
    audit.record(
        actor=actor, action="supervision.inspection.open", obj=inspection, at=at, after={"klass": klass.pk}
    )
    return inspection


def _lock(inspection: Inspection) -> Inspection:
    return Inspection.objects.select_for_update().get(pk=inspection.pk)


@transaction.atomic
def inspection_record(
    *,
    actor,
    inspection: Inspection,
    visited_on: date,
    inspectors: str,
    summary: str,
    present_count: int | None = None,
    observed_fee: int | None = None,
    at: datetime,
) -> Inspection:
    """Record what the check found on site [P2.3]; the fee seen charged feeds the fee flag [P5.3b]."""
    require(actor, Cap.INSPECT_INSTITUTIONS)
    inspection = _lock(inspection)
    errors: dict[str, list[str]] = {}
    if visited_on > at.date():
        errors["visited_on"] = ["检查日期不能晚于今天"]
    if not inspectors.strip():
        errors["inspectors"] = ["请填写检查人员"]
    if not summary.strip():
        errors["summary"] = ["请填写检查情况"]
    if errors:
        raise ValidationError(errors)
    return audit.audited_save(
        obj=inspection,
        actor=actor,
        action="supervision.inspection.record",
        at=at,
        values={
            "status": Inspection.Status.RECORDED,
            "visited_on": visited_on,
            "inspectors": inspectors.strip(),
            "summary": summary.strip(),
            "present_count": present_count,
            "observed_fee": observed_fee,
            "recorded_by": actor,
            "recorded_at": at,
        },
        audited=("status", "visited_on", "summary", "present_count", "observed_fee"),
    )


@transaction.atomic
def finding_add(
    *, actor, inspection: Inspection, topic: str, severity: str, description: str, at: datetime
) -> Finding:
    require(actor, Cap.INSPECT_INSTITUTIONS)
    inspection = _lock(inspection)
    errors: dict[str, list[str]] = {}
    if topic not in Finding.Topic.values:
        errors["topic"] = ["请选择问题类别"]
    if severity not in Finding.Severity.values:
        errors["severity"] = ["请选择问题程度"]
    if not description.strip():
        errors["description"] = ["请描述发现的问题"]
    if errors:
        raise ValidationError(errors)
    finding = Finding.objects.create(
        inspection=inspection, topic=topic, severity=severity, description=description.strip(), created_at=at
    )
    audit.record(
        actor=actor,
        action="supervision.finding.add",
        obj=finding,
        at=at,
        after={
            "inspection": inspection.pk,
            "topic": topic,
            "severity": severity,
            "description": finding.description,
        },
    )
    return finding


# File types are recognised by their first bytes; the name and the browser's claim are not trusted.
_SIGNATURES = [
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"%PDF-", "application/pdf"),
    (b"PK\x03\x04", "application/zip"),
]


def sniff(content: bytes) -> str | None:
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    for magic, kind in _SIGNATURES:
        if content.startswith(magic):
            return kind
    return None


@transaction.atomic
def photo_add(
    *, actor, inspection: Inspection, filename: str, content: bytes, caption: str = "", at: datetime
) -> Photo:
    """Attach a site photo; only JPEG, PNG or WebP content is accepted, whatever the file is called."""
    require(actor, Cap.INSPECT_INSTITUTIONS)
    inspection = _lock(inspection)
    kind = sniff(content)
    if kind not in ("image/jpeg", "image/png", "image/webp"):
        raise ValidationError({"photo": ["照片须为 JPEG、PNG 或 WebP 图片(按文件内容识别)"]})
    if len(content) > MAX_PHOTO_BYTES:
        raise ValidationError({"photo": ["照片不能超过 10 MB"]})
    digest = hashlib.sha256(content).hexdigest()
    photo = Photo.objects.create(
        inspection=inspection,
        filename=filename[:200],
        content_type=kind,
        size=len(content),
        sha256=digest,
        content=content,
        caption=caption.strip()[:120],
        uploaded_by=actor,
        uploaded_at=at,
    )
    audit.record(
        actor=actor,
        action="supervision.photo.add",
        obj=photo,
        at=at,
        after={"inspection": inspection.pk, "filename": photo.filename, "sha256": digest, "type": kind},
    )
    return photo


@transaction.atomic
def follow_up_add(
    *, actor, inspection: Inspection, action: str, due_on: date, finding: Finding | None = None, at: datetime
) -> FollowUp:
    """Require the institution to put something right by a deadline (限期整改) [P2.3]."""
    require(actor, Cap.INSPECT_INSTITUTIONS)
    inspection = _lock(inspection)
    errors: dict[str, list[str]] = {}
    if not action.strip():
        errors["action"] = ["请填写整改要求"]
    if due_on <= at.date():
        errors["due_on"] = ["整改期限应晚于今天"]
    if finding is not None and finding.inspection_id != inspection.pk:
        errors["finding"] = ["该问题不属于本次检查"]
    if errors:
        raise ValidationError(errors)
    f = FollowUp.objects.create(
        inspection=inspection, finding=finding, action=action.strip(), due_on=due_on, created_at=at
    )
    audit.record(
        actor=actor,
        action="supervision.follow_up.add",
        obj=f,
        at=at,
        after={"inspection": inspection.pk, "action": f.action, "due_on": due_on},
    )
    return f


@transaction.atomic
def follow_up_close(*, actor, follow_up: FollowUp, note: str, at: datetime) -> FollowUp:
    """The bureau confirms the action was taken."""
    require(actor, Cap.INSPECT_INSTITUTIONS)
    f = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
    if f.status == FollowUp.Status.DONE:
        raise ValidationError("该整改事项已完成")
    if not note.strip():
        raise ValidationError({"note": ["请填写整改情况"]})
    note = note.strip()
    return audit.audited_save(
        obj=f,
        actor=actor,
        action="supervision.follow_up.close",
        at=at,
        values={"status": FollowUp.Status.DONE, "closed_note": note, "closed_by": actor, "closed_at": at},
        audited=("status",),
        noted={"note": note},
    )


# --- document requests (调阅资料) [P2.3] -------------------------------------------------------------
@transaction.atomic
def document_request(
    *,
    actor,
    institution: Institution,
    items: str,
    due_on: date,
    klass: TrainingClass | None = None,
    at: datetime,
) -> DocumentRequest:
    require(actor, Cap.INSPECT_INSTITUTIONS)
    errors: dict[str, list[str]] = {}
    if not items.strip():
        errors["items"] = ["请列出需调阅的资料"]
    if due_on <= at.date():
        errors["due_on"] = ["提供期限应晚于今天"]
    if klass is not None and klass.plan.institution_id != institution.pk:
        errors["klass"] = ["该班次不属于此培训机构"]
    if errors:
        raise ValidationError(errors)
    req = DocumentRequest.objects.create(
        institution=institution,
        klass=klass,
        items=items.strip(),
        due_on=due_on,
        requested_by=actor,
        requested_at=at,
    )
    audit.record(
        actor=actor,
        action="supervision.documents.request",
        obj=req,
        at=at,
        after={
            "institution": institution.pk,
            "klass": getattr(klass, "pk", None),
            "items": req.items,
            "due_on": due_on,
        },
    )
    return req


@transaction.atomic
def document_provide(
    *,
    actor,
    request: DocumentRequest,
    note: str,
    filename: str = "",
    content: bytes | None = None,
    at: datetime,
) -> DocumentRequest:
    """The institution answers a request, with a PDF, image or office file (checked by content)."""
    require(actor, Cap.MANAGE_INSTITUTION)
    req = DocumentRequest.objects.select_for_update().get(pk=request.pk)
    if actor.institution_id != req.institution_id:
        raise PermissionDenied("只能答复本机构的调阅要求")
    if req.status != DocumentRequest.Status.REQUESTED:
        raise ValidationError("该调阅要求已答复")
    if not note.strip():
        raise ValidationError({"note": ["请填写提供说明"]})
    kind = ""
    if content:
        kind = sniff(content) or ""
        if not kind:
            raise ValidationError({"file": ["附件须为 PDF、图片或 Office 文件(按文件内容识别)"]})
        if len(content) > MAX_DOCUMENT_BYTES:
            raise ValidationError({"file": ["附件不能超过 20 MB"]})
    req.status = DocumentRequest.Status.PROVIDED
    req.response_note = note.strip()
    req.response_filename = filename[:200] if content else ""
    req.response_content_type = kind
    req.response_content = content or None
    req.responded_by = actor
    req.responded_at = at
    req.save()
    audit.record(
        actor=actor,
        action="supervision.documents.provide",
        obj=req,
        at=at,
        after={
            "status": req.status,
            "note": req.response_note,
            "file": req.response_filename,
            "sha256": hashlib.sha256(content).hexdigest() if content else "",
        },
    )
    return req


# --- trainee survey (培训质量评估) [P2.3] -----------------------------------------------------------
@transaction.atomic
def survey_submit(
    *,
    actor,
    enrolment: Enrolment,
    answers: dict[str, int],
    fee_paid: int | None = None,
    comment: str = "",
    at: datetime,
) -> SurveyResponse:
    """A trainee rates a class they completed; one response per enrolment, never edited."""
    require(actor, Cap.ENROL_IN_TRAINING)
    enrolment = Enrolment.objects.select_for_update().select_related("klass").get(pk=enrolment.pk)
    if enrolment.person_id != actor.person_id:
        raise PermissionDenied("只能评价本人参加的培训")
    if enrolment.status != Enrolment.Status.COMPLETED:
        raise ValidationError("结业后方可填写培训质量评估问卷 [P2.3]")
    if SurveyResponse.objects.filter(enrolment=enrolment).exists():
        raise ValidationError("该培训的评估问卷已提交,不可重复填写")
    errors: dict[str, list[str]] = {}
    scores: dict[str, int] = {}
    for key, label in QUESTIONS:
        value = answers.get(key)
        if not isinstance(value, int) or not 1 <= value <= 5:
            errors[key] = [f"请为“{label}”选择 1 至 5 分"]
        else:
            scores[key] = value
    if fee_paid is not None and fee_paid < 0:
        errors["fee_paid"] = ["金额不能为负数"]
    if errors:
        raise ValidationError(errors)
    response = SurveyResponse.objects.create(
        enrolment=enrolment,
        klass=enrolment.klass,
        fee_paid=fee_paid,
        comment=comment.strip(),
        submitted_at=at,
        **scores,
    )
    audit.record(
        actor=actor,
        action="supervision.survey.submit",
        obj=response,
        at=at,
        after={"enrolment": enrolment.pk, **scores, "fee_paid": fee_paid},
    )
    return response


# --- attendance anomalies listed for action [P2.3] -------------------------------------------------
@transaction.atomic
def anomaly_act(
    *,
    actor,
    klass: TrainingClass,
    key: str,
    kind: str,
    description: str,
    outcome: str,
    note: str,
    at: datetime,
) -> AnomalyAction:
    """Record what was done about an attendance anomaly the training records flagged."""
    require(actor, Cap.INSPECT_INSTITUTIONS)
    errors: dict[str, list[str]] = {}
    if outcome not in AnomalyAction.Outcome.values:
        errors["outcome"] = ["请选择处理结果"]
    if not note.strip():
        errors["note"] = ["请填写处理说明"]
    if errors:
        raise ValidationError(errors)
    act = AnomalyAction.objects.create(
        klass=klass,
        key=key[:200],
        kind=kind[:20],
        description=description,
        outcome=outcome,
        note=note.strip(),
        acted_by=actor,
        acted_at=at,
    )
    audit.record(
        actor=actor,
        action="supervision.anomaly.act",
        obj=act,
        at=at,
        after={"klass": klass.pk, "key": act.key, "outcome": outcome, "note": act.note},
    )
    return act
