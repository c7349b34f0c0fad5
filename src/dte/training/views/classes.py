"""Classes: the public catalogue and class page, the institution's class page and the roster and
class steps [P2.3], [P3.2]."""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from dte.core import clock
from dte.core.permissions import Cap, allows, can
from dte.training import forms, rules, selectors, services
from dte.training.models import Enrolment
from dte.training.views.common import attempt, enrolment_closed


def catalogue(request):
    """The public training-programme catalogue [P3.2], [P4.3]."""
    occupation = request.GET.get("occupation", "")
    today = clock.today()
    classes = selectors.catalogue(today=today, occupation=occupation)
    return render(
        request, "training/catalogue.html", {"classes": classes, "occupation": occupation, "today": today}
    )


def class_public(request, pk: int):
    klass = selectors.public_class(pk=pk)
    mine = None
    if request.user.is_authenticated and getattr(request.user, "person_id", None):
        mine = Enrolment.objects.filter(klass=klass, person_id=request.user.person_id).first()
    return render(
        request,
        "training/class_public.html",
        {
            "klass": klass,
            "plan": klass.plan,
            "mine": mine,
            "form": forms.ApplyForm(),
            "can_apply": can(request.user, Cap.ENROL_IN_TRAINING),
            "closed": enrolment_closed(klass, clock.today()),
            "sessions": klass.sessions.all(),
        },
    )


@allows(Cap.SIGNED_IN)
def class_manage(request, pk: int):
    return class_page(request, selectors.class_for(actor=request.user, pk=pk))


def class_page(request, klass, *, session_form=None, status: int = 200):
    """The institution's class page; a refused session form comes back with its errors and values."""
    now = clock.now()
    rows = selectors.roster(actor=request.user, klass=klass, now=now)
    return render(
        request,
        "training/class_manage.html",
        {
            "klass": klass,
            "plan": klass.plan,
            "rows": rows,
            "minutes_per_hour": rules.minutes_per_hour(on=klass.start_date),
            "split": rules.schedule_split(klass),
            "sessions": klass.sessions.all(),
            "anomalies": selectors.anomalies(actor=request.user, klass=klass),
            "is_owner": can(request.user, Cap.MANAGE_INSTITUTION),
            "can_review": can(request.user, Cap.FILE_TRAINING_PLANS),
            "retired_count": sum(1 for r in rows if r["age"].flagged and r["enrolment"].on_roster),
            "has_applied": any(r["enrolment"].status == "applied" for r in rows),
            "exception_form": forms.RecordExceptionForm(auto_id=False),
            "session_form": session_form or forms.SessionForm(initial={"date": klass.start_date}),
            "upload_form": forms.UploadForm(),
            "online_columns": services.ONLINE_COLUMNS,
        },
        status=status,
    )


def _class_action(service, success):
    @require_POST
    @allows(Cap.SIGNED_IN)
    def view(request, pk: int):
        klass = selectors.class_for(actor=request.user, pk=pk)
        attempt(request, lambda: service(request, klass), success)
        return redirect("training:class_manage", pk=pk)

    return view


roster_submit = _class_action(
    lambda r, k: services.roster_submit(actor=r.user, klass=k, at=clock.now()),
    "花名册已提交市人力社保局审核。",
)


roster_approve = _class_action(
    lambda r, k: services.roster_review(
        actor=r.user, klass=k, approve=True, note=r.POST.get("note", ""), at=clock.now()
    ),
    "花名册审核通过。",
)


roster_return = _class_action(
    lambda r, k: services.roster_review(
        actor=r.user, klass=k, approve=False, note=r.POST.get("note", ""), at=clock.now()
    ),
    "花名册已退回。",
)


class_start = _class_action(
    lambda r, k: services.class_start(actor=r.user, klass=k, at=clock.now()), "班次已开始培训。"
)


class_complete = _class_action(
    lambda r, k: services.class_complete(actor=r.user, klass=k, at=clock.now()), "班次已结业。"
)
