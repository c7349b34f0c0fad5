"""Completion, the training certificate, the city's exceptions to the order of the record and
the continuing-education hours a certificate credits [P3.2], [P4.1]."""

from __future__ import annotations

import secrets
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from dte.audit import services as audit
from dte.core.bounds import REASON_MAX, clean_text
from dte.core.permissions import Cap, can, require
from dte.training import record, rules
from dte.training.models import (
    ContinuingEducationCredit,
    Enrolment,
    RecordException,
    Session,
    TrainingCertificate,
    TrainingClass,
)
from dte.training.services.common import local_date, lock_enrolment


# --- completion and the training certificate [P3.2] ----------------------------------------------
def _record_order_missing(e: Enrolment, *, at: datetime, until_class_end: bool) -> tuple[list[str], object]:
    """What the order of the record still lacks for this trainee [P3.2]: the class's last session
    (or, for the certificate, the class's end) and the required hours, theory and practice each
    against the plan; each waived only by the city's exception of that kind. Also the progress."""
    missing: list[str] = []
    if record.exception(e, RecordException.Kind.EARLY) is None:
        m = (
            record.class_end_missing(e.klass, at=at)
            if until_class_end
            else record.teaching_missing(e.klass, at=at)
        )
        if m:
            missing.append(m)
    p = rules.progress([e], now=at)[0]
    if record.exception(e, RecordException.Kind.HOURS_SHORT) is None:
        short = record.hours_missing(p)
        if short:
            missing.append(f"未完成规定学时({short})")
    return missing, p


@transaction.atomic
def completion_assess(
    *, actor, enrolment: Enrolment, passed: bool, note: str = "", at: datetime
) -> Enrolment:
    """Record the completion assessment (结业考核) [P3.2]: only after the class's last session has
    ended and the trainee's theory and practice hours are each met (or the city's exception)."""
    e = lock_enrolment(enrolment)
    rules.require_institution(actor, e.klass.plan.institution_id)
    if e.status != Enrolment.Status.ADMITTED:
        raise ValidationError(f"报名状态为「{e.get_status_display()}」,不能记录结业考核")
    if e.klass.status == TrainingClass.Status.ENROLLING:
        raise ValidationError("班次尚未开始培训")
    if len(note.strip()) > 200:
        raise ValidationError({"note": "结业考核说明不能超过200个字"})
    missing, _ = _record_order_missing(e, at=at, until_class_end=False)
    if missing:
        raise ValidationError(f"{';'.join(missing)},不能记录结业考核 [P3.2]")
    before = e.completion_passed
    e.completion_passed, e.completion_note, e.completion_assessed_at = passed, note.strip(), at
    e.save(update_fields=["completion_passed", "completion_note", "completion_assessed_at"])
    audit.record(
        actor=actor,
        action="training.completion.assess",
        obj=e,
        changes={"completion_passed": [before, passed]},
        reason=e.completion_note,
        at=at,
    )
    return e


def next_number(model, prefix: str) -> str:
    n = model.objects.filter(number__startswith=prefix).count() + 1
    while model.objects.filter(number=f"{prefix}{n:06d}").exists():
        n += 1
    return f"{prefix}{n:06d}"


def verification_code() -> str:
    return secrets.token_urlsafe(12)


def _check_certifiable(e: Enrolment, *, at: datetime) -> rules.Progress:
    """An admitted trainee without a certificate of the class, the completion assessment passed and
    the record in order [P3.2]; the trainee's progress, whose hours the certificate states."""
    if TrainingCertificate.objects.filter(enrolment=e).exists():
        raise ValidationError("该学员已取得本班次的培训合格证书")
    if e.status != Enrolment.Status.ADMITTED:
        raise ValidationError(f"报名状态为「{e.get_status_display()}」,不能发证")
    missing, p = _record_order_missing(e, at=at, until_class_end=True)
    if e.completion_passed is not True:
        missing.insert(0, "结业考核未通过或尚未考核")
    if missing:
        raise ValidationError(f"{';'.join(missing)},不能颁发培训合格证书 [P3.2]")
    return p


@transaction.atomic
def certificate_issue(*, actor, enrolment: Enrolment, at: datetime) -> TrainingCertificate:
    """Issue the 培训合格证书 once the required hours are met and the completion assessment is passed
    [P3.2]; the hours are credited as continuing education for that year [P4.1]."""
    e = lock_enrolment(enrolment)
    plan = e.klass.plan
    rules.require_institution(actor, plan.institution_id)
    p = _check_certifiable(e, at=at)
    exceptions = list(e.record_exceptions.all())
    today = local_date(at)
    cert = TrainingCertificate.objects.create(
        enrolment=e,
        person=e.person,
        institution=plan.institution,
        occupation=plan.occupation,
        level=plan.level,
        number=next_number(TrainingCertificate, f"WZPX{today.year}"),
        code=verification_code(),
        theory_hours=p.attended_hours(Session.Kind.THEORY),
        practice_hours=p.attended_hours(Session.Kind.PRACTICE),
        issued_on=today,
        issued_at=at,
        issued_by=actor,
    )
    e.status = Enrolment.Status.COMPLETED
    e.save(update_fields=["status"])
    credit = ContinuingEducationCredit.objects.create(
        person=e.person,
        certificate=cert,
        year=today.year,
        hours=cert.total_hours,
        credited_on=today,
        subject=f"{plan.occupation.name}({plan.level.name})",
    )
    audit.record(
        actor=actor,
        action="training.certificate.issue",
        obj=cert,
        at=at,
        after={
            "number": cert.number,
            "person": e.person.masked_name,
            "hours": cert.total_hours,
            "exceptions": [{"id": x.pk, "kind": x.kind} for x in exceptions],
        },
    )
    audit.record(
        actor=actor,
        action="training.ce_credit.add",
        obj=credit,
        at=at,
        after={"year": credit.year, "hours": credit.hours, "subject": credit.subject},
    )
    return cert


@transaction.atomic
def record_exception_grant(
    *, actor, enrolment: Enrolment, kind: str, reason: str, at: datetime
) -> RecordException:
    """The city bureau allows an exception to the order of the record for one trainee, with its
    documented reason [P3.2]: ``hours_short`` (completion despite missing hours) or ``early``
    (completion assessment and certificate before the class's end). Institutions cannot grant it;
    it is audited, shown on the certificate's record and listed for supervision [P2.3]."""
    require(actor, Cap.FILE_TRAINING_PLANS)
    e = lock_enrolment(enrolment)
    errors: dict[str, list[str]] = {}
    if kind not in RecordException.Kind.values:
        errors["kind"] = ["请选择例外类型"]
    text = (reason or "").strip()
    if not text:
        errors["reason"] = ["请填写例外理由及所依据的证明材料"]
    elif len(text) > RecordException.REASON_MAX:
        errors["reason"] = [f"理由不能超过{RecordException.REASON_MAX}个字"]
    if errors:
        raise ValidationError(errors)
    if e.status != Enrolment.Status.ADMITTED or TrainingCertificate.objects.filter(enrolment=e).exists():
        raise ValidationError(f"报名状态为「{e.get_status_display()}」,只能为在训学员办理例外")
    if RecordException.objects.filter(enrolment=e, kind=kind).exists():
        raise ValidationError(f"该学员已有「{RecordException.Kind(kind).label}」例外")
    x = RecordException.objects.create(enrolment=e, kind=kind, reason=text, granted_by=actor, granted_at=at)
    audit.record(
        actor=actor,
        action="training.record_exception.grant",
        obj=x,
        after={"enrolment": e.pk, "class": e.klass_id, "person": e.person.masked_name, "kind": kind},
        reason=text,
        at=at,
    )
    return x


@transaction.atomic
def certificate_revoke(
    *, actor, certificate: TrainingCertificate, reason: str, at: datetime
) -> TrainingCertificate:
    """Revoke with a reason: the record stays and verification shows "revoked"; the continuing-
    education credit it gave is voided [P3.2], [P4.1]."""
    cert = TrainingCertificate.objects.select_for_update().get(pk=certificate.pk)
    if not can(actor, Cap.FILE_TRAINING_PLANS):
        rules.require_institution(actor, cert.institution_id)
    if cert.status == TrainingCertificate.Status.REVOKED:
        raise ValidationError("该证书已撤销")
    reason = clean_text(reason, field="reason", label="撤销理由", max_length=REASON_MAX)
    if not reason:
        raise ValidationError({"reason": "请填写撤销理由"})
    cert.status, cert.revoked_at, cert.revoked_by, cert.revoke_reason = (
        TrainingCertificate.Status.REVOKED,
        at,
        actor,
        reason,
    )
    cert.save(update_fields=["status", "revoked_at", "revoked_by", "revoke_reason"])
    ContinuingEducationCredit.objects.filter(certificate=cert).update(
        void=True, void_reason=f"证书撤销:{reason}"[:200]
    )
    audit.record(
        actor=actor,
        action="training.certificate.revoke",
        obj=cert,
        changes={"status": ["valid", "revoked"]},
        reason=cert.revoke_reason,
        at=at,
    )
    return cert


@transaction.atomic
def ce_hours_exported(*, actor, year: int, occupation: str, fmt: str, rows: int, at: datetime) -> None:
    """Record that the city exported CE hours with full ID numbers: who, which filter, how many rows
    [P4.1]. Personal data leaving the platform is traceable."""
    require(actor, Cap.SUPERVISE_CITY)
    audit.record(
        actor=actor,
        action="training.ce_credit.export",
        object_type="training.ContinuingEducationCredit",
        object_id=str(year),
        changes={"year": year, "occupation": occupation or "全部", "format": fmt, "rows": rows},
        at=at,
    )
