"""The bank's result file is reconciled, not overwritten: each line's result is recorded once (paid,
or failed with the bank's reason). A file that gives one line two different results is refused
whole; a row that repeats a recorded result (in the same file or a later one) changes nothing; a
row that contradicts a recorded result is refused with its row number. A paid line changes only by
an explicit reversal, 银行退票 (the bank returned the money it had paid): a "退票" row in a result
file or the reversal on the batch page, by the county approver, with the reason; the money goes
back to the fund account, the claim back to payable, and the claimant is told."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from dte.audit import services as audit
from dte.core.bounds import clean_text
from dte.core.permissions import Cap, can, require
from dte.core.spreadsheet import read_table
from dte.subsidy.models import Claim, LedgerEntry, PaymentBatch, PaymentLine, Recovery, Status
from dte.subsidy.services.common import county_scope, event, local_date, tell, trace

RESULT_PAID = {"paid", "成功", "已支付", "支付成功", "success"}
RESULT_FAILED = {"failed", "失败", "支付失败", "fail"}
RESULT_RETURNED = {"returned", "退票", "已退票", "银行退票"}
# A bank's reason ("账户不存在", "户名不符", "账户已冻结") is short; it goes into the claim's timeline
# label (200 characters) after the platform's own words.
BANK_REASON_MAX = 100


# -- the bank's result file ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ResultRow:
    row: int  # the row number in the file (the header is row 1)
    batch: str
    line: int
    result: str  # paid | failed | returned
    reason: str


RESULT_LABEL = {"paid": "成功", "failed": "失败", "returned": "退票"}


def _result_lines(content: bytes, filename: str) -> list[ResultRow]:
    rows = read_table(content, filename)
    if not rows:
        raise ValidationError({"file": "文件为空"})
    header = [str(h or "").strip() for h in rows[0]]
    need = {"批次号", "行号", "结果"}
    if not need <= set(header):
        raise ValidationError({"file": f"表头应包含:{'、'.join(sorted(need))}(可选:失败原因)"})
    out, errors = [], []
    for n, r in enumerate(rows[1:], start=2):
        rec = dict(zip(header, r, strict=False))
        if all(v is None or str(v).strip() == "" for v in r):
            continue
        result = str(rec.get("结果") or "").strip().lower()
        try:
            number = int(str(rec.get("行号")).strip())
        except ValueError:
            errors.append(f"第{n}行:行号应为整数")
            continue
        if result not in RESULT_PAID | RESULT_FAILED | RESULT_RETURNED:
            errors.append(f"第{n}行:结果应为 成功、失败 或 退票")
            continue
        kind = "paid" if result in RESULT_PAID else "failed" if result in RESULT_FAILED else "returned"
        try:
            reason = clean_text(
                rec.get("失败原因"), field="file", label="原因", max_length=BANK_REASON_MAX, line=True
            )
        except ValidationError as exc:
            errors.extend(f"第{n}行:{m}" for m in exc.messages)
            continue
        if kind == "failed" and not reason:
            errors.append(f"第{n}行:支付失败须注明原因")
            continue
        if kind == "returned" and not reason:
            errors.append(f"第{n}行:银行退票须注明原因")
            continue
        out.append(ResultRow(n, str(rec.get("批次号") or "").strip(), number, kind, reason))
    if errors:
        raise ValidationError({"file": errors})
    if not out:
        raise ValidationError({"file": "回盘文件没有结果行"})
    return out


def _rows_text(rows: list[ResultRow]) -> str:
    return "、".join(str(r.row) for r in rows)


def _refusal(pl: PaymentLine, result: str, actor) -> str:
    """Why the recorded line ``pl`` cannot take ``result``; "" when it can (or it is a repeat)."""
    recorded = pl.status
    n = pl.line
    if result == recorded:
        return ""
    if recorded == PaymentLine.Status.PENDING:
        if result == "returned":
            return f"第{n}笔尚未登记为支付成功,“退票”与之矛盾,不能登记银行退票"
        return ""
    if recorded == PaymentLine.Status.PAID:
        if result == "failed":
            return f"第{n}笔已登记为支付成功,“失败”与之矛盾;如款项被银行退回,请以“退票”登记(须审批人员办理)"
        # returned: the reversal
        if not can(actor, Cap.APPROVE_CLAIMS):
            return f"第{n}笔的银行退票须由县级审批人员登记 [A2.6.3]"
        if Recovery.objects.filter(claim_id=pl.claim_id).exists():
            return f"第{n}笔的申领已立案追回 [A2.7b],银行退票须先与追回案件核对,不能直接冲正"
        return ""
    if recorded == PaymentLine.Status.FAILED:
        return (
            f"第{n}笔已登记为支付失败({pl.reason}),申领已退回待拨付,“{RESULT_LABEL[result]}”与之矛盾,不予登记"
        )
    # returned: paid once, then returned. A row saying it was paid repeats its history.
    if result == "paid":
        return ""
    return f"第{n}笔已登记为银行退票({pl.reason}),“{RESULT_LABEL[result]}”与之矛盾,不予登记"


@transaction.atomic
def results_import(*, actor, batch: PaymentBatch, content: bytes, filename: str, at: datetime) -> dict:
    """The bank's result file: each line paid, failed (with the reason) or returned after payment
    (退票, with the reason). All or nothing: contradictory rows for one line, or a row contradicting
    a recorded result, refuse the whole file; a row repeating a recorded result changes nothing.
    Failed and returned lines give their claims back to payable and their money back to the fund."""
    require(actor, Cap.PAY_CLAIMS)
    batch = PaymentBatch.objects.select_for_update().get(pk=batch.pk)
    county_scope(actor, batch.account.county)
    results = _result_lines(content, filename)
    lines = {
        pl.line: pl
        for pl in PaymentLine.objects.select_for_update().filter(batch=batch).select_related("claim")
    }
    changes = _changes(actor=actor, batch=batch, lines=lines, results=results)
    counts = {"paid": 0, "failed": 0, "returned": 0, "unchanged": len(results) - len(changes)}
    released = 0
    for r in sorted(changes, key=lambda r: r.row):
        pl = lines[r.line]
        if r.result == "paid":
            _line_paid(actor=actor, batch=batch, pl=pl, at=at)
        elif r.result == "failed":
            _line_failed(actor=actor, batch=batch, pl=pl, reason=r.reason, at=at)
            released += pl.amount
        else:
            _line_returned(actor=actor, batch=batch, pl=pl, reason=r.reason, at=at)
        counts[r.result] += 1
    if released:
        LedgerEntry.objects.create(
            account=batch.account,
            kind=LedgerEntry.Kind.RELEASE,
            amount=released,
            batch=batch,
            at=at,
            note=f"批次{batch.reference}支付失败退回",
        )
    _close_if_done(batch, at)
    audit.record(
        actor=actor, action="payment.results_import", obj=batch, at=at, changes={**counts, "file": filename}
    )
    return counts


def _changes(
    *, actor, batch: PaymentBatch, lines: dict[int, PaymentLine], results: list[ResultRow]
) -> list[ResultRow]:
    """The rows that change a line's recorded result, one per line; the whole file refused, row by
    row, when a row names another batch or a line it does not have, two rows contradict each other,
    or a row contradicts a recorded result."""
    errors: list[tuple[int, str]] = []
    by_line: dict[int, list[ResultRow]] = {}
    for r in results:
        if r.batch != batch.reference:
            errors.append((r.row, f"第{r.row}行:批次号{r.batch}不是本批次{batch.reference}"))
        elif r.line not in lines:
            errors.append((r.row, f"第{r.row}行:本批次没有第{r.line}行"))
        else:
            by_line.setdefault(r.line, []).append(r)
    changes: list[ResultRow] = []
    for number, rows in by_line.items():
        if len({r.result for r in rows}) > 1:
            said = "、".join(f"第{r.row}行“{RESULT_LABEL[r.result]}”" for r in rows)
            errors.append((rows[0].row, f"第{_rows_text(rows)}行:第{number}笔的结果互相矛盾({said})"))
            continue
        pl, first = lines[number], rows[0]
        refusal = _refusal(pl, first.result, actor)
        if refusal:
            errors.append((first.row, f"第{_rows_text(rows)}行:{refusal}"))
        elif first.result != pl.status and not (
            pl.status == PaymentLine.Status.RETURNED and first.result == "paid"
        ):
            changes.append(first)
    if errors:
        raise ValidationError({"file": ["回盘文件未导入,请核对以下各行:", *(m for _, m in sorted(errors))]})
    return changes


def _close_if_done(batch: PaymentBatch, at: datetime) -> None:
    if (
        not batch.lines.filter(status=PaymentLine.Status.PENDING).exists()
        and batch.status == PaymentBatch.Status.OPEN
    ):
        batch.status = PaymentBatch.Status.CLOSED
        batch.closed_at = at
        batch.save()


def _line_paid(*, actor, batch: PaymentBatch, pl: PaymentLine, at: datetime) -> None:
    claim = Claim.objects.select_for_update().get(pk=pl.claim_id)
    if (
        Claim.objects.filter(pk=claim.pk, status=Status.IN_BATCH).update(
            status=Status.PAID, paid_on=local_date(at)
        )
        != 1
    ):
        raise ValidationError(f"申领{claim.reference}状态异常,无法登记为已支付")
    pl.status = PaymentLine.Status.PAID
    pl.reason = ""
    pl.result_at = at
    pl.save()
    claim.refresh_from_db()
    event(
        claim,
        action="paid",
        label=f"补贴{pl.amount}元已拨付至{claim.get_bank_kind_display()}",
        actor=actor,
        at=at,
    )
    tell(
        claim,
        "补贴已拨付",
        f"{pl.amount}元已拨付至您的{claim.get_bank_kind_display()}({claim.masked_bank_account})。",
        at,
    )
    _audit_line(actor=actor, batch=batch, pl=pl, claim=claim, before=Status.IN_BATCH, at=at)


def _line_failed(*, actor, batch: PaymentBatch, pl: PaymentLine, reason: str, at: datetime) -> None:
    claim = Claim.objects.select_for_update().get(pk=pl.claim_id)
    if Claim.objects.filter(pk=claim.pk, status=Status.IN_BATCH).update(status=Status.PAYABLE) != 1:
        raise ValidationError(f"申领{claim.reference}状态异常,无法登记为支付失败")
    pl.status = PaymentLine.Status.FAILED
    pl.reason = reason
    pl.result_at = at
    pl.save()
    claim.refresh_from_db()
    event(
        claim,
        action="payment_failed",
        label=f"银行支付失败({reason}),重新待拨付;拨付期限",
        actor=actor,
        at=at,
        due=claim.payment_due,
    )
    tell(claim, "补贴支付失败", f"银行退回:{reason}。如账户有误,请联系经办机构。", at)
    _audit_line(actor=actor, batch=batch, pl=pl, claim=claim, before=Status.IN_BATCH, at=at, reason=reason)


def _line_returned(*, actor, batch: PaymentBatch, pl: PaymentLine, reason: str, at: datetime) -> None:
    """银行退票: the bank returned a paid line. The money goes back to the fund account (a ledger
    entry), the claim back to payable (it joins the next batch), the claimant is told."""
    claim = Claim.objects.select_for_update().get(pk=pl.claim_id)
    paid_on = claim.paid_on
    if Claim.objects.filter(pk=claim.pk, status=Status.PAID).update(status=Status.PAYABLE, paid_on=None) != 1:
        raise ValidationError(f"申领{claim.reference}当前不是“已拨付”,不能登记银行退票")
    pl.status = PaymentLine.Status.RETURNED
    pl.reason = reason
    pl.returned_at = at
    pl.returned_by = actor
    pl.save()
    claim.refresh_from_db()
    LedgerEntry.objects.create(
        account=batch.account,
        kind=LedgerEntry.Kind.RETURN,
        amount=pl.amount,
        claim=claim,
        batch=batch,
        at=at,
        note=f"批次{batch.reference}第{pl.line}笔银行退票",
    )
    event(
        claim,
        action="payment_returned",
        label=f"银行退票({reason}),{pl.amount}元退回专账,重新待拨付;拨付期限",
        actor=actor,
        at=at,
        due=claim.payment_due,
        note=reason,
    )
    tell(
        claim,
        "补贴被银行退回",
        f"已拨付的{pl.amount}元被银行退回:{reason}。申领已恢复为待拨付,将随下一拨付批次重新支付;"
        "如账户有误,请联系经办机构。",
        at,
    )
    _audit_line(
        actor=actor,
        batch=batch,
        pl=pl,
        claim=claim,
        before=Status.PAID,
        at=at,
        reason=reason,
        paid_on=[paid_on, None],
    )


def _audit_line(
    *,
    actor,
    batch: PaymentBatch,
    pl: PaymentLine,
    claim: Claim,
    before: str,
    at: datetime,
    reason="",
    **extra,
) -> None:
    audit.record(
        actor=actor,
        action=f"payment.line_{pl.status}",
        obj=claim,
        at=at,
        reason=reason,
        changes={
            "status": [before, claim.status],
            "batch": batch.reference,
            "line": pl.line,
            "amount": pl.amount,
            **extra,
            "decision": trace(claim),
        },
    )


@transaction.atomic
def payment_return(*, actor, line: PaymentLine, reason: str, at: datetime) -> PaymentLine:
    """银行退票 entered on the batch page: a paid line the bank returned, by the county approver
    with the reason [A2.6.3]. The same reversal as a "退票" row in a result file."""
    require(actor, Cap.APPROVE_CLAIMS)
    pl = PaymentLine.objects.select_for_update().get(pk=line.pk)
    batch = PaymentBatch.objects.select_related("account__county").get(pk=pl.batch_id)
    county_scope(actor, batch.account.county)
    reason = clean_text(reason, field="reason", label="退票原因", max_length=BANK_REASON_MAX, line=True)
    if not reason:
        raise ValidationError({"reason": "请写明银行退票的原因"})
    if pl.status != PaymentLine.Status.PAID:
        raise ValidationError(
            f"第{pl.line}笔当前为“{pl.get_status_display()}”,只有支付成功的款项才能登记银行退票"
        )
    refusal = _refusal(pl, "returned", actor)
    if refusal:
        raise ValidationError(refusal)
    _line_returned(actor=actor, batch=batch, pl=pl, reason=reason, at=at)
    return pl
