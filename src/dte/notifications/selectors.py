"""Reads of the inbox: a person sees only their own messages."""

from __future__ import annotations

from django.db.models import QuerySet

from dte.notifications.models import Message


def inbox(*, actor) -> QuerySet[Message]:
    if actor is None or not actor.is_authenticated or actor.person_id is None:
        return Message.objects.none()
    return Message.objects.filter(person_id=actor.person_id)


def unread_count(*, actor) -> int:
    return inbox(actor=actor).filter(read_at__isnull=True).count()
