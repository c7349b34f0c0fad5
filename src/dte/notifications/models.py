"""In-app inbox messages and the outbox of the default SMS/e-mail backend (issue 5 §9)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from dte.people.masking import mask_contact


class Message(models.Model):
    """A message in the in-app inbox (站内信) of a person (a claimant) or of an account (an officer:
    county reviewers and approvers, the city). Exactly one of the two is set."""

    # Indexed by the partial indexes below (one per kind of recipient), not column by column.
    person = models.ForeignKey(
        "people.Person",
        on_delete=models.PROTECT,
        related_name="messages",
        null=True,
        blank=True,
        db_index=False,
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="账号",
        on_delete=models.PROTECT,
        related_name="inbox_messages",
        null=True,
        blank=True,
        db_index=False,
    )
    subject = models.CharField("标题", max_length=120)
    body = models.TextField("内容")
    link = models.CharField("链接", max_length=200, blank=True)
    topic = models.CharField("事项", max_length=60, blank=True)
    # Set by scheduled jobs (reminders, escalations) that may run twice or late: one message per key
    # and account, whatever happens.
    dedupe_key = models.CharField("去重键", max_length=120, blank=True, default="")
    created_at = models.DateTimeField("时间")
    read_at = models.DateTimeField("已读时间", null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "站内信"
        verbose_name_plural = "站内信"
        indexes = [
            # Each message is in one inbox: each index holds only its kind of recipient's messages.
            models.Index(
                fields=["person", "-created_at"],
                condition=models.Q(person__isnull=False),
                name="messages_of_person",
            ),
            models.Index(
                fields=["user", "-created_at"],
                condition=models.Q(user__isnull=False),
                name="messages_of_account",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                name="message_has_one_recipient",
                condition=(
                    models.Q(person__isnull=False, user__isnull=True)
                    | models.Q(person__isnull=True, user__isnull=False)
                ),
            ),
            models.UniqueConstraint(
                name="message_dedupe_key_once_per_user",
                fields=["user", "dedupe_key"],
                condition=~models.Q(dedupe_key=""),
            ),
        ]

    def __str__(self) -> str:
        return self.subject

    @property
    def href(self) -> str:
        """The link when it is a path on this platform; never an outside or script address."""
        return self.link if self.link.startswith("/") and not self.link.startswith("//") else ""


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
        return f"{self.get_channel_display()} {mask_contact(self.recipient)} {self.subject}"
