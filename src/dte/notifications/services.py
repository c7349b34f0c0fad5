"""Writes to the inbox. ``notify`` and ``notify_user`` run inside the caller's transaction, so a step
and the message telling someone about it are committed together."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from dte.core import rows
from dte.core.bounds import MESSAGE_BODY_MAX, MESSAGE_SUBJECT_MAX
from dte.notifications.backends import get_backend
from dte.notifications.models import Message
from dte.notifications.selectors import inbox


def _bounded(subject: str, body: str) -> None:
    """A message is refused (with the step that sends it) rather than stored cut: the texts a person
    typed into it are bounded by the services that take them (dte.core.bounds)."""
    if len(subject) > MESSAGE_SUBJECT_MAX:
        raise ValidationError({"subject": f"站内信标题不能超过{MESSAGE_SUBJECT_MAX}个字"})
    if len(body) > MESSAGE_BODY_MAX:
        raise ValidationError({"body": f"站内信内容不能超过{MESSAGE_BODY_MAX}个字"})


# No savepoint of its own: a failure rolls back the caller's step too, as one unit.
@transaction.atomic(savepoint=False)
def notify(*, person, subject: str, body: str, link: str = "", topic: str = "", at: datetime) -> Message:
    """Put a message in the person's inbox and hand it to the SMS/e-mail backend."""
    _bounded(subject, body)
    # One plain INSERT: most steps of a claim send one (see dte.core.rows).
    msg = rows.insert(
        Message(person=person, subject=subject, body=body, link=link, topic=topic, created_at=at),
        ("person", "subject", "body", "link", "topic", "dedupe_key", "created_at"),
    )
    get_backend().deliver(msg)
    return msg


@transaction.atomic(savepoint=False)
def notify_user(
    *,
    user,
    subject: str,
    body: str,
    link: str = "",
    topic: str = "",
    at: datetime,
    dedupe_key: str = "",
) -> Message | None:
    """Put a message in an account's inbox (officers have no person record) and hand it to the
    backend. With a ``dedupe_key``, an account gets the message once: a second call, also one
    racing in another transaction, writes and sends nothing and returns None."""
    _bounded(subject, body)
    fields = {
        "user": user,
        "subject": subject,
        "body": body,
        "link": link,
        "topic": topic,
        "created_at": at,
        "dedupe_key": dedupe_key,
    }
    if not dedupe_key:
        msg = Message.objects.create(**fields)
    else:
        if _sent(user, dedupe_key):
            return None
        try:
            # The savepoint keeps the caller's transaction usable when the unique constraint fires
            # (a concurrent run committed the same key between the check and the insert).
            with transaction.atomic():
                msg = Message.objects.create(**fields)
        except IntegrityError:
            if _sent(user, dedupe_key):
                return None
            raise
    get_backend().deliver(msg)
    return msg


def _sent(user, dedupe_key: str) -> bool:
    return Message.objects.filter(user=user, dedupe_key=dedupe_key).exists()


def _own(actor, message: Message) -> bool:
    if actor is None or not actor.is_authenticated:
        return False
    if message.user_id is not None:
        return message.user_id == actor.pk
    return actor.person_id is not None and actor.person_id == message.person_id


@transaction.atomic
def message_read(*, actor, message: Message, at: datetime) -> Message:
    if not _own(actor, message):
        raise PermissionDenied("只能查看本人的站内信")
    if message.read_at is None:
        Message.objects.filter(pk=message.pk, read_at__isnull=True).update(read_at=at)
        message.read_at = at
    return message


@transaction.atomic
def messages_read_all(*, actor, at: datetime) -> int:
    """Mark every unread message of the actor's inbox as read; returns how many."""
    return inbox(actor=actor).filter(read_at__isnull=True).update(read_at=at)
