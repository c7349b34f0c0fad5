"""Pages of the claim lifecycle. Thin: parse the request, call one selector or service, render.
Services raise ValidationError (shown as a message, nothing changed) or PermissionDenied (403)."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from dte.catalog.models import County, Occupation
from dte.core import clock
from dte.core.bounds import page_number
from dte.core.client import client_address
from dte.core.permissions import Cap, allows, can
from dte.notifications import selectors as inbox_selectors
from dte.policy.rules import RULE_IDS
from dte.subsidy import facts, selectors, services, sources
from dte.subsidy.models import (
    ApiToken,
    Claim,
    CreditEntry,
    Evidence,
    FactImport,
    Objection,
    PaymentBatch,
    PaymentLine,
    Recovery,
    Status,
)
from dte.subsidy.services import bank_results, credit, payment, recovery
from dte.subsidy.tasks import run_fact_import


def _errors(request, exc: ValidationError) -> None:
    for msg in exc.messages:
        messages.error(request, msg)


def _run(request, fn, ok: str = ""):
    """Call a service; a ValidationError becomes an error message. Returns the result or None."""
    try:
        result = fn()
    except ValidationError as exc:
        _errors(request, exc)
        return None
    if ok:
        messages.success(request, ok)
    return result


def _claim(request, pk: int) -> Claim:
    claim = selectors.claim_for(actor=request.user, pk=pk)
    if claim is None:
        raise Http404("没有该申领,或不在本账号的管辖范围内")
    return claim


def _upload(request, name: str = "file") -> tuple[str, bytes] | None:
    f = request.FILES.get(name)
    if f is None:
        return None
    return f.name, f.read()


# -- trainee ---------------------------------------------------------------------------------------


@allows(Cap.CLAIM_SUBSIDY)
def my_claims(request):
    person = request.user.person
    claimed = set(
        selectors.my_claims(actor=request.user)
        .exclude(status__in=[Status.WITHDRAWN, Status.REJECTED, Status.CANCELLED, Status.LAPSED])
        .values_list("level_certificate_number", flat=True)
    )
    return render(
        request,
        "subsidy/my_claims.html",
        {
            "claims": selectors.my_claims(actor=request.user),
            "certificates": sources.level_certificates(person),
            "claimed": claimed,
            "unread": inbox_selectors.unread_count(actor=request.user),
        },
    )


@require_POST
@allows(Cap.CLAIM_SUBSIDY)
def claim_start(request):
    try:
        cert = sources.certificate_facts(
            person=request.user.person, level_certificate_id=int(request.POST["certificate"])
        )
    except (KeyError, ValueError):
        messages.error(request, "请选择专业技术等级证书")
        return redirect("subsidy:my_claims")
    except ValidationError as exc:
        _errors(request, exc)
        return redirect("subsidy:my_claims")
    claim = services.claim_start(actor=request.user, certificate=cert, at=clock.now())
    return redirect("subsidy:claim", pk=claim.pk)


@allows(Cap.SIGNED_IN)
def claim_detail(request, pk: int):
    claim = _claim(request, pk)
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
            "findings": findings,
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
            "can_review": can(user, Cap.REVIEW_CLAIMS) and not mine,
            "can_approve": can(user, Cap.APPROVE_CLAIMS) and not mine,
            "withdrawable": mine
            and claim.status in (Status.DRAFT, Status.UNDER_REVIEW, Status.AWAITING_INFO, Status.REVIEWED),
            "bank_kinds": Claim.BankKind.choices,
            "today": today,
        },
    )


_CLAIMANT_ACTIONS = {"update", "evidence", "submit", "withdraw", "answer"}
_OFFICER_ACTIONS = {
    "request_info",
    "pass",
    "reject",
    "approve",
    "recovery",
    "repayment",
    "recovery_close",
    "credit",
    "credit_revoke",
}


@require_POST
@allows(Cap.SIGNED_IN)
def claim_act(request, pk: int, action: str):
    claim = _claim(request, pk)
    u, p, now = request.user, request.POST, clock.now()
    if action not in _CLAIMANT_ACTIONS | _OFFICER_ACTIONS:
        raise Http404
    if action == "update":
        _run(
            request,
            lambda: services.claim_update(
                actor=u,
                claim=claim,
                bank_kind=p.get("bank_kind", ""),
                bank_account=p.get("bank_account", ""),
                bank_name=p.get("bank_name", ""),
                phone=p.get("phone", ""),
                retirement_category=p.get("retirement_category", ""),
                at=now,
            ),
            "已保存收款账户",
        )
    elif action == "evidence":
        upload = _upload(request)
        if upload is None:
            messages.error(request, "请选择要上传的文件")
        else:
            _run(
                request,
                lambda: services.evidence_add(
                    actor=u,
                    claim=claim,
                    kind=p.get("kind", ""),
                    filename=upload[0],
                    content=upload[1],
                    at=now,
                ),
                "已上传",
            )
    elif action == "submit":
        _run(request, lambda: services.claim_submit(actor=u, claim=claim, at=now), "申领已提交")
    elif action == "withdraw":
        if claim.status == Status.DRAFT:
            return _discard(request, claim)
        _run(
            request,
            lambda: services.claim_withdraw(actor=u, claim=claim, reason=p.get("reason", ""), at=now),
            "申领已撤回",
        )
    elif action == "answer":
        upload = _upload(request)

        def answer():
            if upload is not None:
                services.evidence_add(
                    actor=u,
                    claim=claim,
                    kind=Evidence.Kind.INFORMATION,
                    filename=upload[0],
                    content=upload[1],
                    at=now,
                )
            return services.claim_answer(actor=u, claim=claim, answer=p.get("answer", ""), at=now)

        _run(request, answer, "已提交补正材料")
    elif action == "request_info":
        _run(
            request,
            lambda: services.review_request_info(
                actor=u, claim=claim, question=p.get("question", ""), at=now
            ),
            "已要求申领人补充材料",
        )
    elif action == "pass":
        _run(
            request,
            lambda: services.review_pass(actor=u, claim=claim, note=p.get("note", ""), at=now),
            "审核通过,已转审批",
        )
    elif action == "reject":
        _run(
            request,
            lambda: services.claim_reject(
                actor=u, claim=claim, clauses=p.getlist("clauses"), reason=p.get("reason", ""), at=now
            ),
            "已驳回,并通知申领人",
        )
    elif action == "approve":
        _run(
            request,
            lambda: services.claim_approve(actor=u, claim=claim, note=p.get("note", ""), at=now),
            "审批通过,已进入公示",
        )
    elif action == "recovery":
        _run(
            request,
            lambda: recovery.recovery_open(
                actor=u, claim=claim, amount_due=_int(p.get("amount_due")), reason=p.get("reason", ""), at=now
            ),
            "已立案追回",
        )
    elif action == "repayment":
        rec = get_object_or_404(Recovery, pk=_int(p.get("recovery")), claim=claim)
        received = p.get("received_on", "").strip()
        _run(
            request,
            lambda: recovery.repayment_record(
                actor=u,
                recovery=rec,
                amount=p.get("amount", ""),
                # Left empty: today. Not a date: None, refused with a field error.
                received_on=_date(received) if received else clock.today(),
                at=now,
            ),
            "已登记追回到账",
        )
    elif action == "recovery_close":
        rec = get_object_or_404(Recovery, pk=_int(p.get("recovery")), claim=claim)
        _run(
            request,
            lambda: recovery.recovery_close(actor=u, recovery=rec, decision=p.get("decision", ""), at=now),
            "追回案件已结案",
        )
    elif action == "credit":
        _run(
            request,
            lambda: credit.credit_entry_create(
                actor=u,
                claim=claim,
                kind=p.get("kind", ""),
                facts=p.get("facts", ""),
                decided_on=_date(p.get("decided_on")) or clock.today(),
                publish_until=_date(p.get("publish_until")),
                at=now,
            ),
            "已纳入信用记录",
        )
    elif action == "credit_revoke":
        entry = get_object_or_404(CreditEntry, pk=_int(p.get("entry")), claim=claim)
        _run(
            request,
            lambda: credit.credit_entry_revoke(actor=u, entry=entry, reason=p.get("reason", ""), at=now),
            "信用记录已撤销,已从公开页面撤下",
        )
    return redirect("subsidy:claim", pk=claim.pk)


def _discard(request, claim: Claim):
    """Withdrawing a draft discards it: first a page that says so and asks to confirm, then the
    confirmed post discards it and goes back to the claimant's list."""
    if request.POST.get("confirm") != "1":
        return render(
            request, "subsidy/claim_discard.html", {"claim": claim, "reason": request.POST.get("reason", "")}
        )
    done = _run(
        request,
        lambda: services.claim_discard(
            actor=request.user, claim=claim, reason=request.POST.get("reason", ""), at=clock.now()
        ),
        f"草稿 {claim.reference} 已放弃",
    )
    if done is None:
        return redirect("subsidy:claim", pk=claim.pk)
    return redirect("subsidy:my_claims")


def _int(v) -> int:
    try:
        return int(str(v).strip())
    except (TypeError, ValueError):
        return 0


def _date(v) -> date | None:
    try:
        return date.fromisoformat(str(v).strip())
    except (TypeError, ValueError):
        return None


@allows(Cap.SIGNED_IN)
def evidence_file(request, pk: int, eid: int):
    claim = _claim(request, pk)
    ev = get_object_or_404(Evidence, pk=eid, claim=claim)
    resp = HttpResponse(bytes(ev.content), content_type=ev.content_type)
    resp["Content-Disposition"] = f'inline; filename="evidence-{ev.pk}"'
    resp["X-Content-Type-Options"] = "nosniff"
    return resp


# -- county ---------------------------------------------------------------------------------------


def _officer(request) -> None:
    if not (
        can(request.user, Cap.REVIEW_CLAIMS)
        or can(request.user, Cap.APPROVE_CLAIMS)
        or can(request.user, Cap.SUPERVISE_CITY)
    ):
        raise PermissionDenied("当前账号无权查看审核队列")


QUEUE_PAGE = 50


@allows(Cap.SIGNED_IN)
def queue(request):
    _officer(request)
    today = clock.today()
    g = request.GET
    rows = selectors.review_queue(
        actor=request.user,
        today=today,
        status=g.get("status", ""),
        flag=g.get("flag", ""),
        q=g.get("q", "").strip(),
        occupation=g.get("occupation", ""),
    )
    total = rows.count()
    pages = max((total + QUEUE_PAGE - 1) // QUEUE_PAGE, 1)
    number = page_number(g.get("page"), pages)  # beyond the last page: the last; below 1: the first
    page = selectors.queue_page(rows, QUEUE_PAGE, (number - 1) * QUEUE_PAGE)
    soon = selectors.due_soon_limit(today)
    context = {
        "rows": [(c, selectors.due_flag(c, today, soon), selectors.next_due(c)) for c in page],
        "total": total,
        "page": number,
        "pages": pages,
        "query": g.copy(),
        "today": today,
        "filters": g,
        "statuses": [
            (s, Status(s).label) for s in (Status.UNDER_REVIEW, Status.AWAITING_INFO, Status.REVIEWED)
        ],
        "occupations": Occupation.objects.all(),
    }
    template = "subsidy/queue.html#results" if request.htmx else "subsidy/queue.html"
    return render(request, template, context)


@allows(Cap.SIGNED_IN)
def objections(request):
    _officer(request)
    claims = selectors.claims_visible(actor=request.user)
    rows = (
        Objection.objects.filter(claim__in=claims)
        .select_related("claim__person", "claim__county")
        .prefetch_related("evidence")
    )
    return render(request, "subsidy/objections.html", {"rows": rows})


@allows(Cap.SIGNED_IN)
def objection_evidence(request, pk: int, eid: int):
    _officer(request)
    obj = get_object_or_404(Objection, pk=pk, claim__in=selectors.claims_visible(actor=request.user))
    ev = get_object_or_404(Evidence, pk=eid, objection=obj)
    resp = HttpResponse(bytes(ev.content), content_type=ev.content_type)
    resp["Content-Disposition"] = f'inline; filename="objection-evidence-{ev.pk}"'
    return resp


@require_POST
@allows(Cap.SIGNED_IN)
def objection_decide(request, pk: int):
    obj = get_object_or_404(Objection, pk=pk, claim__in=selectors.claims_visible(actor=request.user))
    _run(
        request,
        lambda: services.objection_decide(
            actor=request.user,
            objection=obj,
            upheld=request.POST.get("upheld") == "1",
            finding=request.POST.get("finding", ""),
            at=clock.now(),
        ),
        "异议已处理",
    )
    return redirect("subsidy:objections")


@allows(Cap.PAY_CLAIMS)
def payments_home(request):
    u = request.user
    accounts = [(a, payment.balance(a)) for a in selectors.fund_accounts(actor=u)]
    today = clock.today()
    claims = selectors.payable(actor=u).select_related("person")[:500]
    payable = [(c, payment.payment_details_problem(c)) for c in claims]
    return render(
        request,
        "subsidy/payments.html",
        {
            "accounts": accounts,
            "payable": payable,
            "incomplete": sum(1 for _, problem in payable if problem),
            "batches": selectors.batches(actor=u)[:50],
            "today": today,
            "year": today.year,
        },
    )


@require_POST
@allows(Cap.PAY_CLAIMS)
def fund_budget(request):
    u = request.user
    _run(
        request,
        lambda: payment.fund_budget(
            actor=u,
            county=u.county,
            year=_int(request.POST.get("year")),
            amount=request.POST.get("amount", ""),
            at=clock.now(),
        ),
        "已登记预算",
    )
    return redirect("subsidy:payments")


@require_POST
@allows(Cap.PAY_CLAIMS)
def batch_create(request):
    batch = _run(
        request,
        lambda: payment.batch_create(actor=request.user, county=request.user.county, at=clock.now()),
        "已生成拨付批次",
    )
    if batch is None:
        return redirect("subsidy:payments")
    if batch.left_out:
        messages.warning(request, f"{len(batch.left_out)}件待拨付申领收款信息不完整,未列入本批次(见批次页)")
    return redirect("subsidy:batch", pk=batch.pk)


def _batch(request, pk: int) -> PaymentBatch:
    return get_object_or_404(selectors.batches(actor=request.user), pk=pk)


@allows(Cap.PAY_CLAIMS)
def batch_detail(request, pk: int):
    batch = _batch(request, pk)
    lines = list(batch.lines.select_related("claim__person", "returned_by").order_by("line"))
    return render(
        request,
        "subsidy/batch.html",
        {
            "batch": batch,
            "lines": lines,
            "pending": any(pl.status == "pending" for pl in lines),
            "can_return": can(request.user, Cap.APPROVE_CLAIMS),
        },
    )


@allows(Cap.PAY_CLAIMS)
def batch_file(request, pk: int, fmt: str):
    batch = _batch(request, pk)
    if fmt not in ("csv", "xlsx"):
        raise Http404("格式应为 csv 或 xlsx")
    try:
        content = payment.bank_file(actor=request.user, batch=batch, fmt=fmt, at=clock.now())
    except ValidationError as exc:
        _errors(request, exc)
        return redirect("subsidy:batch", pk=batch.pk)
    ctype = (
        "text/csv; charset=utf-8"
        if fmt == "csv"
        else ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    )
    resp = HttpResponse(content, content_type=ctype)
    resp["Content-Disposition"] = f'attachment; filename="{batch.reference}.{fmt}"'
    return resp


@require_POST
@allows(Cap.PAY_CLAIMS)
def batch_results(request, pk: int):
    batch = _batch(request, pk)
    upload = _upload(request)
    if upload is None:
        messages.error(request, "请选择银行回盘文件")
    else:
        counts = _run(
            request,
            lambda: bank_results.results_import(
                actor=request.user, batch=batch, filename=upload[0], content=upload[1], at=clock.now()
            ),
        )
        if counts:
            messages.success(
                request,
                f"回盘已导入:成功{counts['paid']}笔,失败{counts['failed']}笔,"
                f"退票{counts['returned']}笔,重复未变{counts['unchanged']}笔",
            )
    return redirect("subsidy:batch", pk=batch.pk)


@require_POST
@allows(Cap.APPROVE_CLAIMS)
def line_return(request, pk: int, line: int):
    """银行退票 of one paid line, entered by the county approver with the reason [A2.6.3]."""
    batch = _batch(request, pk)
    pl = get_object_or_404(PaymentLine, batch=batch, line=line)
    _run(
        request,
        lambda: bank_results.payment_return(
            actor=request.user, line=pl, reason=request.POST.get("reason", ""), at=clock.now()
        ),
        f"第{line}笔已登记银行退票,款项退回专账,申领恢复待拨付",
    )
    return redirect("subsidy:batch", pk=batch.pk)


@allows(Cap.SIGNED_IN)
def fact_imports(request):
    if not (can(request.user, Cap.IMPORT_FACTS) or can(request.user, Cap.IMPORT_FACTS_CITY)):
        raise PermissionDenied("当前账号无权导入人员信息")
    if request.method == "POST":
        upload = _upload(request)
        if upload is None:
            messages.error(request, "请选择 CSV 或 XLSX 文件")
        else:
            job = _run(
                request,
                lambda: facts.import_queue(
                    actor=request.user,
                    kind=request.POST.get("kind", ""),
                    filename=upload[0],
                    content=upload[1],
                    at=clock.now(),
                ),
                "文件已上传,后台导入中",
            )
            if job is not None:
                run_fact_import(job.pk)
        return redirect("subsidy:facts")
    jobs = FactImport.objects.defer("content")
    if not can(request.user, Cap.IMPORT_FACTS_CITY):
        jobs = jobs.filter(uploaded_by=request.user)
    template = "subsidy/facts.html#jobs" if request.htmx else "subsidy/facts.html"
    return render(request, template, {"jobs": jobs[:30], "kinds": facts.KINDS})


# -- city -----------------------------------------------------------------------------------------


@allows(Cap.SUPERVISE_CITY)
def city(request):
    counties = County.objects.exclude(code="330300")
    visible = selectors.claims_visible(actor=request.user)
    stats = {c.code: {s: 0 for s in Status.values} for c in counties}
    for county_code, status, n in _status_counts(visible):
        if county_code in stats:
            stats[county_code][status] = n
    return render(
        request,
        "subsidy/city.html",
        {
            "counties": counties,
            "stats": stats,
            "escalated": selectors.escalated(actor=request.user)[:100],
            "statuses": Status.choices,
            "tokens": ApiToken.objects.select_related("county").order_by("-created_at")[:50],
            "can_issue": can(request.user, Cap.IMPORT_FACTS_CITY),
        },
    )


def _status_counts(qs):
    from django.db.models import Count

    return (
        qs.values_list("county__code", "status")
        .annotate(n=Count("id"))
        .values_list("county__code", "status", "n")
    )


@require_POST
@allows(Cap.IMPORT_FACTS_CITY)
def token_issue(request):
    code = request.POST.get("county", "")
    county = County.objects.filter(code=code).exclude(code="330300").first() if code else None
    issued = _run(
        request,
        lambda: facts.api_token_issue(
            actor=request.user, name=request.POST.get("name", ""), county=county, at=clock.now()
        ),
    )
    if issued is not None:
        messages.success(request, f"接口令牌(仅显示一次,请妥善保存):{issued[1]}")
    return redirect("subsidy:city")


@require_POST
@allows(Cap.IMPORT_FACTS_CITY)
def redecide_all(request):
    n = services.claims_redecide(reason="市局调整参数后批量重新判定", at=clock.now(), actor=request.user)
    messages.success(request, f"已重新判定全部在办申领,{n}件结论有变化")
    return redirect("subsidy:city")


@allows(Cap.MANAGE_CREDIT_LIST)
def credit_export(request, fmt: str):
    try:
        content = credit.credit_export(actor=request.user, fmt=fmt, at=clock.now())
    except ValidationError as exc:
        raise Http404(exc.messages[0]) from exc
    ctype = "application/json" if fmt == "json" else "text/csv; charset=utf-8"
    resp = HttpResponse(content, content_type=ctype)
    resp["Content-Disposition"] = f'attachment; filename="credit-list.{fmt}"'
    return resp


# -- public ---------------------------------------------------------------------------------------


def notices(request):
    today = clock.today()
    return render(
        request, "subsidy/notices.html", {"rows": selectors.public_notices(today=today), "today": today}
    )


def objection_new(request, pk: int):
    claim = selectors.public_notices(today=clock.today()).filter(pk=pk).first()
    if claim is None:
        raise Http404("该公示不存在或已结束")
    if request.method == "POST":
        upload = _upload(request)
        client = client_address(request)
        obj = _run(
            request,
            lambda: services.objection_file(
                claim=claim,
                reason=request.POST.get("reason", ""),
                contact=request.POST.get("contact", ""),
                client=client,
                files=[upload] if upload else [],
                at=clock.now(),
            ),
        )
        if obj is not None:
            return render(request, "subsidy/objection_filed.html", {"claim": claim})
    return render(request, "subsidy/objection_new.html", {"claim": claim})


def credit_list(request):
    today = clock.today()
    return render(request, "subsidy/credit.html", {"rows": credit.credit_public(today=today), "today": today})
