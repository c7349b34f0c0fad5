"""The claim page and its actions. The buttons shown are the lifecycle's ``actions_for`` the user;
each posted action goes to its handler in ``HANDLERS`` (one per action of the lifecycle table that
the claim page offers), which calls one service and says what happened. Services raise
ValidationError (shown as a message, nothing changed) or PermissionDenied (403)."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from dte.core import clock
from dte.core.forms import add_form_errors
from dte.core.permissions import Cap, allows
from dte.policy.rules import RULE_IDS
from dte.subsidy import lifecycle, selectors, services, sources
from dte.subsidy.forms import ClaimAccountForm
from dte.subsidy.models import Claim, CreditEntry, Evidence, Recovery, Status
from dte.subsidy.plain import failed_label, plain_findings
from dte.subsidy.services import credit, recovery
from dte.subsidy.views.common import (
    claim_in_scope,
    evidence_response,
    posted_date,
    posted_int,
    run,
    upload,
)


@allows(Cap.SIGNED_IN)
def claim_detail(request, pk: int):
    return claim_page(request, claim_in_scope(request, pk))


def claim_page(request, claim: Claim, *, account_form: ClaimAccountForm | None = None, status: int = 200):
    """The claim page; a refused account form comes back with its errors and what was typed."""
    user = request.user
    mine = claim.person_id == user.person_id
    today = clock.today()
    precheck = services.precheck(claim, today) if claim.status == Status.DRAFT and mine else None
    decision = precheck or claim.decision
    findings = decision.get("findings", [])
    return render(
        request,
        "subsidy/claim.html",
        {
            "claim": claim,
            "mine": mine,
            "decision": decision,
            "findings": plain_findings(findings),
            "show_clauses": not mine,  # officers see the clause tags; the claimant reads plain text
            "rejection_basis": [(r, failed_label(r)) for r in claim.rejection_clauses or []],
            "failed_rules": [f["rule"] for f in findings if not f["passed"] and f["rule"] in RULE_IDS],
            "rule_ids": RULE_IDS,
            "events": claim.events.select_related("actor"),
            "evidence": claim.evidence.all().defer("content"),
            "evidence_kinds": [k for k in Evidence.Kind.choices if k[0] != Evidence.Kind.OBJECTION],
            "objections": claim.objections.all(),
            "recoveries": claim.recoveries.prefetch_related("repayments"),
            "credit_entries": [(e, e.status(today)) for e in credit.credit_entries_for(claim=claim)],
            "class_anomalies": [] if mine else sources.class_anomalies(claim.training_class_id),
            "info_due": services.info_due(claim) if claim.status == Status.AWAITING_INFO else None,
            "due_flag": selectors.due_flag(claim, today),
            "next_due": selectors.next_due(claim),
            "actions": lifecycle.actions_for(user, claim),
            "account_form": account_form or ClaimAccountForm(claim=claim),
            "today": today,
        },
        status=status,
    )


@allows(Cap.SIGNED_IN)
def evidence_file(request, pk: int, eid: int):
    claim = claim_in_scope(request, pk)
    ev = get_object_or_404(Evidence, pk=eid, claim=claim)
    services.evidence_viewed(actor=request.user, evidence=ev, at=clock.now())
    return evidence_response(ev, f"{claim.reference}-材料{ev.pk}")


@require_POST
@allows(Cap.SIGNED_IN)
def claim_act(request, pk: int, action: str):
    claim = claim_in_scope(request, pk)
    handler = HANDLERS.get(action)
    if handler is None:
        raise Http404
    response = handler(request, claim)
    return response or redirect("subsidy:claim", pk=claim.pk)


# -- the claimant's actions ------------------------------------------------------------------------


def _update(request, claim: Claim):
    """Every mistake at once beside its field, what was typed kept (422); saved: back to the page."""
    form = ClaimAccountForm(request.POST, claim=claim)
    if form.is_valid():
        try:
            services.claim_update(actor=request.user, claim=claim, at=clock.now(), **form.cleaned_data)
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            messages.success(request, "已保存收款账户")
            return None
    return claim_page(request, claim, account_form=form, status=422)


def _evidence(request, claim: Claim) -> None:
    file = upload(request)
    if file is None:
        messages.error(request, "请选择要上传的文件")
        return
    run(
        request,
        lambda: services.evidence_add(
            actor=request.user,
            claim=claim,
            kind=request.POST.get("kind", ""),
            filename=file[0],
            content=file[1],
            at=clock.now(),
        ),
        "已上传",
    )


def _submit(request, claim: Claim) -> None:
    run(request, lambda: services.claim_submit(actor=request.user, claim=claim, at=clock.now()), "申领已提交")


def _withdraw(request, claim: Claim):
    if claim.status == Status.DRAFT:
        return _discard(request, claim)
    reason = request.POST.get("reason", "")
    run(
        request,
        lambda: services.claim_withdraw(actor=request.user, claim=claim, reason=reason, at=clock.now()),
        "申领已撤回",
    )
    return None


def _discard(request, claim: Claim):
    """Withdrawing a draft discards it: first a page that says so and asks to confirm, then the
    confirmed post discards it and goes back to the claimant's list."""
    reason = request.POST.get("reason", "")
    if request.POST.get("confirm") != "1":
        return render(request, "subsidy/claim_discard.html", {"claim": claim, "reason": reason})
    done = run(
        request,
        lambda: services.claim_discard(actor=request.user, claim=claim, reason=reason, at=clock.now()),
        f"草稿 {claim.reference} 已放弃",
    )
    if done is None:
        return redirect("subsidy:claim", pk=claim.pk)
    return redirect("subsidy:my_claims")


def _answer(request, claim: Claim) -> None:
    file = upload(request)
    u, now = request.user, clock.now()

    def answer():
        if file is not None:
            services.evidence_add(
                actor=u,
                claim=claim,
                kind=Evidence.Kind.INFORMATION,
                filename=file[0],
                content=file[1],
                at=now,
            )
        return services.claim_answer(actor=u, claim=claim, answer=request.POST.get("answer", ""), at=now)

    run(request, answer, "已提交补正材料")


# -- review and approval [A2.6.1] ------------------------------------------------------------------


def _request_info(request, claim: Claim) -> None:
    u, question = request.user, request.POST.get("question", "")
    run(
        request,
        lambda: services.review_request_info(actor=u, claim=claim, question=question, at=clock.now()),
        "已要求申领人补充材料",
    )


def _pass(request, claim: Claim) -> None:
    note = request.POST.get("note", "")
    run(
        request,
        lambda: services.review_pass(actor=request.user, claim=claim, note=note, at=clock.now()),
        "审核通过,已转审批",
    )


def _reject(request, claim: Claim) -> None:
    p = request.POST
    run(
        request,
        lambda: services.claim_reject(
            actor=request.user,
            claim=claim,
            clauses=p.getlist("clauses"),
            reason=p.get("reason", ""),
            at=clock.now(),
        ),
        "已驳回,并通知申领人",
    )


def _approve(request, claim: Claim) -> None:
    note = request.POST.get("note", "")
    run(
        request,
        lambda: services.claim_approve(actor=request.user, claim=claim, note=note, at=clock.now()),
        "审批通过,已进入公示",
    )


# -- recovery [A2.7b] and the credit list [A2.7a] --------------------------------------------------


def _recovery(request, claim: Claim) -> None:
    p = request.POST
    run(
        request,
        lambda: recovery.recovery_open(
            actor=request.user,
            claim=claim,
            amount_due=posted_int(p.get("amount_due")),
            reason=p.get("reason", ""),
            at=clock.now(),
        ),
        "已立案追回",
    )


def _repayment(request, claim: Claim) -> None:
    p = request.POST
    rec = get_object_or_404(Recovery, pk=posted_int(p.get("recovery")), claim=claim)
    received = p.get("received_on", "").strip()
    run(
        request,
        lambda: recovery.repayment_record(
            actor=request.user,
            recovery=rec,
            amount=p.get("amount", ""),
            # Left empty: today. Not a date: None, refused with a field error.
            received_on=posted_date(received) if received else clock.today(),
            at=clock.now(),
        ),
        "已登记追回到账",
    )


def _recovery_close(request, claim: Claim) -> None:
    p = request.POST
    rec = get_object_or_404(Recovery, pk=posted_int(p.get("recovery")), claim=claim)
    run(
        request,
        lambda: recovery.recovery_close(
            actor=request.user, recovery=rec, decision=p.get("decision", ""), at=clock.now()
        ),
        "追回案件已结案",
    )


def _credit(request, claim: Claim) -> None:
    p = request.POST
    run(
        request,
        lambda: credit.credit_entry_create(
            actor=request.user,
            claim=claim,
            kind=p.get("kind", ""),
            facts=p.get("facts", ""),
            decided_on=posted_date(p.get("decided_on")) or clock.today(),
            publish_until=posted_date(p.get("publish_until")),
            at=clock.now(),
        ),
        "已纳入信用记录",
    )


def _credit_revoke(request, claim: Claim) -> None:
    p = request.POST
    entry = get_object_or_404(CreditEntry, pk=posted_int(p.get("entry")), claim=claim)
    run(
        request,
        lambda: credit.credit_entry_revoke(
            actor=request.user, entry=entry, reason=p.get("reason", ""), at=clock.now()
        ),
        "信用记录已撤销,已从公开页面撤下",
    )


# Every action the lifecycle table offers on the claim page (``lifecycle.PAGE_ACTIONS``), by name.
HANDLERS: dict[str, Callable[..., HttpResponse | None]] = {
    "update": _update,
    "evidence": _evidence,
    "submit": _submit,
    "withdraw": _withdraw,
    "answer": _answer,
    "request_info": _request_info,
    "pass": _pass,
    "reject": _reject,
    "approve": _approve,
    "recovery": _recovery,
    "repayment": _repayment,
    "recovery_close": _recovery_close,
    "credit": _credit,
    "credit_revoke": _credit_revoke,
}
