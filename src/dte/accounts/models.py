from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models

from dte.core.compactjson import CompactJSONEncoder
from dte.core.roles import Role
from dte.people.fields import EncryptedBinaryField


class User(AbstractUser):
    role = models.CharField("角色", max_length=24, choices=Role.choices)
    person = models.OneToOneField(
        "people.Person",
        verbose_name="实名人员",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="account",
    )
    institution = models.ForeignKey(
        "catalog.Institution",
        verbose_name="所属培训机构",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    evaluation_body = models.ForeignKey(
        "catalog.EvaluationBody",
        verbose_name="所属评价机构",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    county = models.ForeignKey(
        "catalog.County",
        verbose_name="所属县(市、区)",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="officers",
    )
    display_name = models.CharField("显示名", max_length=60, blank=True)

    class Meta:
        verbose_name = "账号"
        verbose_name_plural = "账号"
        constraints = [
            models.CheckConstraint(
                name="scope_matches_role",
                condition=(
                    models.Q(role="trainee", person__isnull=False)
                    | models.Q(role="institution_staff", institution__isnull=False)
                    | models.Q(role="evaluation_staff", evaluation_body__isnull=False)
                    | models.Q(role__in=["county_reviewer", "county_approver"], county__isnull=False)
                    | models.Q(role__in=["city_officer", "auditor", "administrator"])
                ),
            )
        ]

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def role_label(self) -> str:
        return Role(self.role).label if self.role else ""

    @property
    def scope_label(self) -> str:
        for obj in (self.institution, self.evaluation_body, self.county):
            if obj is not None:
                return str(obj)
        if self.role in (Role.CITY_OFFICER, Role.AUDITOR, Role.ADMINISTRATOR):
            return "全市"
        return ""

    def clean(self) -> None:
        required = {
            Role.TRAINEE: ("person", "学员账号须关联实名人员"),
            Role.INSTITUTION_STAFF: ("institution", "培训机构账号须指定所属机构"),
            Role.EVALUATION_STAFF: ("evaluation_body", "评价机构账号须指定所属评价机构"),
            Role.COUNTY_REVIEWER: ("county", "县级账号须指定所属县(市、区)"),
            Role.COUNTY_APPROVER: ("county", "县级账号须指定所属县(市、区)"),
        }
        if self.role in required:
            field, message = required[Role(self.role)]
            if getattr(self, f"{field}_id") is None:
                raise ValidationError({field: message})


class ImportJob(models.Model):
    """An uploaded import too long for the request (over ``dte.accounts.jobs.BACKGROUND_ROWS`` rows),
    run by a huey task of the app whose import it is: the file (encrypted at rest) and its digest, who
    uploaded it and in which scope (only that scope sees the job), its progress and its outcome."""

    class Status(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "处理中"
        DONE = "done", "已完成"
        FAILED = "failed", "未导入"
        KEPT = "kept", "待确认"  # a file previewed in the request, kept for its confirmation

    kind = models.CharField("类别", max_length=40)
    title = models.CharField("标题", max_length=200)
    params = models.JSONField("参数", default=dict, encoder=CompactJSONEncoder)
    filename = models.CharField("文件名", max_length=200)
    sha256 = models.CharField(max_length=64)
    content = EncryptedBinaryField()  # the uploaded file (people's ID numbers), encrypted at rest
    uploaded_by = models.ForeignKey(User, verbose_name="上传人", on_delete=models.PROTECT, related_name="+")
    institution = models.ForeignKey(
        "catalog.Institution", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    evaluation_body = models.ForeignKey(
        "catalog.EvaluationBody", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    county = models.ForeignKey(
        "catalog.County", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    back_url = models.CharField("上传页面", max_length=300, blank=True)
    status = models.CharField("状态", max_length=8, choices=Status.choices, default=Status.QUEUED)
    rows_total = models.PositiveIntegerField("总行数", default=0)
    rows_done = models.PositiveIntegerField("已检查", default=0)
    # The outcome: [[label, count], …] (a list: PostgreSQL's jsonb does not keep a dict's order),
    # the refused rows and the rows written with a warning as [[line, reason], …] (ID numbers
    # masked), and the next step a finished job offers (a preview's confirmation), if any.
    summary = models.JSONField("结果", default=list, encoder=CompactJSONEncoder)
    errors = models.JSONField("错误", default=list, encoder=CompactJSONEncoder)
    warnings = models.JSONField("提示", default=list, encoder=CompactJSONEncoder)
    next_url = models.CharField(max_length=300, blank=True)
    next_label = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField("上传时间")
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    # Each run that claims the job counts one attempt; only the run of the current attempt may
    # finish it. The last sign of life: when it was queued again, claimed, or saved its progress.
    attempts = models.PositiveSmallIntegerField("运行次数", default=0)
    beat_at = models.DateTimeField("最近进展", null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "beat_at"], name="importjob_status_beat")]
        verbose_name = "后台导入"
        verbose_name_plural = "后台导入"

    def __str__(self) -> str:
        return f"{self.title}({self.filename})"

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return self.rows_done * 100 // self.rows_total if self.rows_total else 0

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED, self.Status.KEPT)  # nothing runs
