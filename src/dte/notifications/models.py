"""In-app inbox messages and the outbox of the default SMS/e-mail backend (issue 5 §9)."""

from __future__ import annotations

from django.db import models


class Message(models.Model):
    """A message in a person's in-app inbox (站内信)."""

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="messages")
    subject = models.CharField("标题", max_length=120)
    body = models.TextField("内容")
    link = models.CharField("链接", max_length=200, blank=True)
    topic = models.CharField("事项", max_length=60, blank=True)
    created_at = models.DateTimeField("时间")
    read_at = models.DateTimeField("已读时间", null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "站内信"
        verbose_name_plural = "站内信"
        indexes = [models.Index(fields=["person", "-created_at"])]

    def __str__(self) -> str:
        return self.subject


class OutboxMessage(models.Model):
    """An SMS or e-mail the default backend wrote instead of sending; the admin reads it."""

    class Channel(models.TextChoices):
        SMS = "sms", "短信"
        EMAIL = "email", "电子邮件"

    message = models.ForeignKey(Message, on_delete=models.PROTECT, related_name="outbox")
    channel = models.CharField("渠道", max_length=8, choices=Channel.choices)
    recipient = models.CharField("接收方", max_length=120)
    subject = models.CharField("标题", max_length=120)
    body = models.TextField("内容")
    created_at = models.DateTimeField("时间")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "待发短信/邮件"
        verbose_name_plural = "待发短信/邮件(发件箱)"

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.recipient} {self.subject}"
