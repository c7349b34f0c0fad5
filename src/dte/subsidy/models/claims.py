"""Claims [A2.5], [A2.6]: their statuses, the claim row, its evidence, its timeline and the
objections to it on public notice. The transitions between the statuses are in
``dte.subsidy.lifecycle``."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models, router, transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.dispatch import Signal

from dte.core.compactjson import CompactJSONEncoder
from dte.people import crypto
from dte.people.fields import EncryptedBinaryField
from dte.people.masking import mask_bank_account
from dte.people.models import encrypted_phone

BANK_CONTEXT = "subsidy.bank_account"

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

# Every status in which a claim waits for someone: the officers' queue lists them all.
OPEN_STATES = (
    Status.UNDER_REVIEW,
    Status.AWAITING_INFO,
    Status.REVIEWED,
    Status.ON_NOTICE,
    Status.OBJECTION,
    Status.PAYABLE,
    Status.IN_BATCH,
)
# The column holding the due date of the step each open status waits for. Awaiting information the
# claimant is to answer, by a day reckoned from the request (not stored): no column, the clock paused.
STEP_DUE_FIELD = {
    Status.UNDER_REVIEW: "review_due",
    Status.REVIEWED: "approval_due",
    Status.ON_NOTICE: "notice_last_day",
    Status.OBJECTION: "notice_last_day",
    Status.PAYABLE: "payment_due",
    Status.IN_BATCH: "payment_due",
}
# Sorts after every real date: the queue's keys are never NULL, so that both databases read them
# from the index in one order (PostgreSQL puts NULLs last, SQLite first).
LAST_DAY = date(9999, 12, 31)


# Sent by every ORM write of claims, inside the writing transaction: ``claims_changing`` before (the
# rows still as they were, locked on PostgreSQL) and ``claims_changed`` after, with ``pks`` (the claims)
# ``fields`` (the fields written; None: any) and ``state`` (one dict for both signals of a write, where a
# receiver keeps what it read before for after). Summaries of the claims kept elsewhere (the
# dashboards' rollups, dte.reports.rollups) follow each write in its own transaction this way; this app
# does not import them. Writes that bypass the ORM send them themselves (queries.claim_save_submitted).
claims_changing = Signal()
claims_changed = Signal()


def _listened() -> bool:
    return claims_changed.has_listeners(Claim)


class ClaimQuerySet(models.QuerySet):
    """Claims' bulk writes, each sending ``claims_changing`` / ``claims_changed`` (when listened to)."""

    def update(self, **kwargs):
        if not _listened():
            return super().update(**kwargs)
        with transaction.atomic(using=self.db, savepoint=False):
            # The rows to write, locked so that what the receivers read before is what is written.
            pks = list(self.select_for_update().values_list("pk", flat=True).order_by())
            if not pks:
                return 0
            fields, state = list(kwargs), {}
            claims_changing.send(sender=Claim, pks=pks, fields=fields, state=state)
            n = super().update(**kwargs)
            claims_changed.send(sender=Claim, pks=pks, fields=fields, state=state)
            return n

    update.alters_data = True

    def delete(self):
        if not _listened():
            return super().delete()
        with transaction.atomic(using=self.db, savepoint=False):
            pks = list(self.select_for_update().values_list("pk", flat=True).order_by())
            state: dict = {}
            claims_changing.send(sender=Claim, pks=pks, fields=None, state=state)
            deleted = super().delete()
            claims_changed.send(sender=Claim, pks=pks, fields=None, state=state)
            return deleted

    delete.alters_data = True

    def bulk_create(self, objs, *args, **kwargs):
        if not _listened():
            return super().bulk_create(objs, *args, **kwargs)
        with transaction.atomic(using=self.db, savepoint=False):
            created = super().bulk_create(objs, *args, **kwargs)
            pks = [o.pk for o in created]
            if None in pks:  # the database did not give the new ids: the rollups could not follow
                raise RuntimeError("bulk_create of claims without their ids")
            claims_changed.send(sender=Claim, pks=pks, fields=None, state={})
            return created

    # bulk_update writes through update() above, batch by batch.


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
    # The contact phone, encrypted at rest with its keyed hash (``phone`` reads and sets it).
    phone_enc = models.TextField("联系电话(加密)", blank=True, default="")
    phone_hash = models.CharField("联系电话(检索哈希)", max_length=64, blank=True, default="")
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

    # The officers' queue (dte.subsidy.selectors.open_claims_queue), kept by the database so that the
    # queue reads the index below in its order: for an open claim, the due date of the step it waits
    # for (LAST_DAY when none: awaiting information); NULL for a claim that waits for no one.
    queue_due = models.GeneratedField(
        expression=models.Case(
            *(
                models.When(status=s, then=Coalesce(models.F(f), models.Value(LAST_DAY)))
                for s, f in STEP_DUE_FIELD.items()
            ),
            models.When(status__in=OPEN_STATES, then=models.Value(LAST_DAY)),
            default=models.Value(None),
        ),
        output_field=models.DateField(),
        db_persist=True,
    )
    # Then the day information was asked for (LAST_DAY when never).
    queue_asked = models.GeneratedField(
        expression=Coalesce(models.F("info_requested_on"), models.Value(LAST_DAY)),
        output_field=models.DateField(),
        db_persist=True,
    )

    objects = ClaimQuerySet.as_manager()

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
            models.Index(fields=["phone_hash"], name="claims_by_phone"),
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
            # The officers' queue of every open claim, in its order: a county's, and the city's.
            models.Index(
                fields=["county", "queue_due", "queue_asked", "id"],
                condition=Q(queue_due__isnull=False),
                name="claims_open_by_step_due",
            ),
            models.Index(
                fields=["queue_due", "queue_asked", "id"],
                condition=Q(queue_due__isnull=False),
                name="claims_open_by_step_due_city",
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

    phone = encrypted_phone()

    def __str__(self) -> str:
        return self.reference

    def save(self, **kwargs):
        """Saved as usual, between ``claims_changing`` and ``claims_changed`` (when listened to)."""
        if not _listened():
            return super().save(**kwargs)
        fields = kwargs.get("update_fields")
        fields = None if fields is None else list(fields)
        using = kwargs.get("using") or router.db_for_write(Claim, instance=self)
        state: dict = {}
        with transaction.atomic(using=using, savepoint=False):
            if self.pk is not None and not self._state.adding:
                claims_changing.send(sender=Claim, pks=[self.pk], fields=fields, state=state)
            super().save(**kwargs)
            claims_changed.send(sender=Claim, pks=[self.pk], fields=fields, state=state)

    save.alters_data = True

    def delete(self, **kwargs):
        if not _listened() or self.pk is None:
            return super().delete(**kwargs)
        using = kwargs.get("using") or router.db_for_write(Claim, instance=self)
        pks, state = [self.pk], {}
        with transaction.atomic(using=using, savepoint=False):
            claims_changing.send(sender=Claim, pks=pks, fields=None, state=state)
            deleted = super().delete(**kwargs)
            claims_changed.send(sender=Claim, pks=pks, fields=None, state=state)
            return deleted

    delete.alters_data = True

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
    content = EncryptedBinaryField()  # encrypted at rest; sha256 is the plain file's
    uploaded_at = models.DateTimeField("上传时间")
    # Copies of the claim's training institution and submission time, written when the claim is
    # submitted (or the file added to a submitted claim), so that the identical-evidence signal
    # reads the index below for exactly the files of its window: its cost stays flat however many
    # claims an institution has had (dte.subsidy.queries.identical_evidence_references).
    claim_institution = models.ForeignKey(
        "catalog.Institution",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        db_index=False,
    )
    claim_submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = "佐证材料"
        verbose_name_plural = "佐证材料"
        # Identical files across claims (fraud signals): exact matches of the file, then the
        # institution and the submission window [A2.7a].
        indexes = [
            models.Index(
                fields=["sha256", "claim_institution", "claim_submitted_at"], name="evidence_identical"
            )
        ]

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
