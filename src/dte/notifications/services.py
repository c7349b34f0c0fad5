"""Writes to the inbox. ``notify`` runs inside the caller's transaction, so a step and the message
telling the person about it are committed together."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction

from dte.notifications.backends import get_backend
from dte.notifications.models import Message


# No savepoint of its own: a failure rolls back the caller's step too, as one unit.
@transaction.atomic(savepoint=False)
def notify(*, person, subject: str, body: str, link: str = "", topic: str = "", at: datetime) -> Message:
    """Put a message in the person's inbox and hand it to the SMS/e-mail backend."""
    msg = Message.objects.create(
        person=person, subject=subject, body=body, link=link, topic=topic, created_at=at
    )
    get_backend().deliver(msg)
    return msg


@transaction.atomic
def message_read(*, actor, message: Message, at: datetime) -> Message:
    if actor.person_id is None or actor.person_id != message.person_id:
        raise PermissionDenied("只能查看本人的站内信")
    if message.read_at is None:
        Message.objects.filter(pk=message.pk, read_at__isnull=True).update(read_at=at)
        message.read_at = at
    return message
