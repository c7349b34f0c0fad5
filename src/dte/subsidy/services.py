"""The claim lifecycle (DESIGN.md §4, Annex 2 [A2.5]–[A2.7]): start, submit, review on the
working-day clock, approval (four eyes), public notice and objections, withdrawal, re-decision.

Every transition runs in one transaction, locks the claim row, checks the state it starts from,
records a timeline event and an audit entry carrying the engine's decision trace, and tells the
claimant (inbox + SMS backend)."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from dte import rows
from dte.accounts.permissions import Cap, can, require
from dte.audit import services as audit
from dte.catalog.models import County
from dte.core.bounds import (
    ANSWER_MAX,
    CONTACT_MAX,
    FILENAME_MAX,
    FINDING_MAX,
    LABEL_MAX,
    NOTE_MAX,
    REASON_MAX,
    clean_text,
)
from dte.notifications.services import notify
from dte.people import crypto
from dte.people.services import clean_phone
from dte.policy import periods
from dte.policy.calendar import get_calendar
from dte.policy.engine import evaluate
from dte.policy.rules import RULE_IDS
from dte.subsidy import evidence as evidence_files
from dte.subsidy import facts as person_facts
from dte.subsidy import selectors, sources
from dte.subsidy import sql as claim_sql
from dte.subsidy.models import (
    BANK_CONTEXT,
    COUNTED,
    ENGINE_STATUS,
    OPEN_FOR_REVIEW,
    WITHDRAWABLE,
    Claim,
    ClaimEvent,
    Evidence,
    Objection,
    PersonStatus,
    Status,
)

# [A2.5] Claims that may not be received at all: outside the policy's time [P5.4], after the claim
# deadline ("超过期限不再受理" [A2.4a]), over the yearly limit [A2.4b], a repeat [A2.4c].
REFUSE_ON = ("P5.4", "A2.4a-deadline", "A2.4b-yearly-limit", "A2.4c-no-repeat")
# Our reading of "可要求申请者予以配合协助" [A2.6.1]: the claimant has 20 working days to answer;
# reminded after 15; then the claim lapses (the clock stays paused meanwhile, D3).
INFO_REMIND_WORKING_DAYS = 15
INFO_LAPSE_WORKING_DAYS = 20
REMEDIES = (
    "如对本决定不服,可自收到本通知之日起60日内依法申请行政复议,"
    "或者自收到本通知之日起6个月内依法向人民法院提起行政诉讼。"
)
OBJECTIONS_PER_HOUR = 5
REQUIRED_EVIDENCE = (Evidence.Kind.TRAINING_CERTIFICATE, Evidence.Kind.LEVEL_CERTIFICATE)


def local_date(at: datetime) -> date:
    return timezone.localdate(at)


def _reference(prefix: str, at: datetime) -> str:
    return f"{prefix}{local_date(at):%Y%m%d}{secrets.token_hex(4).upper()}"


_CLAIM_RELATED = (
    "person",
    "occupation",
    "level",
    "training_institution",
    "training_occupation",
    "training_level",
)


def _lock(claim: Claim) -> Claim:
    return Claim.objects.select_for_update(of=("self",)).select_related(*_CLAIM_RELATED).get(pk=claim.pk)


def _expect(claim: Claim, *statuses: str) -> None:
    if claim.status not in statuses:
        allowed = "、".join(Status(s).label for s in statuses)
        raise ValidationError(f"申领当前状态为“{claim.get_status_display()}”,只能在“{allowed}”时办理")


def _event(
    claim: Claim, *, action: str, label: str, actor=None, at: datetime, due=None, note: str = ""
) -> None:
    # One plain INSERT: every step of every claim writes one (see dte.rows).
    rows.insert(
        ClaimEvent(claim=claim, at=at, action=action, label=label, actor=actor, due=due, note=note),
        ("claim", "at", "action", "label", "actor", "due", "note"),
    )


def _trace(claim: Claim) -> dict:
    return {
        "eligible": claim.decision.get("eligible"),
        "amount": claim.decision.get("amount"),
        "failed": claim.decision.get("failed", []),
        "policy": claim.decision.get("policy"),
        "findings": [
            {"rule": f["rule"], "passed": f["passed"], "message": f["message"]}
            for f in claim.decision.get("findings", [])
        ],
    }


def _audit(claim: Claim, *, actor, action: str, before: str, at: datetime, reason: str = "", **extra) -> None:
    audit.record(
        actor=actor,
        action=action,
        obj=claim,
        at=at,
        reason=reason,
        changes={"status": [before, claim.status], "decision": _trace(claim), **extra},
    )


def _tell(claim: Claim, subject: str, body: str, at: datetime) -> None:
    notify(
        person=claim.person,
        subject=subject,
        body=f"您的培训补贴申领 {claim.reference}:{body}",
        link=f"/subsidy/claims/{claim.pk}/",
        topic="subsidy",
        at=at,
    )


def _in_scope(actor, claim: Claim) -> None:
    """County officers act only on their county's claims (G5); the city sees all."""
    if can(actor, Cap.SUPERVISE_CITY):
        return
    if getattr(actor, "county_id", None) is None or claim.county_id != actor.county_id:
        raise PermissionDenied("该申领不属于本县(市、区)")


def _own(actor, claim: Claim) -> None:
    require(actor, Cap.CLAIM_SUBSIDY)
    if actor.person_id != claim.person_id:
        raise PermissionDenied("只能办理本人的申领")


# -- the engine's input ----------------------------------------------------------------------------


def _priors(claim: Claim) -> list[tuple]:
    """The person's other submitted claims: (pk, status, occupation code, level code, claim date)."""
    return claim_sql.priors(claim.person_id, claim.pk)


def engine_input(claim: Claim, on: date, priors: list[tuple] | None = None) -> dict:
    """The claim in the engine's JSON contract, with the person's facts as of ``on`` [A2.7c]."""
    person = claim.person
    priors = _priors(claim) if priors is None else priors
    out = {
        "id": claim.pk,
        "claim_date": on.isoformat(),
        "person": person_facts.person_facts(person, on, claim.retirement_category),
        "level_certificate": {
            "occupation": claim.occupation.code,
            "level": claim.level.code,
            "issued_on": claim.level_issued_on.isoformat(),
        },
        "prior_claims": [
            {
                "occupation": occupation,
                "level": level,
                "claim_date": (claim_date or on).isoformat(),
                "status": ENGINE_STATUS[Status(status)],
            }
            for _, status, occupation, level, claim_date in priors
        ],
    }
    if claim.training_issued_on is not None:
        out["training"] = {
            "institution": claim.training_institution.name if claim.training_institution else None,
            "occupation": claim.training_occupation.code if claim.training_occupation else None,
            "level": claim.training_level.code if claim.training_level else None,
            "hours": claim.training_hours,
            "certificate_date": claim.training_issued_on.isoformat(),
        }
    return out


def decide(claim: Claim, on: date, raw: dict | None = None) -> dict:
    """The engine's decision for the claim as of ``on``; an ill-formed input comes back as a
    decision that is not eligible, with the problem as its one finding."""
    result = evaluate([raw or engine_input(claim, on)])[0]
    if "error" in result:
        err = result["error"]
        message = _input_problem(err["field"], err["message"])
        return {
            "id": claim.pk,
            "eligible": False,
            "amount": 0,
            "claim_deadline": None,
            "route_to": None,
            "failed": ["input"],
            "provisional": False,
            "findings": [{"rule": "input", "clause": "", "passed": False, "message": message}],
            "error": err,
        }
    return result


def _input_problem(field: str, message: str) -> str:
    if field == "person.retirement_category":
        return "女性申领人须申报退休类别(女干部或女工人),以确定法定退休年龄 [A2.1c]"
    return f"申领信息不完整:{field} {message}"


def precheck(claim: Claim, on: date) -> dict:
    """The engine's pre-check shown to the claimant before submitting (nothing is written)."""
    return decide(claim, on)


# -- start, edit, evidence -------------------------------------------------------------------------


@transaction.atomic
def claim_start(*, actor, certificate: sources.CertificateFacts, at: datetime) -> Claim:
    """A trainee with a level certificate starts a claim, pre-filled from the records [A2.5]."""
    require(actor, Cap.CLAIM_SUBSIDY)
    person = actor.person
    existing = Claim.objects.filter(
        person=person, level_certificate_number=certificate.level_number, status=Status.DRAFT
    ).first()
    if existing is not None:
        return existing
    status = PersonStatus.objects.filter(person=person).first()
    claim = Claim.objects.create(
        reference=_reference("BT", at),
        person=person,
        level_certificate_id=certificate.level_certificate_id,
        level_certificate_number=certificate.level_number,
        occupation_id=certificate.occupation_id,
        level_id=certificate.level_id,
        level_issued_on=certificate.level_issued_on,
        training_certificate_id=certificate.training_certificate_id,
        training_certificate_number=certificate.training_number,
        training_institution_id=certificate.institution_id,
        training_occupation_id=certificate.training_occupation_id,
        training_level_id=certificate.training_level_id,
        training_hours=certificate.training_hours,
        training_issued_on=certificate.training_issued_on,
        training_class_id=certificate.class_id,
        retirement_category=(status.retirement_category if status else ""),
        phone=person.phone,
        created_at=at,
    )
    _event(claim, action="started", label="创建申领(已从培训和评价记录预填证书信息)", actor=actor, at=at)
    audit.record(
        actor=actor, action="claim.start", obj=claim, at=at, after={"certificate": certificate.as_dict()}
    )
    return claim


def _clean_account(raw: str) -> str:
    account = "".join((raw or "").split())
    if not account.isdigit() or not 12 <= len(account) <= 30:
        raise ValidationError({"bank_account": "银行账号应为12至30位数字"})
    return account


@transaction.atomic
def claim_update(
    *,
    actor,
    claim: Claim,
    bank_kind: str,
    bank_account: str,
    bank_name: str = "",
    phone: str = "",
    retirement_category: str = "",
    at: datetime,
) -> Claim:
    """The claimant's part of the form: payment account [A2.6.2], contact, retirement category."""
    claim = _lock(claim)
    _own(actor, claim)
    _expect(claim, Status.DRAFT)
    if bank_kind not in Claim.BankKind.values:
        raise ValidationError({"bank_kind": "请选择社会保障卡银行账户或指定银行账户"})
    account = _clean_account(bank_account)
    bank_name = clean_text(bank_name, field="bank_name", label="开户银行", max_length=LABEL_MAX, line=True)
    if bank_kind == Claim.BankKind.DESIGNATED and not bank_name:
        raise ValidationError({"bank_name": "指定银行账户须填写开户银行"})
    if retirement_category and retirement_category not in ("female_cadre", "female_worker", "male"):
        raise ValidationError({"retirement_category": "退休类别应为女干部或女工人"})
    claim.bank_kind = bank_kind
    claim.bank_name = bank_name or ("社会保障卡" if bank_kind == Claim.BankKind.SOCIAL_SECURITY_CARD else "")
    claim.bank_account_enc = crypto.encrypt(account, context=BANK_CONTEXT)
    claim.bank_account_hash = Claim.hash_bank_account(account)
    claim.phone = clean_phone(phone) or claim.phone
    claim.retirement_category = retirement_category
    claim.save()
    audit.record(
        actor=actor,
        action="claim.update",
        obj=claim,
        at=at,
        changes={"bank_kind": bank_kind, "bank_account": claim.masked_bank_account},
    )
    return claim


@transaction.atomic
def evidence_add(*, actor, claim: Claim, kind: str, filename: str, content: bytes, at: datetime) -> Evidence:
    """Upload one evidence file (type and size checked by content) [A2.5]."""
    claim = _lock(claim)
    _own(actor, claim)
    _expect(claim, Status.DRAFT, Status.AWAITING_INFO)
    if kind not in Evidence.Kind.values or kind == Evidence.Kind.OBJECTION:
        raise ValidationError({"kind": "请选择材料类别"})
    filename = _clean_filename(filename)
    ctype = evidence_files.sniff(content)
    ev = Evidence.objects.create(
        claim=claim,
        kind=kind,
        filename=filename,
        content_type=ctype,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
        uploaded_at=at,
    )
    audit.record(
        actor=actor,
        action="claim.evidence_add",
        obj=claim,
        at=at,
        changes={"kind": kind, "file": ev.filename, "sha256": ev.sha256, "size": ev.size},
    )
    return ev


def _clean_filename(filename: str) -> str:
    return clean_text(filename, field="file", label="文件名", max_length=FILENAME_MAX, line=True) or "upload"


# -- submit [A2.5], [A2.4b], [A2.4c], [A2.7c] ------------------------------------------------------


def _route(decision: dict) -> County:
    code = decision.get("route_to")
    county = claim_sql.county_by_code(code) if code else None
    if county is None:
        raise ValidationError(
            "无法确定受理的县(市、区):平台暂无您在温州的失业登记或连续社保缴费记录 [A2.5](G5);"
            "请先由经办机构导入相关信息"
        )
    return county


def _check_submittable(claim: Claim, evidence: list[dict]) -> None:
    kinds = {e["kind"] for e in evidence}
    missing = [Evidence.Kind(k).label for k in REQUIRED_EVIDENCE if k not in kinds]
    if missing:
        raise ValidationError({"evidence": f"请上传{'、'.join(missing)} [A2.5]"})
    if not claim.bank_account_enc:
        raise ValidationError({"bank_account": "请填写收款银行账户 [A2.6.2]"})


def _decide_for_submit(claim: Claim, on: date, priors: list[tuple]) -> tuple[dict, dict, County]:
    raw = engine_input(claim, on, priors)
    decision = decide(claim, on, raw)
    if "error" in decision:
        raise ValidationError(decision["findings"][0]["message"])
    refused = [f for f in decision["findings"] if f["rule"] in REFUSE_ON and not f["passed"]]
    if refused:
        raise ValidationError([f["message"] for f in refused])
    return raw, decision, _route(decision)


def claim_submit(*, actor, claim: Claim, at: datetime) -> Claim:
    """Submit a claim [A2.5]: decide it on the facts as of the claim date [A2.7c], freeze them with
    the decision trace, and route it to its county (G5).

    The reading work (facts, the engine, fraud signals) is done before the write transaction; the
    transaction locks the person row, so that concurrent submissions of one person are decided one
    after the other ([A2.4b] at most 3 counted claims a year, [A2.4c] never the same occupation and
    level twice; the partial unique index backs the latter), and decides again if another claim of
    the person changed in between, or the claim's own inputs (form, evidence) did."""
    from dte.subsidy import fraud

    on = local_date(at)
    pre = claim_sql.claim_with_related(claim.pk)
    if pre is None:
        raise PermissionDenied("没有该申领")
    _own(actor, pre)
    _expect(pre, Status.DRAFT)
    evidence = claim_sql.evidence_of(pre.pk)
    _check_submittable(pre, evidence)
    priors = _priors(pre)
    raw, decision, county = _decide_for_submit(pre, on, priors)
    flags = fraud.signals(pre, at=at, hashes=[e["sha256"] for e in evidence])
    return _submit_write(
        actor=actor,
        pre=pre,
        at=at,
        on=on,
        evidence=evidence,
        priors=priors,
        raw=raw,
        decision=decision,
        county=county,
        flags=flags,
    )


# The claim's own fields that the engine input and the fraud signals read.
_SUBMIT_INPUTS = (
    "occupation_id",
    "level_id",
    "level_issued_on",
    "retirement_category",
    "training_institution_id",
    "training_occupation_id",
    "training_level_id",
    "training_hours",
    "training_issued_on",
    "training_class_id",
    "bank_account_hash",
    "phone",
)


# What the write transaction reads again under the lock: the inputs, and what is checked.
_LOCKED_FIELDS = ("person_id", "status", "bank_account_enc", *_SUBMIT_INPUTS)


def _inputs(claim: Claim) -> tuple:
    return tuple(getattr(claim, f) for f in _SUBMIT_INPUTS)


@transaction.atomic
def _submit_write(*, actor, pre, at, on, evidence, priors, raw, decision, county, flags) -> Claim:
    from dte.subsidy import fraud

    # Lock the person first (the same order in every path), then the claim.
    person = claim_sql.person_for_update(pre.person_id)
    now = claim_sql.claim_fields_for_update(pre.pk, _LOCKED_FIELDS)
    if now is None:
        raise PermissionDenied("没有该申领")
    same_inputs = tuple(now[f] for f in _SUBMIT_INPUTS) == _inputs(pre)
    if same_inputs:  # the claim read before the lock, with the fields submission checks read again
        claim = pre
        for f in _LOCKED_FIELDS:
            setattr(claim, f, now[f])
    else:
        claim = Claim.objects.select_related(*_CLAIM_RELATED[1:]).get(pk=pre.pk)
    claim.person = person
    _own(actor, claim)
    _expect(claim, Status.DRAFT)
    now_evidence = claim_sql.evidence_of(claim.pk)
    _check_submittable(claim, now_evidence)
    now_priors = _priors(claim)
    if not same_inputs or now_priors != priors:  # something moved meanwhile: decide again
        raw, decision, county = _decide_for_submit(claim, on, now_priors)
    if not same_inputs or now_evidence != evidence:
        flags = fraud.signals(claim, at=at, hashes=[e["sha256"] for e in now_evidence])
    before = claim.status
    claim.status = Status.UNDER_REVIEW
    claim.county = county
    claim.claim_date = on
    claim.submitted_at = at
    claim.received_on = on
    claim.decision = decision
    claim.eligible = decision["eligible"]
    claim.amount = decision["amount"]
    claim.failed_rules = decision["failed"]
    claim.fraud_flags = flags
    frozen = {**raw, "person": dict(raw["person"])}
    frozen["person"]["id_number"] = person.masked_id_number  # the number stays encrypted at rest
    claim.snapshot = {"as_of": on.isoformat(), "engine_input": frozen, "evidence": now_evidence}
    _set_review_dues(claim)
    try:
        # No savepoint: a refusal rolls the whole transaction back.
        claim_sql.claim_save_submitted(claim)
        claim.in_queue = True  # generated by the database from the status
    except IntegrityError as exc:  # the partial unique index of [A2.4c]
        raise ValidationError("同一职业同一等级不得重复申领 [A2.4c]") from exc
    _event(
        claim,
        action="submitted",
        label=f"已提交,由{county.name}受理;审核意见期限",
        actor=actor,
        at=at,
        due=claim.review_due,
    )
    _tell(
        claim,
        "申领已受理",
        f"已由{county.name}人力社保局受理,审核意见期限{claim.review_due},"
        f"审批期限{claim.approval_due} [A2.6.1]。",
        at,
    )
    # Last: on PostgreSQL the audit chain's lock is held from here to the commit, by every writer.
    _audit(claim, actor=actor, action="claim.submit", before=before, at=at, route_to=county.code)
    return claim


def _set_review_dues(claim: Claim) -> None:
    dues = periods.review_due_dates(claim.received_on, claim.paused_working_days)
    claim.review_due = dues.review_due
    claim.approval_due = dues.approval_due
    claim.dates_provisional = dues.provisional


@transaction.atomic
def claim_withdraw(*, actor, claim: Claim, reason: str = "", at: datetime) -> Claim:
    """The claimant withdraws a claim that is not yet approved (DESIGN.md §4). A draft was never
    submitted (no county has it): withdrawing it discards it (``claim_discard``)."""
    reason = clean_text(reason, field="reason", label="撤回理由", max_length=REASON_MAX)
    claim = _lock(claim)
    _own(actor, claim)
    _expect(claim, *WITHDRAWABLE)
    if claim.status == Status.DRAFT:
        return _discard(actor=actor, claim=claim, reason=reason, at=at)
    before = claim.status
    claim.status = Status.WITHDRAWN
    claim.save()
    _event(claim, action="withdrawn", label="申领人撤回申领", actor=actor, at=at, note=reason)
    _audit(claim, actor=actor, action="claim.withdraw", before=before, at=at, reason=reason)
    return claim


@transaction.atomic
def claim_discard(*, actor, claim: Claim, reason: str = "", at: datetime) -> Claim:
    """The claimant discards a draft: the claim, its uploaded files and its timeline are deleted
    (a draft was never submitted, so no county, report or other claim refers to it); the audit log
    keeps the record of the draft and its discarding. Returns the deleted claim (``pk`` kept)."""
    reason = clean_text(reason, field="reason", label="撤回理由", max_length=REASON_MAX)
    claim = _lock(claim)
    _own(actor, claim)
    _expect(claim, Status.DRAFT)
    return _discard(actor=actor, claim=claim, reason=reason, at=at)


def _discard(*, actor, claim: Claim, reason: str, at: datetime) -> Claim:
    pk = claim.pk
    files = list(claim.evidence.values_list("kind", "filename", "sha256"))
    audit.record(
        actor=actor,
        action="claim.discard",
        obj=claim,
        at=at,
        reason=reason,
        changes={
            "status": [claim.status, "discarded"],
            "reference": claim.reference,
            "level_certificate": claim.level_certificate_number,
            "evidence": [{"kind": k, "file": f, "sha256": h} for k, f, h in files],
        },
    )
    Evidence.objects.filter(claim_id=pk).delete()
    ClaimEvent.objects.filter(claim_id=pk).delete()
    Claim.objects.filter(pk=pk, status=Status.DRAFT).delete()
    claim.pk = pk  # the caller may still name it (audit, redirects)
    claim.status = "discarded"
    return claim


# -- review and approval [A2.6.1] ------------------------------------------------------------------


@transaction.atomic
def review_request_info(*, actor, claim: Claim, question: str, at: datetime) -> Claim:
    """Ask the claimant for information; the clock stops until they answer (D3)."""
    require(actor, Cap.REVIEW_CLAIMS)
    claim = _lock(claim)
    _in_scope(actor, claim)
    _expect(claim, Status.UNDER_REVIEW)
    question = clean_text(question, field="question", label="需要补充的信息", max_length=NOTE_MAX)
    if not question:
        raise ValidationError({"question": "请写明需要补充的信息"})
    claim.status = Status.AWAITING_INFO
    claim.info_requested_on = local_date(at)
    claim.info_reminded_on = None
    due = info_due(claim)
    lapse = due.value
    # W1: a deadline reckoned over a year with no holiday schedule is provisional from the start.
    claim.dates_provisional = claim.dates_provisional or due.provisional
    claim.save()
    _event(
        claim,
        action="info_requested",
        label="经办机构要求补充材料(审核期限暂停计算);补正期限",
        actor=actor,
        at=at,
        due=lapse,
        note=question,
    )
    _audit(
        claim, actor=actor, action="claim.request_info", before=Status.UNDER_REVIEW, at=at, reason=question
    )
    _tell(claim, "请补充材料", f"{question}(请于{lapse}前补正,逾期申领终止)[A2.6.1]", at)
    return claim


@transaction.atomic
def claim_answer(*, actor, claim: Claim, answer: str, at: datetime) -> Claim:
    """The claimant answers; the paused working days are added to the due dates (D3)."""
    claim = _lock(claim)
    _own(actor, claim)
    _expect(claim, Status.AWAITING_INFO)
    answer = clean_text(answer, field="answer", label="补正说明", max_length=ANSWER_MAX)
    if (
        not answer
        and not claim.evidence.filter(
            kind=Evidence.Kind.INFORMATION, uploaded_at__gte=_requested_at(claim)
        ).exists()
    ):
        raise ValidationError({"answer": "请填写说明或上传补正材料"})
    today = local_date(at)
    paused = get_calendar().working_days_between(claim.info_requested_on, today).value
    claim.paused_working_days += max(paused, 0)
    claim.status = Status.UNDER_REVIEW
    claim.info_requested_on = None
    _set_review_dues(claim)
    claim.save()
    _event(
        claim,
        action="info_supplied",
        label=f"申领人已补充材料,审核期限顺延{paused}个工作日;审核意见期限",
        actor=actor,
        at=at,
        due=claim.review_due,
        note=answer,
    )
    _audit(
        claim,
        actor=actor,
        action="claim.answer",
        before=Status.AWAITING_INFO,
        at=at,
        reason=answer,
        paused_working_days=claim.paused_working_days,
    )
    return claim


def info_due(claim: Claim, cal=None):
    """The day by which the claimant is to answer a request for information (补正期限): the
    ``INFO_LAPSE_WORKING_DAYS``-th working day after the request, with whether it is provisional (W1)."""
    return (cal or get_calendar()).add_workdays(claim.info_requested_on, INFO_LAPSE_WORKING_DAYS)


def _requested_at(claim: Claim) -> datetime:
    ev = claim.events.filter(action="info_requested").order_by("-at").first()
    return ev.at if ev else claim.created_at


@transaction.atomic
def review_pass(*, actor, claim: Claim, note: str = "", at: datetime) -> Claim:
    """The review opinion: passed, for the approver [A2.6.1]."""
    require(actor, Cap.REVIEW_CLAIMS)
    note = clean_text(note, field="note", label="审核意见", max_length=NOTE_MAX)
    claim = _lock(claim)
    _in_scope(actor, claim)
    _expect(claim, Status.UNDER_REVIEW)
    claim.status = Status.REVIEWED
    claim.reviewed_by = actor
    claim.reviewed_at = at
    claim.findings_changed = []
    # The approval stage has its own due date: its reminder and escalation are still to come.
    claim.reminded_on = None
    claim.escalated_on = None
    claim.save()
    _event(
        claim,
        action="reviewed",
        label="审核通过,待审批;审批期限",
        actor=actor,
        at=at,
        due=claim.approval_due,
        note=note,
    )
    _audit(claim, actor=actor, action="claim.review_pass", before=Status.UNDER_REVIEW, at=at, reason=note)
    return claim


def _clean_clauses(clauses: Iterable[str]) -> list[str]:
    chosen = [c for c in clauses if c]
    unknown = [c for c in chosen if c not in RULE_IDS]
    if not chosen or unknown:
        raise ValidationError({"clauses": "请选择驳回所依据的条款(可多选)"})
    return chosen


@transaction.atomic
def claim_reject(*, actor, claim: Claim, clauses: list[str], reason: str, at: datetime) -> Claim:
    """Reject, citing the failed clauses, by the reviewer (under review) or the approver (after the
    review). The rejection notice states the facts, the clauses and the remedies."""
    claim = _lock(claim)
    if claim.status == Status.UNDER_REVIEW:
        require(actor, Cap.REVIEW_CLAIMS)
    else:
        require(actor, Cap.APPROVE_CLAIMS)
    _in_scope(actor, claim)
    _expect(claim, Status.UNDER_REVIEW, Status.REVIEWED)
    chosen = _clean_clauses(clauses)
    reason = clean_text(reason, field="reason", label="驳回理由", max_length=REASON_MAX)
    if not reason:
        raise ValidationError({"reason": "请写明驳回理由"})
    before = claim.status
    claim.status = Status.REJECTED
    claim.rejection_clauses = chosen
    claim.rejection_reason = reason
    claim.decided_by = actor
    claim.decided_at = at
    claim.save()
    findings = {f["rule"]: f["message"] for f in claim.decision.get("findings", [])}
    cited = ";".join(findings.get(c, c) for c in chosen)
    _event(claim, action="rejected", label="申领未通过", actor=actor, at=at, note=reason)
    _audit(claim, actor=actor, action="claim.reject", before=before, at=at, reason=reason, clauses=chosen)
    _tell(
        claim,
        "申领未通过",
        f"经审核,您的申领不符合补贴条件。事实与依据:{cited}。理由:{reason}。{REMEDIES}",
        at,
    )
    return claim


@transaction.atomic
def claim_approve(*, actor, claim: Claim, note: str = "", at: datetime) -> Claim:
    """Approve (never by the reviewer: four eyes) and publish on the public notice for 5 working
    days [A2.6.1], [A2.6.2]."""
    require(actor, Cap.APPROVE_CLAIMS)
    note = clean_text(note, field="note", label="审批意见", max_length=NOTE_MAX)
    claim = _lock(claim)
    _in_scope(actor, claim)
    _expect(claim, Status.REVIEWED)
    if claim.reviewed_by_id == actor.pk:
        raise PermissionDenied("审核人不能审批本人审核的申领(双人审核)")
    on = local_date(at)
    notice = periods.notice_period(on)
    claim.status = Status.ON_NOTICE
    claim.decided_by = actor
    claim.decided_at = at
    claim.notice_published_on = on
    claim.notice_first_day = notice.first_day
    claim.notice_last_day = notice.last_day
    claim.payment_due = notice.payment_due
    claim.dates_provisional = notice.provisional
    claim.save()
    _event(claim, action="approved", label="审批通过", actor=actor, at=at, note=note)
    _event(
        claim,
        action="published",
        label=f"公示{notice.first_day}至{notice.last_day};公示截止",
        at=at,
        due=notice.last_day,
    )
    _audit(
        claim,
        actor=actor,
        action="claim.approve",
        before=Status.REVIEWED,
        at=at,
        reason=note,
        notice=[notice.first_day, notice.last_day],
        payment_due=notice.payment_due,
    )
    _tell(
        claim,
        "申领已审批通过",
        f"补贴{claim.amount}元,公示期{notice.first_day}至{notice.last_day} [A2.6.2]。",
        at,
    )
    return claim


# -- public notice and objections [A2.6.2] --------------------------------------------------------


def client_key(address: str) -> str:
    return hashlib.sha256(f"objection:{address}".encode()).hexdigest()


@transaction.atomic
def objection_file(
    *, claim: Claim, reason: str, contact: str, client: str, files: list[tuple[str, bytes]] = (), at: datetime
) -> Objection:
    """Anyone may object to a claim on notice; at most 5 objections an hour from one address."""
    claim = _lock(claim)
    if claim.status not in (Status.ON_NOTICE, Status.OBJECTION) or local_date(at) > claim.notice_last_day:
        raise ValidationError("该公示已结束,不再受理异议")
    errors = {}
    try:
        reason = clean_text(reason, field="reason", label="异议理由", max_length=REASON_MAX)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        contact = clean_text(contact, field="contact", label="联系方式", max_length=CONTACT_MAX, line=True)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    if len(reason) < 5:
        errors["reason"] = "请写明异议理由(至少5个字)"
    if not contact:
        errors["contact"] = "请留下联系方式,以便调查核实"
    if errors:
        raise ValidationError(errors)
    key = client_key(client)
    recent = Objection.objects.filter(client_key=key, filed_at__gte=at - timezone.timedelta(hours=1)).count()
    if recent >= OBJECTIONS_PER_HOUR:
        raise ValidationError("提交过于频繁,请稍后再试")
    checked = [
        (_clean_filename(name), content, evidence_files.sniff(content)) for name, content in files if content
    ]
    objection = Objection.objects.create(
        claim=claim, reason=reason, contact=contact, client_key=key, filed_at=at
    )
    for name, content, ctype in checked:
        Evidence.objects.create(
            objection=objection,
            kind=Evidence.Kind.OBJECTION,
            filename=name,
            content_type=ctype,
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            content=content,
            uploaded_at=at,
        )
    before = claim.status
    claim.status = Status.OBJECTION
    claim.save()
    _event(claim, action="objection", label="公示期间收到异议,经办机构调查中", at=at)
    _audit(
        claim,
        actor=None,
        action="claim.objection",
        before=before,
        at=at,
        reason=reason,
        objection=objection.pk,
    )
    return objection


@transaction.atomic
def objection_decide(*, actor, objection: Objection, upheld: bool, finding: str, at: datetime) -> Objection:
    """The county's investigation: upheld → the claim is cancelled and the claimant told;
    dismissed → the claim proceeds (payable once the notice has ended) [A2.6.2]."""
    if not (can(actor, Cap.REVIEW_CLAIMS) or can(actor, Cap.APPROVE_CLAIMS)):
        raise PermissionDenied("当前账号无权处理异议")
    claim = _lock(objection.claim)
    _in_scope(actor, claim)
    objection = Objection.objects.select_for_update().get(pk=objection.pk)
    if objection.status != Objection.Status.OPEN:
        raise ValidationError("该异议已处理")
    finding = clean_text(finding, field="finding", label="调查结论", max_length=FINDING_MAX)
    if not finding:
        raise ValidationError({"finding": "请写明调查结论"})
    objection.status = Objection.Status.UPHELD if upheld else Objection.Status.DISMISSED
    objection.finding = finding
    objection.decided_by = actor
    objection.decided_at = at
    objection.save()
    before = claim.status
    today = local_date(at)
    if upheld:
        claim.status = Status.CANCELLED
        claim.save()
        _event(
            claim, action="cancelled", label="异议经调查成立,取消补贴资格", actor=actor, at=at, note=finding
        )
        _audit(
            claim,
            actor=actor,
            action="claim.cancel",
            before=before,
            at=at,
            reason=finding,
            objection=objection.pk,
        )
        _tell(claim, "补贴资格已取消", f"公示期间的异议经调查成立:{finding}。{REMEDIES}", at)
    elif not claim.objections.filter(status=Objection.Status.OPEN).exists():
        if today > claim.notice_last_day:
            claim.status = Status.PAYABLE
            restarted = periods.payment_due(today)
            if restarted.value > claim.payment_due:
                claim.payment_due = restarted.value
                claim.dates_provisional = restarted.provisional
        else:
            claim.status = Status.ON_NOTICE
        claim.save()
        _event(
            claim,
            action="objection_dismissed",
            label="异议经调查不成立,继续办理",
            actor=actor,
            at=at,
            note=finding,
        )
        if claim.status == Status.PAYABLE:
            _event(claim, action="payable", label="待拨付;拨付期限", at=at, due=claim.payment_due)
        _audit(
            claim,
            actor=actor,
            action="claim.objection_dismissed",
            before=before,
            at=at,
            reason=finding,
            objection=objection.pk,
        )
    return objection


# The due dates a claim carries, in the order they are reported.
DUE_FIELDS = ("review_due", "approval_due", "notice_first_day", "notice_last_day", "payment_due")
_AFTER_NOTICE = (Status.PAYABLE, Status.IN_BATCH)


def _dues_again(claim: Claim, cal) -> bool:
    """Reckon the claim's due dates again on ``cal``; True when one of them is still provisional.
    A notice that has ended keeps its dates (the claim has moved on); the payment due date is
    reckoned from its end, or from the dismissal of an objection decided after it (D3)."""
    provisional = False
    if claim.status in OPEN_FOR_REVIEW and claim.received_on:
        dues = periods.review_due_dates(claim.received_on, claim.paused_working_days, cal)
        claim.review_due, claim.approval_due = dues.review_due, dues.approval_due
        provisional = dues.provisional
        if claim.status == Status.AWAITING_INFO and claim.info_requested_on:
            provisional = provisional or info_due(claim, cal).provisional  # the 补正期限 (W1)
    elif claim.status in (Status.ON_NOTICE, Status.OBJECTION, *_AFTER_NOTICE) and claim.notice_published_on:
        if claim.status in _AFTER_NOTICE:
            pay = periods.payment_due(claim.notice_last_day, cal)
        else:
            notice = periods.notice_period(claim.notice_published_on, cal)
            claim.notice_first_day, claim.notice_last_day = notice.first_day, notice.last_day
            pay = periods.payment_due(notice.last_day, cal)
        payment, provisional = pay.value, pay.provisional
        dismissed = (
            claim.objections.filter(status=Objection.Status.DISMISSED, decided_at__isnull=False)
            .order_by("-decided_at")
            .values_list("decided_at", flat=True)
            .first()
        )
        if dismissed is not None and local_date(dismissed) > claim.notice_last_day:
            restarted = periods.payment_due(local_date(dismissed), cal)
            if restarted.value > payment:
                payment, provisional = restarted.value, restarted.provisional
        claim.payment_due = payment
    return provisional


# The request for information's deadline (补正期限) is not a column: it is reckoned from the day of
# the request; the timeline keeps the deadline each step announced.
INFO_DUE = "info_due"
INFO_DUE_LABEL = "补正期限"


def _info_due_moved(claim: Claim, cal) -> list[date] | None:
    """[announced, now] when the claim awaits information and its deadline, reckoned again on
    ``cal``, is not the one last announced on its timeline; else None."""
    if claim.status != Status.AWAITING_INFO or not claim.info_requested_on:
        return None
    announced = (
        claim.events.filter(
            action__in=("info_requested", "info_reminder", "dues_recomputed"),
            due__isnull=False,
            at__gte=_requested_at(claim),
        )
        .order_by("-at", "-pk")
        .values_list("due", flat=True)
        .first()
    )
    now = info_due(claim, cal).value
    if announced is None or announced == now:
        return None
    return [announced, now]


def due_dates_recompute(*, at: datetime) -> int:
    """Scheduled (W1): the due dates reckoned over a year whose holiday schedule had not been
    published are reckoned again on today's calendar, so that once the State Council's schedule
    for the year is loaded (``dte calendar load``) the open claims follow it. Each claim whose
    dates change gets a timeline entry and an audit entry; a claim that has closed just loses the
    mark. Idempotent: a claim is marked until its dates are no longer provisional, and reckoning
    on an unchanged calendar changes nothing. Returns the number of claims whose dates changed."""
    cal = get_calendar()
    changed = 0
    for pk in Claim.objects.filter(dates_provisional=True).values_list("pk", flat=True):
        with transaction.atomic():
            claim = Claim.objects.select_for_update().filter(pk=pk, dates_provisional=True).first()
            if claim is None:
                continue
            before = {f: getattr(claim, f) for f in DUE_FIELDS}
            claim.dates_provisional = _dues_again(claim, cal)
            after = {f: getattr(claim, f) for f in DUE_FIELDS}
            moved = {f: [before[f], after[f]] for f in DUE_FIELDS if before[f] != after[f]}
            claim.save(update_fields=[*DUE_FIELDS, "dates_provisional"])
            info_moved = _info_due_moved(claim, cal)
            if info_moved is not None:
                moved[INFO_DUE] = info_moved
            if not moved:
                continue
            labels = {
                f: INFO_DUE_LABEL if f == INFO_DUE else str(Claim._meta.get_field(f).verbose_name)
                for f in moved
            }
            _event(
                claim,
                action="dues_recomputed",
                label="按国务院办公厅公布的节假日安排重新计算期限",
                at=at,
                due=moved[INFO_DUE][1] if INFO_DUE in moved else None,
                note="；".join(f"{labels[f]}:{a:%Y-%m-%d} → {b:%Y-%m-%d}" for f, (a, b) in moved.items()),
            )
            audit.record(
                actor=None,
                action="claim.dues_recompute",
                obj=claim,
                at=at,
                changes=moved,
                reason="节假日安排已公布,暂定期限按工作日重新计算(W1)",
            )
            changed += 1
    return changed


def notices_expire(*, at: datetime) -> int:
    """Scheduled: claims whose notice ended with no open objection become payable. Idempotent:
    each claim moves by a conditional update; running twice or late changes nothing more."""
    today = local_date(at)
    ids = list(
        Claim.objects.filter(status=Status.ON_NOTICE, notice_last_day__lt=today).values_list("pk", flat=True)
    )
    moved = 0
    for pk in ids:
        with transaction.atomic():
            claim = Claim.objects.select_for_update().filter(pk=pk, status=Status.ON_NOTICE).first()
            if claim is None or claim.notice_last_day >= today:
                continue
            if claim.objections.filter(status=Objection.Status.OPEN).exists():
                continue
            claim.status = Status.PAYABLE
            claim.save()
            _event(
                claim, action="payable", label="公示期满无异议,待拨付;拨付期限", at=at, due=claim.payment_due
            )
            _audit(claim, actor=None, action="claim.notice_ended", before=Status.ON_NOTICE, at=at)
            _tell(
                claim,
                "公示期满",
                f"公示期满无异议,将于{claim.payment_due}前拨付至您的银行账户 [A2.6.2]。",
                at,
            )
            moved += 1
    return moved


# -- the working-day clock: reminders, escalation, lapse [A2.6.1] ---------------------------------


def deadlines_check(*, at: datetime) -> dict:
    """Scheduled: remind the county before a review or approval is due, escalate to the city when
    overdue, remind a claimant who has not answered, and let an unanswered claim lapse."""
    from dte.accounts.models import Role
    from dte.notifications.officers import notify_officers

    today = local_date(at)
    cal = get_calendar()
    soon = selectors.due_soon_limit(today)  # the queue's "due soon" is when the county is reminded
    counts = {"reminded": 0, "escalated": 0, "info_reminded": 0, "lapsed": 0}
    # [A2.6.1] review in 10 working days, approval in 15: the reviewers or the approvers hold the step.
    stages = {
        Status.UNDER_REVIEW: ("review", "审核", Role.COUNTY_REVIEWER),
        Status.REVIEWED: ("approval", "审批", Role.COUNTY_APPROVER),
    }
    due_soon = Claim.objects.filter(selectors.next_due_q(lte=soon), reminded_on__isnull=True)
    for pk in due_soon.values_list("pk", flat=True):
        with transaction.atomic():
            c = Claim.objects.select_for_update().get(pk=pk)
            if c.reminded_on is not None:
                continue
            c.reminded_on = today
            c.save(update_fields=["reminded_on"])
            due = selectors.next_due(c)
            _event(c, action="reminder", label="办理期限临近,已提醒经办人员", at=at, due=due)
            audit.record(actor=None, action="claim.due_reminder", obj=c, at=at, changes={"due": due})
            stage, step, role = stages[c.status]
            notify_officers(
                county=c.county,
                roles=[role],
                subject=f"申领{step}期限临近:{c.reference}",
                body=(
                    f"{c.county} 的培训补贴申领 {c.reference} {step}期限为 {due:%Y-%m-%d}"
                    "(工作日计 [A2.6.1]),请及时办理。"
                ),
                link=f"/subsidy/claims/{c.pk}/",
                topic="subsidy",
                at=at,
                dedupe_key=f"claim:{c.pk}:{stage}-reminder",
            )
            counts["reminded"] += 1
    overdue = Claim.objects.filter(selectors.next_due_q(lt=today), escalated_on__isnull=True)
    for pk in overdue.values_list("pk", flat=True):
        with transaction.atomic():
            c = Claim.objects.select_for_update().get(pk=pk)
            if c.escalated_on is not None:
                continue
            c.escalated_on = today
            c.save(update_fields=["escalated_on"])
            _event(c, action="escalated", label="已超过办理期限,上报市人力社保局督办", at=at)
            audit.record(actor=None, action="claim.escalate", obj=c, at=at, changes={"county": c.county.code})
            stage, step, _ = stages[c.status]
            due = selectors.next_due(c)
            notify_officers(
                county=None,
                roles=[Role.CITY_OFFICER],
                subject=f"申领{step}超期督办:{c.reference}",
                body=(
                    f"{c.county} 的培训补贴申领 {c.reference} {step}期限 {due:%Y-%m-%d} 已过,"
                    "尚未办结,请督办 [A2.6.1]。"
                ),
                link=f"/subsidy/claims/{c.pk}/",
                topic="subsidy",
                at=at,
                dedupe_key=f"claim:{c.pk}:{stage}-escalation",
            )
            counts["escalated"] += 1
    for pk in Claim.objects.filter(status=Status.AWAITING_INFO).values_list("pk", flat=True):
        with transaction.atomic():
            c = Claim.objects.select_for_update().get(pk=pk)
            if c.status != Status.AWAITING_INFO:
                continue
            waited = cal.working_days_between(c.info_requested_on, today).value
            if waited >= INFO_LAPSE_WORKING_DAYS:
                c.status = Status.LAPSED
                c.save()
                _event(c, action="lapsed", label="逾期未补充材料,申领终止", at=at)
                _audit(c, actor=None, action="claim.lapse", before=Status.AWAITING_INFO, at=at)
                _tell(
                    c,
                    "申领已终止",
                    f"您未在{INFO_LAPSE_WORKING_DAYS}个工作日内补充材料,申领终止。可重新申领。",
                    at,
                )
                counts["lapsed"] += 1
            elif waited >= INFO_REMIND_WORKING_DAYS and c.info_reminded_on is None:
                c.info_reminded_on = today
                due = info_due(c, cal)
                lapse = due.value
                c.dates_provisional = c.dates_provisional or due.provisional  # W1
                c.save(update_fields=["info_reminded_on", "dates_provisional"])
                _event(c, action="info_reminder", label="已提醒申领人补充材料", at=at, due=lapse)
                audit.record(actor=None, action="claim.info_reminder", obj=c, at=at, changes={"lapse": lapse})
                _tell(c, "请尽快补充材料", f"请于{lapse}前补充材料,逾期申领终止。", at)
                counts["info_reminded"] += 1
    return counts


# -- re-decision in one batch ----------------------------------------------------------------------


def claims_redecide(*, person_ids: Iterable[int] | None = None, reason: str, at: datetime, actor=None) -> int:
    """Re-decide the open claims (all, or those of some people) in one engine batch, with the facts
    as of each claim date [A2.7c], and flag every finding that changed to the reviewer."""
    qs = Claim.objects.filter(status__in=OPEN_FOR_REVIEW).select_related(*_CLAIM_RELATED)
    if person_ids is not None:
        qs = qs.filter(person_id__in=list(person_ids))
    claims = list(qs)
    if not claims:
        return 0
    results = evaluate([engine_input(c, c.claim_date) for c in claims])
    changed = 0
    for claim, result in zip(claims, results, strict=True):
        if "error" in result:
            continue
        old = {f["rule"]: f for f in claim.decision.get("findings", [])}
        diffs = [
            {
                "rule": f["rule"],
                "before": old[f["rule"]]["passed"] if f["rule"] in old else None,
                "after": f["passed"],
                "message": f["message"],
            }
            for f in result["findings"]
            if f["rule"] not in old
            or old[f["rule"]]["passed"] != f["passed"]
            or old[f["rule"]]["message"] != f["message"]
        ]
        if not diffs:
            continue
        with transaction.atomic():
            c = Claim.objects.select_for_update().get(pk=claim.pk)
            if c.status not in OPEN_FOR_REVIEW:
                continue
            c.decision = result
            c.eligible = result["eligible"]
            c.amount = result["amount"]
            c.failed_rules = result["failed"]
            c.findings_changed = diffs
            c.save()
            _event(c, action="redecided", label=f"因{reason}重新判定,{len(diffs)}项结论变化", at=at)
            audit.record(
                actor=actor,
                action="claim.redecide",
                obj=c,
                at=at,
                reason=reason,
                changes={"findings_changed": diffs, "decision": _trace(c)},
            )
            changed += 1
    return changed


def claim_counted(claim: Claim) -> bool:
    return claim.status in COUNTED
