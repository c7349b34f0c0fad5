"""The city's pages for policy parameters: the history, a draft with its preview on the records,
a version with its diff and the second officer's approval; the counties' list of decided claims to
review after a change."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from dte.core import clock
from dte.core.forms import add_form_errors
from dte.core.permissions import Cap, allows, can
from dte.core.spreadsheet import csv_bytes
from dte.parameters import preview, selectors, services
from dte.parameters.forms import DraftForm, value_yaml
from dte.parameters.models import ParameterVersion
from dte.policy import parameters
from dte.policy.compiled import compile_draft, get_policy
from dte.subsidy.models import Claim


@allows(Cap.SIGNED_IN)
def index(request):
    rows = selectors.versions(actor=request.user, name=request.GET.get("name") or None)
    return render(
        request,
        "parameters/index.html",
        {"rows": rows[:200], "can_change": can(request.user, Cap.CHANGE_PARAMETERS)},
    )


def chart(summary: dict) -> list[dict]:
    """Bars of the money's difference by county (widths out of 300 for the page's SVG)."""
    rows = sorted(summary["by_county"].items())
    top = max([abs(r["amount_delta"]) for _, r in rows] + [1])
    return [
        {
            "county": k,
            **r,
            "width": round(300 * abs(r["amount_delta"]) / top),
            "negative": r["amount_delta"] < 0,
        }
        for k, r in rows
    ]


@allows(Cap.CHANGE_PARAMETERS)
def draft(request):
    name = request.GET.get("name", "subsidy_standards")
    shown = None
    if request.method == "POST":
        form = DraftForm(request.POST)
        if form.is_valid():
            try:
                if request.POST.get("action") == "propose":
                    made = services.propose(
                        actor=request.user,
                        draft=form.draft(),
                        document=form.cleaned_data["document"],
                        reason=form.cleaned_data["reason"],
                        at=clock.now(),
                    )
                    messages.success(request, "参数调整已提交,待另一名市局工作人员审批")
                    return redirect("parameters:version", made[0].pk)
                shown = _preview_of(form.draft())
            except ValidationError as exc:
                add_form_errors(form, exc)
    else:
        if name not in parameters.names():
            raise Http404("没有该参数")
        form = DraftForm(initial={"name": name, "start": clock.today(), "value": value_yaml(name)})
    return render(request, "parameters/draft.html", {"form": form, "shown": shown})


def _preview_of(draft_value: dict) -> dict:
    parsed = services.check_draft(draft_value)
    _, after = compile_draft(draft_value)
    result = preview.compare(parsed, get_policy(), after, today=clock.today())
    diffs = [
        {"name": name, "start": v.start, "diff": services.diff_in_force(name, v)}
        for name, values in parsed.items()
        for v in values
    ]
    return {"summary": result.summary, "chart": chart(result.summary), "diffs": diffs}


def _version(request, pk: int) -> ParameterVersion:
    v = selectors.version(actor=request.user, pk=pk)
    if v is None:
        raise Http404("没有该参数版本")
    return v


@allows(Cap.SIGNED_IN)
def version(request, pk: int):
    v = _version(request, pk)
    shown = None
    if v.status == ParameterVersion.Status.DRAFT:
        parsed, after = compile_draft(v.as_layer())
        summary = preview.compare(parsed, get_policy(), after, today=clock.today()).summary
        shown = {"summary": summary, "chart": chart(summary)}
    officer = can(request.user, Cap.CHANGE_PARAMETERS)
    return render(
        request,
        "parameters/version.html",
        {
            "v": v,
            "shown": shown,
            "may_decide": officer and v.status == "draft" and v.proposed_by_id != request.user.pk,
            "may_withdraw": officer and v.status == "draft" and v.proposed_by_id == request.user.pk,
        },
    )


def affected_rows(v: ParameterVersion) -> list[tuple]:
    """The claims whose decision the version changes (a draft: as the preview shows now; published:
    the decided claims listed at publication): reference, county, status, eligible and amount
    before and after."""
    if v.status == ParameterVersion.Status.PUBLISHED:
        listed = v.changed.select_related("claim", "county")
        return [
            (c.claim.reference, c.county.code, c.claim.get_status_display(), c.eligible_before,
             c.eligible_after, c.amount_before, c.amount_after)
            for c in listed
        ]  # fmt: skip
    parsed, after = compile_draft(v.as_layer())
    result = preview.compare(parsed, get_policy(), after, today=clock.today())
    pick = result.comparison.changed
    ids = result.ids[pick].tolist()
    claims = Claim.objects.select_related("county").in_bulk(ids)
    b, a = result.comparison.before, result.comparison.after
    out = []
    for k, pk in enumerate(ids):
        c = claims[pk]
        i = (b.eligible[pick][k], a.eligible[pick][k], b.amount[pick][k], a.amount[pick][k])
        out.append(
            (c.reference, c.county.code, c.get_status_display(), bool(i[0]), bool(i[1]), int(i[2]), int(i[3]))
        )
    return out


@allows(Cap.CHANGE_PARAMETERS)
def affected_csv(request, pk: int):
    v = _version(request, pk)
    header = ["申领编号", "县(市、区)", "状态", "原结论符合", "新结论符合", "原金额(元)", "新金额(元)"]
    resp = HttpResponse(csv_bytes(header, affected_rows(v)), content_type="text/csv; charset=utf-8")
    resp["Content-Disposition"] = f'attachment; filename="parameter-{v.pk}-affected.csv"'
    return resp


def _decide(request, pk: int, step) -> HttpResponse:
    v = _version(request, pk)
    try:
        step(v)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, "; ".join(getattr(exc, "messages", [str(exc)])))
    return redirect("parameters:version", v.pk)


@require_POST
@allows(Cap.CHANGE_PARAMETERS)
def approve(request, pk: int):
    def step(v):
        services.approve(actor=request.user, version=v, at=clock.now(), note=request.POST.get("note", ""))
        messages.success(request, "参数调整已发布,在办申领已按新参数重新判定")

    return _decide(request, pk, step)


@require_POST
@allows(Cap.CHANGE_PARAMETERS)
def reject(request, pk: int):
    def step(v):
        services.reject(actor=request.user, version=v, reason=request.POST.get("reason", ""), at=clock.now())
        messages.success(request, "已驳回该参数调整")

    return _decide(request, pk, step)


@require_POST
@allows(Cap.CHANGE_PARAMETERS)
def withdraw(request, pk: int):
    def step(v):
        services.withdraw(actor=request.user, version=v, at=clock.now())
        messages.success(request, "已撤回该参数调整")

    return _decide(request, pk, step)


@allows(Cap.SIGNED_IN)
def changed(request):
    rows = selectors.changed_decisions(actor=request.user)
    return render(request, "parameters/changed.html", {"rows": rows[:500]})
