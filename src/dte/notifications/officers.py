"""Messages to the officers of a county (reviewers, approvers) or of the city, for the scheduled
reminders and escalations of the working-day clock [A2.6.1]. The job may run twice, late, or twice
at once: every message carries a dedupe key and reaches each account at most once."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import transaction

from dte.notifications.models import Message
from dte.notifications.services import notify_user


def officers(*, county, roles: Iterable[str]):
    """The active accounts holding one of ``roles`` in ``county`` (None: the city-level accounts)."""
    qs = get_user_model().objects.filter(is_active=True, role__in=list(roles))
    qs = qs.filter(county__isnull=True) if county is None else qs.filter(county=county)
    return qs.order_by("pk")


@transaction.atomic(savepoint=False)
def notify_officers(
    *,
    county,
    roles: Iterable[str],
    subject: str,
    body: str,
    link: str = "",
    topic: str = "",
    at: datetime,
    dedupe_key: str,
) -> list[Message]:
    """Send one message to each active officer of ``roles`` in ``county`` (None: the city officers)
    who has not had ``dedupe_key`` yet; returns the messages written now."""
    if not dedupe_key:
        raise ValueError("notify_officers needs a dedupe_key: its callers are scheduled jobs")
    already = Message.objects.filter(dedupe_key=dedupe_key, user__isnull=False).values("user_id")
    sent = []
    for user in officers(county=county, roles=roles).exclude(pk__in=already):
        msg = notify_user(
            user=user, subject=subject, body=body, link=link, topic=topic, at=at, dedupe_key=dedupe_key
        )
        if msg is not None:
            sent.append(msg)
    return sent
