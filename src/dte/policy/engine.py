"""The engine's boundary. ``decide_claims`` takes claims given as JSON objects (the contract of
``dte policy evaluate``), parses each, decides all the well-formed ones together over columns, and
returns one typed result per claim in order — a ``Decision``, or an ``InvalidClaim`` naming the
offending field. ``evaluate`` is the same as JSON (``to_json`` of each result): what the command
writes, one object per claim."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from dte.policy.calendar import WorkCalendar, get_calendar
from dte.policy.claims import ClaimError, Row, build_columns, parse_claim
from dte.policy.compiled import CompiledPolicy, get_policy
from dte.policy.decision import Decision, FieldError, InvalidClaim
from dte.policy.rules import decide


def invalid_claim(raw: Any, field: str, message: str) -> InvalidClaim:
    cid = raw.get("id") if isinstance(raw, Mapping) else None
    return InvalidClaim(cid, FieldError(field, message))


def claim_error(raw: Any, field: str, message: str) -> dict[str, Any]:
    """``invalid_claim`` as JSON: ``{"id": …, "error": {"field": …, "message": …}}``."""
    return invalid_claim(raw, field, message).to_json()


def decide_claims(
    raw_claims: Sequence[Any],
    policy: CompiledPolicy | None = None,
    calendar: WorkCalendar | None = None,
) -> list[Decision | InvalidClaim]:
    """One decision or invalid claim per claim, in input order."""
    policy = policy or get_policy()
    calendar = calendar or get_calendar()
    out: list[Decision | InvalidClaim | None] = [None] * len(raw_claims)
    rows: list[Row] = []
    where: list[int] = []
    for k, raw in enumerate(raw_claims):
        try:
            rows.append(parse_claim(raw, policy))
            where.append(k)
        except ClaimError as exc:
            out[k] = invalid_claim(raw, exc.field, exc.message)
    if rows:
        res = decide(build_columns(rows), policy, calendar)
        for j, k in enumerate(where):
            out[k] = res.decision(j)
    return [x for x in out if x is not None]


def evaluate(
    raw_claims: Sequence[Any],
    policy: CompiledPolicy | None = None,
    calendar: WorkCalendar | None = None,
) -> list[dict[str, Any]]:
    """One JSON-ready result per claim, in input order (``decide_claims`` as JSON)."""
    return [x.to_json() for x in decide_claims(raw_claims, policy, calendar)]


def decide_claim(
    raw: Any, policy: CompiledPolicy | None = None, calendar: WorkCalendar | None = None
) -> Decision:
    """Decide one claim (raises ClaimError when it is ill-formed)."""
    policy = policy or get_policy()
    return decide(build_columns([parse_claim(raw, policy)]), policy, calendar).decision(0)
