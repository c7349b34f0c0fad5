from __future__ import annotations

from django.conf import settings
from django.db import models

from dte.core.compactjson import CompactJSONEncoder


class AuditEntry(models.Model):
    """One entry of the append-only, hash-chained audit log ([P2.3] 可追溯、可查询).

    ``hash`` covers every field of the entry and ``prev_hash`` (the previous entry's hash), so a row
    edited or deleted behind the log's back breaks the chain from that entry on."""

    at = models.DateTimeField("时间", db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_label = models.CharField("操作人(记录时)", max_length=150)
    action = models.CharField("动作", max_length=80, db_index=True)
    object_type = models.CharField("对象类型", max_length=80)
    object_id = models.CharField("对象编号", max_length=64)
    changes = models.JSONField("变更(前/后)", default=dict, encoder=CompactJSONEncoder)
    reason = models.TextField("理由", blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "审计日志条目"
        verbose_name_plural = "审计日志"
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        when = f"{self.at:%Y-%m-%d %H:%M:%S}"
        return f"#{self.pk} {when} {self.actor_label} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise PermissionError("审计日志只能追加,不能修改")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("审计日志只能追加,不能删除")
