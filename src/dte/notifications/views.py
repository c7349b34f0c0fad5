"""The inbox (站内信) of every signed-in account: officers get the reminders and escalations of the
working-day clock [A2.6.1] here; trainees also see the messages about their claims."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from dte.core import clock
from dte.core.bounds import page_number
from dte.core.permissions import Cap, allows
from dte.notifications import selectors, services

PAGE_SIZE = 50


@allows(Cap.SIGNED_IN)
def inbox(request):
    unread_only = request.GET.get("unread") == "1"
    qs = selectors.inbox(actor=request.user)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    paginator = Paginator(qs, PAGE_SIZE)
    # Beyond the last page: the last; below 1 or not a number: the first (dte.core.bounds).
    page = paginator.page(page_number(request.GET.get("page"), paginator.num_pages))
    template = "notifications/inbox.html"
    if request.headers.get("HX-Request"):
        template += "#results"
    return render(
        request,
        template,
        {
            "page": page,
            "unread": selectors.unread_count(actor=request.user),
            "unread_only": unread_only,
        },
    )


@allows(Cap.SIGNED_IN)
def message(request, pk: int):
    msg = selectors.message_for(actor=request.user, pk=pk)
    if msg is None:
        raise Http404("没有这条站内信")
    services.message_read(actor=request.user, message=msg, at=clock.now())
    return render(
        request,
        "notifications/message.html",
        {"m": msg, "unread": selectors.unread_count(actor=request.user)},
    )


@require_POST
@allows(Cap.SIGNED_IN)
def message_read(request, pk: int):
    msg = selectors.message_for(actor=request.user, pk=pk)
    if msg is None:
        raise Http404("没有这条站内信")
    services.message_read(actor=request.user, message=msg, at=clock.now())
    return redirect("notifications:inbox")


@require_POST
@allows(Cap.SIGNED_IN)
def read_all(request):
    n = services.messages_read_all(actor=request.user, at=clock.now())
    messages.success(request, f"已将{n}条站内信标为已读。" if n else "没有未读的站内信。")
    return redirect("notifications:inbox")


@allows(Cap.SIGNED_IN)
def unread(request):
    """The unread count as plain text, for a badge that polls it (hx-get)."""
    return HttpResponse(str(selectors.unread_count(actor=request.user)), content_type="text/plain")
