"""The public notice [A2.6.2]: objections, their investigation, and the end of the notice."""

from __future__ import annotations

import hashlib
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from dte.audit import services as audit
from dte.core.bounds import CONTACT_MAX, FINDING_MAX, REASON_MAX, clean_text
from dte.core.permissions import Cap, can
from dte.policy import periods
from dte.subsidy import evidence as evidence_files
from dte.subsidy import lifecycle
from dte.subsidy.models import Claim, Evidence, Objection, Status
from dte.subsidy.services.common import (
    REMEDIES,
    audit_claim,
    clean_filename,
    event,
    in_scope,
    local_date,
    lock,
    tell,
)

OBJECTIONS_PER_HOUR = 5


# -- public notice and objections [A2.6.2] --------------------------------------------------------


def client_key(address: str) -> str:
    return hashlib.sha256(f"objection:{address}".encode()).hexdigest()


@transaction.atomic
def objection_file(
    *, claim: Claim, reason: str, contact: str, client: str, files: list[tuple[str, bytes]] = (), at: datetime
) -> Objection:
    """Anyone may object to a claim on notice; at most 5 objections an hour from one address."""
    claim = lock(claim)
    lifecycle.require(claim, "objection")
    if local_date(at) > claim.notice_last_day:
        raise ValidationError(lifecycle.NOTICE_ENDED)
    errors = {}
    try:
        reason = clean_text(reason, field="reason", label="异议理由", max_length=REASON_MAX)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        contact = clean_text(contact, field="contact", label="联系方式", max_length=CONTACT_MAX, line=True)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    if len(reason) < 5:
        errors["reason"] = "请写明异议理由(至少5个字)"
    if not contact:
        errors["contact"] = "请留下联系方式,以便调查核实"
    if errors:
        raise ValidationError(errors)
    key = client_key(client)
    recent = Objection.objects.filter(client_key=key, filed_at__gte=at - timezone.timedelta(hours=1)).count()
    if recent >= OBJECTIONS_PER_HOUR:
        raise ValidationError("提交过于频繁,请稍后再试")
    checked = [
        (clean_filename(name), content, evidence_files.sniff(content)) for name, content in files if content
    ]
    objection = Objection.objects.create(
        claim=claim, reason=reason, contact=contact, client_key=key, filed_at=at
    )
    for name, content, ctype in checked:
        Evidence.objects.create(
            objection=objection,
            kind=Evidence.Kind.OBJECTION,
            filename=name,
            content_type=ctype,
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            content=content,
            uploaded_at=at,
        )
    before = claim.status
    claim.status = Status.OBJECTION
    claim.save()
    event(claim, action="objection", label="公示期间收到异议,经办机构调查中", at=at)
    audit_claim(
        claim,
        actor=None,
        action="claim.objection",
        before=before,
        at=at,
        reason=reason,
        objection=objection.pk,
    )
    return objection


@transaction.atomic
def objection_decide(*, actor, objection: Objection, upheld: bool, finding: str, at: datetime) -> Objection:
    """The county's investigation: upheld → the claim is cancelled and the claimant told;
    dismissed → the claim proceeds (payable once the notice has ended) [A2.6.2]."""
    if not (can(actor, Cap.REVIEW_CLAIMS) or can(actor, Cap.APPROVE_CLAIMS)):
        raise PermissionDenied("当前账号无权处理异议")
    claim = lock(objection.claim)
    in_scope(actor, claim)
    objection = Objection.objects.select_for_update().get(pk=objection.pk)
    if objection.status != Objection.Status.OPEN:
        raise ValidationError("该异议已处理")
    finding = clean_text(finding, field="finding", label="调查结论", max_length=FINDING_MAX)
    if not finding:
        raise ValidationError({"finding": "请写明调查结论"})
    objection.status = Objection.Status.UPHELD if upheld else Objection.Status.DISMISSED
    objection.finding = finding
    objection.decided_by = actor
    objection.decided_at = at
    objection.save()
    if upheld:
        _upheld(actor=actor, claim=claim, objection=objection, finding=finding, at=at)
    elif not claim.objections.filter(status=Objection.Status.OPEN).exists():
        _dismissed(actor=actor, claim=claim, objection=objection, finding=finding, at=at)
    return objection


BULK_OBJECTIONS_MAX = 200  # one decision over more than a page of objections is no longer "similar"


@transaction.atomic
def objections_decide(
    *, actor, objection_ids: list[int], upheld: bool, finding: str, at: datetime
) -> list[Objection]:
    """Several similar objections decided together with one finding [A2.6.2]: each exactly as if
    decided alone (its claim cancelled or continued, with its timeline entry, audit entry and message),
    all in this one transaction, and one more audit entry naming them all. Refused whole, before any
    change, if one of them is not open or not on a claim of the actor's county."""
    if not (can(actor, Cap.REVIEW_CLAIMS) or can(actor, Cap.APPROVE_CLAIMS)):
        raise PermissionDenied("当前账号无权处理异议")
    ids = sorted(set(objection_ids))
    if not ids:
        raise ValidationError({"objections": "请选择要处理的异议"})
    if len(ids) > BULK_OBJECTIONS_MAX:
        raise ValidationError({"objections": f"一次最多处理{BULK_OBJECTIONS_MAX}件异议"})
    found = {o.pk: o for o in Objection.objects.select_related("claim").filter(pk__in=ids)}
    problems = []
    for pk in ids:
        o = found.get(pk)
        if o is None or not _scoped(actor, o.claim):
            problems.append(f"异议{pk}不存在或不属于本县(市、区)")
        elif o.status != Objection.Status.OPEN:
            problems.append(f"申领{o.claim.reference}的异议{pk}已处理")
    if problems:
        raise ValidationError({"objections": problems})
    decided = []
    for pk in ids:  # each as if alone: its claim's lock, timeline entry, audit entry and message
        one = objection_decide(actor=actor, objection=found[pk], upheld=upheld, finding=finding, at=at)
        decided.append(one)
    audit.record(
        actor=actor,
        action="subsidy.objections.bulk_decide",
        object_type="subsidy.Objection",
        object_id=",".join(map(str, ids))[:64],
        changes={"objections": ids, "claims": [o.claim.reference for o in decided], "upheld": upheld},
        reason=decided[0].finding,
        at=at,
    )
    return decided


def _scoped(actor, claim: Claim) -> bool:
    try:
        in_scope(actor, claim)
    except PermissionDenied:
        return False
    return True


def _upheld(*, actor, claim: Claim, objection: Objection, finding: str, at: datetime) -> None:
    """An upheld objection cancels the claim and the claimant is told [A2.6.2]."""
    before = claim.status
    claim.status = Status.CANCELLED
    claim.save()
    event(claim, action="cancelled", label="异议经调查成立,取消补贴资格", actor=actor, at=at, note=finding)
    audit_claim(
        claim,
        actor=actor,
        action="claim.cancel",
        before=before,
        at=at,
        reason=finding,
        objection=objection.pk,
    )
    tell(claim, "补贴资格已取消", f"公示期间的异议经调查成立:{finding}。{REMEDIES}", at)


def _dismissed(*, actor, claim: Claim, objection: Objection, finding: str, at: datetime) -> None:
    """The last open objection dismissed: back on notice while it runs, payable after it (the
    payment due date reckoned again from today when that is later) [A2.6.2], D3."""
    before = claim.status
    today = local_date(at)
    if today > claim.notice_last_day:
        claim.status = Status.PAYABLE
        restarted = periods.payment_due(today)
        if restarted.value > claim.payment_due:
            claim.payment_due = restarted.value
            claim.dates_provisional = restarted.provisional
    else:
        claim.status = Status.ON_NOTICE
    claim.save()
    event(
        claim,
        action="objection_dismissed",
        label="异议经调查不成立,继续办理",
        actor=actor,
        at=at,
        note=finding,
    )
    if claim.status == Status.PAYABLE:
        event(claim, action="payable", label="待拨付;拨付期限", at=at, due=claim.payment_due)
    audit_claim(
        claim,
        actor=actor,
        action="claim.objection_dismissed",
        before=before,
        at=at,
        reason=finding,
        objection=objection.pk,
    )


def notices_expire(*, at: datetime) -> int:
    """Scheduled: claims whose notice ended with no open objection become payable. Idempotent:
    each claim moves by a conditional update; running twice or late changes nothing more."""
    today = local_date(at)
    ids = list(
        Claim.objects.filter(status=Status.ON_NOTICE, notice_last_day__lt=today).values_list("pk", flat=True)
    )
    moved = 0
    for pk in ids:
        with transaction.atomic():
            claim = Claim.objects.select_for_update().filter(pk=pk, status=Status.ON_NOTICE).first()
            if claim is None or claim.notice_last_day >= today:
                continue
            if claim.objections.filter(status=Objection.Status.OPEN).exists():
                continue
            claim.status = Status.PAYABLE
            claim.save()
            event(
                claim, action="payable", label="公示期满无异议,待拨付;拨付期限", at=at, due=claim.payment_due
            )
            audit_claim(claim, actor=None, action="claim.notice_ended", before=Status.ON_NOTICE, at=at)
            tell(
                claim,
                "公示期满",
                f"公示期满无异议,将于{claim.payment_due}前拨付至您的银行账户 [A2.6.2]。",
                at,
            )
            moved += 1
    return moved
