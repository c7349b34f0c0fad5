"""The receipt number of a public objection [A2.6.2]: given to whoever files it and printed on the
officers' list, so that a call about it ("我提的异议怎么样了") finds it again. Derived from the record
itself (no column to keep): the two-digit year it was filed (Wenzhou time), the county that handles
the claim and the objection's number, e.g. 26-330302-000017."""

from __future__ import annotations

import re

from django.db.models import QuerySet
from django.utils import timezone

from dte.subsidy.models import Objection

RECEIPT_RE = re.compile(r"^\s*(\d{2})-(\d{6})-(\d{6,})\s*$")


def objection_receipt(objection: Objection) -> str:
    year = timezone.localtime(objection.filed_at).year % 100
    county = objection.claim.county.code if objection.claim.county_id else "000000"
    return f"{year:02d}-{county}-{objection.pk:06d}"


def objection_by_receipt(receipt: str, objections: QuerySet[Objection]) -> Objection | None:
    """The objection of that receipt number among ``objections`` (the officer's scope), or None:
    the whole number must match, not only its serial part."""
    match = RECEIPT_RE.match(receipt or "")
    if not match:
        return None
    found = objections.select_related("claim__county").filter(pk=int(match.group(3))).first()
    return found if found is not None and objection_receipt(found) == receipt.strip() else None
