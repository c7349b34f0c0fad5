"""The county's payment pages [A2.6.2], [A2.6.3]: the fund accounts and the payable claims, budget,
batches, the bank file, the bank's results and the return of a paid line (银行退票)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from dte.core import clock
from dte.core.permissions import Cap, allows, can
from dte.subsidy import selectors
from dte.subsidy.models import PaymentBatch, PaymentLine
from dte.subsidy.services import bank_results, payment
from dte.subsidy.views.common import posted_int, run, show_errors, upload


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
    run(
        request,
        lambda: payment.fund_budget(
            actor=u,
            county=u.county,
            year=posted_int(request.POST.get("year")),
            amount=request.POST.get("amount", ""),
            at=clock.now(),
        ),
        "已登记预算",
    )
    return redirect("subsidy:payments")


@require_POST
@allows(Cap.PAY_CLAIMS)
def batch_create(request):
    batch = run(
        request,
        lambda: payment.batch_create(
            actor=request.user, county=request.user.county, at=clock.now(), claim_ids=_chosen(request)
        ),
        "已生成拨付批次",
    )
    if batch is None:
        return redirect("subsidy:payments")
    if batch.left_out:
        messages.warning(request, f"{len(batch.left_out)}件待拨付申领收款信息不完整,未列入本批次(见批次页)")
    return redirect("subsidy:batch", pk=batch.pk)


def _chosen(request) -> list[int] | None:
    """The claims ticked for the batch; none ticked: the oldest payment due first."""
    ids = [v for v in request.POST.getlist("claim") if v.isascii() and v.isdigit() and len(v) <= 12]
    return [int(v) for v in ids] if ids else None


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
        show_errors(request, exc)
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
    file = upload(request)
    if file is None:
        messages.error(request, "请选择银行回盘文件")
    else:
        counts = run(
            request,
            lambda: bank_results.results_import(
                actor=request.user, batch=batch, filename=file[0], content=file[1], at=clock.now()
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
    run(
        request,
        lambda: bank_results.payment_return(
            actor=request.user, line=pl, reason=request.POST.get("reason", ""), at=clock.now()
        ),
        f"第{line}笔已登记银行退票,款项退回专账,申领恢复待拨付",
    )
    return redirect("subsidy:batch", pk=batch.pk)
