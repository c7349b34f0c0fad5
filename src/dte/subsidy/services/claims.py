"""The claimant's side of a claim (DESIGN.md §4, [A2.5]): start, the form, evidence, submission
(decided on the facts as of the claim date, routed to its county), withdrawal and discarding of a
draft."""

from __future__ import annotations

import hashlib
from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from dte.audit import services as audit
from dte.catalog.models import County
from dte.core.bounds import LABEL_MAX, REASON_MAX, clean_text
from dte.core.permissions import Cap, require
from dte.people import crypto
from dte.people.services import clean_phone
from dte.subsidy import evidence as evidence_files
from dte.subsidy import fraud, lifecycle, sources
from dte.subsidy import queries as claim_sql
from dte.subsidy.models import (
    BANK_CONTEXT,
    COUNTED,
    Claim,
    ClaimEvent,
    Evidence,
    PersonStatus,
    Status,
)
from dte.subsidy.services.common import (
    CLAIM_RELATED,
    audit_claim,
    clean_account,
    clean_filename,
    event,
    local_date,
    lock,
    own,
    prior_claims,
    reference,
    set_review_dues,
    tell,
)
from dte.subsidy.services.decision import decide, engine_input

# [A2.5] Claims that may not be received at all: outside the policy's time [P5.4], after the claim
# deadline ("超过期限不再受理" [A2.4a]), over the yearly limit [A2.4b], a repeat [A2.4c].
REFUSE_ON = ("P5.4", "A2.4a-deadline", "A2.4b-yearly-limit", "A2.4c-no-repeat")
REQUIRED_EVIDENCE = (Evidence.Kind.TRAINING_CERTIFICATE, Evidence.Kind.LEVEL_CERTIFICATE)


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
        reference=reference("BT", at),
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
        phone_enc=person.phone_enc,  # the same encrypted number and look-up hash as the person's
        phone_hash=person.phone_hash,
        created_at=at,
    )
    event(claim, action="started", label="创建申领(已从培训和评价记录预填证书信息)", actor=actor, at=at)
    audit.record(
        actor=actor, action="claim.start", obj=claim, at=at, after={"certificate": certificate.as_dict()}
    )
    return claim


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
    claim = lock(claim)
    own(actor, claim)
    lifecycle.require(claim, "update")
    if bank_kind not in Claim.BankKind.values:
        raise ValidationError({"bank_kind": "请选择社会保障卡银行账户或指定银行账户"})
    account = clean_account(bank_account)
    bank_name = clean_text(bank_name, field="bank_name", label="开户银行", max_length=LABEL_MAX, line=True)
    if bank_kind == Claim.BankKind.DESIGNATED and not bank_name:
        raise ValidationError({"bank_name": "指定银行账户须填写开户银行"})
    if retirement_category and retirement_category not in ("female_cadre", "female_worker", "male"):
        raise ValidationError({"retirement_category": "退休类别应为女干部或女工人"})
    claim.bank_kind = bank_kind
    claim.bank_name = bank_name or ("社会保障卡" if bank_kind == Claim.BankKind.SOCIAL_SECURITY_CARD else "")
    claim.bank_account_enc = crypto.encrypt(account, context=BANK_CONTEXT)
    claim.bank_account_hash = Claim.hash_bank_account(account)
    if phone := clean_phone(phone):
        claim.phone = phone
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
    claim = lock(claim)
    own(actor, claim)
    lifecycle.require(claim, "evidence")
    if kind not in Evidence.Kind.values or kind == Evidence.Kind.OBJECTION:
        raise ValidationError({"kind": "请选择材料类别"})
    filename = clean_filename(filename)
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
        # A file added to a submitted claim (information asked for) joins its window [A2.7a].
        claim_institution_id=claim.training_institution_id if claim.submitted_at else None,
        claim_submitted_at=claim.submitted_at,
    )
    audit.record(
        actor=actor,
        action="claim.evidence_add",
        obj=claim,
        at=at,
        changes={"kind": kind, "file": ev.filename, "sha256": ev.sha256, "size": ev.size},
    )
    return ev


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
    decision = decide(claim, on, raw).to_json()
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
    on = local_date(at)
    pre = claim_sql.claim_with_related(claim.pk)
    if pre is None:
        raise PermissionDenied("没有该申领")
    own(actor, pre)
    lifecycle.require(pre, "submit")
    evidence = claim_sql.evidence_of(pre.pk)
    _check_submittable(pre, evidence)
    priors = prior_claims(pre)
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
    "phone_hash",
)


# What the write transaction reads again under the lock: the inputs, and what is checked.
_LOCKED_FIELDS = ("person_id", "status", "bank_account_enc", *_SUBMIT_INPUTS)


def _inputs(claim: Claim) -> tuple:
    return tuple(getattr(claim, f) for f in _SUBMIT_INPUTS)


@transaction.atomic
def _submit_write(*, actor, pre, at, on, evidence, priors, raw, decision, county, flags) -> Claim:
    claim, same_inputs = _lock_for_submit(pre)
    own(actor, claim)
    lifecycle.require(claim, "submit")
    now_evidence = claim_sql.evidence_of(claim.pk)
    _check_submittable(claim, now_evidence)
    now_priors = prior_claims(claim)
    if not same_inputs or now_priors != priors:  # something moved meanwhile: decide again
        raw, decision, county = _decide_for_submit(claim, on, now_priors)
    if not same_inputs or now_evidence != evidence:
        flags = fraud.signals(claim, at=at, hashes=[e["sha256"] for e in now_evidence])
    before = claim.status
    _freeze(
        claim, on=on, at=at, raw=raw, decision=decision, county=county, flags=flags, evidence=now_evidence
    )
    try:
        # No savepoint: a refusal rolls the whole transaction back.
        claim_sql.claim_save_submitted(claim)
        claim.in_queue = True  # generated by the database from the status
    except IntegrityError as exc:  # the partial unique index of [A2.4c]
        raise ValidationError("同一职业同一等级不得重复申领 [A2.4c]") from exc
    _evidence_window(claim)
    event(
        claim,
        action="submitted",
        label=f"已提交,由{county.name}受理;审核意见期限",
        actor=actor,
        at=at,
        due=claim.review_due,
    )
    tell(
        claim,
        "申领已受理",
        f"已由{county.name}人力社保局受理,审核意见期限{claim.review_due},"
        f"审批期限{claim.approval_due} [A2.6.1]。",
        at,
    )
    # Last: on PostgreSQL the audit chain's lock is held from here to the commit, by every writer.
    audit_claim(claim, actor=actor, action="claim.submit", before=before, at=at, route_to=county.code)
    return claim


def _evidence_window(claim: Claim) -> None:
    """The claim's files carry its institution and submission time for the identical-evidence
    signal [A2.7a], which reads them by index (dte.subsidy.queries.identical_evidence_references)."""
    Evidence.objects.filter(claim_id=claim.pk).update(
        claim_institution_id=claim.training_institution_id, claim_submitted_at=claim.submitted_at
    )


def _lock_for_submit(pre: Claim) -> tuple[Claim, bool]:
    """Lock the person first (the same order in every path), then the claim; the claim as it is
    under the lock, and whether its inputs are still those ``pre`` was decided on."""
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
        claim = Claim.objects.select_related(*CLAIM_RELATED[1:]).get(pk=pre.pk)
    claim.person = person
    return claim, same_inputs


def _freeze(claim: Claim, *, on: date, at: datetime, raw, decision, county, flags, evidence) -> None:
    """The submitted claim: routed to its county, decided, its facts frozen as of the claim date
    [A2.7c] (the ID number masked: it stays encrypted at rest), its review due dates set."""
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
    frozen["person"]["id_number"] = claim.person.masked_id_number
    claim.snapshot = {"as_of": on.isoformat(), "engine_input": frozen, "evidence": evidence}
    set_review_dues(claim)


@transaction.atomic
def claim_withdraw(*, actor, claim: Claim, reason: str = "", at: datetime) -> Claim:
    """The claimant withdraws a claim that is not yet approved (DESIGN.md §4). A draft was never
    submitted (no county has it): withdrawing it discards it (``claim_discard``)."""
    reason = clean_text(reason, field="reason", label="撤回理由", max_length=REASON_MAX)
    claim = lock(claim)
    own(actor, claim)
    lifecycle.require(claim, "withdraw")
    if claim.status == Status.DRAFT:
        return _discard(actor=actor, claim=claim, reason=reason, at=at)
    before = claim.status
    claim.status = Status.WITHDRAWN
    claim.save()
    event(claim, action="withdrawn", label="申领人撤回申领", actor=actor, at=at, note=reason)
    audit_claim(claim, actor=actor, action="claim.withdraw", before=before, at=at, reason=reason)
    return claim


@transaction.atomic
def claim_discard(*, actor, claim: Claim, reason: str = "", at: datetime) -> Claim:
    """The claimant discards a draft: the claim, its uploaded files and its timeline are deleted
    (a draft was never submitted, so no county, report or other claim refers to it); the audit log
    keeps the record of the draft and its discarding. Returns the deleted claim (``pk`` kept)."""
    reason = clean_text(reason, field="reason", label="撤回理由", max_length=REASON_MAX)
    claim = lock(claim)
    own(actor, claim)
    lifecycle.require(claim, "discard")
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


def claim_counted(claim: Claim) -> bool:
    return claim.status in COUNTED
