"""The credit list [A2.7a]. The export carries full names and ID numbers for the provincial
public credit information system: it is the city's alone (``Cap.MANAGE_CREDIT_LIST``, held only
by the city officer; county officers and auditors get none, they see a claim's entries on its
page). The CSV goes through ``dte.core.spreadsheet`` so that no cell is read as a formula; every
download is recorded in the audit log: who, when, which file, how many rows."""

from __future__ import annotations

import io
import json
from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from dte.audit import services as audit
from dte.catalog.models import County
from dte.core import spreadsheet
from dte.core.bounds import FINDING_MAX, REASON_MAX, clean_text
from dte.core.permissions import Cap, can, require
from dte.people.masking import mask_id_number, mask_name
from dte.policy.periods import add_years
from dte.subsidy.models import Claim, CreditEntry
from dte.subsidy.services.common import county_scope, local_date

# -- credit list [A2.7a] ---------------------------------------------------------------------------

LEGAL_BASIS = "温人社发〔2024〕5号 附件2 七 [A2.7a]"
# [A2.7a] says "按规定向社会公开" and fixes no publication period. Reading for the city to confirm:
# three years from the decision date unless the deciding officer enters another last day.
DEFAULT_PUBLICATION_YEARS = 3


def credit_publish_until(decided_on: date) -> date:
    """The default last day of publication: three years after the decision (29 February → 28)."""
    return add_years(decided_on, DEFAULT_PUBLICATION_YEARS)


def _may_decide_credit(actor, county: County) -> None:
    if not (can(actor, Cap.APPROVE_CLAIMS) or can(actor, Cap.MANAGE_CREDIT_LIST)):
        raise PermissionDenied("当前账号无权认定失信记录")
    county_scope(actor, county)


@transaction.atomic
def credit_entry_create(
    *,
    actor,
    claim: Claim,
    kind: str,
    facts: str,
    decided_on: date,
    at: datetime,
    publish_until: date | None = None,
    legal_basis: str = LEGAL_BASIS,
) -> CreditEntry:
    """Confirmed fraud or forged identity → a credit-list entry for the provincial public credit
    information system, published masked until ``publish_until`` [A2.7a]."""
    _may_decide_credit(actor, claim.county)
    if kind not in CreditEntry.Kind.values:
        raise ValidationError({"kind": "请选择失信类别"})
    facts = clean_text(facts, field="facts", label="查实情况", max_length=FINDING_MAX)
    if not facts:
        raise ValidationError({"facts": "请写明查实情况"})
    publish_until = publish_until or credit_publish_until(decided_on)
    if publish_until <= decided_on:
        raise ValidationError({"publish_until": "公开截止日期应晚于认定日期"})
    entry = CreditEntry.objects.create(
        person=claim.person,
        claim=claim,
        kind=kind,
        facts=facts.strip(),
        legal_basis=legal_basis,
        decided_on=decided_on,
        publish_until=publish_until,
        decided_by=actor,
        county=claim.county,
        created_at=at,
    )
    audit.record(
        actor=actor,
        action="credit.create",
        obj=entry,
        at=at,
        reason=facts,
        changes={
            "claim": claim.reference,
            "kind": kind,
            "decided_on": decided_on,
            "publish_until": publish_until,
        },
    )
    return entry


@transaction.atomic
def credit_entry_revoke(*, actor, entry: CreditEntry, reason: str, at: datetime) -> CreditEntry:
    """Revoke a credit-list entry (e.g. the finding was overturned on review or appeal): it leaves
    the public page at once and stays in the provincial export marked revoked [A2.7a]."""
    entry = CreditEntry.objects.select_for_update().get(pk=entry.pk)
    _may_decide_credit(actor, entry.county)
    if entry.revoked_at is not None:
        raise ValidationError(f"该信用记录已于{local_date(entry.revoked_at):%Y-%m-%d}撤销,不能重复撤销")
    reason = clean_text(reason, field="reason", label="撤销原因", max_length=REASON_MAX)
    if not reason:
        raise ValidationError({"reason": "请写明撤销原因"})
    entry.revoked_at = at
    entry.revoked_by = actor
    entry.revocation_reason = reason.strip()
    entry.save(update_fields=["revoked_at", "revoked_by", "revocation_reason"])
    audit.record(
        actor=actor,
        action="credit.revoke",
        obj=entry,
        at=at,
        reason=entry.revocation_reason,
        changes={"claim": entry.claim.reference if entry.claim else "", "revoked_at": at},
    )
    return entry


def credit_entries_for(*, claim: Claim) -> list[CreditEntry]:
    """The credit-list entries recorded from one claim, for the officers' claim page."""
    return list(CreditEntry.objects.filter(claim=claim).select_related("revoked_by"))


EXPORT_FIELDS = [
    "name",
    "id_number",
    "kind",
    "facts",
    "legal_basis",
    "decided_on",
    "publish_until",
    "status",
    "revoked_on",
    "revocation_reason",
    "county",
    "claim",
]


def credit_export_rows(*, actor, today: date) -> list[dict]:
    """Every entry for the provincial public credit information system, with its publication period
    and its status as of ``today``, revoked ones included. Full names and ID numbers: the city's
    alone (``Cap.MANAGE_CREDIT_LIST``); a county officer gets none (403), not a masked copy: the
    county sees its entries on the claim pages, and the public page is masked."""
    require(actor, Cap.MANAGE_CREDIT_LIST)
    return [
        {
            "name": e.person.name,
            "id_number": e.person.id_number,
            "kind": e.get_kind_display(),
            "facts": e.facts,
            "legal_basis": e.legal_basis,
            "decided_on": e.decided_on.isoformat(),
            "publish_until": e.publish_until.isoformat(),
            "status": e.status(today),
            "revoked_on": local_date(e.revoked_at).isoformat() if e.revoked_at else "",
            "revocation_reason": e.revocation_reason,
            "county": e.county.name,
            "claim": e.claim.reference if e.claim else "",
        }
        for e in CreditEntry.objects.select_related("person", "county", "claim")
    ]


def credit_export(*, actor, fmt: str, at: datetime) -> bytes:
    """The credit list for the provincial system, CSV (formula-like text written as text) or JSON
    (the values exactly as recorded). Every download is audited: who, when, which file, how many
    rows."""
    require(actor, Cap.MANAGE_CREDIT_LIST)
    if fmt not in ("csv", "json"):
        raise ValidationError({"format": "格式应为 csv 或 json"})
    rows = credit_export_rows(actor=actor, today=local_date(at))
    if fmt == "json":
        content = json.dumps(rows, ensure_ascii=False, indent=1).encode()
    else:
        buf = io.StringIO()
        w = spreadsheet.SafeCsvDictWriter(buf, fieldnames=EXPORT_FIELDS)
        w.writeheader()
        w.writerows(rows)
        content = ("\ufeff" + buf.getvalue()).encode("utf-8")
    with transaction.atomic():
        audit.record(
            actor=actor,
            action="credit.export",
            object_type="subsidy.CreditEntry",
            object_id="*",
            at=at,
            changes={"format": fmt, "file": f"credit-list.{fmt}", "entries": len(rows)},
        )
    return content


def credit_public(*, today: date) -> list[dict]:
    """The public page: entries published on ``today`` only (decided, not revoked, within their
    publication period), masked [A2.7a]."""
    published = CreditEntry.objects.filter(
        revoked_at__isnull=True, decided_on__lte=today, publish_until__gte=today
    ).select_related("person", "county")
    return [
        {
            "name": mask_name(e.person.name),
            "id_number": mask_id_number(e.person.id_number),
            "kind": e.get_kind_display(),
            "legal_basis": e.legal_basis,
            "decided_on": e.decided_on,
            "publish_until": e.publish_until,
            "county": e.county.name,
        }
        for e in published
    ]
