"""Subsidy claims (Annex 2 of 温人社发〔2024〕5号) and the person facts they are decided on.

Rows are written only by the services of this app (``facts``, ``services``, ``payments``); every
transition is audited with who, when, why and the engine's decision trace."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from dte.core.compactjson import CompactJSONEncoder
from dte.people import crypto
from dte.people.masking import mask_bank_account

BANK_CONTEXT = "subsidy.bank_account"


# -- person facts [A2.1], [A2.7c] ----------------------------------------------------------------


class Residence(models.Model):
    """Wenzhou household registration (户籍) or residence permit (居住证) [A2.1a], with the dates it
    holds; the claim is judged on the facts as they stand on the claim date [A2.7c]."""

    class Kind(models.TextChoices):
        HUKOU = "hukou", "温州户籍"
        PERMIT = "permit", "温州居住证"

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="residences")
    kind = models.CharField("类别", max_length=8, choices=Kind.choices)
    valid_from = models.DateField("起始日期")
    valid_to = models.DateField("截止日期", null=True, blank=True)
    source = models.CharField("来源", max_length=60, blank=True)

    class Meta:
        verbose_name = "户籍/居住证"
        verbose_name_plural = "户籍/居住证"
        constraints = [
            models.UniqueConstraint(fields=["person", "kind", "valid_from"], name="one_residence_per_start")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.valid_from}"


class Unemployment(models.Model):
    """An unemployment registration (失业登记) in a Wenzhou county [A2.1a]."""

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="unemployments")
    county = models.ForeignKey("catalog.County", on_delete=models.PROTECT, related_name="+")
    registered_on = models.DateField("登记日期")
    ended_on = models.DateField("注销日期", null=True, blank=True)
    source = models.CharField("来源", max_length=60, blank=True)

    class Meta:
        verbose_name = "失业登记"
        verbose_name_plural = "失业登记"
        constraints = [
            models.UniqueConstraint(fields=["person", "registered_on"], name="one_unemployment_per_day")
        ]

    def __str__(self) -> str:
        return f"失业登记 {self.county_id} {self.registered_on}"


class Employment(models.Model):
    """Employment or self-employment [A2.1b]: employer, in Wenzhou or not, and whether the person is
    on the establishment of a government organ or public institution (机关事业单位在编)."""

    class Status(models.TextChoices):
        EMPLOYED = "employed", "就业"
        SELF_EMPLOYED = "self_employed", "自主创业/灵活就业"

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="employments")
    status = models.CharField("就业状态", max_length=16, choices=Status.choices)
    employer = models.CharField("用人单位", max_length=120, blank=True)
    in_wenzhou = models.BooleanField("在温州就业", default=True)
    public_institution_staff = models.BooleanField("机关事业单位在编", default=False)
    started_on = models.DateField("起始日期")
    ended_on = models.DateField("截止日期", null=True, blank=True)
    source = models.CharField("来源", max_length=60, blank=True)

    class Meta:
        verbose_name = "就业信息"
        verbose_name_plural = "就业信息"
        constraints = [
            models.UniqueConstraint(fields=["person", "started_on"], name="one_employment_per_start")
        ]

    def __str__(self) -> str:
        return f"{self.get_status_display()} {self.employer} {self.started_on}"


class InsuranceMonth(models.Model):
    """One month of Wenzhou social-insurance contributions and the county paid in [A2.1b], [A2.5]."""

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="insurance_months")
    month = models.DateField("缴费月份")  # the first day of the month
    county = models.ForeignKey("catalog.County", on_delete=models.PROTECT, related_name="+")
    source = models.CharField("来源", max_length=60, blank=True)

    class Meta:
        ordering = ["month"]
        verbose_name = "社保缴费月份"
        verbose_name_plural = "社保缴费月份"
        constraints = [
            models.UniqueConstraint(fields=["person", "month"], name="one_insurance_row_per_month")
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.county_id}"


class PersonStatus(models.Model):
    """Facts with one value per person: graduate status (D2), retirement [A2.1c]."""

    class RetirementCategory(models.TextChoices):
        MALE = "male", "男职工"
        FEMALE_CADRE = "female_cadre", "女干部(原55岁)"
        FEMALE_WORKER = "female_worker", "女工人(原50岁)"

    person = models.OneToOneField("people.Person", on_delete=models.PROTECT, related_name="subsidy_status")
    school_in_wenzhou = models.BooleanField("在温就读", default=False)
    graduation_date = models.DateField("毕业日期", null=True, blank=True)
    retired_on = models.DateField("办理退休日期", null=True, blank=True)
    retirement_category = models.CharField(
        "退休类别", max_length=16, choices=RetirementCategory.choices, blank=True
    )

    class Meta:
        verbose_name = "毕业/退休信息"
        verbose_name_plural = "毕业/退休信息"

    def __str__(self) -> str:
        return f"毕业/退休信息 #{self.person_id}"


class FactImport(models.Model):
    """One import file of person facts: all or nothing, bad rows reported by line."""

    class Status(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "导入中"
        DONE = "done", "已导入"
        FAILED = "failed", "有错误,未导入"

    kind = models.CharField("数据类别", max_length=16)
    filename = models.CharField("文件名", max_length=200)
    sha256 = models.CharField(max_length=64)
    content = models.BinaryField()
    county = models.ForeignKey(
        "catalog.County", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField("状态", max_length=8, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField("总行数", default=0)
    processed = models.PositiveIntegerField("已处理", default=0)
    created = models.PositiveIntegerField("新增", default=0)
    updated = models.PositiveIntegerField("更新", default=0)
    unchanged = models.PositiveIntegerField("未变", default=0)
    errors = models.JSONField("错误", default=list, encoder=CompactJSONEncoder)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField("上传时间")
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        verbose_name = "信息导入"
        verbose_name_plural = "信息导入"

    def __str__(self) -> str:
        return f"{self.kind} {self.filename}"

    @property
    def progress(self) -> int:
        return 100 if not self.total else int(100 * self.processed / self.total)


class ApiToken(models.Model):
    """A token for a system integration, scoped to one county (or the whole city when county is
    empty). Only the SHA-256 of the token is kept; the token itself is shown once."""

    name = models.CharField("名称", max_length=60)
    digest = models.CharField(max_length=64, unique=True)
    prefix = models.CharField("前缀", max_length=8)
    county = models.ForeignKey(
        "catalog.County", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "接口令牌"
        verbose_name_plural = "接口令牌"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


# -- claims [A2.5], [A2.6] -----------------------------------------------------------------------


class Status(models.TextChoices):
    DRAFT = "draft", "草稿"
    UNDER_REVIEW = "under_review", "审核中"
    AWAITING_INFO = "awaiting_info", "待补充材料"
    REVIEWED = "reviewed", "审核通过,待审批"
    REJECTED = "rejected", "未通过"
    ON_NOTICE = "on_notice", "公示中"
    OBJECTION = "objection", "异议调查中"
    CANCELLED = "cancelled", "已取消"
    PAYABLE = "payable", "待拨付"
    IN_BATCH = "in_batch", "拨付中"
    PAID = "paid", "已拨付"
    WITHDRAWN = "withdrawn", "已撤回"
    LAPSED = "lapsed", "逾期未补正,已终止"


# The engine's vocabulary (compiled.STATUSES) for a claim of each status: L1 counts pending,
# approved and paid claims [A2.4b], [A2.4c].
ENGINE_STATUS = {
    Status.UNDER_REVIEW: "pending",
    Status.AWAITING_INFO: "pending",
    Status.REVIEWED: "pending",
    Status.REJECTED: "rejected",
    Status.ON_NOTICE: "approved",
    Status.OBJECTION: "approved",
    Status.CANCELLED: "cancelled",
    Status.PAYABLE: "approved",
    Status.IN_BATCH: "approved",
    Status.PAID: "paid",
    Status.WITHDRAWN: "withdrawn",
    Status.LAPSED: "withdrawn",
}
COUNTED = [s for s, e in ENGINE_STATUS.items() if e in ("pending", "approved", "paid")]
OPEN_FOR_REVIEW = [Status.UNDER_REVIEW, Status.AWAITING_INFO, Status.REVIEWED]
WITHDRAWABLE = [Status.DRAFT, *OPEN_FOR_REVIEW]


class Claim(models.Model):
    """A subsidy claim [A2.5]. The certificate facts are copied from the training and evaluation
    records when the claim starts; ``snapshot`` freezes every fact as of the claim date when it is
    submitted [A2.7c], and ``decision`` keeps the engine's decision trace."""

    class BankKind(models.TextChoices):
        SOCIAL_SECURITY_CARD = "sscard", "社会保障卡银行账户"
        DESIGNATED = "designated", "指定银行账户"

    reference = models.CharField("申领编号", max_length=24, unique=True)
    # No single-column indexes on person and county: the composite indexes below lead with them, and
    # every index on this table is one more page written when a claim changes.
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="claims", db_index=False
    )
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.DRAFT)
    county = models.ForeignKey(
        "catalog.County",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="claims",
        db_index=False,
    )
    # Certificates as recorded by the training and evaluation apps (ids kept for the link).
    level_certificate = models.ForeignKey(
        "evaluation.LevelCertificate", on_delete=models.PROTECT, null=True, blank=True, related_name="claims"
    )
    level_certificate_number = models.CharField("专业技术等级证书编号", max_length=32)
    occupation = models.ForeignKey("catalog.Occupation", on_delete=models.PROTECT, related_name="+")
    level = models.ForeignKey("catalog.Level", on_delete=models.PROTECT, related_name="+")
    level_issued_on = models.DateField("等级证书发证日期")
    training_certificate = models.ForeignKey(
        "training.TrainingCertificate", on_delete=models.PROTECT, null=True, blank=True, related_name="claims"
    )
    training_certificate_number = models.CharField("培训合格证书编号", max_length=32, blank=True)
    training_institution = models.ForeignKey(
        "catalog.Institution", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    training_occupation = models.ForeignKey(
        "catalog.Occupation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    training_level = models.ForeignKey(
        "catalog.Level", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    training_hours = models.PositiveIntegerField("培训学时", default=0)
    training_issued_on = models.DateField("培训合格证书发证日期", null=True, blank=True)
    training_class = models.ForeignKey(
        "training.TrainingClass", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    retirement_category = models.CharField("退休类别(女性申报)", max_length=16, blank=True)
    # Payment account [A2.6.2]: social-security-card account by default, or a designated one.
    bank_kind = models.CharField(
        "收款账户类别", max_length=12, choices=BankKind.choices, default=BankKind.SOCIAL_SECURITY_CARD
    )
    bank_name = models.CharField("开户银行", max_length=60, blank=True)
    bank_account_enc = models.TextField("银行账号(加密)", blank=True)
    bank_account_hash = models.CharField("银行账号(检索哈希)", max_length=64, blank=True)
    phone = models.CharField("联系电话", max_length=20, blank=True)
    # Dates [A2.6.1]–[A2.6.2] on the working-day clock (D3).
    created_at = models.DateTimeField("创建时间")
    claim_date = models.DateField("申领日期", null=True, blank=True)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    received_on = models.DateField("受理日期", null=True, blank=True)
    paused_working_days = models.PositiveIntegerField("补正暂停工作日", default=0)
    info_requested_on = models.DateField("要求补正日期", null=True, blank=True)
    info_reminded_on = models.DateField("补正提醒日期", null=True, blank=True)
    review_due = models.DateField("审核期限", null=True, blank=True, db_index=True)
    approval_due = models.DateField("审批期限", null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reminded_on = models.DateField("期限提醒日期", null=True, blank=True)
    escalated_on = models.DateField("逾期上报日期", null=True, blank=True)
    notice_published_on = models.DateField("公示发布日期", null=True, blank=True)
    notice_first_day = models.DateField("公示起始日", null=True, blank=True)
    notice_last_day = models.DateField("公示截止日", null=True, blank=True)
    payment_due = models.DateField("拨付期限", null=True, blank=True)
    # W1: a due date above reckoned over a year whose holiday schedule was not yet published is
    # provisional; ``services.due_dates_recompute`` reckons it again once the year is loaded.
    dates_provisional = models.BooleanField("期限为暂定", default=False)
    paid_on = models.DateField("拨付日期", null=True, blank=True)
    # Engine output at submission (and at each batch re-decision).
    amount = models.PositiveIntegerField("补贴金额(元)", default=0)
    eligible = models.BooleanField("预审结果:符合", default=False)
    failed_rules = models.JSONField("未通过的条款", default=list, encoder=CompactJSONEncoder)
    decision = models.JSONField("决定依据(引擎)", default=dict, encoder=CompactJSONEncoder)
    snapshot = models.JSONField("申领日事实快照", default=dict, encoder=CompactJSONEncoder)
    findings_changed = models.JSONField("重新判定后变化的条款", default=list, encoder=CompactJSONEncoder)
    rejection_clauses = models.JSONField("驳回依据条款", default=list, encoder=CompactJSONEncoder)
    rejection_reason = models.TextField("驳回理由", blank=True)
    fraud_flags = models.JSONField("风险提示", default=list, encoder=CompactJSONEncoder)
    # Open for review or approval (the queue), kept by the database from the status.
    in_queue = models.GeneratedField(
        expression=models.Case(
            models.When(status__in=["under_review", "awaiting_info", "reviewed"], then=models.Value(True)),
            default=models.Value(False),
        ),
        output_field=models.BooleanField(),
        db_persist=True,
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "补贴申领"
        verbose_name_plural = "补贴申领"
        indexes = [
            models.Index(fields=["county", "status", "review_due"]),
            models.Index(fields=["person", "status"]),
            # Fraud signals (issue 5 §7): exact matches only, so plain indexes (on PostgreSQL
            # ``db_index`` would add a second, pattern-matching index per column).
            models.Index(fields=["bank_account_hash"], name="claims_by_bank_account"),
            models.Index(fields=["phone"], name="claims_by_phone"),
            # The public notice and its expiry: only claims that have been on notice, so that the
            # index is not rewritten when a draft is submitted or reviewed.
            models.Index(
                fields=["status", "notice_last_day"],
                condition=Q(notice_last_day__isnull=False),
                name="claims_noticed_by_last_day",
            ),
            # The county queue [A2.6.1]: open claims in due-date order, read from the index unsorted;
            # status and approval_due ride along so that the queue's count under the overdue, due-soon
            # and status filters is answered from the index without visiting the rows.
            models.Index(
                fields=["county", "in_queue", "review_due", "id", "status", "approval_due"],
                name="claims_queue_by_due",
            ),
            # The dashboards and the year-end report [P5.3a]: every column their one-pass aggregate
            # reads, in the order it groups by, so the database reads the index in order instead of
            # sorting the wide rows (dte.reports.selectors). Declared here, not in the reports app,
            # so that SQLite table rebuilds of this table keep it.
            models.Index(
                fields=[
                    "county",
                    "occupation",
                    "level",
                    "status",
                    "claim_date",
                    "paid_on",
                    "amount",
                    "reviewed_at",
                    "review_due",
                    "decided_at",
                    "approval_due",
                    "payment_due",
                ],
                name="reports_claim_oversight",
            ),
        ]
        constraints = [
            # [A2.4c] (L2) the same occupation and level is claimed once ever, counting only claims
            # that are not rejected, withdrawn, lapsed or cancelled.
            models.UniqueConstraint(
                fields=["person", "occupation", "level"],
                condition=Q(status__in=COUNTED),
                name="one_counted_claim_per_occupation_level",
            ),
            models.CheckConstraint(
                name="submitted_claim_has_county",
                condition=Q(status=Status.DRAFT) | Q(county__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def bank_account(self) -> str:
        return crypto.decrypt(self.bank_account_enc, context=BANK_CONTEXT) if self.bank_account_enc else ""

    @property
    def masked_bank_account(self) -> str:
        return mask_bank_account(self.bank_account)

    @staticmethod
    def hash_bank_account(account: str) -> str:
        return crypto.lookup_hash(account, context=BANK_CONTEXT)

    @property
    def is_counted(self) -> bool:
        return self.status in COUNTED


class Evidence(models.Model):
    """An uploaded evidence file [A2.5] (PDF, JPEG or PNG, checked by content)."""

    class Kind(models.TextChoices):
        TRAINING_CERTIFICATE = "training_certificate", "培训合格证书"
        LEVEL_CERTIFICATE = "level_certificate", "专业技术等级证书"
        OTHER = "other", "其他佐证材料"
        INFORMATION = "information", "补正材料"
        OBJECTION = "objection", "异议证据"

    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="evidence", null=True, blank=True)
    objection = models.ForeignKey(
        "Objection", on_delete=models.PROTECT, related_name="evidence", null=True, blank=True
    )
    kind = models.CharField("类别", max_length=24, choices=Kind.choices)
    filename = models.CharField("文件名", max_length=200)
    content_type = models.CharField("类型", max_length=40)
    size = models.PositiveIntegerField("大小(字节)")
    sha256 = models.CharField(max_length=64)
    content = models.BinaryField()
    uploaded_at = models.DateTimeField("上传时间")

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = "佐证材料"
        verbose_name_plural = "佐证材料"
        # Identical files across claims (fraud signals): exact matches, a plain index.
        indexes = [models.Index(fields=["sha256"], name="evidence_by_sha256")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.filename}"


class ClaimEvent(models.Model):
    """One step of a claim's timeline, shown to the claimant and the officers."""

    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField("时间")
    action = models.CharField("动作", max_length=40)
    label = models.CharField("说明", max_length=200)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    due = models.DateField("下一步期限", null=True, blank=True)
    note = models.TextField("备注", blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = "申领进程"
        verbose_name_plural = "申领进程"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.label}"


class Objection(models.Model):
    """An objection to a claim on public notice [A2.6.2]."""

    class Status(models.TextChoices):
        OPEN = "open", "调查中"
        UPHELD = "upheld", "异议成立"
        DISMISSED = "dismissed", "异议不成立"

    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="objections")
    reason = models.TextField("异议理由")
    contact = models.CharField("联系方式", max_length=60)
    client_key = models.CharField(max_length=64, db_index=True)  # hashed client address (rate limit)
    filed_at = models.DateTimeField("提出时间")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.OPEN)
    finding = models.TextField("调查结论", blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["filed_at", "id"]
        verbose_name = "公示异议"
        verbose_name_plural = "公示异议"

    def __str__(self) -> str:
        return f"异议 #{self.pk} {self.get_status_display()}"


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
