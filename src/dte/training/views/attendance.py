"""Sessions and attendance: adding sessions, online records, the check-in QR code, corrections, and
the city's attendance anomaly list [P2.3]."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from dte.accounts import jobs
from dte.catalog.models import Institution
from dte.core import clock
from dte.core.forms import add_form_errors
from dte.core.permissions import Cap, allows, can
from dte.training import checkin, documents, forms, imports, rules, selectors, services
from dte.training.models import Enrolment, Session
from dte.training.tables import read_table
from dte.training.tasks import run_online_import
from dte.training.views.classes import class_page
from dte.training.views.common import attempt, error_text, table_response


@require_POST
@allows(Cap.MANAGE_INSTITUTION)
def session_new(request, pk: int):
    klass = selectors.class_for(actor=request.user, pk=pk)
    form = forms.SessionForm(request.POST)
    if form.is_valid():
        try:
            services.session_add(actor=request.user, klass=klass, at=clock.now(), **form.cleaned_data)
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            messages.success(request, "课次已添加。")
            for warning in rules.schedule_warnings(klass):
                messages.warning(request, warning)
            return redirect("training:class_manage", pk=pk)
    # Every mistake beside its field, what was typed kept (nothing was written).
    return class_page(request, klass, session_form=form, status=422)


@allows(Cap.MANAGE_INSTITUTION)
def online_import(request, pk: int):
    """Upload online learning records (CSV/XLSX) [P2.3]; every bad row is listed, nothing is written.
    A file of more than ``jobs.BACKGROUND_ROWS`` rows is imported by a background job, whose page
    shows its progress and then its result."""
    klass = selectors.class_for(actor=request.user, pk=pk)
    form = forms.UploadForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        f = form.cleaned_data["file"]
        content = f.read()
        try:
            rows = read_table(content=content, filename=f.name, required=services.ONLINE_COLUMNS)
            if jobs.runs_in_background(len(rows)):
                job = imports.online_import_queue(
                    actor=request.user,
                    klass=klass,
                    filename=f.name,
                    content=content,
                    rows=len(rows),
                    at=clock.now(),
                )
                run_online_import(job.pk)
                return redirect("web:job", pk=job.pk)
            report = services.online_records_import(
                actor=request.user, klass=klass, rows=rows, filename=f.name, at=clock.now()
            )
        except ValidationError as exc:
            add_form_errors(form, exc)
    return render(
        request,
        "training/import_result.html",
        {
            "title": f"导入线上学习记录:{klass.name}",
            "form": form,
            "report": report,
            "columns": services.ONLINE_COLUMNS,
            "back": reverse("training:class_manage", args=[klass.pk]),
            "jobs": imports.online_jobs(actor=request.user, klass=klass)[:10],
            "background_rows": jobs.BACKGROUND_ROWS,
        },
        status=422 if report is not None and not report.ok else 200,
    )


@allows(Cap.SIGNED_IN)
def session_detail(request, pk: int):
    """The session page for staff: the rotating check-in QR code and the attendance list [P2.3]."""
    session = selectors.session_for(actor=request.user, pk=pk)
    action = "out" if request.GET.get("action") == "out" else "in"
    ctx = {
        "session": session,
        "klass": session.klass,
        "action": action,
        "rows": selectors.session_attendance(actor=request.user, session=session),
        "is_owner": can(request.user, Cap.MANAGE_INSTITUTION),
        "now": clock.now(),
        "rules": rules.attendance_rules(on=session.date),
        "ended": session.ends_at <= clock.now(),  # corrections only once the session has ended [P2.3]
        **_qr_context(request, session, action),
    }
    if request.htmx and request.GET.get("part") == "qr":
        return render(request, "training/session.html#qr", ctx)
    return render(request, "training/session.html", ctx)


def _qr_context(request, session: Session, action: str) -> dict:
    now = clock.now()
    token = checkin.token_for(session_id=session.pk, action=action, at=now)
    return {
        "checkin_url": request.build_absolute_uri(
            reverse("training:checkin", args=[session.pk, action, token])
        ),
        "token": token,
        "seconds_left": checkin.seconds_left(at=now),
    }


@allows(Cap.MANAGE_INSTITUTION)
def session_qr(request, pk: int, action: str):
    """The current check-in code as a PNG, for the screen in class."""
    session = selectors.session_for(actor=request.user, pk=pk)
    if action not in checkin.ACTIONS:
        raise PermissionDenied("unknown action")
    url = _qr_context(request, session, action)["checkin_url"]
    response = HttpResponse(documents.qr_png(url, box_size=10), content_type="image/png")
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@allows(Cap.MANAGE_INSTITUTION)
def session_correct(request, pk: int):
    session = selectors.session_for(actor=request.user, pk=pk)
    form = forms.CorrectionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写更正时间和理由")
        return redirect("training:session", pk=pk)
    d = form.cleaned_data
    e = get_object_or_404(Enrolment, pk=d["enrolment"])
    attempt(
        request,
        lambda: services.attendance_correct(
            actor=request.user,
            session=session,
            enrolment=e,
            check_in=d["check_in"],
            check_out=d["check_out"],
            reason=d["reason"],
            at=clock.now(),
        ),
        f"已更正 {e.person.name} 的考勤。",
    )
    return redirect("training:session", pk=pk)


@allows(Cap.ENROL_IN_TRAINING)
def checkin_scan(request, session_pk: int, action: str, token: str):
    """What the trainee's phone opens from the QR code: confirm, and the check-in is recorded [P2.3]."""
    session = get_object_or_404(Session.objects.select_related("klass__plan__institution"), pk=session_pk)
    done = None
    if request.method == "POST":
        try:
            done = services.attendance_scan(
                actor=request.user, session=session, action=action, token=token, at=clock.now()
            )
        except ValidationError as exc:
            messages.error(request, error_text(exc))
    return render(
        request,
        "training/checkin.html",
        {"session": session, "action": action, "done": done},
        status=200 if request.method == "GET" or done else 422,
    )


ANOMALY_COLUMNS = ["培训机构", "班次", "职业", "等级", "异常类型", "说明", "依据", "考勤记录编号"]


@allows(Cap.SUPERVISE_CITY)
def anomalies(request):
    """City-wide attendance anomalies for the city officer and the auditor, by institution and kind
    of anomaly [P2.3]; ``format=csv`` downloads the same list."""
    raw = request.GET.get("institution", "")
    institution_id = int(raw) if raw.isdigit() else None
    kind = request.GET.get("kind", "")
    kind = kind if kind in rules.ANOMALY_KINDS else ""
    rows = selectors.anomalies_citywide(actor=request.user, institution_id=institution_id, kind=kind)
    if request.GET.get("format") == "csv":
        table = [
            [
                r["institution"].name,
                r["klass"].name,
                r["klass"].plan.occupation.name,
                r["klass"].plan.level.name,
                r["anomaly"].label,
                r["anomaly"].message,
                r["anomaly"].clause,
                " ".join(str(i) for i in r["anomaly"].attendance_ids),
            ]
            for r in rows
        ]
        today = timezone.localdate(clock.now())
        return table_response(header=ANOMALY_COLUMNS, rows=table, filename=f"anomalies-{today}", fmt="csv")
    return render(
        request,
        "training/anomalies.html",
        {
            "rows": rows,
            "institutions": Institution.objects.filter(plans__isnull=False).distinct().order_by("name"),
            "kinds": rules.ANOMALY_KINDS,
            "institution_id": institution_id,
            "kind": kind,
            "query": f"institution={institution_id or ''}&kind={kind}",
        },
    )
