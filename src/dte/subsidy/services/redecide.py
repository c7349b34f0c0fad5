"""Re-decision of the open claims in one engine batch [A2.7c] (after a fact import or a parameter
change)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import transaction

from dte.audit import services as audit
from dte.policy.decision import Decision, InvalidClaim
from dte.policy.engine import decide_claims
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
    results = decide_claims([engine_input(c, c.claim_date) for c in claims])
    changed = 0
    for claim, result in zip(claims, results, strict=True):
        if isinstance(result, InvalidClaim):
            continue
        diffs = findings_changed(claim.decision, result)
        if not diffs:
            continue
        with transaction.atomic():
            c = Claim.objects.select_for_update().get(pk=claim.pk)
            if c.status not in OPEN_FOR_REVIEW:
                continue
            c.decision = result.to_json()
            c.eligible = result.eligible
            c.amount = result.amount
            c.failed_rules = list(result.failed)
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


def findings_changed(stored: dict, decision: Decision) -> list[dict]:
    """The findings of ``decision`` that differ from the stored decision (JSON): new, or with another
    outcome or message; each as {rule, before, after, message}."""
    old = {f["rule"]: f for f in stored.get("findings", [])}
    return [
        {
            "rule": f.rule,
            "before": old[f.rule]["passed"] if f.rule in old else None,
            "after": f.passed,
            "message": f.message,
        }
        for f in decision.findings
        if f.rule not in old or old[f.rule]["passed"] != f.passed or old[f.rule]["message"] != f.message
    ]
