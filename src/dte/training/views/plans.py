"""Training plans: drafting, filing, returning, and opening a class under a filed plan [P3.1]."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from dte.core import clock, lists
from dte.core.forms import add_form_errors
from dte.core.permissions import Cap, allows, can
from dte.training import forms, selectors, services
from dte.training.models import TrainingPlan
from dte.training.views.common import attempt

PLAN_LIST = lists.ListSpec(
    columns=(
        lists.Column("title", "计划", ("title",)),
        lists.Column("institution", "培训机构", ("institution__name",)),
        lists.Column("occupation", "职业 · 等级", ("occupation__name", "level__code")),
        lists.Column("hours", "学时"),
        lists.Column("start", "日期", ("start_date",)),
        lists.Column("fee", "收费", ("fee",)),
        lists.Column("status", "状态", ("status",)),
    ),
    default=("-pk",),
    filters=(
        lists.Choice("status", "状态", "status", TrainingPlan.Status.choices),
        lists.DateRange("start", "开班日期", "start_date"),
        lists.Text("q", "计划或机构", ("title", "institution__name", "occupation__name")),
    ),
    export_name="training-plans",
)


@allows(Cap.SIGNED_IN)
def plans(request):
    listing = lists.Listing(PLAN_LIST, request.GET)
    qs = listing.sorted(selectors.plans_for(actor=request.user))
    if listing.export:  # no personal data: the plans as filed
        _, rows = lists.export_table(listing, qs, _plan_line)
        return lists.xlsx_response(
            [c.label for c in PLAN_LIST.columns], rows, stem="training-plans", on=clock.today()
        )
    status = request.GET.get("status", "")
    return render(
        request,
        "training/plans.html",
        {
            "plans": listing.paginate(qs),
            "listing": listing,
            "status_label": TrainingPlan.Status(status).label if status in TrainingPlan.Status.values else "",
            "can_draft": can(request.user, Cap.MANAGE_INSTITUTION),
            "queue": selectors.city_queue(actor=request.user, now=clock.now())
            if can(request.user, Cap.SUPERVISE_CITY)
            else None,
            "can_file": can(request.user, Cap.FILE_TRAINING_PLANS),
        },
    )


def _plan_line(p: TrainingPlan) -> list:
    dates = f"{p.start_date:%Y-%m-%d} 至 {p.end_date:%Y-%m-%d}"
    what = f"{p.occupation.name} · {p.level.name}"
    return [p.title, p.institution.name, what, p.total_hours, dates, p.fee, p.get_status_display()]


def _plan_form_data(form) -> dict:
    return dict(form.cleaned_data)


@allows(Cap.MANAGE_INSTITUTION)
def plan_new(request):
    form = forms.PlanForm(request.POST or None, institution_id=request.user.institution_id)
    if request.method == "POST" and form.is_valid():
        try:
            plan = services.plan_draft(actor=request.user, at=clock.now(), **_plan_form_data(form))
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            messages.success(request, "培训计划草稿已保存,核对无误后请提交备案。")
            return redirect("training:plan", pk=plan.pk)
    return render(
        request,
        "training/form_page.html",
        {"form": form, "title": "制定培训计划 [P3.1]", "back": reverse("training:plans")},
    )


@allows(Cap.MANAGE_INSTITUTION)
def plan_edit(request, pk: int):
    plan = selectors.plan_for(actor=request.user, pk=pk)
    initial = {f: getattr(plan, f) for f in services.PLAN_FIELDS if f != "evaluation_body_id"}
    initial.update(occupation=plan.occupation, level=plan.level, evaluation_body=plan.evaluation_body)
    form = forms.PlanForm(request.POST or None, initial=initial, institution_id=request.user.institution_id)
    form.fields["occupation"].disabled = form.fields["level"].disabled = True
    if request.method == "POST" and form.is_valid():
        data = _plan_form_data(form)
        data.pop("occupation"), data.pop("level")
        try:
            services.plan_update(actor=request.user, plan=plan, at=clock.now(), **data)
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            messages.success(request, "培训计划已修改。")
            return redirect("training:plan", pk=plan.pk)
    return render(
        request,
        "training/form_page.html",
        {
            "form": form,
            "title": f"修改培训计划:{plan.title}",
            "back": reverse("training:plan", args=[plan.pk]),
        },
    )


@allows(Cap.SIGNED_IN)
def plan_detail(request, pk: int):
    return _plan_page(request, selectors.plan_for(actor=request.user, pk=pk))


def _plan_page(request, plan: TrainingPlan, class_form=None, status: int = 200):
    """The plan page; a refused class form comes back with every error beside its field."""
    return render(
        request,
        "training/plan.html",
        {
            "plan": plan,
            "classes": plan.classes.all(),
            "is_owner": can(request.user, Cap.MANAGE_INSTITUTION),
            "can_file": can(request.user, Cap.FILE_TRAINING_PLANS),
            "class_form": class_form
            or forms.ClassForm(
                initial={
                    "mode": plan.mode,
                    "place": plan.place,
                    "start_date": plan.start_date,
                    "end_date": plan.end_date,
                }
            ),
        },
        status=status,
    )


@require_POST
@allows(Cap.MANAGE_INSTITUTION)
def plan_submit(request, pk: int):
    plan = selectors.plan_for(actor=request.user, pk=pk)
    attempt(
        request,
        lambda: services.plan_submit(actor=request.user, plan=plan, at=clock.now()),
        "已提交市人力社保局备案。",
    )
    return redirect("training:plan", pk=pk)


@require_POST
@allows(Cap.FILE_TRAINING_PLANS)
def plan_file(request, pk: int):
    plan = selectors.plan_for(actor=request.user, pk=pk)
    attempt(
        request, lambda: services.plan_file(actor=request.user, plan=plan, at=clock.now()), "培训计划已备案。"
    )
    return redirect("training:plan", pk=pk)


@require_POST
@allows(Cap.FILE_TRAINING_PLANS)
def plan_return(request, pk: int):
    plan = selectors.plan_for(actor=request.user, pk=pk)
    attempt(
        request,
        lambda: services.plan_return(
            actor=request.user, plan=plan, reason=request.POST.get("reason", ""), at=clock.now()
        ),
        "培训计划已退回修改。",
    )
    return redirect("training:plan", pk=pk)


@require_POST
@allows(Cap.MANAGE_INSTITUTION)
def class_new(request, pk: int):
    plan = selectors.plan_for(actor=request.user, pk=pk)
    form = forms.ClassForm(request.POST)
    if form.is_valid():
        try:
            klass = services.class_open(actor=request.user, plan=plan, at=clock.now(), **form.cleaned_data)
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            messages.success(request, "班次已发布,进入公开招生。")
            return redirect("training:class_manage", pk=klass.pk)
    return _plan_page(request, plan, class_form=form, status=422)
