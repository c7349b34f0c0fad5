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
