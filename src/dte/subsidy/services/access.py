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
    claim = evidence.claim or (evidence.objection.claim if evidence.objection_id else None)
    if claim is not None and evidence.claim_id and claim.person_id == getattr(actor, "person_id", None):
        return
    audit.record(
        actor=actor,
        action="subsidy.evidence.view",
        obj=evidence,
        changes={
            "claim": claim.reference if claim is not None else "",
            "kind": evidence.kind,
            "filename": evidence.filename,
        },
        at=at,
    )
