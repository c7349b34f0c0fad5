"""Events: the public list, publishing and editing, registration [P2.2]."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from dte.core import clock
from dte.core.forms import add_form_errors
from dte.core.permissions import Cap, allows, can
from dte.training import forms, selectors, services
from dte.training.models import Event
from dte.training.views.common import attempt


def events(request):
    return render(
        request,
        "training/events.html",
        {
            "events": selectors.published_events(today=clock.today()),
            "can_publish": can(request.user, Cap.PUBLISH_EVENTS),
        },
    )


@allows(Cap.PUBLISH_EVENTS)
def event_new(request):
    form = forms.EventForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.event_announce(actor=request.user, at=clock.now(), **form.cleaned_data)
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            messages.success(request, "活动已发布。")
            return redirect("training:events")
    return render(
        request,
        "training/form_page.html",
        {"form": form, "title": "发布活动 [P2.2]", "back": reverse("training:events")},
    )


@require_POST
@allows(Cap.PUBLISH_EVENTS)
def event_withdraw(request, pk: int):
    ev = get_object_or_404(Event, pk=pk)
    attempt(
        request,
        lambda: services.event_withdraw(
            actor=request.user, event=ev, reason=request.POST.get("reason", ""), at=clock.now()
        ),
        "活动已撤下。",
    )
    return redirect("training:events")


def event_detail(request, pk: int):
    """An event's page: places left; trainees register interest; the city edits and sees who
    registered [P2.2]."""
    ev = selectors.event_for(actor=request.user, pk=pk)
    can_publish = can(request.user, Cap.PUBLISH_EVENTS)
    return render(
        request,
        "training/event.html",
        {
            "ev": ev,
            "seats_left": None if ev.capacity is None else max(0, ev.capacity - ev.taken),
            "mine": selectors.my_event_registration(actor=request.user, event=ev),
            "can_register": can(request.user, Cap.ENROL_IN_TRAINING),
            "can_publish": can_publish,
            "registrations": selectors.event_registrations(actor=request.user, event=ev)
            if can_publish or can(request.user, Cap.SUPERVISE_CITY)
            else None,
            "open": ev.published and clock.today() <= ev.starts_on,
        },
    )


@allows(Cap.PUBLISH_EVENTS)
def event_edit(request, pk: int):
    ev = selectors.event_for(actor=request.user, pk=pk)
    initial = {f: getattr(ev, f) for f in services.EVENT_FIELDS}
    form = forms.EventForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.event_update(actor=request.user, event=ev, at=clock.now(), **form.cleaned_data)
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            messages.success(request, "活动已修改。")
            return redirect("training:event", pk=ev.pk)
    return render(
        request,
        "training/form_page.html",
        {"form": form, "title": f"修改活动:{ev.title}", "back": reverse("training:event", args=[ev.pk])},
        status=422 if request.method == "POST" else 200,
    )


@require_POST
@allows(Cap.ENROL_IN_TRAINING)
def event_register(request, pk: int):
    ev = selectors.event_for(actor=request.user, pk=pk)
    attempt(
        request,
        lambda: services.event_register(actor=request.user, event=ev, at=clock.now()),
        f"已报名「{ev.title}」。",
    )
    return redirect("training:event", pk=pk)


@require_POST
@allows(Cap.ENROL_IN_TRAINING)
def event_cancel(request, pk: int):
    ev = selectors.event_for(actor=request.user, pk=pk)
    attempt(
        request,
        lambda: services.event_cancel_registration(actor=request.user, event=ev, at=clock.now()),
        f"已取消「{ev.title}」的报名。",
    )
    return redirect("training:event", pk=pk)
