"""The one clock of the platform. Services take ``at`` as an argument; entry points (views, CLI,
tasks) ask this module for the time once, so that tests and replays can set it."""

from __future__ import annotations

from datetime import date, datetime

from django.utils import timezone


def now() -> datetime:
    return timezone.now()


def today() -> date:
    """Today's date in the platform's time zone (Asia/Shanghai)."""
    return timezone.localdate(timezone.now())
