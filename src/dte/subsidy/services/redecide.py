"""Re-decision of the open claims in one engine batch [A2.7c] (after a fact import or a parameter
change)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import transaction

from dte.audit import services as audit
from dte.policy.engine import evaluate
from dte.subsidy.models import OPEN_FOR_REVIEW, Claim
from dte.subsidy.services.common import CLAIM_RELATED, event, trace
from dte.subsidy.services.decision import engine_input

# -- re-decision in one batch ----------------------------------------------------------------------


def claims_redecide(*, person_ids: Iterable[int] | None = None, reason: str, at: datetime, actor=None) -> int:
    """Re-decide the open claims (all, or those of some people) in one engine batch, with the facts
    as of each claim date [A2.7c], and flag every finding that changed to the reviewer."""
    qs = Claim.objects.filter(status__in=OPEN_FOR_REVIEW).select_related(*CLAIM_RELATED)
    if person_ids is not None:
        qs = qs.filter(person_id__in=list(person_ids))
    claims = list(qs)
    if not claims:
        return 0
    results = evaluate([engine_input(c, c.claim_date) for c in claims])
    changed = 0
    for claim, result in zip(claims, results, strict=True):
        if "error" in result:
            continue
        old = {f["rule"]: f for f in claim.decision.get("findings", [])}
        diffs = [
            {
                "rule": f["rule"],
                "before": old[f["rule"]]["passed"] if f["rule"] in old else None,
                "after": f["passed"],
                "message": f["message"],
            }
            for f in result["findings"]
            if f["rule"] not in old
            or old[f["rule"]]["passed"] != f["passed"]
            or old[f["rule"]]["message"] != f["message"]
        ]
        if not diffs:
            continue
        with transaction.atomic():
            c = Claim.objects.select_for_update().get(pk=claim.pk)
            if c.status not in OPEN_FOR_REVIEW:
                continue
            c.decision = result
            c.eligible = result["eligible"]
            c.amount = result["amount"]
            c.failed_rules = result["failed"]
            c.findings_changed = diffs
            c.save()
            event(c, action="redecided", label=f"因{reason}重新判定,{len(diffs)}项结论变化", at=at)
            audit.record(
                actor=actor,
                action="claim.redecide",
                obj=c,
                at=at,
                reason=reason,
                changes={"findings_changed": diffs, "decision": trace(c)},
            )
            changed += 1
    return changed
