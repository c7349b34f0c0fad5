"""The year-end county report [P5.3a]: generated from the records, reviewed and submitted by the
county to the city, then locked. A correction is a new version with a reason; a submitted version
never changes (refused here, in the model, and in ``dte.reports.services``)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models


class CountyReport(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        REVIEWED = "reviewed", "已复核,待报送"
        SUBMITTED = "submitted", "已报送(锁定)"

    county = models.ForeignKey(
        "catalog.County", on_delete=models.PROTECT, related_name="year_reports", verbose_name="县(市、区)"
    )
    year = models.PositiveSmallIntegerField("年度")
    version = models.PositiveSmallIntegerField("版本", default=1)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.DRAFT)
    figures = models.JSONField("统计数据")
    generated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    generated_at = models.DateTimeField("生成时间")
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    reviewed_at = models.DateTimeField("复核时间", null=True, blank=True)
    review_note = models.TextField("复核意见", blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    submitted_at = models.DateTimeField("报送时间", null=True, blank=True)
    correction_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, related_name="corrections", null=True, blank=True
    )
    correction_reason = models.TextField("更正理由", blank=True)

    class Meta:
        ordering = ["-year", "county__code", "-version"]
        verbose_name = "年度统计报告"
        verbose_name_plural = "年度统计报告"
        constraints = [
            models.UniqueConstraint(fields=["county", "year", "version"], name="one_report_version"),
            # At most one version in preparation per county and year.
            models.UniqueConstraint(
                fields=["county", "year"], condition=~models.Q(status="submitted"), name="one_open_report"
            ),
        ]
        indexes = [models.Index(fields=["year", "status"])]

    def __str__(self) -> str:
        return f"{self.county} {self.year}年度报告 第{self.version}版"

    def save(self, *args, **kwargs):
        """[P5.3a] A submitted report is locked: no save may change it."""
        if self.pk is not None:
            stored = type(self).objects.filter(pk=self.pk).values_list("status", flat=True).first()
            if stored == self.Status.SUBMITTED:
                raise ValidationError(
                    "已报送的年度报告已锁定,不可修改;如需更正请生成新版本并说明理由 [P5.3a]"
                )
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("年度报告不可删除 [P5.3a]")

    @property
    def locked(self) -> bool:
        return self.status == self.Status.SUBMITTED


# --- the dashboards' rollups of the claims (dte.reports.rollups) -----------------------------------------
class ClaimTally(models.Model):
    """The submitted claims (not drafts) counted by county, occupation, level, status, the year of the
    claim date and the year of payment: what the dashboards sum instead of reading a million claims.
    Kept in the transaction of every claim write (``dte.reports.rollups``); ids are plain integers (0:
    none), so that one row stands for each key on both databases."""

    county = models.IntegerField("县(市、区) id(0:无)")
    occupation = models.IntegerField("职业 id")
    level = models.IntegerField("等级 id")
    status = models.CharField("状态", max_length=16)
    claim_year = models.SmallIntegerField("申领年度(0:无)")
    paid_year = models.SmallIntegerField("拨付年度(0:未拨付)")
    n = models.BigIntegerField("件数", default=0)
    amount = models.BigIntegerField("金额(元)", default=0)
    reviewed = models.BigIntegerField("已审核", default=0)
    reviewed_on_time = models.BigIntegerField("按期审核", default=0)
    decided = models.BigIntegerField("已审批", default=0)
    decided_on_time = models.BigIntegerField("按期审批", default=0)
    paid_due = models.BigIntegerField("已拨付(有期限)", default=0)
    paid_on_time = models.BigIntegerField("按期拨付", default=0)

    class Meta:
        verbose_name = "申领汇总"
        verbose_name_plural = "申领汇总"
        constraints = [
            models.UniqueConstraint(
                fields=["county", "occupation", "level", "status", "claim_year", "paid_year"],
                name="one_claim_tally_per_key",
            )
        ]

    def __str__(self) -> str:
        key = (self.county, self.occupation, self.level, self.status, self.claim_year, self.paid_year)
        return "/".join(map(str, key))


class ClaimDueTally(models.Model):
    """The claims waiting for a step with a due date (review, approval, payment), counted by county,
    status and due date: the overdue counts as of any day without reading the claims."""

    county = models.IntegerField("县(市、区) id")
    status = models.CharField("状态", max_length=16)
    due = models.DateField("期限")
    n = models.BigIntegerField("件数", default=0)

    class Meta:
        verbose_name = "待办期限汇总"
        verbose_name_plural = "待办期限汇总"
        constraints = [
            models.UniqueConstraint(fields=["county", "status", "due"], name="one_claim_due_tally_per_key")
        ]

    def __str__(self) -> str:
        return f"{self.county} {self.status} {self.due}"


class StageTally(models.Model):
    """The training stages of the dashboards' funnel counted by stage, the trainee's household region
    (reading R1), occupation, level and year (reading R3): enrolments (报名录取, by the class's start),
    completions (完成培训, by its end), valid training certificates and valid level certificates
    issued under the programme (by the issue date). Kept in the transaction of every write of those
    records (``dte.reports.stages``), recounted nightly; ids are plain integers."""

    stage = models.CharField("环节", max_length=24)
    region = models.CharField("户籍地区划代码", max_length=6)
    occupation = models.IntegerField("职业 id")
    level = models.IntegerField("等级 id")
    year = models.SmallIntegerField("年度")
    n = models.BigIntegerField("人次", default=0)

    class Meta:
        verbose_name = "培训环节汇总"
        verbose_name_plural = "培训环节汇总"
        constraints = [
            models.UniqueConstraint(
                fields=["stage", "region", "occupation", "level", "year"], name="one_stage_tally_per_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.stage} {self.region} {self.occupation}/{self.level} {self.year}"
