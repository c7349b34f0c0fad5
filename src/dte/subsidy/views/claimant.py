"""The trainee's claims: the list of their claims and certificates, and the start of a claim."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from dte.core import clock
from dte.core.permissions import Cap, allows
from dte.notifications import selectors as inbox_selectors
from dte.subsidy import selectors, services, sources
from dte.subsidy.models import Status
from dte.subsidy.views.common import show_errors


@allows(Cap.CLAIM_SUBSIDY)
def my_claims(request):
    person = request.user.person
    claimed = set(
        selectors.my_claims(actor=request.user)
        .exclude(status__in=[Status.WITHDRAWN, Status.REJECTED, Status.CANCELLED, Status.LAPSED])
        .values_list("level_certificate_number", flat=True)
    )
    claims = selectors.my_claims(actor=request.user)
    status = request.GET.get("status", "")
    if status in Status.values:  # ?status=awaiting_info: the workbench's filtered list
        claims = claims.filter(status=status)
    return render(
        request,
        "subsidy/my_claims.html",
        {
            "claims": claims,
            "status_label": Status(status).label if status in Status.values else "",
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
        show_errors(request, exc)
        return redirect("subsidy:my_claims")
    claim = services.claim_start(actor=request.user, certificate=cert, at=clock.now())
    return redirect("subsidy:claim", pk=claim.pk)
