"""Recovery of wrong or excess payments [A2.7b]: the case, the money repaid, the closing decision."""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from dte.audit import services as audit
from dte.core.bounds import FINDING_MAX, REASON_MAX, clean_text
from dte.core.permissions import Cap, require
from dte.subsidy import lifecycle
from dte.subsidy.models import Claim, FundAccount, LedgerEntry, PaymentLine, Recovery, Repayment
from dte.subsidy.services.common import REMEDIES, county_scope, event, local_date, tell, whole_yuan

# -- recovery [A2.7b] ------------------------------------------------------------------------------


@transaction.atomic
def recovery_open(*, actor, claim: Claim, amount_due: int, reason: str, at: datetime) -> Recovery:
    require(actor, Cap.APPROVE_CLAIMS)
    claim = Claim.objects.select_for_update().get(pk=claim.pk)
    county_scope(actor, claim.county)
    lifecycle.require(claim, "recovery")
    if isinstance(amount_due, bool) or not isinstance(amount_due, int) or not 0 < amount_due <= claim.amount:
        raise ValidationError({"amount_due": f"应追回金额应在1至{claim.amount}元之间"})
    reason = clean_text(reason, field="reason", label="错发、多发的原因", max_length=REASON_MAX)
    if not reason:
        raise ValidationError({"reason": "请写明错发、多发的原因"})
    if claim.recoveries.filter(status=Recovery.Status.OPEN).exists():
        raise ValidationError("该申领已有追回中的案件")
    rec = Recovery.objects.create(
        claim=claim, amount_due=amount_due, reason=reason.strip(), opened_by=actor, opened_at=at
    )
    event(claim, action="recovery", label=f"错发/多发补贴追回{amount_due}元", actor=actor, at=at, note=reason)
    audit.record(
        actor=actor,
        action="recovery.open",
        obj=rec,
        at=at,
        reason=reason,
        changes={"claim": claim.reference, "amount_due": amount_due},
    )
    tell(
        claim,
        "补贴追回通知",
        f"经查,您的补贴存在错发/多发:{reason}。应退回{amount_due}元 [A2.7b]。{REMEDIES}",
        at,
    )
    return rec


@transaction.atomic
def repayment_record(
    *, actor, recovery: Recovery, amount: int | str, received_on: date | None, at: datetime
) -> Repayment:
    """Money repaid on a recovery [A2.7b]: a whole number of yuan, not above what is still due,
    received on a day between the opening of the recovery and today (never in the future: the
    date decides the year the money is reported in)."""
    require(actor, Cap.APPROVE_CLAIMS)
    recovery = Recovery.objects.select_for_update().get(pk=recovery.pk)
    county_scope(actor, recovery.claim.county)
    if recovery.status != Recovery.Status.OPEN:
        raise ValidationError("追回案件已结案")
    errors = {}
    if recovery.balance <= 0:
        errors["amount"] = "该追回案件应追回金额已全部到账,请结案"
    else:
        try:
            amount = whole_yuan(amount, field="amount", label="到账金额", minimum=1, maximum=recovery.balance)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    today, opened = local_date(at), local_date(recovery.opened_at)
    if not isinstance(received_on, date) or isinstance(received_on, datetime):
        errors["received_on"] = "请填写到账日期(YYYY-MM-DD)"
    elif received_on > today:
        errors["received_on"] = f"到账日期{received_on:%Y-%m-%d}晚于今天({today:%Y-%m-%d}),不能登记未来的到账"
    elif received_on < opened:
        errors["received_on"] = f"到账日期不能早于追回立案日期{opened:%Y-%m-%d}"
    if errors:
        raise ValidationError(errors)
    rep = Repayment.objects.create(
        recovery=recovery, amount=amount, received_on=received_on, recorded_by=actor, recorded_at=at
    )
    line = recovery.claim.payment_lines.filter(status=PaymentLine.Status.PAID).select_related("batch").first()
    account = (
        line.batch.account
        if line
        else FundAccount.objects.get(county=recovery.claim.county, year=received_on.year)
    )
    LedgerEntry.objects.create(
        account=account,
        kind=LedgerEntry.Kind.RECOVERY,
        amount=amount,
        claim=recovery.claim,
        at=at,
        note=f"追回{recovery.claim.reference}",
    )
    audit.record(
        actor=actor,
        action="recovery.repayment",
        obj=recovery,
        at=at,
        changes={"amount": amount, "balance": recovery.balance},
    )
    return rep


@transaction.atomic
def recovery_close(*, actor, recovery: Recovery, decision: str, at: datetime) -> Recovery:
    require(actor, Cap.APPROVE_CLAIMS)
    recovery = Recovery.objects.select_for_update().get(pk=recovery.pk)
    county_scope(actor, recovery.claim.county)
    if recovery.status != Recovery.Status.OPEN:
        raise ValidationError("追回案件已结案")
    decision = clean_text(decision, field="decision", label="结案决定", max_length=FINDING_MAX)
    if not decision:
        raise ValidationError({"decision": "请写明结案决定"})
    recovery.status = Recovery.Status.CLOSED
    recovery.closing_decision = decision.strip()
    recovery.closed_at = at
    recovery.save()
    audit.record(
        actor=actor,
        action="recovery.close",
        obj=recovery,
        at=at,
        reason=decision,
        changes={"amount_due": recovery.amount_due, "repaid": recovery.repaid, "balance": recovery.balance},
    )
    return recovery
