"""Payment [A2.6.2], [A2.6.3]: the county's fund account (职业技能提升行动专账资金) per year,
payment batches within the available balance, and the bank file.

Exactly once: a claim joins a batch only by a conditional update (payable → in batch) under a lock
on the fund account, and only with complete payment details (the others are left out and listed);
a partial unique index allows one open (pending or paid) payment line per claim.

The bank file (CSV, XLSX) goes through ``dte.core.spreadsheet`` so that no cell is read as a
formula; every download is recorded in the audit log: who, when, which file, how many rows."""

from __future__ import annotations

from datetime import datetime

from cryptography.exceptions import InvalidTag
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum

from dte.audit import services as audit
from dte.catalog.models import County
from dte.core import spreadsheet
from dte.core.bounds import clean_text
from dte.core.permissions import Cap, require
from dte.subsidy.models import Claim, FundAccount, LedgerEntry, PaymentBatch, PaymentLine, Status
from dte.subsidy.services.common import (
    clean_account,
    county_scope,
    event,
    local_date,
    reference,
    trace,
    whole_yuan,
)

BANK_COLUMNS = ["批次号", "行号", "姓名", "银行账户类别", "开户银行", "银行账号", "金额(元)", "申领编号"]
# A technical bound, not a policy figure: a county's fund account for one year holds at most one
# trillion yuan (the real budgets are millions), far inside the database's 64-bit integers.
BUDGET_MAX = 10**12
# Budgets are registered for the current year, the next one, or up to five years back.
BUDGET_YEARS_BACK = 5
LEFT_OUT_SHOWN = 20


def balance(account: FundAccount) -> int:
    return int(account.entries.aggregate(s=Sum("amount"))["s"] or 0)


@transaction.atomic
def fund_budget(
    *, actor, county: County, year: int, amount: int | str, at: datetime, note: str = ""
) -> FundAccount:
    """Open the year's fund account or add budget to it [A2.6.3]. The amount is a whole number of
    yuan; the account's budget stays within ``BUDGET_MAX``."""
    require(actor, Cap.PAY_CLAIMS)
    county_scope(actor, county)
    today = local_date(at)
    first, last = today.year - BUDGET_YEARS_BACK, today.year + 1
    if isinstance(year, bool) or not isinstance(year, int) or not first <= year <= last:
        raise ValidationError({"year": f"年度应在{first}至{last}之间"})
    amount = whole_yuan(amount, field="amount", label="预算金额", minimum=1, maximum=BUDGET_MAX)
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
        if clean_account(account) != account:
            return "收款银行账号含空白字符,请核实"
    except ValidationError:
        return "收款银行账号应为12至30位数字"
    if claim.bank_kind == Claim.BankKind.DESIGNATED and not (claim.bank_name or "").strip():
        return "指定银行账户未填写开户银行"
    return ""


@transaction.atomic
def batch_create(
    *, actor, county: County, at: datetime, limit: int = 500, claim_ids: list[int] | None = None
) -> PaymentBatch:
    """A batch of the county's payable claims (``claim_ids``: those chosen, all of them payable
    claims of the county, else refused), oldest payment due first, never exceeding the fund
    account's available balance. Claims whose payment details are incomplete stay payable and are
    listed on the batch (``left_out``) with the reason."""
    require(actor, Cap.PAY_CLAIMS)
    county_scope(actor, county)
    year = local_date(at).year
    account = FundAccount.objects.select_for_update().filter(county=county, year=year).first()
    if account is None:
        raise ValidationError(f"{county.name}{year}年度专账尚未设立 [A2.6.3]")
    available = balance(account)
    payable = Claim.objects.filter(county=county, status=Status.PAYABLE).select_related("person")
    if claim_ids is not None:
        chosen = set(claim_ids)
        payable = payable.filter(pk__in=chosen)
        if not chosen or len(chosen) > limit or payable.count() != len(chosen):
            raise ValidationError({"claims": f"请勾选本县(市、区)待拨付的申领(最多{limit}件)"})
    candidates = list(payable.order_by("payment_due", "pk")[: limit * 4])
    batch = PaymentBatch.objects.create(
        reference=reference("PF", at), account=account, created_by=actor, created_at=at
    )
    lines, total, left_out = _fill(batch, candidates, available=available, limit=limit)
    if lines == 0:
        raise ValidationError([_no_batch(candidates, left_out, available), *left_out_messages(left_out)])
    batch.total = total
    batch.left_out = left_out
    batch.save()
    _record_batch(actor=actor, batch=batch, available=available, at=at)
    return batch


def _fill(
    batch: PaymentBatch, candidates: list[Claim], *, available: int, limit: int
) -> tuple[int, int, list]:
    """Put the candidates with complete payment details into the batch, within the available
    balance and the line limit. Returns (lines, total, the claims left out with the reason)."""
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
    return line, total, left_out


def _no_batch(candidates: list[Claim], left_out: list[dict], available: int) -> str:
    """Why no claim went into the batch."""
    if not candidates:
        return "没有可拨付的申领"
    if len(left_out) == len(candidates):
        return "没有收款信息完整的待拨付申领,未生成批次"
    return f"专账可用余额{available}元不足以拨付任何一笔待拨付申领"


def _record_batch(*, actor, batch: PaymentBatch, available: int, at: datetime) -> None:
    """The batch's reservation on the ledger, each claim's timeline step and audit entry, and the
    batch's audit entry."""
    LedgerEntry.objects.create(
        account=batch.account,
        kind=LedgerEntry.Kind.RESERVE,
        amount=-batch.total,
        batch=batch,
        at=at,
        note=f"拨付批次{batch.reference}",
    )
    lines = list(batch.lines.select_related("claim"))
    for pl in lines:
        event(
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
                "decision": trace(pl.claim),
            },
        )
    audit.record(
        actor=actor,
        action="payment.batch_create",
        obj=batch,
        at=at,
        changes={
            "lines": len(lines),
            "total": batch.total,
            "available_before": available,
            "claims": [pl.claim.reference for pl in lines],
            "left_out": batch.left_out,
        },
    )


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
    county_scope(actor, batch.account.county)
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
