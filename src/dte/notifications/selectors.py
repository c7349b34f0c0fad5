"""Reads of the inbox: an account sees only its own messages, and a trainee also those addressed to
their person record."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from dte.notifications.models import Message


def inbox(*, actor) -> QuerySet[Message]:
    if actor is None or not actor.is_authenticated:
        return Message.objects.none()
    mine = Q(user_id=actor.pk)
    if actor.person_id is not None:
        mine |= Q(person_id=actor.person_id)
    return Message.objects.filter(mine)


def message_for(*, actor, pk: int) -> Message | None:
    """One message of the actor's inbox, or None (another's message is as good as missing)."""
    return inbox(actor=actor).filter(pk=pk).first()


def unread_count(*, actor) -> int:
    return inbox(actor=actor).filter(read_at__isnull=True).count()
