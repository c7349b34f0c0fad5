"""Training plans: drafting, filing, returning, and opening a class under a filed plan [P3.1]."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from dte.core import clock
from dte.core.forms import add_form_errors
from dte.core.permissions import Cap, allows, can
from dte.training import forms, selectors, services
from dte.training.models import TrainingPlan
from dte.training.views.common import attempt


@allows(Cap.SIGNED_IN)
def plans(request):
    qs = selectors.plans_for(actor=request.user)
    status = request.GET.get("status", "")
    if status in TrainingPlan.Status.values:  # ?status=submitted: the workbench's filtered list
        qs = qs.filter(status=status)
    return render(
        request,
        "training/plans.html",
        {
            "plans": qs,
            "status_label": TrainingPlan.Status(status).label if status in TrainingPlan.Status.values else "",
            "can_draft": can(request.user, Cap.MANAGE_INSTITUTION),
            "queue": selectors.city_queue(actor=request.user, now=clock.now())
            if can(request.user, Cap.SUPERVISE_CITY)
            else None,
            "can_file": can(request.user, Cap.FILE_TRAINING_PLANS),
        },
    )


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
