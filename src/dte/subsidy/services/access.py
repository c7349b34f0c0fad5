"""Access to personal data, recorded: an official who opens a claim's evidence (certificate scans,
often with an ID photo) or an objection's leaves an audit entry (``subsidy.evidence.view``), which
the auditors read in the audit log. The claimant opening their own evidence is not recorded."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from dte.audit import services as audit
from dte.subsidy.models import Evidence


@transaction.atomic
def evidence_viewed(*, actor, evidence: Evidence, at: datetime) -> None:
    # A claim's evidence, or an objection's (the objection names the claim).
    claim = evidence.claim if evidence.claim_id else evidence.objection.claim
    if evidence.claim_id and claim.person_id == getattr(actor, "person_id", None):
        return  # the claimant's own evidence
    audit.record(
        actor=actor,
        action="subsidy.evidence.view",
        obj=evidence,
        changes={
            "claim": claim.reference,
            "kind": evidence.kind,
            "filename": evidence.filename,
        },
        at=at,
    )


@transaction.atomic
def queue_exported(*, actor, file: str, rows: int, filters: dict[str, str], at: datetime) -> None:
    """An officer downloaded the queue's current filter as XLSX (claimants' names and amounts):
    who, when, which file, which filter, how many rows."""
    audit.record(
        actor=actor,
        action="subsidy.queue.export",
        object_type="subsidy.Claim",
        object_id="*",
        changes={"file": file, "rows": rows, "filters": filters},
        at=at,
    )
