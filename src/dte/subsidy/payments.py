"""Payment [A2.6.2], [A2.6.3]: the county's fund account (职业技能提升行动专账资金) per year,
payment batches within the available balance, the bank file, the bank's result file; then recovery
of wrong or excess payments [A2.7b] and the credit list [A2.7a].

Exactly once: a claim joins a batch only by a conditional update (payable → in batch) under a lock
on the fund account, and only with complete payment details (the others are left out and listed);
a partial unique index allows one open (pending or paid) payment line per claim.

The bank's result file is reconciled, not overwritten: each line's result is recorded once (paid,
or failed with the bank's reason). A file that gives one line two different results is refused
whole; a row that repeats a recorded result (in the same file or a later one) changes nothing; a
row that contradicts a recorded result is refused with its row number. A paid line changes only by
an explicit reversal, 银行退票 (the bank returned the money it had paid): a "退票" row in a result
file or the reversal on the batch page, by the county approver, with the reason; the money goes
back to the fund account, the claim back to payable, and the claimant is told.

Exports: the bank file (CSV, XLSX) and the credit list CSV go through ``dte.core.spreadsheet`` so
that no cell is read as a formula. The credit list export carries full names and ID numbers for the
provincial public credit information system [A2.7a]: it is the city's alone
(``Cap.MANAGE_CREDIT_LIST``, held only by the city officer; county officers and auditors get none,
they see a claim's entries on its page). Every download of a bank file or of the credit list is
recorded in the audit log: who, when, which file, how many rows."""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from cryptography.exceptions import InvalidTag
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum

from dte.accounts.permissions import Cap, can, require
from dte.audit import services as audit
from dte.catalog.models import County
from dte.core import spreadsheet
from dte.core.bounds import FINDING_MAX, REASON_MAX, clean_text
from dte.people.masking import mask_id_number, mask_name
from dte.policy.periods import add_years
from dte.subsidy import facts as fact_files
from dte.subsidy.models import (
    Claim,
    CreditEntry,
    FundAccount,
    LedgerEntry,
    PaymentBatch,
    PaymentLine,
    Recovery,
    Repayment,
    Status,
)
from dte.subsidy.services import REMEDIES, _clean_account, _event, _reference, _tell, _trace, local_date

BANK_COLUMNS = ["批次号", "行号", "姓名", "银行账户类别", "开户银行", "银行账号", "金额(元)", "申领编号"]
RESULT_PAID = {"paid", "成功", "已支付", "支付成功", "success"}
RESULT_FAILED = {"failed", "失败", "支付失败", "fail"}
RESULT_RETURNED = {"returned", "退票", "已退票", "银行退票"}
# A bank's reason ("账户不存在", "户名不符", "账户已冻结") is short; it goes into the claim's timeline
# label (200 characters) after the platform's own words.
BANK_REASON_MAX = 100
# A technical bound, not a policy figure: a county's fund account for one year holds at most one
# trillion yuan (the real budgets are millions), far inside the database's 64-bit integers.
BUDGET_MAX = 10**12
# Budgets are registered for the current year, the next one, or up to five years back.
BUDGET_YEARS_BACK = 5
LEFT_OUT_SHOWN = 20


def _county_scope(actor, county: County) -> None:
    if can(actor, Cap.SUPERVISE_CITY):
        return
    if getattr(actor, "county_id", None) != county.pk:
        raise PermissionDenied("只能办理本县(市、区)的拨付")


def balance(account: FundAccount) -> int:
    return int(account.entries.aggregate(s=Sum("amount"))["s"] or 0)


def _whole_yuan(value: object, *, field: str, label: str, minimum: int, maximum: int) -> int:
    """A whole number of yuan from an int or a posted text, within [minimum, maximum]."""
    if isinstance(value, bool):
        value = None
    if isinstance(value, int):
        number = value
    else:
        text = str(value if value is not None else "").strip()
        if not re.fullmatch(r"[+-]?\d{1,30}(\.\d{1,30})?", text):
            raise ValidationError({field: f"{label}应为整数(元)"})
        try:
            exact = Decimal(text)
        except InvalidOperation:
            raise ValidationError({field: f"{label}应为整数(元)"}) from None
        if exact != exact.to_integral_value():
            raise ValidationError({field: f"{label}应为整数(元),不能有角、分"})
        number = int(exact)
    if not minimum <= number <= maximum:
        raise ValidationError({field: f"{label}应在{minimum:,}至{maximum:,}元之间"})
    return number


@transaction.atomic
def fund_budget(
    *, actor, county: County, year: int, amount: int | str, at: datetime, note: str = ""
) -> FundAccount:
    """Open the year's fund account or add budget to it [A2.6.3]. The amount is a whole number of
    yuan; the account's budget stays within ``BUDGET_MAX``."""
    require(actor, Cap.PAY_CLAIMS)
    _county_scope(actor, county)
    today = local_date(at)
    first, last = today.year - BUDGET_YEARS_BACK, today.year + 1
    if isinstance(year, bool) or not isinstance(year, int) or not first <= year <= last:
        raise ValidationError({"year": f"年度应在{first}至{last}之间"})
    amount = _whole_yuan(amount, field="amount", label="预算金额", minimum=1, maximum=BUDGET_MAX)
    note = clean_text(note, field="note", label="摘要", max_length=200, line=True)
    account, _ = FundAccount.objects.get_or_create(county=county, year=year, defaults={"budget": 0})
    account = FundAccount.objects.select_for_update().get(pk=account.pk)
    if account.budget + amount > BUDGET_MAX:
        raise ValidationError(
            {"amount": f"{year}年度预算已有{account.budget:,}元,追加后将超过上限{BUDGET_MAX:,}元,请核对金额"}
        )
    account.budget += amount
    account.save()
    LedgerEntry.objects.create(
        account=account, kind=LedgerEntry.Kind.BUDGET, amount=amount, at=at, note=note or f"{year}年度预算"
    )
    audit.record(
        actor=actor,
        action="fund.budget",
        obj=account,
        at=at,
        changes={"added": amount, "budget": account.budget},
    )
    return account


# -- payment details [A2.6.2] -----------------------------------------------------------------------


def payment_details_problem(claim: Claim) -> str:
    """Why the claim cannot be put in a bank file, or "" when its payment details are complete: the
    claimant's name, an amount above zero, and an account complete for its kind (a social security
    card's bank account: the account number; a designated bank account: the number and the bank)."""
    if not (claim.person.name or "").strip():
        return "申领人姓名缺失"
    if claim.amount <= 0:
        return "核定补贴金额为0"
    if claim.bank_kind not in Claim.BankKind.values:
        return "收款账户类别无效"
    if not claim.bank_account_enc:
        return "未填写收款银行账号 [A2.6.2]"
    try:
        account = claim.bank_account
    except (ValueError, InvalidTag):
        return "收款银行账号无法读取,请核实"
    try:
        if _clean_account(account) != account:
            return "收款银行账号含空白字符,请核实"
    except ValidationError:
        return "收款银行账号应为12至30位数字"
    if claim.bank_kind == Claim.BankKind.DESIGNATED and not (claim.bank_name or "").strip():
        return "指定银行账户未填写开户银行"
    return ""


@transaction.atomic
def batch_create(*, actor, county: County, at: datetime, limit: int = 500) -> PaymentBatch:
    """A batch of the county's payable claims, oldest payment due first, never exceeding the fund
    account's available balance. Claims whose payment details are incomplete stay payable and are
    listed on the batch (``left_out``) with the reason."""
    require(actor, Cap.PAY_CLAIMS)
    _county_scope(actor, county)
    year = local_date(at).year
    account = FundAccount.objects.select_for_update().filter(county=county, year=year).first()
    if account is None:
        raise ValidationError(f"{county.name}{year}年度专账尚未设立 [A2.6.3]")
    available = balance(account)
    candidates = list(
        Claim.objects.filter(county=county, status=Status.PAYABLE)
        .select_related("person")
        .order_by("payment_due", "pk")[: limit * 4]
    )
    batch = PaymentBatch.objects.create(
        reference=_reference("PF", at), account=account, created_by=actor, created_at=at
    )
    total, line, left_out = 0, 0, []
    for claim in candidates:
        problem = payment_details_problem(claim)
        if problem:
            left_out.append({"claim": claim.reference, "id": claim.pk, "reason": problem})
            continue
        pk, amount = claim.pk, claim.amount
        if line >= limit or total + amount > available:
            continue
        # The conditional update is the claim's ticket into one batch only.
        if not Claim.objects.filter(pk=pk, status=Status.PAYABLE).update(status=Status.IN_BATCH):
            continue
        line += 1
        total += amount
        PaymentLine.objects.create(batch=batch, line=line, claim_id=pk, amount=amount)
    if line == 0:
        if not candidates:
            first = "没有可拨付的申领"
        elif len(left_out) == len(candidates):
            first = "没有收款信息完整的待拨付申领,未生成批次"
        else:
            first = f"专账可用余额{available}元不足以拨付任何一笔待拨付申领"
        raise ValidationError([first, *left_out_messages(left_out)])
    batch.total = total
    batch.left_out = left_out
    batch.save()
    LedgerEntry.objects.create(
        account=account,
        kind=LedgerEntry.Kind.RESERVE,
        amount=-total,
        batch=batch,
        at=at,
        note=f"拨付批次{batch.reference}",
    )
    for pl in batch.lines.select_related("claim"):
        _event(
            pl.claim,
            action="in_batch",
            label=f"已列入拨付批次{batch.reference}",
            actor=actor,
            at=at,
            due=pl.claim.payment_due,
        )
        audit.record(
            actor=actor,
            action="claim.in_batch",
            obj=pl.claim,
            at=at,
            changes={
                "status": [Status.PAYABLE, Status.IN_BATCH],
                "batch": batch.reference,
                "line": pl.line,
                "amount": pl.amount,
                "decision": _trace(pl.claim),
            },
        )
    audit.record(
        actor=actor,
        action="payment.batch_create",
        obj=batch,
        at=at,
        changes={
            "lines": line,
            "total": total,
            "available_before": available,
            "claims": [pl.claim.reference for pl in batch.lines.all()],
            "left_out": left_out,
        },
    )
    return batch


def left_out_messages(left_out: list[dict]) -> list[str]:
    """One line per claim left out of a batch, the first ``LEFT_OUT_SHOWN`` of them."""
    out = [f"申领{x['claim']}未列入:{x['reason']}" for x in left_out[:LEFT_OUT_SHOWN]]
    if len(left_out) > LEFT_OUT_SHOWN:
        out.append(f"……另有{len(left_out) - LEFT_OUT_SHOWN}件收款信息不完整的申领未列入")
    return out


# -- the bank file ----------------------------------------------------------------------------------


def bank_rows(batch: PaymentBatch) -> list[list]:
    """The rows of the bank file: the batch's lines still awaiting the bank's result, each checked
    (name, account complete for its kind, amount above zero and equal to the claim's). A line that
    fails a check refuses the whole file, naming the line."""
    rows, errors = [], []
    lines = batch.lines.filter(status=PaymentLine.Status.PENDING).select_related("claim__person")
    for pl in lines.order_by("line"):
        c = pl.claim
        problem = payment_details_problem(c)
        if not problem and not 0 < pl.amount == c.amount:
            problem = f"金额{pl.amount}元与申领核定的{c.amount}元不符"
        if problem:
            errors.append(f"第{pl.line}行(申领{c.reference}):{problem}")
            continue
        rows.append(
            [
                batch.reference,
                pl.line,
                c.person.name,
                c.get_bank_kind_display(),
                c.bank_name,
                c.bank_account,
                pl.amount,
                c.reference,
            ]
        )
    if errors:
        raise ValidationError({"file": ["银行文件未生成,请先处理以下各行:", *errors]})
    if not rows:
        raise ValidationError({"file": "本批次各笔均已回盘,不再生成银行文件(以免重复支付)"})
    return rows


def bank_file(*, actor, batch: PaymentBatch, fmt: str, at: datetime) -> bytes:
    """The bank file (CSV or XLSX) of the lines awaiting the bank: batch, line, name, account,
    amount, reference. Formula-like text is written as text; the download is audited."""
    require(actor, Cap.PAY_CLAIMS)
    _county_scope(actor, batch.account.county)
    if fmt not in ("csv", "xlsx"):
        raise ValidationError({"format": "格式应为 csv 或 xlsx"})
    rows = bank_rows(batch)
    if fmt == "csv":
        content = spreadsheet.csv_bytes(BANK_COLUMNS, rows)
    else:
        content = spreadsheet.xlsx_bytes(BANK_COLUMNS, rows, title=batch.reference)
    with transaction.atomic():
        audit.record(
            actor=actor,
            action="payment.bank_file",
            obj=batch,
            at=at,
            changes={"format": fmt, "file": f"{batch.reference}.{fmt}", "lines": len(rows)},
        )
    return content


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
    rows = fact_files.read_table(content, filename)
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
    _county_scope(actor, batch.account.county)
    results = _result_lines(content, filename)
    lines = {
        pl.line: pl
        for pl in PaymentLine.objects.select_for_update().filter(batch=batch).select_related("claim")
    }
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
    _event(
        claim,
        action="paid",
        label=f"补贴{pl.amount}元已拨付至{claim.get_bank_kind_display()}",
        actor=actor,
        at=at,
    )
    _tell(
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
    _event(
        claim,
        action="payment_failed",
        label=f"银行支付失败({reason}),重新待拨付;拨付期限",
        actor=actor,
        at=at,
        due=claim.payment_due,
    )
    _tell(claim, "补贴支付失败", f"银行退回:{reason}。如账户有误,请联系经办机构。", at)
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
    _event(
        claim,
        action="payment_returned",
        label=f"银行退票({reason}),{pl.amount}元退回专账,重新待拨付;拨付期限",
        actor=actor,
        at=at,
        due=claim.payment_due,
        note=reason,
    )
    _tell(
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
            "decision": _trace(claim),
        },
    )


@transaction.atomic
def payment_return(*, actor, line: PaymentLine, reason: str, at: datetime) -> PaymentLine:
    """银行退票 entered on the batch page: a paid line the bank returned, by the county approver
    with the reason [A2.6.3]. The same reversal as a "退票" row in a result file."""
    require(actor, Cap.APPROVE_CLAIMS)
    pl = PaymentLine.objects.select_for_update().get(pk=line.pk)
    batch = PaymentBatch.objects.select_related("account__county").get(pk=pl.batch_id)
    _county_scope(actor, batch.account.county)
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


# -- recovery [A2.7b] ------------------------------------------------------------------------------


@transaction.atomic
def recovery_open(*, actor, claim: Claim, amount_due: int, reason: str, at: datetime) -> Recovery:
    require(actor, Cap.APPROVE_CLAIMS)
    claim = Claim.objects.select_for_update().get(pk=claim.pk)
    _county_scope(actor, claim.county)
    if claim.status != Status.PAID:
        raise ValidationError("只有已拨付的申领才能追回")
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
    _event(
        claim, action="recovery", label=f"错发/多发补贴追回{amount_due}元", actor=actor, at=at, note=reason
    )
    audit.record(
        actor=actor,
        action="recovery.open",
        obj=rec,
        at=at,
        reason=reason,
        changes={"claim": claim.reference, "amount_due": amount_due},
    )
    _tell(
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
    _county_scope(actor, recovery.claim.county)
    if recovery.status != Recovery.Status.OPEN:
        raise ValidationError("追回案件已结案")
    errors = {}
    if recovery.balance <= 0:
        errors["amount"] = "该追回案件应追回金额已全部到账,请结案"
    else:
        try:
            amount = _whole_yuan(
                amount, field="amount", label="到账金额", minimum=1, maximum=recovery.balance
            )
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
    _county_scope(actor, recovery.claim.county)
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


# -- credit list [A2.7a] ---------------------------------------------------------------------------

LEGAL_BASIS = "温人社发〔2024〕5号 附件2 七 [A2.7a]"
# [A2.7a] says "按规定向社会公开" and fixes no publication period. Reading for the city to confirm:
# three years from the decision date unless the deciding officer enters another last day.
DEFAULT_PUBLICATION_YEARS = 3


def credit_publish_until(decided_on: date) -> date:
    """The default last day of publication: three years after the decision (29 February → 28)."""
    return add_years(decided_on, DEFAULT_PUBLICATION_YEARS)


def _may_decide_credit(actor, county: County) -> None:
    if not (can(actor, Cap.APPROVE_CLAIMS) or can(actor, Cap.MANAGE_CREDIT_LIST)):
        raise PermissionDenied("当前账号无权认定失信记录")
    _county_scope(actor, county)


@transaction.atomic
def credit_entry_create(
    *,
    actor,
    claim: Claim,
    kind: str,
    facts: str,
    decided_on: date,
    at: datetime,
    publish_until: date | None = None,
    legal_basis: str = LEGAL_BASIS,
) -> CreditEntry:
    """Confirmed fraud or forged identity → a credit-list entry for the provincial public credit
    information system, published masked until ``publish_until`` [A2.7a]."""
    _may_decide_credit(actor, claim.county)
    if kind not in CreditEntry.Kind.values:
        raise ValidationError({"kind": "请选择失信类别"})
    facts = clean_text(facts, field="facts", label="查实情况", max_length=FINDING_MAX)
    if not facts:
        raise ValidationError({"facts": "请写明查实情况"})
    publish_until = publish_until or credit_publish_until(decided_on)
    if publish_until <= decided_on:
        raise ValidationError({"publish_until": "公开截止日期应晚于认定日期"})
    entry = CreditEntry.objects.create(
        person=claim.person,
        claim=claim,
        kind=kind,
        facts=facts.strip(),
        legal_basis=legal_basis,
        decided_on=decided_on,
        publish_until=publish_until,
        decided_by=actor,
        county=claim.county,
        created_at=at,
    )
    audit.record(
        actor=actor,
        action="credit.create",
        obj=entry,
        at=at,
        reason=facts,
        changes={
            "claim": claim.reference,
            "kind": kind,
            "decided_on": decided_on,
            "publish_until": publish_until,
        },
    )
    return entry


@transaction.atomic
def credit_entry_revoke(*, actor, entry: CreditEntry, reason: str, at: datetime) -> CreditEntry:
    """Revoke a credit-list entry (e.g. the finding was overturned on review or appeal): it leaves
    the public page at once and stays in the provincial export marked revoked [A2.7a]."""
    entry = CreditEntry.objects.select_for_update().get(pk=entry.pk)
    _may_decide_credit(actor, entry.county)
    if entry.revoked_at is not None:
        raise ValidationError(f"该信用记录已于{local_date(entry.revoked_at):%Y-%m-%d}撤销,不能重复撤销")
    reason = clean_text(reason, field="reason", label="撤销原因", max_length=REASON_MAX)
    if not reason:
        raise ValidationError({"reason": "请写明撤销原因"})
    entry.revoked_at = at
    entry.revoked_by = actor
    entry.revocation_reason = reason.strip()
    entry.save(update_fields=["revoked_at", "revoked_by", "revocation_reason"])
    audit.record(
        actor=actor,
        action="credit.revoke",
        obj=entry,
        at=at,
        reason=entry.revocation_reason,
        changes={"claim": entry.claim.reference if entry.claim else "", "revoked_at": at},
    )
    return entry


def credit_entries_for(*, claim: Claim) -> list[CreditEntry]:
    """The credit-list entries recorded from one claim, for the officers' claim page."""
    return list(CreditEntry.objects.filter(claim=claim).select_related("revoked_by"))


EXPORT_FIELDS = [
    "name",
    "id_number",
    "kind",
    "facts",
    "legal_basis",
    "decided_on",
    "publish_until",
    "status",
    "revoked_on",
    "revocation_reason",
    "county",
    "claim",
]


def credit_export_rows(*, actor, today: date) -> list[dict]:
    """Every entry for the provincial public credit information system, with its publication period
    and its status as of ``today``, revoked ones included. Full names and ID numbers: the city's
    alone (``Cap.MANAGE_CREDIT_LIST``); a county officer gets none (403), not a masked copy: the
    county sees its entries on the claim pages, and the public page is masked."""
    require(actor, Cap.MANAGE_CREDIT_LIST)
    return [
        {
            "name": e.person.name,
            "id_number": e.person.id_number,
            "kind": e.get_kind_display(),
            "facts": e.facts,
            "legal_basis": e.legal_basis,
            "decided_on": e.decided_on.isoformat(),
            "publish_until": e.publish_until.isoformat(),
            "status": e.status(today),
            "revoked_on": local_date(e.revoked_at).isoformat() if e.revoked_at else "",
            "revocation_reason": e.revocation_reason,
            "county": e.county.name,
            "claim": e.claim.reference if e.claim else "",
        }
        for e in CreditEntry.objects.select_related("person", "county", "claim")
    ]


def credit_export(*, actor, fmt: str, at: datetime) -> bytes:
    """The credit list for the provincial system, CSV (formula-like text written as text) or JSON
    (the values exactly as recorded). Every download is audited: who, when, which file, how many
    rows."""
    require(actor, Cap.MANAGE_CREDIT_LIST)
    if fmt not in ("csv", "json"):
        raise ValidationError({"format": "格式应为 csv 或 json"})
    rows = credit_export_rows(actor=actor, today=local_date(at))
    if fmt == "json":
        content = json.dumps(rows, ensure_ascii=False, indent=1).encode()
    else:
        buf = io.StringIO()
        w = spreadsheet.SafeCsvDictWriter(buf, fieldnames=EXPORT_FIELDS)
        w.writeheader()
        w.writerows(rows)
        content = ("\ufeff" + buf.getvalue()).encode("utf-8")
    with transaction.atomic():
        audit.record(
            actor=actor,
            action="credit.export",
            object_type="subsidy.CreditEntry",
            object_id="*",
            at=at,
            changes={"format": fmt, "file": f"credit-list.{fmt}", "entries": len(rows)},
        )
    return content


def credit_public(*, today: date) -> list[dict]:
    """The public page: entries published on ``today`` only (decided, not revoked, within their
    publication period), masked [A2.7a]."""
    published = CreditEntry.objects.filter(
        revoked_at__isnull=True, decided_on__lte=today, publish_until__gte=today
    ).select_related("person", "county")
    return [
        {
            "name": mask_name(e.person.name),
            "id_number": mask_id_number(e.person.id_number),
            "kind": e.get_kind_display(),
            "legal_basis": e.legal_basis,
            "decided_on": e.decided_on,
            "publish_until": e.publish_until,
            "county": e.county.name,
        }
        for e in published
    ]
