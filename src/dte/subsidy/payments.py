"""Payment [A2.6.2], [A2.6.3]: the county's fund account (职业技能提升行动专账资金) per year,
payment batches within the available balance, the bank file, the bank's result file; then recovery
of wrong or excess payments [A2.7b] and the credit list [A2.7a].

Exactly once: a claim joins a batch only by a conditional update (payable → in batch) under a lock
on the fund account; a partial unique index allows one pending and one paid payment line per claim;
a result line is applied only to a pending line, so a re-imported file changes nothing."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum

from dte.accounts.permissions import Cap, can, require
from dte.audit import services as audit
from dte.catalog.models import County
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
from dte.subsidy.services import REMEDIES, _event, _reference, _tell, _trace, local_date

BANK_COLUMNS = ["批次号", "行号", "姓名", "银行账户类别", "开户银行", "银行账号", "金额(元)", "申领编号"]
RESULT_PAID = {"paid", "成功", "已支付", "success"}
RESULT_FAILED = {"failed", "失败", "fail"}


def _county_scope(actor, county: County) -> None:
    if can(actor, Cap.SUPERVISE_CITY):
        return
    if getattr(actor, "county_id", None) != county.pk:
        raise PermissionDenied("只能办理本县(市、区)的拨付")


def balance(account: FundAccount) -> int:
    return int(account.entries.aggregate(s=Sum("amount"))["s"] or 0)


@transaction.atomic
def fund_budget(
    *, actor, county: County, year: int, amount: int, at: datetime, note: str = ""
) -> FundAccount:
    """Open the year's fund account or add budget to it [A2.6.3]."""
    require(actor, Cap.PAY_CLAIMS)
    _county_scope(actor, county)
    if not isinstance(amount, int) or amount <= 0:
        raise ValidationError({"amount": "预算金额应为正整数(元)"})
    account, _ = FundAccount.objects.get_or_create(county=county, year=year, defaults={"budget": 0})
    account = FundAccount.objects.select_for_update().get(pk=account.pk)
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


@transaction.atomic
def batch_create(*, actor, county: County, at: datetime, limit: int = 500) -> PaymentBatch:
    """A batch of the county's payable claims, oldest payment due first, never exceeding the fund
    account's available balance."""
    require(actor, Cap.PAY_CLAIMS)
    _county_scope(actor, county)
    year = local_date(at).year
    account = FundAccount.objects.select_for_update().filter(county=county, year=year).first()
    if account is None:
        raise ValidationError(f"{county.name}{year}年度专账尚未设立 [A2.6.3]")
    available = balance(account)
    candidates = list(
        Claim.objects.filter(county=county, status=Status.PAYABLE)
        .order_by("payment_due", "pk")
        .values_list("pk", "amount")[: limit * 4]
    )
    batch = PaymentBatch.objects.create(
        reference=_reference("PF", at), account=account, created_by=actor, created_at=at
    )
    total, line = 0, 0
    for pk, amount in candidates:
        if line >= limit or total + amount > available:
            continue
        # The conditional update is the claim's ticket into one batch only.
        if not Claim.objects.filter(pk=pk, status=Status.PAYABLE).update(status=Status.IN_BATCH):
            continue
        line += 1
        total += amount
        PaymentLine.objects.create(batch=batch, line=line, claim_id=pk, amount=amount)
    if line == 0:
        raise ValidationError(
            "没有可拨付的申领" if not candidates else f"专账可用余额{available}元不足以拨付任何一笔待拨付申领"
        )
    batch.total = total
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
        },
    )
    return batch


def bank_rows(batch: PaymentBatch) -> list[list]:
    rows = []
    for pl in batch.lines.select_related("claim__person").order_by("line"):
        c = pl.claim
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
    return rows


def bank_file(*, actor, batch: PaymentBatch, fmt: str, at: datetime) -> bytes:
    """The bank file (CSV or XLSX): batch, line, name, account, amount, reference."""
    require(actor, Cap.PAY_CLAIMS)
    _county_scope(actor, batch.account.county)
    rows = bank_rows(batch)
    with transaction.atomic():
        audit.record(
            actor=actor,
            action="payment.bank_file",
            obj=batch,
            at=at,
            changes={"format": fmt, "lines": len(rows)},
        )
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(BANK_COLUMNS)
        w.writerows(rows)
        return buf.getvalue().encode("utf-8-sig")
    if fmt == "xlsx":
        from openpyxl import Workbook

        wb = Workbook()
        ws = wb.active
        ws.title = batch.reference
        ws.append(BANK_COLUMNS)
        for r in rows:
            ws.append(r)
        out = io.BytesIO()
        wb.save(out)
        return out.getvalue()
    raise ValidationError({"format": "格式应为 csv 或 xlsx"})


def _result_lines(content: bytes, filename: str) -> list[tuple[int, str, int, str, str]]:
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
        if result not in RESULT_PAID | RESULT_FAILED:
            errors.append(f"第{n}行:结果应为 成功 或 失败")
            continue
        reason = str(rec.get("失败原因") or "").strip()
        if result in RESULT_FAILED and not reason:
            errors.append(f"第{n}行:支付失败须注明原因")
            continue
        out.append(
            (
                n,
                str(rec.get("批次号") or "").strip(),
                number,
                "paid" if result in RESULT_PAID else "failed",
                reason,
            )
        )
    if errors:
        raise ValidationError({"file": errors})
    return out


@transaction.atomic
def results_import(*, actor, batch: PaymentBatch, content: bytes, filename: str, at: datetime) -> dict:
    """The bank's result file: each line paid or failed (with the reason); failed claims are
    payable again and their amount returns to the fund. All or nothing; importing the same file
    twice changes nothing the second time."""
    require(actor, Cap.PAY_CLAIMS)
    batch = PaymentBatch.objects.select_for_update().get(pk=batch.pk)
    _county_scope(actor, batch.account.county)
    results = _result_lines(content, filename)
    lines = {
        pl.line: pl
        for pl in PaymentLine.objects.select_for_update().filter(batch=batch).select_related("claim")
    }
    errors = []
    for n, ref, number, result, _ in results:
        if ref != batch.reference:
            errors.append(f"第{n}行:批次号{ref}不是本批次{batch.reference}")
        elif number not in lines:
            errors.append(f"第{n}行:本批次没有第{number}行")
        elif lines[number].status != PaymentLine.Status.PENDING and lines[number].status != result:
            errors.append(f"第{n}行:该笔已登记为“{lines[number].get_status_display()}”,与回盘结果矛盾")
    if errors:
        raise ValidationError({"file": errors})
    counts = {"paid": 0, "failed": 0, "unchanged": 0}
    released = 0
    today = local_date(at)
    for _n, _ref, number, result, reason in results:
        pl = lines[number]
        if pl.status != PaymentLine.Status.PENDING:
            counts["unchanged"] += 1
            continue
        claim = Claim.objects.select_for_update().get(pk=pl.claim_id)
        pl.status = result
        pl.reason = reason[:200]
        pl.result_at = at
        pl.save()
        if result == "paid":
            if (
                Claim.objects.filter(pk=claim.pk, status=Status.IN_BATCH).update(
                    status=Status.PAID, paid_on=today
                )
                != 1
            ):
                raise ValidationError(f"申领{claim.reference}状态异常,无法登记为已支付")
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
            counts["paid"] += 1
        else:
            Claim.objects.filter(pk=claim.pk, status=Status.IN_BATCH).update(status=Status.PAYABLE)
            claim.refresh_from_db()
            released += pl.amount
            _event(
                claim,
                action="payment_failed",
                label=f"银行支付失败({reason}),重新待拨付;拨付期限",
                actor=actor,
                at=at,
                due=claim.payment_due,
            )
            _tell(claim, "补贴支付失败", f"银行退回:{reason}。如账户有误,请联系经办机构。", at)
            counts["failed"] += 1
        audit.record(
            actor=actor,
            action=f"payment.line_{result}",
            obj=claim,
            at=at,
            reason=reason,
            changes={
                "status": [Status.IN_BATCH, claim.status],
                "batch": batch.reference,
                "line": number,
                "amount": pl.amount,
                "decision": _trace(claim),
            },
        )
    if released:
        LedgerEntry.objects.create(
            account=batch.account,
            kind=LedgerEntry.Kind.RELEASE,
            amount=released,
            batch=batch,
            at=at,
            note=f"批次{batch.reference}支付失败退回",
        )
    if (
        not batch.lines.filter(status=PaymentLine.Status.PENDING).exists()
        and batch.status == PaymentBatch.Status.OPEN
    ):
        batch.status = PaymentBatch.Status.CLOSED
        batch.closed_at = at
        batch.save()
    audit.record(
        actor=actor, action="payment.results_import", obj=batch, at=at, changes={**counts, "file": filename}
    )
    return counts


# -- recovery [A2.7b] ------------------------------------------------------------------------------


@transaction.atomic
def recovery_open(*, actor, claim: Claim, amount_due: int, reason: str, at: datetime) -> Recovery:
    require(actor, Cap.APPROVE_CLAIMS)
    claim = Claim.objects.select_for_update().get(pk=claim.pk)
    _county_scope(actor, claim.county)
    if claim.status != Status.PAID:
        raise ValidationError("只有已拨付的申领才能追回")
    if not isinstance(amount_due, int) or not 0 < amount_due <= claim.amount:
        raise ValidationError({"amount_due": f"应追回金额应在1至{claim.amount}元之间"})
    if not (reason or "").strip():
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
def repayment_record(*, actor, recovery: Recovery, amount: int, received_on: date, at: datetime) -> Repayment:
    require(actor, Cap.APPROVE_CLAIMS)
    recovery = Recovery.objects.select_for_update().get(pk=recovery.pk)
    _county_scope(actor, recovery.claim.county)
    if recovery.status != Recovery.Status.OPEN:
        raise ValidationError("追回案件已结案")
    if not isinstance(amount, int) or not 0 < amount <= recovery.balance:
        raise ValidationError({"amount": f"到账金额应在1至{recovery.balance}元之间"})
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
    if not (decision or "").strip():
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
    if not (facts or "").strip():
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
    if not (reason or "").strip():
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
    """Every entry for the provincial public credit information system (full identity: city only),
    with its publication period and its status as of ``today``, revoked ones included."""
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
    rows = credit_export_rows(actor=actor, today=local_date(at))
    with transaction.atomic():
        audit.record(
            actor=actor,
            action="credit.export",
            object_type="subsidy.CreditEntry",
            object_id="*",
            at=at,
            changes={"format": fmt, "entries": len(rows)},
        )
    if fmt == "json":
        return json.dumps(rows, ensure_ascii=False, indent=1).encode()
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=EXPORT_FIELDS)
        w.writeheader()
        w.writerows(rows)
        return buf.getvalue().encode("utf-8-sig")
    raise ValidationError({"format": "格式应为 csv 或 json"})


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
