"""Writes of the level assessment [P3.3] and title recognition [P4.2]. Every service checks the
actor's role and scope, refuses an illegal move with a reason citing its clause, and records the
change in the audit log inside its own transaction."""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from dte.accounts.permissions import Cap, can, require
from dte.audit import services as audit
from dte.evaluation import conditions
from dte.evaluation.models import (
    PASS_MARK,
    Education,
    LevelCertificate,
    Registration,
    TitleHeld,
    TitleRecognition,
)
from dte.policy.reference import load_reference
from dte.training import rules as training_rules
from dte.training.models import TrainingCertificate
from dte.training.services import _next_number, verification_code
from dte.training.tables import ImportReport, Row, parse_date

OPEN_STATUSES = [
    Registration.Status.REGISTERED,
    Registration.Status.ACCEPTED,
    Registration.Status.PASSED,
    Registration.Status.CERTIFIED,
]


def require_body(actor, evaluation_body_id: int) -> None:
    """Evaluation staff act only for their own evaluation body."""
    require(actor, Cap.MANAGE_EVALUATION)
    if actor.evaluation_body_id != evaluation_body_id:
        raise PermissionDenied("评价机构只能办理本机构受理的考核")


def _lower_certificate(person_id: int, occupation_id: int, level_rank: int) -> bool:
    return LevelCertificate.objects.filter(
        person_id=person_id,
        occupation_id=occupation_id,
        level__rank=level_rank - 1,
        status=LevelCertificate.Status.VALID,
    ).exists()


def declaration(reg: Registration) -> conditions.Declaration:
    cert = reg.training_certificate
    return conditions.Declaration(
        level=reg.level.code,
        education=reg.education,
        education_related=reg.education_related,
        graduating_student=reg.graduating_student,
        title_held=reg.title_held,
        years_in_occupation=reg.years_in_occupation,
        has_training_certificate=cert.status == TrainingCertificate.Status.VALID,
        lower_certificate=_lower_certificate(reg.person_id, reg.occupation_id, reg.level.rank),
    )


@transaction.atomic
def registration_create(
    *,
    actor,
    certificate: TrainingCertificate,
    education: str,
    education_related: bool = True,
    graduating_student: bool = False,
    title_held: str = TitleHeld.NONE,
    years_in_occupation: int = 0,
    at: datetime,
) -> Registration:
    """The institution registers one of its certificate holders with the plan's evaluation body [P3.3]."""
    cert = (
        TrainingCertificate.objects.select_for_update()
        .select_related("enrolment__klass__plan", "occupation", "level")
        .get(pk=certificate.pk)
    )
    training_rules.require_institution(actor, cert.institution_id)
    if cert.status != TrainingCertificate.Status.VALID:
        raise ValidationError("培训合格证书已撤销,不能申报等级考核 [P3.3]")
    if Registration.objects.filter(training_certificate=cert, status__in=OPEN_STATUSES).exists():
        raise ValidationError("该证书持有人已申报,不能重复申报")
    errors = {}
    if education not in Education.values:
        errors["education"] = ["请选择学历"]
    if title_held not in TitleHeld.values:
        errors["title_held"] = ["请选择已有职称"]
    if years_in_occupation < 0 or years_in_occupation > 60:
        errors["years_in_occupation"] = ["从事本职业年限应为0至60年"]
    if errors:
        raise ValidationError(errors)
    reg = Registration.objects.create(
        training_certificate=cert,
        person_id=cert.person_id,
        institution_id=cert.institution_id,
        evaluation_body_id=cert.enrolment.klass.plan.evaluation_body_id,
        occupation=cert.occupation,
        level=cert.level,
        education=education,
        education_related=education_related,
        graduating_student=graduating_student,
        title_held=title_held,
        years_in_occupation=years_in_occupation,
        registered_by=actor,
        registered_at=at,
    )
    audit.record(
        actor=actor,
        action="evaluation.registration.create",
        obj=reg,
        at=at,
        after={
            "certificate": cert.number,
            "evaluation_body": reg.evaluation_body_id,
            "education": education,
            "title_held": title_held,
            "years": years_in_occupation,
        },
    )
    return reg


def _lock(reg: Registration) -> Registration:
    return (
        Registration.objects.select_for_update()
        .select_related("training_certificate", "level", "occupation", "person")
        .get(pk=reg.pk)
    )


@transaction.atomic
def registration_check(
    *, actor, registration: Registration, accept: bool, note: str = "", at: datetime
) -> Registration:
    """The evaluation body checks the application conditions (policy-facts §6) [P3.3]: it cannot
    accept an applicant who meets no route, and a rejection states why."""
    reg = _lock(registration)
    require_body(actor, reg.evaluation_body_id)
    if reg.status != Registration.Status.REGISTERED:
        raise ValidationError(f"申报状态为「{reg.get_status_display()}」,不能审核条件")
    outcome = conditions.check(declaration(reg))
    if accept and not outcome.met:
        raise ValidationError(outcome.summary)
    note = note.strip() or outcome.summary
    reg.status = Registration.Status.ACCEPTED if accept else Registration.Status.REJECTED
    reg.checked_by, reg.checked_at, reg.check_note = actor, at, note
    reg.save(update_fields=["status", "checked_by", "checked_at", "check_note"])
    audit.record(
        actor=actor,
        action="evaluation.registration.accept" if accept else "evaluation.registration.reject",
        obj=reg,
        changes={"status": ["registered", reg.status]},
        reason=note,
        at=at,
    )
    return reg


def _check_score(value, field: str, label: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
        raise ValidationError({field: f"{label}应为0至100的整数"})
    return value


@transaction.atomic
def scores_record(
    *, actor, registration: Registration, theory_score: int, ability_score: int, exam_date: date, at: datetime
) -> Registration:
    """Record both scores; passed only when both are at least 60 [P3.3]."""
    reg = _lock(registration)
    require_body(actor, reg.evaluation_body_id)
    if reg.status not in (
        Registration.Status.ACCEPTED,
        Registration.Status.PASSED,
        Registration.Status.FAILED,
    ):
        raise ValidationError(f"申报状态为「{reg.get_status_display()}」,不能登记成绩")
    theory_score = _check_score(theory_score, "theory_score", "理论知识考试成绩")
    ability_score = _check_score(ability_score, "ability_score", "专业能力考核成绩")
    before = {"theory_score": reg.theory_score, "ability_score": reg.ability_score, "status": reg.status}
    reg.theory_score, reg.ability_score, reg.exam_date = theory_score, ability_score, exam_date
    reg.status = Registration.Status.PASSED if reg.passed_both else Registration.Status.FAILED
    reg.scored_by, reg.scored_at = actor, at
    reg.save(update_fields=["theory_score", "ability_score", "exam_date", "status", "scored_by", "scored_at"])
    audit.record(
        actor=actor,
        action="evaluation.scores.record",
        obj=reg,
        before=before,
        after={"theory_score": theory_score, "ability_score": ability_score, "status": reg.status},
        at=at,
    )
    return reg


@transaction.atomic
def level_certificate_issue(*, actor, registration: Registration, at: datetime) -> LevelCertificate:
    """Issue the 专业技术等级证书 of the registration's occupation and level when both parts are
    passed [P3.3]; the title recognition record follows from its level [P4.2]."""
    reg = _lock(registration)
    require_body(actor, reg.evaluation_body_id)
    if LevelCertificate.objects.filter(registration=reg).exists():
        raise ValidationError("该申报已发证")
    if not reg.passed_both or reg.status != Registration.Status.PASSED:
        raise ValidationError(
            f"理论知识考试和专业能力考核成绩须均达到{PASS_MARK}分,方可颁发专业技术等级证书 [P3.3]"
        )
    if reg.training_certificate.status != TrainingCertificate.Status.VALID:
        raise ValidationError("培训合格证书已撤销,不能颁发等级证书 [P3.3]")
    today = timezone.localtime(at).date()
    cert = LevelCertificate.objects.create(
        registration=reg,
        person_id=reg.person_id,
        evaluation_body_id=reg.evaluation_body_id,
        occupation=reg.occupation,
        level=reg.level,
        number=_next_number(LevelCertificate, f"WZDJ{today.year}"),
        code=verification_code(),
        theory_score=reg.theory_score,
        ability_score=reg.ability_score,
        issued_on=today,
        issued_by=actor,
    )
    reg.status = Registration.Status.CERTIFIED
    reg.save(update_fields=["status"])
    level = load_reference(today).levels[reg.level.code]
    title = TitleRecognition.objects.create(
        certificate=cert,
        person_id=reg.person_id,
        title=level.title,
        route=level.title_route,
        recognised_on=today,
    )
    audit.record(
        actor=actor,
        action="evaluation.certificate.issue",
        obj=cert,
        at=at,
        after={
            "number": cert.number,
            "person": reg.person.masked_name,
            "level": reg.level.code,
            "theory_score": cert.theory_score,
            "ability_score": cert.ability_score,
        },
    )
    audit.record(
        actor=actor,
        action="evaluation.title.recognise",
        obj=title,
        at=at,
        after={"title": title.title, "route": title.route},
    )
    return cert


@transaction.atomic
def level_certificate_revoke(
    *, actor, certificate: LevelCertificate, reason: str, at: datetime
) -> LevelCertificate:
    cert = LevelCertificate.objects.select_for_update().get(pk=certificate.pk)
    if not can(actor, Cap.FILE_TRAINING_PLANS):
        require_body(actor, cert.evaluation_body_id)
    if cert.status == LevelCertificate.Status.REVOKED:
        raise ValidationError("该证书已撤销")
    if not reason.strip():
        raise ValidationError({"reason": "请填写撤销理由"})
    cert.status, cert.revoked_at, cert.revoked_by, cert.revoke_reason = (
        LevelCertificate.Status.REVOKED,
        at,
        actor,
        reason.strip(),
    )
    cert.save(update_fields=["status", "revoked_at", "revoked_by", "revoke_reason"])
    TitleRecognition.objects.filter(certificate=cert).update(void=True)
    audit.record(
        actor=actor,
        action="evaluation.certificate.revoke",
        obj=cert,
        changes={"status": ["valid", "revoked"]},
        reason=cert.revoke_reason,
        at=at,
    )
    return cert


RESULT_COLUMNS = ["申报编号", "身份证号", "姓名", "理论成绩", "能力成绩", "考核日期"]


def _int_cell(row: Row, key: str) -> int | None:
    text = row.text(key)
    return int(text) if text.isdigit() else None


@transaction.atomic
def results_import(*, actor, rows: list[Row], filename: str = "", at: datetime) -> ImportReport:
    """Scores from an XLSX (or CSV) file [P3.3]: every row is checked first, one bad row and nothing is
    written; passing rows get their level certificate; a re-run changes nothing already recorded."""
    require(actor, Cap.MANAGE_EVALUATION)
    report = ImportReport()
    planned = []
    seen: dict[int, int] = {}
    for row in rows:
        rid = row.text("申报编号")
        reg = (
            Registration.objects.select_related("person", "level", "training_certificate")
            .filter(pk=int(rid))
            .first()
            if rid.isdigit()
            else None
        )
        if reg is None or reg.evaluation_body_id != actor.evaluation_body_id:
            report.error(row.line, f"申报编号「{rid}」不是本评价机构受理的申报")
            continue
        if row.text("身份证号").upper() != reg.person.id_number:
            report.error(row.line, "身份证号与申报人不一致")
            continue
        if row.text("姓名") != reg.person.name:
            report.error(row.line, "姓名与申报人不一致")
            continue
        theory, ability = _int_cell(row, "理论成绩"), _int_cell(row, "能力成绩")
        if theory is None or ability is None or theory > 100 or ability > 100:
            report.error(row.line, "理论成绩和能力成绩应为0至100的整数")
            continue
        exam_date = parse_date(row.values.get("考核日期"))
        if exam_date is None:
            report.error(row.line, "考核日期格式应为 YYYY-MM-DD")
            continue
        if reg.pk in seen:
            report.error(row.line, f"与第 {seen[reg.pk]} 行重复(同一申报)")
            continue
        seen[reg.pk] = row.line
        same = (reg.theory_score, reg.ability_score, reg.exam_date) == (theory, ability, exam_date)
        if reg.status == Registration.Status.CERTIFIED:
            if not same:
                report.error(row.line, "该申报已发证,成绩不能更改")
                continue
        elif reg.status not in (
            Registration.Status.ACCEPTED,
            Registration.Status.PASSED,
            Registration.Status.FAILED,
        ):
            report.error(row.line, f"申报状态为「{reg.get_status_display()}」,不能登记成绩(须先通过条件审核)")
            continue
        planned.append((reg, theory, ability, exam_date, same))
    if not report.ok:
        return report
    issued = []
    for reg, theory, ability, exam_date, same in planned:
        if same and (reg.status == Registration.Status.CERTIFIED or not reg.passed_both):
            report.unchanged += 1
            continue
        if same:
            report.unchanged += 1
        else:
            reg = scores_record(
                actor=actor,
                registration=reg,
                theory_score=theory,
                ability_score=ability,
                exam_date=exam_date,
                at=at,
            )
            report.updated += 1
        if reg.passed_both:
            cert = level_certificate_issue(actor=actor, registration=reg, at=at)
            report.created += 1
            issued.append(cert.number)
    audit.record(
        actor=actor,
        action="evaluation.results.import",
        object_type="evaluation.results",
        object_id=filename or "upload",
        at=at,
        changes={
            "file": filename,
            "scored": report.updated,
            "certificates": issued,
            "unchanged": report.unchanged,
        },
    )
    return report
