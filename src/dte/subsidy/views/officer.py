"""The officers' pages: the county queue, objections on notice [A2.6.2], person-fact imports [A2.1],
and the city's overview, API tokens, re-decision and credit-list export."""

from __future__ import annotations

from dataclasses import replace

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from dte.catalog.models import County, Occupation
from dte.core import clock, lists
from dte.core.permissions import Cap, allows, can
from dte.subsidy import facts, lifecycle, selectors, services
from dte.subsidy.models import ApiToken, Evidence, FactImport, Objection, Status
from dte.subsidy.receipts import objection_by_receipt, objection_receipt
from dte.subsidy.services import credit, deadlines
from dte.subsidy.tasks import run_fact_import
from dte.subsidy.views.common import evidence_response, run, upload


def _officer(request) -> None:
    if not (
        can(request.user, Cap.REVIEW_CLAIMS)
        or can(request.user, Cap.APPROVE_CLAIMS)
        or can(request.user, Cap.SUPERVISE_CITY)
    ):
        raise PermissionDenied("当前账号无权查看审核队列")


QUEUE_PAGE = 50

# The queue's columns: by default the due date of the step (the index claims_open_by_step_due); by
# amount or submission time the county's open claims are sorted without an index, accepted on request
# (100,000 open claims in one county, SQLite in process: a page 19 ms by due date, about 200 ms by
# amount or submission time; the XLSX of 12,500 of them 4 s).
QUEUE_LIST = lists.ListSpec(
    columns=(
        lists.Column("due", "期限", ("queue_due", "queue_asked")),
        lists.Column("reference", "申领编号"),
        lists.Column("person", "申领人"),
        lists.Column("occupation", "职业等级"),
        lists.Column("amount", "金额", ("amount",)),
        lists.Column("submitted", "提交时间", ("submitted_at",)),
        lists.Column("status", "状态"),
        lists.Column("hints", "提示"),
    ),
    default=("queue_due", "queue_asked", "pk"),
    per_page=QUEUE_PAGE,
    export_name="claims-queue",
    unit="件",
)


@allows(Cap.SIGNED_IN)
def queue(request):
    """Every open claim, ordered by the due date of the step it waits for (none last), or by the
    column asked for; ?export=xlsx: the current filter's claims as XLSX."""
    _officer(request)
    today = clock.today()
    g = request.GET
    listing = lists.Listing(replace(QUEUE_LIST, per_page=QUEUE_PAGE), g)
    filters = {k: g.get(k, "").strip() for k in ("status", "flag", "q", "occupation")}
    rows = selectors.open_claims_queue(actor=request.user, today=today, **filters)
    if listing.sort:
        rows = listing.order(rows)
    if listing.export:
        return _queue_export(request, listing, rows, filters, today)
    page = listing.paginate(rows.values_list("pk", flat=True))
    lines = selectors.open_queue_page(rows, QUEUE_PAGE, (page.number - 1) * QUEUE_PAGE)
    soon = selectors.due_soon_limit(today)
    context = {
        "rows": [_queue_line(c, today, soon) for c in lines],
        "listing": listing,
        "today": today,
        "filters": g,
        "statuses": [(s.value, s.label) for s in selectors.OPEN_STATES],
        "occupations": Occupation.objects.all(),
    }
    template = "subsidy/queue.html#results" if request.htmx else "subsidy/queue.html"
    return render(request, template, context)


def _queue_export(request, listing, rows, filters, today):
    soon = selectors.due_soon_limit(today)
    flags = {"overdue": "已逾期", "due_soon": "即将到期"}
    lines = []
    for c in selectors.open_queue_lines(rows, QUEUE_LIST.export_cap):
        _, flag, due, label = _queue_line(c, today, soon)
        submitted = timezone.localtime(c.submitted_at).strftime("%Y-%m-%d %H:%M") if c.submitted_at else ""
        hints = [h for h, on in (("引擎未通过", not c.eligible), ("结论有变化", c.findings_changed)) if on]
        hints += [flags[flag]] if flag else []
        due_text = f"{label} {due.isoformat()}" if due else ""
        what = f"{c.occupation} {c.level}"
        hint = "、".join(hints)
        lines.append([due_text, c.reference, c.person, what, c.amount, submitted, c.status_label, hint])
    response = lists.xlsx_response(
        [col.label for col in QUEUE_LIST.columns], lines, stem="claims-queue", on=today
    )
    name = response["Content-Disposition"].split('"')[1]
    kept = {k: v for k, v in {**filters, "sort": listing.sort}.items() if v}
    services.queue_exported(actor=request.user, file=name, rows=len(lines), filters=kept, at=clock.now())
    return response


# How the queue names the due date of each step (the lifecycle's timeline labels).
_DUE_LABEL = {
    Status.UNDER_REVIEW: lifecycle.REVIEW_DUE.label,
    Status.AWAITING_INFO: lifecycle.INFO_DUE.label,
    Status.REVIEWED: lifecycle.APPROVAL_DUE.label,
    Status.ON_NOTICE: lifecycle.NOTICE_DUE.label,
    Status.OBJECTION: lifecycle.NOTICE_DUE.label,
    Status.PAYABLE: lifecycle.PAYMENT_DUE.label,
    Status.IN_BATCH: lifecycle.PAYMENT_DUE.label,
}


def _queue_line(c, today, soon):
    """A queue row with its flag, the due date it shows and that date's name; awaiting information,
    the claimant's due date (补正期限) reckoned from the request."""
    due = c.step_due
    if c.status == Status.AWAITING_INFO and c.info_requested_on:
        due = deadlines.info_due(c).value
    return c, selectors.step_flag(c.status, c.step_due, today, soon), due, _DUE_LABEL.get(c.status, "")


@allows(Cap.SIGNED_IN)
def objections(request):
    _officer(request)
    claims = selectors.claims_visible(actor=request.user)
    rows = (
        Objection.objects.filter(claim__in=claims)
        .select_related("claim__person", "claim__county")
        .prefetch_related("evidence")
    )
    status = request.GET.get("status", "")
    if status in Objection.Status.values:  # ?status=open: those still under investigation
        rows = rows.filter(status=status)
    status = request.GET.get("status", "")
    if status in Objection.Status.values:  # ?status=open: those still under investigation (workbench)
        rows = rows.filter(status=status)
    receipt = request.GET.get("receipt", "").strip()
    if receipt:  # ?receipt=26-330302-000017: the one a caller quotes, within the officer's scope
        found = objection_by_receipt(receipt, rows)
        rows = rows.filter(pk=found.pk if found else None)
    rows = list(rows)
    for o in rows:
        o.receipt = objection_receipt(o)
    has_open = any(o.status == Objection.Status.OPEN for o in rows)
    context = {"rows": rows, "receipt": receipt, "has_open": has_open}
    return render(request, "subsidy/objections.html", context)


@allows(Cap.SIGNED_IN)
def objection_evidence(request, pk: int, eid: int):
    _officer(request)
    obj = get_object_or_404(Objection, pk=pk, claim__in=selectors.claims_visible(actor=request.user))
    ev = get_object_or_404(Evidence, pk=eid, objection=obj)
    services.evidence_viewed(actor=request.user, evidence=ev, at=clock.now())
    return evidence_response(ev, f"异议证据{ev.pk}")


@require_POST
@allows(Cap.SIGNED_IN)
def objection_decide(request, pk: int):
    obj = get_object_or_404(Objection, pk=pk, claim__in=selectors.claims_visible(actor=request.user))
    run(
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


@require_POST
@allows(Cap.SIGNED_IN)
def objections_decide(request):
    """Several similar objections with one finding: all decided or none (the service says which
    objection stops them)."""
    ids = [int(v) for v in request.POST.getlist("objection") if v.isascii() and v.isdigit() and len(v) <= 12]
    decided = run(
        request,
        lambda: services.objections_decide(
            actor=request.user,
            objection_ids=ids,
            upheld=request.POST.get("upheld") == "1",
            finding=request.POST.get("finding", ""),
            at=clock.now(),
        ),
    )
    if decided:
        messages.success(request, f"已一并处理{len(decided)}件异议")
    return redirect("subsidy:objections")


@allows(Cap.SIGNED_IN)
def fact_imports(request):
    if not (can(request.user, Cap.IMPORT_FACTS) or can(request.user, Cap.IMPORT_FACTS_CITY)):
        raise PermissionDenied("当前账号无权导入人员信息")
    if request.method == "POST":
        file = upload(request)
        if file is None:
            messages.error(request, "请选择 CSV 或 XLSX 文件")
        else:
            job = run(
                request,
                lambda: facts.import_queue(
                    actor=request.user,
                    kind=request.POST.get("kind", ""),
                    filename=file[0],
                    content=file[1],
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
    issued = run(
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
