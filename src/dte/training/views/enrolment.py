"""Enrolment: applying, admission, enrolment on behalf, withdrawal, drop-out, the completion
assessment, the certificate and the record exceptions [P2.3], [P3.2], [P4.3]."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from dte.accounts import jobs
from dte.core import clock, lists
from dte.core.forms import add_form_errors
from dte.core.permissions import Cap, allows, can
from dte.training import forms, selectors, services
from dte.training.models import Enrolment
from dte.training.services import bulk_enrolment
from dte.training.tasks import run_enrolment_import, run_enrolment_preview
from dte.training.views.common import attempt, enrolment_closed, error_text


@allows(Cap.ENROL_IN_TRAINING)
def apply(request, pk: int):
    klass = selectors.public_class(pk=pk)
    form = forms.ApplyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.enrolment_apply(actor=request.user, klass=klass, at=clock.now(), **form.cleaned_data)
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            messages.success(request, "报名已提交,请等待培训机构审核录取。")
            return redirect("training:me")
    return render(
        request,
        "training/class_public.html",
        {
            "klass": klass,
            "plan": klass.plan,
            "mine": None,
            "form": form,
            "can_apply": True,
            "closed": enrolment_closed(klass, clock.today()),
            "sessions": klass.sessions.all(),
        },
        status=422 if request.method == "POST" else 200,
    )


def _enrolment_for(request, pk: int) -> Enrolment:
    e = get_object_or_404(Enrolment.objects.select_related("klass__plan"), pk=pk)
    selectors.class_for(actor=request.user, pk=e.klass_id)  # scope check
    return e


@require_POST
@allows(Cap.MANAGE_INSTITUTION)
def enrolment_admit(request, pk: int):
    e = _enrolment_for(request, pk)
    attempt(
        request,
        lambda: services.enrolment_admit(actor=request.user, enrolment=e, at=clock.now()),
        f"已录取 {e.person.name}。",
    )
    return redirect("training:class_manage", pk=e.klass_id)


@require_POST
@allows(Cap.MANAGE_INSTITUTION)
def enrolment_refuse(request, pk: int):
    e = _enrolment_for(request, pk)
    attempt(
        request,
        lambda: services.enrolment_refuse(
            actor=request.user, enrolment=e, reason=request.POST.get("reason", ""), at=clock.now()
        ),
        f"已不予录取 {e.person.name}。",
    )
    return redirect("training:class_manage", pk=e.klass_id)


@require_POST
@allows(Cap.MANAGE_INSTITUTION)
def enrolments_decide(request, pk: int):
    """The ticked applicants admitted, or refused with one reason, all or none."""
    klass = selectors.class_for(actor=request.user, pk=pk)
    ids = [int(v) for v in request.POST.getlist("enrolment") if v.isascii() and v.isdigit() and len(v) <= 12]
    admit = request.POST.get("decision") == "admit"
    attempt(
        request,
        lambda: services.enrolments_decide(
            actor=request.user,
            klass=klass,
            enrolment_ids=ids,
            admit=admit,
            reason=request.POST.get("reason", ""),
            at=clock.now(),
        ),
        f"已{'录取' if admit else '不予录取'} {len(set(ids))} 名报名者。",
    )
    return redirect("training:class_manage", pk=klass.pk)


@allows(Cap.MANAGE_INSTITUTION)
def enrol_bulk_template(request, pk: int):
    """The empty XLSX template of enrolment on behalf (no personal data in it)."""
    klass = selectors.class_for(actor=request.user, pk=pk)
    example = ["", "", "", Enrolment.Category.IN_POST.label, "", "", "", ""]
    return lists.xlsx_response(
        bulk_enrolment.COLUMNS, [example], stem=f"enrolment-template-{klass.pk}", on=clock.today()
    )


@allows(Cap.MANAGE_INSTITUTION)
def enrol_bulk(request, pk: int):
    """Upload → preview with every row's errors (nothing written) → confirm: all rows or none."""
    klass = selectors.class_for(actor=request.user, pk=pk)
    ctx = {
        "klass": klass,
        "columns": bulk_enrolment.COLUMNS,
        "max_rows": bulk_enrolment.ROWS_MAX,
        "background_rows": jobs.BACKGROUND_ROWS,
        "jobs": bulk_enrolment.enrolment_jobs(actor=request.user, klass=klass)[:10],
    }
    if request.method != "POST":
        return render(request, "training/enrol_bulk.html", ctx)
    confirm = "kept" in request.POST
    kept = None
    try:
        if confirm:
            results = bulk_enrolment.enrolments_confirm(
                actor=request.user, klass=klass, kept=_number(request.POST["kept"]), at=clock.now()
            )
        else:
            f = request.FILES.get("file")
            if f is None:
                raise ValidationError({"file": "请选择要上传的文件"})
            content = f.read()
            rows = len(bulk_enrolment.file_rows(content=content, filename=f.name))
            if jobs.runs_in_background(rows):  # a long file: previewed by a job, its page shows the progress
                job = bulk_enrolment.enrolments_preview_queue(
                    actor=request.user,
                    klass=klass,
                    filename=f.name,
                    content=content,
                    rows=rows,
                    at=clock.now(),
                )
                run_enrolment_preview(job.pk)
                return redirect("web:job", pk=job.pk)
            results, kept = bulk_enrolment.enrolments_preview(
                actor=request.user, klass=klass, filename=f.name, content=content, at=clock.now()
            )
    except ValidationError as exc:
        return render(request, "training/enrol_bulk.html", {**ctx, "error": error_text(exc)}, status=422)
    refused = [r for r in results if r.errors]
    if confirm and not refused:
        messages.success(request, f"已为 {len(results)} 人代报名并录取,花名册仍须经市人力社保局审核。")
        return redirect("training:class_manage", pk=klass.pk)
    ctx |= {"results": results, "refused": refused, "kept": kept, "confirmed": confirm}
    return render(request, "training/enrol_bulk.html", ctx, status=422 if refused else 200)


@require_POST
@allows(Cap.MANAGE_INSTITUTION)
def enrol_bulk_job_confirm(request, pk: int):
    """The confirmation of a long file's preview job: the file enrolled by an import job, whose page
    shows its progress and result."""
    try:
        job = bulk_enrolment.enrolments_import_queue(actor=request.user, preview_id=pk, at=clock.now())
    except ValidationError as exc:
        if not jobs.jobs_for(actor=request.user).filter(pk=pk, kind=bulk_enrolment.PREVIEW).exists():
            raise Http404 from None
        messages.error(request, exc.messages[0])
        return redirect("web:job", pk=pk)
    run_enrolment_import(job.pk)
    return redirect("web:job", pk=job.pk)


def _number(text: str) -> int:
    if not text.isdigit() or len(text) > 18:
        raise ValidationError({"file": "预览已过期、已导入或无效,请重新上传文件"})
    return int(text)


@allows(Cap.MANAGE_INSTITUTION)
def enrol_on_behalf(request, pk: int):
    """Staff enrol a real-name person found (or registered) by ID number [P4.3], [P2.3]."""
    klass = selectors.class_for(actor=request.user, pk=pk)
    form = forms.OnBehalfForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            e = services.enrolment_on_behalf(
                actor=request.user, klass=klass, at=clock.now(), **form.cleaned_data
            )
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            messages.success(request, f"已为 {e.person.name} 代报名并录取,花名册仍须经市人力社保局审核。")
            return redirect("training:class_manage", pk=klass.pk)
    return render(
        request,
        "training/form_page.html",
        {
            "form": form,
            "title": f"代学员报名:{klass.name}",
            "lead": "按身份证号码查找实名信息;尚未登记的人员请同时填写姓名,将一并实名登记 [P4.3]。"
            "代报名即录取,仍受不得录取到时间重叠班次的限制,并须经市人力社保局花名册审核 [P2.3]。",
            "back": reverse("training:class_manage", args=[klass.pk]),
        },
        status=422 if request.method == "POST" else 200,
    )


@require_POST
@allows(Cap.ENROL_IN_TRAINING)
def enrolment_withdraw(request, pk: int):
    e = selectors.enrolment_for(actor=request.user, pk=pk)
    attempt(
        request,
        lambda: services.enrolment_withdraw(
            actor=request.user, enrolment=e, reason=request.POST.get("reason", ""), at=clock.now()
        ),
        f"已撤回「{e.klass.name}」的报名。",
    )
    return redirect("training:me")


@require_POST
@allows(Cap.SIGNED_IN)
def enrolment_drop(request, pk: int):
    e = selectors.enrolment_for(actor=request.user, pk=pk)
    attempt(
        request,
        lambda: services.enrolment_drop(
            actor=request.user, enrolment=e, reason=request.POST.get("reason", ""), at=clock.now()
        ),
        f"已办理 {e.person.name} 的退学,已有考勤记录保留。",
    )
    if can(request.user, Cap.ENROL_IN_TRAINING):
        return redirect("training:me")
    return redirect("training:class_manage", pk=e.klass_id)


@require_POST
@allows(Cap.MANAGE_INSTITUTION)
def enrolment_assess(request, pk: int):
    e = _enrolment_for(request, pk)
    passed = request.POST.get("passed") == "1"
    attempt(
        request,
        lambda: services.completion_assess(
            actor=request.user, enrolment=e, passed=passed, note=request.POST.get("note", ""), at=clock.now()
        ),
        f"已记录 {e.person.name} 的结业考核:{'合格' if passed else '不合格'}。",
    )
    return redirect("training:class_manage", pk=e.klass_id)


@require_POST
@allows(Cap.MANAGE_INSTITUTION)
def enrolment_certify(request, pk: int):
    e = _enrolment_for(request, pk)
    attempt(
        request,
        lambda: services.certificate_issue(actor=request.user, enrolment=e, at=clock.now()),
        f"已为 {e.person.name} 颁发培训合格证书。",
    )
    return redirect("training:class_manage", pk=e.klass_id)


@require_POST
@allows(Cap.FILE_TRAINING_PLANS)
def enrolment_exception(request, pk: int):
    """The city allows one trainee an exception to the order of the record, with its reason [P3.2]."""
    e = _enrolment_for(request, pk)
    form = forms.RecordExceptionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择例外类型并填写理由(不超过500字)")
    else:
        attempt(
            request,
            lambda: services.record_exception_grant(
                actor=request.user, enrolment=e, at=clock.now(), **form.cleaned_data
            ),
            f"已为 {e.person.name} 办理例外:{dict(form.fields['kind'].choices)[form.cleaned_data['kind']]}。",
        )
    return redirect("training:class_manage", pk=e.klass_id)
