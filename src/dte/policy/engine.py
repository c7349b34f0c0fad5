"""Evaluate claims given as JSON objects (the contract of ``dte policy evaluate``): parse each,
decide all the well-formed ones together over columns, and return one result per claim in order —
a decision, or ``{"id": …, "error": {"field": …, "message": …}}``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from dte.policy.calendar import WorkCalendar, get_calendar
from dte.policy.claims import ClaimError, Row, build_columns, parse_claim
from dte.policy.compiled import CompiledPolicy, get_policy
from dte.policy.rules import Decision, decide


def claim_error(raw: Any, field: str, message: str) -> dict[str, Any]:
    cid = raw.get("id") if isinstance(raw, Mapping) else None
    return {"id": cid, "error": {"field": field, "message": message}}


def evaluate(
    raw_claims: Sequence[Any],
    policy: CompiledPolicy | None = None,
    calendar: WorkCalendar | None = None,
) -> list[dict[str, Any]]:
    """One JSON-ready result per claim, in input order."""
    policy = policy or get_policy()
    calendar = calendar or get_calendar()
    out: list[dict[str, Any]] = [{} for _ in raw_claims]
    rows: list[Row] = []
    where: list[int] = []
    for k, raw in enumerate(raw_claims):
        try:
            rows.append(parse_claim(raw, policy))
            where.append(k)
        except ClaimError as exc:
            out[k] = claim_error(raw, exc.field, exc.message)
    if rows:
        res = decide(build_columns(rows), policy, calendar)
        for j, k in enumerate(where):
            out[k] = res.decision(j).to_dict()
    return out


def decide_claim(
    raw: Any, policy: CompiledPolicy | None = None, calendar: WorkCalendar | None = None
) -> Decision:
    """Decide one claim (raises ClaimError when it is ill-formed)."""
    policy = policy or get_policy()
    return decide(build_columns([parse_claim(raw, policy)]), policy, calendar).decision(0)
