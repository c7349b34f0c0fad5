"""Payment [A2.6.2], [A2.6.3]: the county fund accounts, their ledger, batches and lines; recovery
[A2.7b] and the credit list [A2.7a]."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from dte.core.compactjson import CompactJSONEncoder
from dte.subsidy.models.claims import Claim

# -- payment [A2.6.2], [A2.6.3] ------------------------------------------------------------------


class FundAccount(models.Model):
    """A county's 职业技能提升行动专账资金 for one year [A2.6.3]; the balance is the ledger's sum."""

    county = models.ForeignKey("catalog.County", on_delete=models.PROTECT, related_name="fund_accounts")
    year = models.PositiveSmallIntegerField("年度")
    # 64-bit: ``services.payment.fund_budget`` bounds it (``BUDGET_MAX``) far below the column's range.
    budget = models.PositiveBigIntegerField("年度预算(元)")

    class Meta:
        ordering = ["-year", "county__code"]
        verbose_name = "职业技能提升行动专账"
        verbose_name_plural = "职业技能提升行动专账"
        constraints = [models.UniqueConstraint(fields=["county", "year"], name="one_fund_account_per_year")]

    def __str__(self) -> str:
        return f"{self.county} {self.year}年专账"


class LedgerEntry(models.Model):
    """One line of a fund account's ledger, in yuan: budget (+), reservation by a batch (−),
    release of a failed line or cancelled batch (+), a paid line returned by the bank (银行退票, +),
    recovery repayment (+)."""

    class Kind(models.TextChoices):
        BUDGET = "budget", "预算拨入"
        RESERVE = "reserve", "拨付占用"
        RELEASE = "release", "拨付失败退回"
        RETURN = "return", "银行退票退回"
        RECOVERY = "recovery", "追回资金"

    account = models.ForeignKey(FundAccount, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField("类别", max_length=10, choices=Kind.choices)
    amount = models.BigIntegerField("金额(元)")
    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, null=True, blank=True, related_name="ledger")
    batch = models.ForeignKey(
        "PaymentBatch", on_delete=models.PROTECT, null=True, blank=True, related_name="ledger"
    )
    at = models.DateTimeField("时间")
    note = models.CharField("摘要", max_length=200, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = "专账明细"
        verbose_name_plural = "专账明细"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount}"


class PaymentBatch(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "待银行处理"
        CLOSED = "closed", "已回盘"

    reference = models.CharField("批次号", max_length=24, unique=True)
    account = models.ForeignKey(FundAccount, on_delete=models.PROTECT, related_name="batches")
    status = models.CharField("状态", max_length=8, choices=Status.choices, default=Status.OPEN)
    total = models.PositiveIntegerField("合计(元)", default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("生成时间")
    closed_at = models.DateTimeField(null=True, blank=True)
    # Payable claims left out of this batch because their payment details were incomplete:
    # [{"claim": reference, "id": pk, "reason": 中文原因}], shown on the batch page.
    left_out = models.JSONField("未列入的申领", default=list, blank=True, encoder=CompactJSONEncoder)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "拨付批次"
        verbose_name_plural = "拨付批次"

    def __str__(self) -> str:
        return self.reference


class PaymentLine(models.Model):
    """One line of a batch. Its result is recorded once from the bank's result file: paid or failed
    (with the bank's reason). A paid line changes only by an explicit reversal, 银行退票 (the bank
    returned the money after paying it): returned, with the reason, the approver and the time."""

    class Status(models.TextChoices):
        PENDING = "pending", "待回盘"
        PAID = "paid", "已支付"
        FAILED = "failed", "支付失败"
        RETURNED = "returned", "银行退票"

    batch = models.ForeignKey(PaymentBatch, on_delete=models.PROTECT, related_name="lines")
    line = models.PositiveIntegerField("行号")
    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="payment_lines")
    amount = models.PositiveIntegerField("金额(元)")
    status = models.CharField("状态", max_length=8, choices=Status.choices, default=Status.PENDING)
    reason = models.CharField("失败/退票原因", max_length=200, blank=True)
    result_at = models.DateTimeField(null=True, blank=True)
    returned_at = models.DateTimeField("退票登记时间", null=True, blank=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["batch", "line"]
        verbose_name = "拨付明细"
        verbose_name_plural = "拨付明细"
        constraints = [
            models.UniqueConstraint(fields=["batch", "line"], name="one_line_number_per_batch"),
            # Exactly once: a claim is in at most one open line (pending or paid) at a time, so it is
            # paid at most once net of the bank's returns.
            models.UniqueConstraint(
                fields=["claim"],
                condition=Q(status__in=["pending", "paid"]),
                name="one_open_line_per_claim",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.batch_id}-{self.line} {self.amount}"


# -- recovery [A2.7b], credit list [A2.7a] -------------------------------------------------------


class Recovery(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "追回中"
        CLOSED = "closed", "已结案"

    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="recoveries")
    amount_due = models.PositiveIntegerField("应追回金额(元)")
    reason = models.TextField("错发/多发原因")
    status = models.CharField("状态", max_length=8, choices=Status.choices, default=Status.OPEN)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField()
    closing_decision = models.TextField("结案决定", blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = "追回案件"
        verbose_name_plural = "追回案件"
        constraints = [
            models.UniqueConstraint(fields=["claim"], condition=Q(status="open"), name="one_open_recovery")
        ]

    def __str__(self) -> str:
        return f"追回 #{self.pk} {self.amount_due}"

    @property
    def repaid(self) -> int:
        return sum(r.amount for r in self.repayments.all())

    @property
    def balance(self) -> int:
        return self.amount_due - self.repaid


class Repayment(models.Model):
    recovery = models.ForeignKey(Recovery, on_delete=models.PROTECT, related_name="repayments")
    amount = models.PositiveIntegerField("金额(元)")
    received_on = models.DateField("到账日期")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["received_on", "id"]
        verbose_name = "追回到账"
        verbose_name_plural = "追回到账"

    def __str__(self) -> str:
        return f"到账 {self.amount} {self.received_on}"


class CreditEntry(models.Model):
    """A confirmed violation or forged identity, for the provincial public credit information system
    and publication [A2.7a]."""

    class Kind(models.TextChoices):
        FRAUD = "fraud", "违规申领补贴"
        FORGED_IDENTITY = "forged_identity", "伪造身份申领补贴"

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="credit_entries")
    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    kind = models.CharField("失信类别", max_length=16, choices=Kind.choices)
    facts = models.TextField("查实情况")
    legal_basis = models.CharField("依据", max_length=200)
    decided_on = models.DateField("认定日期")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    county = models.ForeignKey("catalog.County", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    # Publication period [A2.7a]: "按规定向社会公开" fixes no length; the deciding officer enters the
    # last day (default in ``services.credit.credit_publish_until``). Public while decided_on ≤ today ≤
    # publish_until and not revoked; the provincial export keeps every entry with its status.
    publish_until = models.DateField("公开截止日期")
    revoked_at = models.DateTimeField("撤销时间", null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    revocation_reason = models.TextField("撤销原因", blank=True)

    class Meta:
        ordering = ["-decided_on", "-id"]
        verbose_name = "信用记录"
        verbose_name_plural = "信用记录"
        constraints = [
            models.CheckConstraint(
                name="credit_published_after_decision", condition=Q(publish_until__gt=F("decided_on"))
            ),
            models.CheckConstraint(
                name="credit_revocation_has_reason",
                condition=Q(revoked_at__isnull=True) | ~Q(revocation_reason=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.decided_on}"

    def status(self, today: date) -> str:
        """已撤销 | 待公开 | 公开中 | 公开期满, as of ``today`` [A2.7a]."""
        if self.revoked_at is not None:
            return "已撤销"
        if today < self.decided_on:
            return "待公开"
        return "公开中" if today <= self.publish_until else "公开期满"
