"""Parameter versions: a dated value of one policy parameter, proposed by a city officer with its
document (文号) and reason, and published when a second city officer approves it (four eyes).
Published versions are laid over the shipped YAML files (``dte.parameters.layer``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from dte.core.compactjson import CompactJSONEncoder


class ParameterVersion(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "待审批"
        PUBLISHED = "published", "已发布"
        REJECTED = "rejected", "已驳回"
        WITHDRAWN = "withdrawn", "已撤回"

    name = models.CharField("参数", max_length=40)
    start = models.DateField("生效日期")
    # The dated value as in the parameter's file: {reference: …, …} (or {reference: …, value: …}).
    body = models.JSONField("取值", encoder=CompactJSONEncoder)
    document = models.CharField("文号", max_length=80)
    reason = models.TextField("调整理由")
    # What the version changes against the value in force when it was proposed (parameters.diff).
    diff = models.JSONField("与现行值的差异", default=list, encoder=CompactJSONEncoder)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.DRAFT)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField("提出时间")
    # The second officer who approved (published) or rejected it.
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField("审批时间", null=True, blank=True)
    decision_note = models.TextField("审批意见", blank=True)
    # The preview's figures at publication (the counts of dte.parameters.preview).
    effect = models.JSONField("发布时的影响", default=dict, encoder=CompactJSONEncoder)

    class Meta:
        ordering = ["-id"]
        verbose_name = "政策参数版本"
        verbose_name_plural = "政策参数版本"
        # The layer's token (every process, at most once a second): the published versions' count
        # and latest id, read from this index alone.
        indexes = [models.Index(fields=["status", "id"], name="parameter_versions_by_status")]

    def __str__(self) -> str:
        return f"{self.name} {self.start:%Y-%m-%d}"

    def as_layer(self) -> dict:
        return {self.name: {"values": {self.start.isoformat(): self.body}}}


class ChangedDecision(models.Model):
    """A decided claim whose decision the published version would change: kept as decided, listed
    for its county to review."""

    version = models.ForeignKey(ParameterVersion, on_delete=models.PROTECT, related_name="changed")
    claim = models.ForeignKey("subsidy.Claim", on_delete=models.PROTECT, related_name="+")
    county = models.ForeignKey("catalog.County", on_delete=models.PROTECT, related_name="+")
    eligible_before = models.BooleanField("原结论:符合")
    eligible_after = models.BooleanField("新参数下:符合")
    amount_before = models.PositiveIntegerField("原金额(元)")
    amount_after = models.PositiveIntegerField("新参数下金额(元)")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-id"]
        verbose_name = "参数调整后需复核的申领"
        verbose_name_plural = "参数调整后需复核的申领"
        constraints = [
            models.UniqueConstraint(fields=["version", "claim"], name="one_change_per_version_claim")
        ]
        indexes = [models.Index(fields=["county", "id"], name="changed_decisions_by_county")]

    def __str__(self) -> str:
        return f"{self.version}: {self.claim_id}"
