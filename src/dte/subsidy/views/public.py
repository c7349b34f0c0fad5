"""The public pages: the notice of approved claims [A2.6.2], an objection to one, the credit list
[A2.7a]."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render

from dte.core import clock
from dte.core.client import client_address
from dte.subsidy import selectors, services
from dte.subsidy.receipts import objection_receipt
from dte.subsidy.services import credit
from dte.subsidy.views.common import run, upload


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
        file = upload(request)
        client = client_address(request)
        obj = run(
            request,
            lambda: services.objection_file(
                claim=claim,
                reason=request.POST.get("reason", ""),
                contact=request.POST.get("contact", ""),
                client=client,
                files=[file] if file else [],
                at=clock.now(),
            ),
        )
        if obj is not None:
            return render(
                request,
                "subsidy/objection_filed.html",
                {"claim": claim, "receipt": objection_receipt(obj), "filed_at": obj.filed_at},
            )
        # Refused: the form comes back with what was typed (the file must be chosen again).
        typed = {"reason": request.POST.get("reason", ""), "contact": request.POST.get("contact", "")}
        return render(request, "subsidy/objection_new.html", {"claim": claim, "typed": typed})
    return render(request, "subsidy/objection_new.html", {"claim": claim, "typed": {}})


def credit_list(request):
    today = clock.today()
    return render(request, "subsidy/credit.html", {"rows": credit.credit_public(today=today), "today": today})
