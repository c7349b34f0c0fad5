"""Rotating QR check-in tokens [P2.3]: an HMAC (keyed with SECRET_KEY) of the session, the action
(in/out) and a one-minute time window. A token is accepted for its own window and the two before
it, so a code shown in class stays valid for two to three minutes and a photo sent to an absent
friend soon expires."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

from django.conf import settings

WINDOW_SECONDS = 60
WINDOWS_ACCEPTED = 3
ACTIONS = ("in", "out")


def _window(at: datetime) -> int:
    return int(at.timestamp()) // WINDOW_SECONDS


def _token(session_id: int, action: str, window: int) -> str:
    message = f"dte.checkin:{session_id}:{action}:{window}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()[:24]


def token_for(*, session_id: int, action: str, at: datetime) -> str:
    if action not in ACTIONS:
        raise ValueError(f"unknown check-in action {action!r}")
    return _token(session_id, action, _window(at))


def token_valid(*, session_id: int, action: str, token: str, at: datetime) -> bool:
    if action not in ACTIONS:
        return False
    now = _window(at)
    return any(
        hmac.compare_digest(token, _token(session_id, action, now - k)) for k in range(WINDOWS_ACCEPTED)
    )


def seconds_left(*, at: datetime) -> int:
    """Seconds until the code shown now rotates."""
    return WINDOW_SECONDS - int(at.timestamp()) % WINDOW_SECONDS
