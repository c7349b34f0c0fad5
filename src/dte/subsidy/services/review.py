"""Review and approval on the working-day clock [A2.6.1]: a request for information and its
answer, the review opinion, rejection citing the clauses, approval (four eyes) onto the public
notice [A2.6.2]."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from dte.core.bounds import ANSWER_MAX, NOTE_MAX, REASON_MAX, clean_text
from dte.core.permissions import Cap, require
from dte.policy import periods
from dte.policy.calendar import get_calendar
from dte.policy.rules import RULE_IDS
from dte.subsidy import lifecycle
from dte.subsidy.models import Claim, Evidence, Status
from dte.subsidy.services.common import (
    REMEDIES,
    audit_claim,
    event,
    in_scope,
    local_date,
    lock,
    own,
    requested_at,
    set_review_dues,
    tell,
)
from dte.subsidy.services.deadlines import info_due

# -- review and approval [A2.6.1] ------------------------------------------------------------------


@transaction.atomic
def review_request_info(*, actor, claim: Claim, question: str, at: datetime) -> Claim:
    """Ask the claimant for information; the clock stops until they answer (D3)."""
    require(actor, Cap.REVIEW_CLAIMS)
    claim = lock(claim)
    in_scope(actor, claim)
    lifecycle.require(claim, "request_info")
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
    event(
        claim,
        action="info_requested",
        label="经办机构要求补充材料(审核期限暂停计算);补正期限",
        actor=actor,
        at=at,
        due=lapse,
        note=question,
    )
    audit_claim(
        claim, actor=actor, action="claim.request_info", before=Status.UNDER_REVIEW, at=at, reason=question
    )
    tell(claim, "请补充材料", f"{question}(请于{lapse}前补正,逾期申领终止)[A2.6.1]", at)
    return claim


@transaction.atomic
def claim_answer(*, actor, claim: Claim, answer: str, at: datetime) -> Claim:
    """The claimant answers; the paused working days are added to the due dates (D3)."""
    claim = lock(claim)
    own(actor, claim)
    lifecycle.require(claim, "answer")
    answer = clean_text(answer, field="answer", label="补正说明", max_length=ANSWER_MAX)
    if (
        not answer
        and not claim.evidence.filter(
            kind=Evidence.Kind.INFORMATION, uploaded_at__gte=requested_at(claim)
        ).exists()
    ):
        raise ValidationError({"answer": "请填写说明或上传补正材料"})
    today = local_date(at)
    paused = get_calendar().working_days_between(claim.info_requested_on, today).value
    claim.paused_working_days += max(paused, 0)
    claim.status = Status.UNDER_REVIEW
    claim.info_requested_on = None
    set_review_dues(claim)
    claim.save()
    event(
        claim,
        action="info_supplied",
        label=f"申领人已补充材料,审核期限顺延{paused}个工作日;审核意见期限",
        actor=actor,
        at=at,
        due=claim.review_due,
        note=answer,
    )
    audit_claim(
        claim,
        actor=actor,
        action="claim.answer",
        before=Status.AWAITING_INFO,
        at=at,
        reason=answer,
        paused_working_days=claim.paused_working_days,
    )
    return claim


@transaction.atomic
def review_pass(*, actor, claim: Claim, note: str = "", at: datetime) -> Claim:
    """The review opinion: passed, for the approver [A2.6.1]."""
    require(actor, Cap.REVIEW_CLAIMS)
    note = clean_text(note, field="note", label="审核意见", max_length=NOTE_MAX)
    claim = lock(claim)
    in_scope(actor, claim)
    lifecycle.require(claim, "pass")
    claim.status = Status.REVIEWED
    claim.reviewed_by = actor
    claim.reviewed_at = at
    claim.findings_changed = []
    # The approval stage has its own due date: its reminder and escalation are still to come.
    claim.reminded_on = None
    claim.escalated_on = None
    claim.save()
    event(
        claim,
        action="reviewed",
        label="审核通过,待审批;审批期限",
        actor=actor,
        at=at,
        due=claim.approval_due,
        note=note,
    )
    audit_claim(
        claim, actor=actor, action="claim.review_pass", before=Status.UNDER_REVIEW, at=at, reason=note
    )
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
    claim = lock(claim)
    (cap,) = lifecycle.capabilities(claim, "reject")  # the reviewer's under review, else the approver's
    require(actor, cap)
    in_scope(actor, claim)
    lifecycle.require(claim, "reject")
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
    event(claim, action="rejected", label="申领未通过", actor=actor, at=at, note=reason)
    audit_claim(
        claim, actor=actor, action="claim.reject", before=before, at=at, reason=reason, clauses=chosen
    )
    tell(
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
    claim = lock(claim)
    in_scope(actor, claim)
    lifecycle.require(claim, "approve")
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
    event(claim, action="approved", label="审批通过", actor=actor, at=at, note=note)
    event(
        claim,
        action="published",
        label=f"公示{notice.first_day}至{notice.last_day};公示截止",
        at=at,
        due=notice.last_day,
    )
    audit_claim(
        claim,
        actor=actor,
        action="claim.approve",
        before=Status.REVIEWED,
        at=at,
        reason=note,
        notice=[notice.first_day, notice.last_day],
        payment_due=notice.payment_due,
    )
    tell(
        claim,
        "申领已审批通过",
        f"补贴{claim.amount}元,公示期{notice.first_day}至{notice.last_day} [A2.6.2]。",
        at,
    )
    return claim
