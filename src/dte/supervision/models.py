"""Supervision of training institutions [P2.3]: unannounced spot checks drawn at random from a
recorded seed, inspection records (findings, photos, follow-up actions with deadlines), document
requests, a trainee survey after completion, actions on attendance anomalies; and the fee
disclosure flags [P5.3b].

Rows are written only by ``dte.supervision.services``; every write there is audited."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from dte.people.fields import EncryptedBinaryField


class InspectionPlan(models.Model):
    """A round of unannounced on-site checks (不定期现场抽查) [P2.3]. The candidate classes and the
    seed are recorded, so that anyone can repeat the draw and get the same classes."""

    title = models.CharField("抽查计划", max_length=120)
    period_start = models.DateField("班次起始日期(自)")
    period_end = models.DateField("班次起始日期(至)")
    sample_size = models.PositiveIntegerField("抽取班次数")
    seed = models.BigIntegerField("随机种子")
    candidates = models.JSONField("候选班次(按编号排序)", default=list)
    drawn = models.JSONField("抽中班次(按抽取顺序)", default=list)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("抽取时间")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "抽查计划"
        verbose_name_plural = "抽查计划"

    def __str__(self) -> str:
        return self.title


class Inspection(models.Model):
    """One on-site check of one class: drawn by a plan or opened ad hoc [P2.3]."""

    class Status(models.TextChoices):
        PLANNED = "planned", "待检查"
        RECORDED = "recorded", "已检查"

    plan = models.ForeignKey(
        InspectionPlan, on_delete=models.PROTECT, related_name="inspections", null=True, blank=True
    )
    klass = models.ForeignKey(
        "training.TrainingClass", on_delete=models.PROTECT, related_name="inspections", verbose_name="班次"
    )
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PLANNED)
    visited_on = models.DateField("检查日期", null=True, blank=True)
    inspectors = models.CharField("检查人员", max_length=120, blank=True)
    present_count = models.PositiveIntegerField("现场实到人数", null=True, blank=True)
    observed_fee = models.PositiveIntegerField("现场核实收费(元/人)", null=True, blank=True)
    summary = models.TextField("检查情况", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    recorded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "现场检查"
        verbose_name_plural = "现场检查"
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "klass"],
                condition=models.Q(plan__isnull=False),
                name="one_inspection_per_draw",
            )
        ]

    def __str__(self) -> str:
        return f"{self.klass} · {self.get_status_display()}"


class Finding(models.Model):
    """A problem found on site. Its severity sets the deduction from the class quality score."""

    class Severity(models.TextChoices):
        MINOR = "minor", "一般"
        MAJOR = "major", "较重"
        SERIOUS = "serious", "严重"

    class Topic(models.TextChoices):
        ATTENDANCE = "attendance", "考勤与实到人数"
        TEACHING = "teaching", "教学内容与师资"
        FACILITIES = "facilities", "场地与实训设备"
        RECORDS = "records", "台账与过程记录"
        FEES = "fees", "收费"
        OTHER = "other", "其他"

    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, related_name="findings")
    topic = models.CharField("类别", max_length=12, choices=Topic.choices)
    severity = models.CharField("程度", max_length=8, choices=Severity.choices)
    description = models.TextField("问题描述")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["inspection", "id"]
        verbose_name = "检查发现"
        verbose_name_plural = "检查发现"

    def __str__(self) -> str:
        return f"{self.get_severity_display()} · {self.description[:30]}"


class Photo(models.Model):
    """A photo taken on site; its type is checked from its content, not its name."""

    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, related_name="photos")
    filename = models.CharField("文件名", max_length=200)
    content_type = models.CharField("类型", max_length=20)
    size = models.PositiveIntegerField("大小(字节)")
    sha256 = models.CharField(max_length=64)
    content = EncryptedBinaryField()  # encrypted at rest; sha256 is the plain file's
    caption = models.CharField("说明", max_length=120, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField()

    class Meta:
        ordering = ["inspection", "id"]
        verbose_name = "现场照片"
        verbose_name_plural = "现场照片"

    def __str__(self) -> str:
        return self.filename


class FollowUp(models.Model):
    """An action the institution must take after a check, with its deadline (整改事项)."""

    class Status(models.TextChoices):
        OPEN = "open", "待整改"
        DONE = "done", "已整改"

    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, related_name="follow_ups")
    finding = models.ForeignKey(
        Finding, on_delete=models.PROTECT, related_name="follow_ups", null=True, blank=True
    )
    action = models.TextField("整改要求")
    due_on = models.DateField("整改期限")
    status = models.CharField("状态", max_length=8, choices=Status.choices, default=Status.OPEN)
    closed_note = models.TextField("整改情况", blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = "整改事项"
        verbose_name_plural = "整改事项"

    def __str__(self) -> str:
        return self.action[:40]


class DocumentRequest(models.Model):
    """A request to an institution to produce records (调阅资料) [P2.3]."""

    class Status(models.TextChoices):
        REQUESTED = "requested", "待提供"
        PROVIDED = "provided", "已提供"

    institution = models.ForeignKey(
        "catalog.Institution",
        on_delete=models.PROTECT,
        related_name="document_requests",
        verbose_name="培训机构",
    )
    klass = models.ForeignKey(
        "training.TrainingClass", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    items = models.TextField("调阅资料清单")
    due_on = models.DateField("提供期限")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.REQUESTED)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    response_note = models.TextField("提供说明", blank=True)
    response_filename = models.CharField("附件文件名", max_length=200, blank=True)
    response_content_type = models.CharField(max_length=40, blank=True)
    response_content = EncryptedBinaryField(null=True, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    responded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = "调阅资料"
        verbose_name_plural = "调阅资料"

    def __str__(self) -> str:
        return f"{self.institution} · {self.items[:30]}"


# The fixed trainee questionnaire (培训质量评估) [P2.3]: five statements rated 1 (很不满意) to 5 (很满意),
# plus the fee the trainee actually paid, which feeds the fee-disclosure flag [P5.3b].
QUESTIONS = [
    ("q_content", "培训内容与计划一致、实用"),
    ("q_teachers", "授课教师专业水平"),
    ("q_practice", "实训设备与实操安排"),
    ("q_organisation", "考勤与教学组织规范"),
    ("q_overall", "总体满意度"),
]


class SurveyResponse(models.Model):
    """One trainee's answers after completing a class; one response per enrolment."""

    enrolment = models.OneToOneField(
        "training.Enrolment", on_delete=models.PROTECT, related_name="survey", verbose_name="报名"
    )
    klass = models.ForeignKey("training.TrainingClass", on_delete=models.PROTECT, related_name="surveys")
    q_content = models.PositiveSmallIntegerField(QUESTIONS[0][1])
    q_teachers = models.PositiveSmallIntegerField(QUESTIONS[1][1])
    q_practice = models.PositiveSmallIntegerField(QUESTIONS[2][1])
    q_organisation = models.PositiveSmallIntegerField(QUESTIONS[3][1])
    q_overall = models.PositiveSmallIntegerField(QUESTIONS[4][1])
    fee_paid = models.PositiveIntegerField("实际缴纳培训费(元)", null=True, blank=True)
    comment = models.TextField("意见建议", blank=True)
    submitted_at = models.DateTimeField()

    class Meta:
        ordering = ["-submitted_at"]
        verbose_name = "学员评估问卷"
        verbose_name_plural = "学员评估问卷"
        constraints = [
            models.CheckConstraint(
                name="survey_scores_1_to_5",
                condition=models.Q(
                    q_content__range=(1, 5),
                    q_teachers__range=(1, 5),
                    q_practice__range=(1, 5),
                    q_organisation__range=(1, 5),
                    q_overall__range=(1, 5),
                ),
            )
        ]

    def __str__(self) -> str:
        return f"{self.klass} 问卷 #{self.pk}"


class AnomalyAction(models.Model):
    """What the bureau did about one attendance anomaly flagged by the training records [P2.3]."""

    class Outcome(models.TextChoices):
        INVESTIGATING = "investigating", "核查中"
        CONFIRMED = "confirmed", "查实违规"
        CLEARED = "cleared", "核实无误"

    klass = models.ForeignKey("training.TrainingClass", on_delete=models.PROTECT, related_name="+")
    key = models.CharField("异常标识", max_length=200)
    kind = models.CharField("异常类型", max_length=20)
    description = models.TextField("异常情况")
    outcome = models.CharField("处理结果", max_length=14, choices=Outcome.choices)
    note = models.TextField("处理说明")
    acted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    acted_at = models.DateTimeField()

    class Meta:
        ordering = ["-acted_at", "-id"]
        verbose_name = "考勤异常处理"
        verbose_name_plural = "考勤异常处理"
        indexes = [models.Index(fields=["klass", "key"])]

    def __str__(self) -> str:
        return f"{self.klass} · {self.get_outcome_display()}"
