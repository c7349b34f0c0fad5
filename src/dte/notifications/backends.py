"""Pluggable delivery of notifications by SMS or e-mail. The backend is named by the setting
``DTE_NOTIFICATION_BACKEND`` (a dotted path); the default writes each message to the outbox table,
where the administrator can read it, instead of sending it."""

from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string

from dte.notifications.models import Message, OutboxMessage

DEFAULT_BACKEND = "dte.notifications.backends.OutboxBackend"


class OutboxBackend:
    """Writes an SMS to the outbox for a person's message (to the person's phone, when known), an
    e-mail for an account's message (to the account's address, when known); otherwise the message
    stays in the inbox only."""

    def deliver(self, message: Message) -> list[OutboxMessage]:
        if message.person_id is not None:
            channel, recipient = OutboxMessage.Channel.SMS, message.person.phone
        else:
            channel, recipient = OutboxMessage.Channel.EMAIL, message.user.email
        if not recipient:
            return []
        return [
            OutboxMessage.objects.create(
                message=message,
                channel=channel,
                recipient=recipient,
                subject=message.subject,
                body=f"【温州数字技术工程师】{message.subject}:{message.body}",
                created_at=message.created_at,
            )
        ]


def get_backend():
    return import_string(getattr(settings, "DTE_NOTIFICATION_BACKEND", DEFAULT_BACKEND))()
