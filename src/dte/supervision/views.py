"""Supervision pages [P2.3] and the public fee disclosure [P5.3b]: thin views that parse input,
call one service or selector, and render."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from dte.core import clock
from dte.core.forms import add_form_errors
from dte.core.permissions import Cap, allows, can
from dte.core.spreadsheet import SafeCsvWriter
from dte.evaluation import selectors as evaluation_selectors
from dte.supervision import forms, selectors, services
from dte.supervision.models import Finding, FollowUp, Photo
from dte.training.models import TrainingClass


def _errors(request, exc: ValidationError) -> None:
    messages.error(request, ";".join(exc.messages))


def _form_errors(form) -> str:
    return ";".join(
        f"{form.fields[f].label if f in form.fields else ''}{' ' if f in form.fields else ''}{e}"
        for f, errs in form.errors.items()
        for e in errs
    )


# --- city: overview, draw ------------------------------------------------------------------------------
@allows(Cap.SUPERVISE_CITY)
def overview(request):
    return _overview_page(request)


def _overview_page(request, *, draw_form=None, request_form=None, status: int = 200):
    """The city's overview; a refused draw or document request comes back with its errors beside
    its fields and what was typed."""
    actor = request.user
    return render(
        request,
        "supervision/overview.html",
        {
            "plans": selectors.plans(actor=actor)[:20],
            "open_follow_ups": selectors.follow_ups(actor=actor, open_only=True)[:50],
            "requests": selectors.document_requests(actor=actor)[:20],
            "fee_flags": selectors.fee_flags(actor=actor),
            "draw_form": draw_form or forms.DrawForm(),
            "request_form": request_form or forms.DocumentRequestForm(),
            "can_inspect": can(actor, Cap.INSPECT_INSTITUTIONS),
            "today": clock.today(),
        },
        status=status,
    )


@require_POST
@allows(Cap.INSPECT_INSTITUTIONS)
def plan_draw(request):
    form = forms.DrawForm(request.POST)
    if not form.is_valid():
        return _overview_page(request, draw_form=form, status=422)
    try:
        plan = services.inspection_plan_draw(actor=request.user, at=clock.now(), **form.cleaned_data)
    except ValidationError as exc:
        add_form_errors(form, exc)
        return _overview_page(request, draw_form=form, status=422)
    messages.success(
        request, f"已从 {len(plan.candidates)} 个班次中抽取 {len(plan.drawn)} 个,随机种子 {plan.seed}"
    )
    return redirect("supervision:plan", pk=plan.pk)


@allows(Cap.SUPERVISE_CITY)
def plan_detail(request, pk: int):
    plan = selectors.plan(actor=request.user, pk=pk)
    return render(
        request,
        "supervision/plan.html",
        {
            "plan": plan,
            "inspections": selectors.drawn_inspections(actor=request.user, plan=plan),
            "reproduces": selectors.draw_reproduces(plan=plan),
        },
    )


# --- inspections -----------------------------------------------------------------------------------------
def _inspection_context(request, inspection, **extra):
    return {
        "inspection": inspection,
        "findings": inspection.findings.all(),
        "photos": inspection.photos.defer("content"),
        "follow_ups": inspection.follow_ups.select_related("finding"),
        "can_inspect": can(request.user, Cap.INSPECT_INSTITUTIONS),
        "record_form": forms.RecordForm(
            initial={
                "visited_on": inspection.visited_on or clock.today(),
                "inspectors": inspection.inspectors,
                "present_count": inspection.present_count,
                "observed_fee": inspection.observed_fee,
                "summary": inspection.summary,
            }
        ),
        "finding_form": forms.FindingForm(),
        "photo_form": forms.PhotoForm(),
        "follow_up_form": forms.FollowUpForm(),
        "close_form": forms.CloseForm(),
        "published_fee": inspection.klass.plan.fee,
        **extra,
    }


@allows(Cap.SIGNED_IN)
def inspection_detail(request, pk: int):
    inspection = selectors.inspection(actor=request.user, pk=pk)
    return render(request, "supervision/inspection.html", _inspection_context(request, inspection))


@require_POST
@allows(Cap.INSPECT_INSTITUTIONS)
def inspection_open(request):
    klass = TrainingClass.objects.filter(pk=request.POST.get("klass") or 0).first()
    if klass is None:
        messages.error(request, "请选择班次")
        return redirect("supervision:overview")
    inspection = services.inspection_open(actor=request.user, klass=klass, at=clock.now())
    return redirect("supervision:inspection", pk=inspection.pk)


# Each action on an inspection page: validate its form, call its service, say what was done; the
# form is returned (with the service's refusal on it) so that the view shows its errors beside its fields.
def _save(request, form, call, done: str) -> None:
    try:
        call()
    except ValidationError as exc:
        add_form_errors(form, exc)
    else:
        messages.success(request, done)


def _act_record(request, inspection, at):
    form = forms.RecordForm(request.POST)
    if form.is_valid():
        _save(
            request,
            form,
            lambda: services.inspection_record(
                actor=request.user, inspection=inspection, at=at, **form.cleaned_data
            ),
            "检查情况已记录",
        )
    return form


def _act_finding(request, inspection, at):
    form = forms.FindingForm(request.POST)
    if form.is_valid():
        _save(
            request,
            form,
            lambda: services.finding_add(
                actor=request.user, inspection=inspection, at=at, **form.cleaned_data
            ),
            "已添加检查发现",
        )
    return form


def _act_photo(request, inspection, at):
    form = forms.PhotoForm(request.POST, request.FILES)
    if form.is_valid():
        f = form.cleaned_data["photo"]
        _save(
            request,
            form,
            lambda: services.photo_add(
                actor=request.user,
                inspection=inspection,
                filename=f.name,
                content=f.read(),
                caption=form.cleaned_data["caption"],
                at=at,
            ),
            "照片已上传",
        )
    return form


def _act_follow_up(request, inspection, at):
    form = forms.FollowUpForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        finding = (
            Finding.objects.filter(pk=data["finding"], inspection=inspection).first()
            if data["finding"]
            else None
        )
        _save(
            request,
            form,
            lambda: services.follow_up_add(
                actor=request.user,
                inspection=inspection,
                action=data["action"],
                due_on=data["due_on"],
                finding=finding,
                at=at,
            ),
            "已下达整改要求",
        )
    return form


def _act_close(request, inspection, at):
    form = forms.CloseForm(request.POST)
    follow_up = FollowUp.objects.filter(pk=request.POST.get("follow_up") or 0, inspection=inspection).first()
    if form.is_valid() and follow_up is not None:
        services.follow_up_close(
            actor=request.user, follow_up=follow_up, note=form.cleaned_data["note"], at=at
        )
        messages.success(request, "整改事项已销号")
    return form


# The actions whose form is on the page once: a refused one comes back in place, with what was typed.
INSPECTION_FORMS = {
    "record": "record_form",
    "finding": "finding_form",
    "photo": "photo_form",
    "follow-up": "follow_up_form",
}

INSPECTION_ACTIONS = {
    "record": _act_record,
    "finding": _act_finding,
    "photo": _act_photo,
    "follow-up": _act_follow_up,
    "close": _act_close,
}


@require_POST
@allows(Cap.INSPECT_INSTITUTIONS)
def inspection_act(request, pk: int, what: str):
    inspection = selectors.inspection(actor=request.user, pk=pk)
    act = INSPECTION_ACTIONS.get(what)
    try:
        if act is None:
            raise ValidationError("未知操作")
        form = act(request, inspection, clock.now())
    except ValidationError as exc:
        _errors(request, exc)
        return redirect("supervision:inspection", pk=inspection.pk)
    if form.is_valid():
        return redirect("supervision:inspection", pk=inspection.pk)
    if what in INSPECTION_FORMS:
        context = _inspection_context(request, inspection, **{INSPECTION_FORMS[what]: form})
        return render(request, "supervision/inspection.html", context, status=422)
    messages.error(request, _form_errors(form))
    return redirect("supervision:inspection", pk=inspection.pk)


@allows(Cap.SIGNED_IN)
def photo(request, pk: int):
    p = Photo.objects.filter(pk=pk).first()
    if p is None:
        return HttpResponse(status=404)
    selectors.inspection(actor=request.user, pk=p.inspection_id)  # scope check
    response = HttpResponse(bytes(p.content), content_type=p.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- document requests ---------------------------------------------------------------------------------
@require_POST
@allows(Cap.INSPECT_INSTITUTIONS)
def document_request(request):
    form = forms.DocumentRequestForm(request.POST)
    if form.is_valid():
        try:
            services.document_request(actor=request.user, at=clock.now(), **form.cleaned_data)
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            messages.success(request, "已向培训机构发出调阅资料要求")
            return redirect("supervision:overview")
    return _overview_page(request, request_form=form, status=422)


@allows(Cap.SIGNED_IN)
def document_detail(request, pk: int):
    req = selectors.document_request_for(actor=request.user, pk=pk)
    form = forms.DocumentProvideForm()
    if request.method == "POST":
        form = forms.DocumentProvideForm(request.POST, request.FILES)
        if form.is_valid():
            f = form.cleaned_data["file"]
            try:
                services.document_provide(
                    actor=request.user,
                    request=req,
                    note=form.cleaned_data["note"],
                    filename=f.name if f else "",
                    content=f.read() if f else None,
                    at=clock.now(),
                )
                messages.success(request, "资料已提交")
                return redirect("supervision:document", pk=req.pk)
            except ValidationError as exc:
                _errors(request, exc)
    can_answer = can(request.user, Cap.MANAGE_INSTITUTION) and req.status == req.Status.REQUESTED
    return render(request, "supervision/document.html", {"req": req, "form": form, "can_answer": can_answer})


@allows(Cap.SIGNED_IN)
def document_file(request, pk: int):
    req = selectors.document_request_for(actor=request.user, pk=pk)
    if not req.response_content:
        return HttpResponse(status=404)
    response = HttpResponse(bytes(req.response_content), content_type=req.response_content_type)
    # Saved under the name it was uploaded with (extension included); a Chinese name per RFC 5987.
    name = (
        "".join(ch for ch in req.response_filename if ch.isprintable()).strip()
        or f"document-request-{req.pk}"
    )
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


# --- institution's own view ------------------------------------------------------------------------------
@allows(Cap.MANAGE_INSTITUTION)
def institution_home(request):
    actor = request.user
    return render(
        request,
        "supervision/institution.html",
        {
            "inspections": selectors.inspections(actor=actor),
            "follow_ups": selectors.follow_ups(actor=actor),
            "requests": selectors.document_requests(actor=actor),
        },
    )


# --- quality evaluation ---------------------------------------------------------------------------------
@allows(Cap.SUPERVISE_CITY)
def quality(request):
    rows = selectors.class_quality(actor=request.user)
    scores = selectors.institution_scores(actor=request.user)
    if request.GET.get("format") == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="class-quality.csv"'
        response.write("\ufeff")
        w = SafeCsvWriter(response)  # a class or institution name like "=HYPERLINK(…)" stays text
        w.writerow(
            ["培训机构", "班次", "结业日期", "问卷份数", "问卷得分", "检查次数", "检查得分", "质量得分"]
        )
        for q in rows:
            w.writerow(
                [
                    q.klass.plan.institution.name,
                    q.klass.name,
                    q.klass.end_date,
                    q.responses,
                    q.survey_score,
                    q.inspections,
                    q.inspection_score,
                    q.score,
                ]
            )
        return response
    chart = {
        "periods": scores["periods"],
        "series": {
            k: [float(v) if v is not None else None for v in vs] for k, vs in scores["series"].items()
        },
    }
    return render(request, "supervision/quality.html", {"rows": rows, "scores": scores, "chart": chart})


# --- anomalies --------------------------------------------------------------------------------------------
@allows(Cap.SUPERVISE_CITY)
def anomalies(request):
    from datetime import timedelta

    # Each class's anomalies are worked out from all its attendance records: keep the window short.
    days = {"30": 30, "90": 90, "365": 365}.get(request.GET.get("days", ""), 90)
    since = clock.today() - timedelta(days=days)
    if request.method == "POST":
        if not can(request.user, Cap.INSPECT_INSTITUTIONS):
            return HttpResponse(status=403)
        form = forms.AnomalyActForm(request.POST)
        rows = {r.key: r for r in selectors.anomalies_for_action(actor=request.user, since=since)}
        row = rows.get(request.POST.get("key", ""))
        if row is None:
            messages.error(request, "该异常已不存在")
        elif form.is_valid():
            try:
                services.anomaly_act(
                    actor=request.user,
                    klass=row.klass,
                    key=row.key,
                    kind=row.kind,
                    description=row.description,
                    at=clock.now(),
                    **form.cleaned_data,
                )
                messages.success(request, "处理结果已记录")
            except ValidationError as exc:
                _errors(request, exc)
        else:
            messages.error(request, _form_errors(form))
        return redirect("supervision:anomalies")
    rows = selectors.anomalies_for_action(actor=request.user, since=since)
    return render(
        request,
        "supervision/anomalies.html",
        {
            "rows": rows,
            "evaluation_rows": evaluation_selectors.anomalies(actor=request.user, since=since),
            "form": forms.AnomalyActForm(),
            "since": since,
            "days": days,
            "can_inspect": can(request.user, Cap.INSPECT_INSTITUTIONS),
        },
    )


@allows(Cap.SUPERVISE_CITY)
def anomaly_counts(request):
    """The count of anomalies awaiting action for the city dashboard, loaded after the dashboard
    itself (the count works each class's records out, like the list)."""
    from datetime import timedelta

    since = clock.today() - timedelta(days=90)
    counts = selectors.anomaly_counts(actor=request.user, since=since)
    counts["evaluation"] = len(evaluation_selectors.anomalies(actor=request.user, since=since))
    return render(request, "supervision/_anomaly_counts.html", {"counts": counts, "since": since})


# --- trainee survey -----------------------------------------------------------------------------------------
@allows(Cap.ENROL_IN_TRAINING)
def surveys(request):
    return render(
        request, "supervision/surveys.html", {"enrolments": selectors.surveys_due(actor=request.user)}
    )


@allows(Cap.ENROL_IN_TRAINING)
def survey(request, pk: int):
    enrolment = selectors.enrolment_for_survey(actor=request.user, pk=pk)
    form = forms.SurveyForm()
    if request.method == "POST":
        form = forms.SurveyForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.survey_submit(
                    actor=request.user,
                    enrolment=enrolment,
                    answers={k: data[k] for k, _ in services.QUESTIONS},
                    fee_paid=data["fee_paid"],
                    comment=data["comment"],
                    at=clock.now(),
                )
                messages.success(request, "感谢您的评价")
                return redirect("supervision:surveys")
            except ValidationError as exc:
                _errors(request, exc)
    return render(request, "supervision/survey.html", {"enrolment": enrolment, "form": form})


# --- public: fee disclosure [P5.3b] -------------------------------------------------------------------------
def fees(request):
    return render(request, "supervision/fees.html", {"institutions": selectors.fee_disclosure()})
