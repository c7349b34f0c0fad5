"""Writes of the level assessment [P3.3] and title recognition [P4.2]. Every service checks the
actor's role and scope, refuses an illegal move with a reason citing its clause, and records the
change in the audit log inside its own transaction."""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from dte.audit import services as audit
from dte.core.bounds import REASON_MAX, clean_text
from dte.core.permissions import Cap, can, require
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
from dte.training.services.certificates import next_number, verification_code

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


INSIST_HINT = "如确认符合条件,可勾选「坚持申报」并填写理由:申报将提交评价机构,并标记报市人力社保局"


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
    insist: bool = False,
    insist_reason: str = "",
    at: datetime,
) -> Registration:
    """The institution registers one of its certificate holders with the plan's evaluation body [P3.3].

    An application whose declared facts meet no route of the conditions (policy-facts §6) is refused
    with the reason, unless the institution insists (``insist`` with a reason): it is then submitted,
    marked ``insisted`` and flagged to the city (``selectors.insisted_registrations``, ``anomalies``)."""
    cert = _registrable_certificate(actor, certificate)
    declared = {
        "education": education,
        "education_related": education_related,
        "graduating_student": graduating_student,
        "title_held": title_held,
        "years_in_occupation": years_in_occupation,
    }
    _check_declared(declared)
    outcome = conditions.check(_declaration_of(cert, declared))
    insist, insist_reason = _insist_decision(outcome, insist=insist, insist_reason=insist_reason)
    reg = Registration.objects.create(
        training_certificate=cert,
        person_id=cert.person_id,
        institution_id=cert.institution_id,
        evaluation_body_id=cert.enrolment.klass.plan.evaluation_body_id,
        occupation=cert.occupation,
        level=cert.level,
        **declared,
        insisted=insist,
        insist_reason=insist_reason,
        registered_by=actor,
        registered_at=at,
    )
    audit.record(
        actor=actor,
        action="evaluation.registration.insist" if insist else "evaluation.registration.create",
        obj=reg,
        at=at,
        after={
            "certificate": cert.number,
            "evaluation_body": reg.evaluation_body_id,
            "education": education,
            "title_held": title_held,
            "years": years_in_occupation,
            "conditions": outcome.summary,
            "insisted": insist,
        },
        reason=insist_reason,
    )
    return reg


def _registrable_certificate(actor, certificate: TrainingCertificate) -> TrainingCertificate:
    """The certificate, locked, once its institution may register it and it has no open application."""
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
    return cert


def _check_declared(declared: dict) -> None:
    errors = {}
    if declared["education"] not in Education.values:
        errors["education"] = ["请选择学历"]
    if declared["title_held"] not in TitleHeld.values:
        errors["title_held"] = ["请选择已有职称"]
    if declared["years_in_occupation"] < 0 or declared["years_in_occupation"] > 60:
        errors["years_in_occupation"] = ["从事本职业年限应为0至60年"]
    if errors:
        raise ValidationError(errors)


def _declaration_of(cert: TrainingCertificate, declared: dict) -> conditions.Declaration:
    """What the institution declares for the holder of a valid training certificate."""
    return conditions.Declaration(
        level=cert.level.code,
        **declared,
        has_training_certificate=True,
        lower_certificate=_lower_certificate(cert.person_id, cert.occupation_id, cert.level.rank),
    )


def _insist_decision(outcome: conditions.Outcome, *, insist: bool, insist_reason: str) -> tuple[bool, str]:
    """Whether the application goes ahead insisted on, and the reason: refused when it meets no
    route of the conditions and the institution does not insist with a reason."""
    insist_reason = clean_text(
        insist_reason, field="insist_reason", label="坚持申报理由", max_length=REASON_MAX
    )
    if outcome.met:
        return False, ""
    if not insist:
        raise ValidationError(f"{outcome.summary}。{INSIST_HINT}", code="conditions")
    if not insist_reason:
        raise ValidationError({"insist_reason": "坚持申报须填写理由(说明为何符合申报条件)"}, code="required")
    return True, insist_reason


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
    return audit.audited_save(
        obj=reg,
        actor=actor,
        action="evaluation.registration.accept" if accept else "evaluation.registration.reject",
        at=at,
        values={
            "status": Registration.Status.ACCEPTED if accept else Registration.Status.REJECTED,
            "checked_by": actor,
            "checked_at": at,
            "check_note": note,
        },
        audited=("status",),
        reason=note,
    )


def exam_date_problem(reg: Registration, exam_date: date, *, today: date) -> str:
    """Why ``exam_date`` cannot be the registration's exam date, or "" when it can [P3.3]: the exam
    lies inside the registration's window, from the day its conditions were accepted (which follows
    the registration and the training certificate) to today, never in the future."""
    opened = [reg.training_certificate.issued_on, timezone.localdate(reg.registered_at)]
    if reg.checked_at is not None:
        opened.append(timezone.localdate(reg.checked_at))
    earliest = max(opened)
    if exam_date > today:
        return f"考核日期{exam_date.isoformat()}晚于今天({today.isoformat()}),不能登记未来的考核 [P3.3]"
    if exam_date < earliest:
        return (
            f"考核日期{exam_date.isoformat()}早于该申报条件审核通过之日({earliest.isoformat()}),"
            f"考核日期应在{earliest.isoformat()}至{today.isoformat()}之间 [P3.3]"
        )
    return ""


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
    if not isinstance(exam_date, date) or isinstance(exam_date, datetime):
        raise ValidationError({"exam_date": "请填写考核日期(YYYY-MM-DD)"})
    problem = exam_date_problem(reg, exam_date, today=timezone.localdate(at))
    if problem:
        raise ValidationError({"exam_date": problem})
    passed = theory_score >= PASS_MARK and ability_score >= PASS_MARK
    return audit.audited_save(
        obj=reg,
        actor=actor,
        action="evaluation.scores.record",
        at=at,
        values={
            "theory_score": theory_score,
            "ability_score": ability_score,
            "exam_date": exam_date,
            "status": Registration.Status.PASSED if passed else Registration.Status.FAILED,
            "scored_by": actor,
            "scored_at": at,
        },
        audited=("theory_score", "ability_score", "status"),
    )


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
        number=next_number(LevelCertificate, f"WZDJ{today.year}"),
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
    reason = clean_text(reason, field="reason", label="撤销理由", max_length=REASON_MAX)
    if not reason:
        raise ValidationError({"reason": "请填写撤销理由"})
    audit.audited_save(
        obj=cert,
        actor=actor,
        action="evaluation.certificate.revoke",
        at=at,
        values={
            "status": LevelCertificate.Status.REVOKED,
            "revoked_at": at,
            "revoked_by": actor,
            "revoke_reason": reason,
        },
        audited=("status",),
        reason=reason,
    )
    TitleRecognition.objects.filter(certificate=cert).update(void=True)
    return cert


RESULT_COLUMNS = ["申报编号", "身份证号", "姓名", "理论成绩", "能力成绩", "考核日期"]


@transaction.atomic
def results_template_exported(*, actor, rows: int, at: datetime) -> None:
    """Record that an evaluation body downloaded its results template: it carries the full ID numbers of
    its own accepted applicants (the import matches each row on them). Personal data leaving the
    platform is traceable: who, when, which file, how many rows."""
    require(actor, Cap.MANAGE_EVALUATION)
    audit.record(
        actor=actor,
        action="evaluation.results_template.export",
        object_type="evaluation.results",
        object_id="results-template.xlsx",
        changes={"file": "results-template.xlsx", "rows": rows},
        at=at,
    )


@transaction.atomic
def registrations_exported(*, actor, file: str, rows: int, filters: dict[str, str], at: datetime) -> None:
    """A download of the registrations list (applicants' names): who, when, file, filter, rows."""
    audit.record(
        actor=actor,
        action="evaluation.registrations.export",
        object_type="evaluation.Registration",
        object_id="*",
        changes={"file": file, "rows": rows, "filters": filters},
        at=at,
    )
