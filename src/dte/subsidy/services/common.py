"""What the claim and payment services share: the claim row lock, the timeline event, the audit
entry with the decision trace, the message to the claimant, the officers' scope, and the checks
of an account number, a file name and a sum of yuan."""

from __future__ import annotations

import re
import secrets
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from dte.audit import services as audit
from dte.catalog.models import County
from dte.core import rows
from dte.core.bounds import FILENAME_MAX, clean_text
from dte.core.permissions import Cap, can, require
from dte.notifications.services import notify
from dte.policy import periods
from dte.subsidy import queries as claim_sql
from dte.subsidy.models import Claim, ClaimEvent

REMEDIES = (
    "如对本决定不服,可自收到本通知之日起60日内依法申请行政复议,"
    "或者自收到本通知之日起6个月内依法向人民法院提起行政诉讼。"
)


def local_date(at: datetime) -> date:
    """The local (Asia/Shanghai) date of ``at``."""
    return timezone.localdate(at)


def reference(prefix: str, at: datetime) -> str:
    """A new reference: the prefix, the local date and 8 random hex digits (BT… claims, PF… batches)."""
    return f"{prefix}{local_date(at):%Y%m%d}{secrets.token_hex(4).upper()}"


CLAIM_RELATED = (
    "person",
    "occupation",
    "level",
    "training_institution",
    "training_occupation",
    "training_level",
)


def lock(claim: Claim) -> Claim:
    """The claim read again under a row lock, with what its steps read."""
    return Claim.objects.select_for_update(of=("self",)).select_related(*CLAIM_RELATED).get(pk=claim.pk)


def event(
    claim: Claim, *, action: str, label: str, actor=None, at: datetime, due=None, note: str = ""
) -> None:
    """A step on the claim's timeline (``due``: the due date it announces)."""
    # One plain INSERT: every step of every claim writes one (see dte.core.rows).
    rows.insert(
        ClaimEvent(claim=claim, at=at, action=action, label=label, actor=actor, due=due, note=note),
        ("claim", "at", "action", "label", "actor", "due", "note"),
    )


def trace(claim: Claim) -> dict:
    """The engine's decision in short, as every audit entry of a claim carries it."""
    return {
        "eligible": claim.decision.get("eligible"),
        "amount": claim.decision.get("amount"),
        "failed": claim.decision.get("failed", []),
        "policy": claim.decision.get("policy"),
        "findings": [
            {"rule": f["rule"], "passed": f["passed"], "message": f["message"]}
            for f in claim.decision.get("findings", [])
        ],
    }


def audit_claim(
    claim: Claim, *, actor, action: str, before: str, at: datetime, reason: str = "", **extra
) -> None:
    """The audit entry of a transition: the status before and after, and the decision trace."""
    audit.record(
        actor=actor,
        action=action,
        obj=claim,
        at=at,
        reason=reason,
        changes={"status": [before, claim.status], "decision": trace(claim), **extra},
    )


def tell(claim: Claim, subject: str, body: str, at: datetime) -> None:
    """Tell the claimant (inbox + SMS backend), linking the claim."""
    notify(
        person=claim.person,
        subject=subject,
        body=f"您的培训补贴申领 {claim.reference}:{body}",
        link=f"/subsidy/claims/{claim.pk}/",
        topic="subsidy",
        at=at,
    )


def in_scope(actor, claim: Claim) -> None:
    """County officers act only on their county's claims (G5); the city sees all."""
    if can(actor, Cap.SUPERVISE_CITY):
        return
    if getattr(actor, "county_id", None) is None or claim.county_id != actor.county_id:
        raise PermissionDenied("该申领不属于本县(市、区)")


def own(actor, claim: Claim) -> None:
    """Only the claimant acts on their own claim."""
    require(actor, Cap.CLAIM_SUBSIDY)
    if actor.person_id != claim.person_id:
        raise PermissionDenied("只能办理本人的申领")


def prior_claims(claim: Claim) -> list[tuple]:
    """The person's other submitted claims: (pk, status, occupation code, level code, claim date)."""
    return claim_sql.priors(claim.person_id, claim.pk)


def clean_account(raw: str) -> str:
    """A bank account number: 12 to 30 digits, spaces removed."""
    account = "".join((raw or "").split())
    if not account.isdigit() or not 12 <= len(account) <= 30:
        raise ValidationError({"bank_account": "银行账号应为12至30位数字"})
    return account


def clean_filename(filename: str) -> str:
    return clean_text(filename, field="file", label="文件名", max_length=FILENAME_MAX, line=True) or "upload"


def set_review_dues(claim: Claim) -> None:
    """The review and approval due dates from the day received and the paused working days (D3)."""
    dues = periods.review_due_dates(claim.received_on, claim.paused_working_days)
    claim.review_due = dues.review_due
    claim.approval_due = dues.approval_due
    claim.dates_provisional = dues.provisional


def requested_at(claim: Claim) -> datetime:
    """When the last request for information was made (the creation of the claim if none)."""
    ev = claim.events.filter(action="info_requested").order_by("-at").first()
    return ev.at if ev else claim.created_at


def county_scope(actor, county: County) -> None:
    """County officers pay, recover and list only in their county; the city acts for all."""
    if can(actor, Cap.SUPERVISE_CITY):
        return
    if getattr(actor, "county_id", None) != county.pk:
        raise PermissionDenied("只能办理本县(市、区)的拨付")


def whole_yuan(value: object, *, field: str, label: str, minimum: int, maximum: int) -> int:
    """A whole number of yuan from an int or a posted text, within [minimum, maximum]."""
    if isinstance(value, bool):
        value = None
    if isinstance(value, int):
        number = value
    else:
        text = str(value if value is not None else "").strip()
        if not re.fullmatch(r"[+-]?\d{1,30}(\.\d{1,30})?", text):
            raise ValidationError({field: f"{label}应为整数(元)"})
        try:
            exact = Decimal(text)
        except InvalidOperation:
            raise ValidationError({field: f"{label}应为整数(元)"}) from None
        if exact != exact.to_integral_value():
            raise ValidationError({field: f"{label}应为整数(元),不能有角、分"})
        number = int(exact)
    if not minimum <= number <= maximum:
        raise ValidationError({field: f"{label}应在{minimum:,}至{maximum:,}元之间"})
    return number
