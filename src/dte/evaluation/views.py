"""Level-assessment pages [P3.3] and title records [P4.2]: thin views over the services."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from dte.accounts import jobs
from dte.core import clock, lists
from dte.core.forms import add_form_errors
from dte.core.permissions import Cap, allows, can
from dte.core.spreadsheet import xlsx_bytes
from dte.evaluation import forms, imports, results_file, selectors, services
from dte.evaluation.models import LevelCertificate, Registration
from dte.evaluation.tasks import run_results_import, run_results_preview
from dte.training import documents
from dte.training.selectors import certificates_for
from dte.training.tables import read_table
from dte.training.views import attempt
from dte.training.views.certificates import CERTIFICATE_NOT_FOUND

REGISTRATION_LIST = lists.ListSpec(
    columns=(
        lists.Column("id", "编号", ("pk",)),
        lists.Column("person", "申报人", ("person__name",)),
        lists.Column("occupation", "职业 · 等级", ("occupation__name", "level__code")),
        lists.Column("institution", "培训机构", ("institution__name",)),
        lists.Column("body", "评价机构", ("evaluation_body__name",)),
        lists.Column("scores", "成绩(理论/能力)"),
        lists.Column("registered", "申报时间", ("registered_at",)),
        lists.Column("status", "状态", ("status",)),
    ),
    default=("-pk",),
    filters=(
        lists.Choice("status", "状态", "status", Registration.Status.choices),
        lists.DateRange("registered", "申报日期", "registered_at__date"),
        lists.Text("q", "申报人或机构", ("person__name", "institution__name", "occupation__name")),
    ),
    export_name="registrations",
)


@allows(Cap.SIGNED_IN)
def dashboard(request):
    u = request.user
    listing = lists.Listing(REGISTRATION_LIST, request.GET)
    registrations = listing.sorted(selectors.registrations_for(actor=u))
    if listing.export:
        return _registrations_export(request, listing, registrations)
    status = request.GET.get("status", "")
    ctx = {
        "registrations": listing.paginate(registrations),
        "listing": listing,
        "status_label": Registration.Status(status).label if status in Registration.Status.values else "",
        "certificates": selectors.level_certificates_for(actor=u)[:50],
        "registrable": selectors.registrable_certificates(actor=u)
        if can(u, Cap.MANAGE_INSTITUTION)
        else None,
        "is_body": can(u, Cap.MANAGE_EVALUATION),
        "is_city": can(u, Cap.SUPERVISE_CITY),
        "insisted": selectors.insisted_registrations(actor=u)[:100] if can(u, Cap.SUPERVISE_CITY) else None,
    }
    return render(request, "evaluation/dashboard.html", ctx)


def _registration_line(r: Registration) -> list:
    scores = f"{_score(r.theory_score)} / {_score(r.ability_score)}"
    registered = timezone.localtime(r.registered_at).strftime("%Y-%m-%d %H:%M")
    what = f"{r.occupation.name} · {r.level.name}"
    return [r.pk, r.person.name, what, r.institution.name, r.evaluation_body.name, scores, registered]


def _score(value) -> str:
    return "—" if value is None else str(value)


def _registrations_export(request, listing, registrations):
    """The current filter's registrations (applicants' names): the download is audited."""
    header, rows = lists.export_table(
        listing, registrations, lambda r: [*_registration_line(r), r.get_status_display()]
    )
    today = timezone.localdate(clock.now())
    response = lists.xlsx_response(header, rows, stem="registrations", on=today)
    name = response["Content-Disposition"].split('"')[1]
    filters = {k: v for k, v in request.GET.items() if k not in ("export", "page") and v}
    services.registrations_exported(
        actor=request.user, file=name, rows=len(rows), filters=filters, at=clock.now()
    )
    return response


@allows(Cap.MANAGE_INSTITUTION)
def register(request, certificate_pk: int):
    cert = get_object_or_404(certificates_for(actor=request.user), pk=certificate_pk)
    form = forms.RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            reg = services.registration_create(
                actor=request.user, certificate=cert, at=clock.now(), **form.cleaned_data
            )
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            messages.success(request, f"已向{reg.evaluation_body.name}申报等级考核。")
            return redirect("evaluation:registration", pk=reg.pk)
    return render(
        request,
        "training/form_page.html",
        {
            "form": form,
            "title": f"申报等级考核:{cert.person.name} · {cert.occupation.name} {cert.level.name} [P3.3]",
            "lead": "所填情况不满足该等级的申报条件时,申报将被退回并说明原因;如确认符合条件,"
            "可勾选「坚持申报」并填写理由,申报仍提交评价机构,并标记报市人力社保局。",
            "back": reverse("evaluation:dashboard"),
        },
    )


def _registration_page(request, reg: Registration, scores_form=None, status: int = 200):
    outcome = services.conditions.check(services.declaration(reg))
    return render(
        request,
        "evaluation/registration.html",
        {
            "reg": reg,
            "outcome": outcome,
            "is_body": can(request.user, Cap.MANAGE_EVALUATION),
            "scores_form": scores_form
            or forms.ScoresForm(
                initial={
                    "theory_score": reg.theory_score,
                    "ability_score": reg.ability_score,
                    "exam_date": reg.exam_date or clock.today(),
                }
            ),
            "certificate": LevelCertificate.objects.filter(registration=reg).first(),
        },
        status=status,
    )


@allows(Cap.SIGNED_IN)
def registration_detail(request, pk: int):
    return _registration_page(request, selectors.registration_for(actor=request.user, pk=pk))


@require_POST
@allows(Cap.MANAGE_EVALUATION)
def registration_check(request, pk: int):
    reg = selectors.registration_for(actor=request.user, pk=pk)
    accept = request.POST.get("accept") == "1"
    attempt(
        request,
        lambda: services.registration_check(
            actor=request.user,
            registration=reg,
            accept=accept,
            note=request.POST.get("note", ""),
            at=clock.now(),
        ),
        "条件审核通过。" if accept else "已退回:不符合申报条件。",
    )
    return redirect("evaluation:registration", pk=pk)


@require_POST
@allows(Cap.MANAGE_EVALUATION)
def registration_scores(request, pk: int):
    reg = selectors.registration_for(actor=request.user, pk=pk)
    form = forms.ScoresForm(request.POST)
    if form.is_valid():
        try:
            services.scores_record(actor=request.user, registration=reg, at=clock.now(), **form.cleaned_data)
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            messages.success(request, "成绩已登记。")
            return redirect("evaluation:registration", pk=pk)
    # The refused scores stay on the page with the reason beside the field (nothing was written).
    return _registration_page(request, reg, scores_form=form, status=422)


@require_POST
@allows(Cap.MANAGE_EVALUATION)
def registration_issue(request, pk: int):
    reg = selectors.registration_for(actor=request.user, pk=pk)
    attempt(
        request,
        lambda: services.level_certificate_issue(actor=request.user, registration=reg, at=clock.now()),
        "专业技术等级证书已颁发。",
    )
    return redirect("evaluation:registration", pk=pk)


# The uploaded results file waits on the server between the preview and the confirmation, encrypted,
# as an import job awaiting confirmation (dte.evaluation.imports.results_keep), whose number only the
# uploader's session lists; nothing is written before the confirmation.
RESULTS_SESSION_KEY = "evaluation_results_kept"
RESULTS_PENDING_MAX = 5


def _keep_upload(request, content: bytes, filename: str, rows: int) -> str:
    at = clock.now()
    job = imports.results_keep(actor=request.user, filename=filename, content=content, rows=rows, at=at)
    pending = _pending(request)
    while len(pending) >= RESULTS_PENDING_MAX:  # the oldest previews of this session give way
        imports.results_drop(actor=request.user, kept=pending.pop(0), at=at)
    request.session[RESULTS_SESSION_KEY] = [*pending, job.pk]
    return str(job.pk)


def _pending(request) -> list[int]:
    kept = request.session.get(RESULTS_SESSION_KEY, [])
    return [k for k in kept if isinstance(k, int)] if isinstance(kept, list) else []


def _kept_upload(request, token: str) -> int | None:
    """The kept file this session previewed under ``token``."""
    pk = int(token) if token.isdigit() and len(token) < 19 else None
    return pk if pk in _pending(request) else None


def _forget_upload(request, pk: int) -> None:
    request.session[RESULTS_SESSION_KEY] = [k for k in _pending(request) if k != pk]


@allows(Cap.MANAGE_EVALUATION)
def results_import(request):
    """Upload results (XLSX or CSV) [P3.3] in two steps: the upload shows a preview (将登记 N 条成绩,
    将颁发 N 张证书, row by row, every bad row listed) and writes nothing; the scores are recorded and
    the certificates issued only when the body confirms. All or nothing."""
    ctx: dict = {"columns": services.RESULT_COLUMNS, "back": reverse("evaluation:dashboard")}
    status = 200
    token = request.POST.get("token", "") if request.method == "POST" else ""
    if token:
        form = forms.ResultsUploadForm()
        kept = _kept_upload(request, token)
        if kept is None:
            ctx["errors"] = ["预览已失效或已导入,请重新上传文件"]
            status = 422
        elif request.POST.get("action") == "cancel":
            imports.results_drop(actor=request.user, kept=kept, at=clock.now())
            _forget_upload(request, kept)
            messages.info(request, "已取消导入,未写入任何成绩。")
            return redirect("evaluation:results_import")
        else:
            try:
                report = imports.results_confirm(actor=request.user, kept=kept, at=clock.now())
            except ValidationError as exc:
                ctx["errors"] = exc.messages
                status = 422
            else:
                if report is None:  # expired, or confirmed meanwhile in another tab
                    _forget_upload(request, kept)
                    ctx["errors"] = ["预览已失效或已导入,请重新上传文件"]
                    status = 422
                else:
                    ctx["report"] = report
                    if report.ok:
                        _forget_upload(request, kept)
                    else:  # something changed since the preview: nothing was written
                        status = 422
    else:
        form = forms.ResultsUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            f = form.cleaned_data["file"]
            content = f.read()
            try:
                rows = read_table(content=content, filename=f.name, required=services.RESULT_COLUMNS)
                if jobs.runs_in_background(len(rows)):  # a long file: previewed by a job
                    job = imports.results_preview_queue(
                        actor=request.user, filename=f.name, content=content, rows=len(rows), at=clock.now()
                    )
                    run_results_preview(job.pk)
                    return redirect("web:job", pk=job.pk)
                plan = results_file.results_preview(actor=request.user, rows=rows, at=clock.now())
            except ValidationError as exc:
                add_form_errors(form, exc)
                status = 422
            else:
                ctx["plan"] = plan
                if not plan.report.ok:
                    status = 422
                elif plan.to_record or plan.to_issue:
                    ctx["token"] = _keep_upload(request, content, f.name, len(rows))
                    ctx["filename"] = f.name
        elif request.method == "POST":
            status = 422
    ctx["form"] = form
    ctx["jobs"] = imports.results_jobs(actor=request.user)[:10]
    ctx["background_rows"] = jobs.BACKGROUND_ROWS
    return render(request, "evaluation/results_import.html", ctx, status=status)


@require_POST
@allows(Cap.MANAGE_EVALUATION)
def results_job_confirm(request, pk: int):
    """The confirmation of a long file's preview (a background job): the file is imported by a
    second job, whose page shows its progress and result."""
    try:
        job = imports.results_import_queue(actor=request.user, preview_id=pk, at=clock.now())
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        if not jobs.jobs_for(actor=request.user).filter(pk=pk).exists():
            raise Http404 from None
        return redirect("web:job", pk=pk)
    run_results_import(job.pk)
    return redirect("web:job", pk=job.pk)


def _xlsx_response(header: list[str], rows: list[list], filename: str) -> HttpResponse:
    """One sheet through dte.core.spreadsheet: formula-like text (a name "=HYPERLINK(…)") stays text."""
    response = HttpResponse(
        xlsx_bytes(header, rows, title="Sheet"),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@allows(Cap.MANAGE_EVALUATION)
def results_template(request):
    """The accepted registrations awaiting scores, as the XLSX to fill in."""
    regs = selectors.registrations_for(actor=request.user).filter(status=Registration.Status.ACCEPTED)
    rows = [[r.pk, r.person.id_number, r.person.name, None, None, None] for r in regs]
    services.results_template_exported(actor=request.user, rows=len(rows), at=clock.now())
    return _xlsx_response(services.RESULT_COLUMNS, rows, "results-template.xlsx")


# --- level certificates --------------------------------------------------------------------------
@allows(Cap.SIGNED_IN)
def certificate_detail(request, pk: int):
    cert = selectors.level_certificate_for(actor=request.user, pk=pk)
    can_revoke = cert.status == LevelCertificate.Status.VALID and (
        can(request.user, Cap.FILE_TRAINING_PLANS)
        or (
            can(request.user, Cap.MANAGE_EVALUATION)
            and request.user.evaluation_body_id == cert.evaluation_body_id
        )
    )
    return render(request, "evaluation/certificate.html", {"cert": cert, "can_revoke": can_revoke})


@allows(Cap.SIGNED_IN)
def certificate_pdf(request, pk: int):
    cert = selectors.level_certificate_for(actor=request.user, pk=pk)
    doc = documents.CertificateDoc(
        heading="专业技术等级证书",
        number=cert.number,
        holder_name=cert.person.name,
        holder_id_masked=cert.person.masked_id_number,
        body=(
            f"{cert.person.name}同志经{cert.evaluation_body.name}考核,理论知识考试和专业能力考核成绩均合格,"
            f"准予取得{cert.occupation.name}{cert.level.name}专业技术等级。"
        ),
        facts=[
            ("职业", f"{cert.occupation.name}({cert.occupation.code})"),
            ("等级", cert.level.name),
            ("理论知识考试", f"{cert.theory_score} 分"),
            ("专业能力考核", f"{cert.ability_score} 分"),
        ],
        issuer=cert.evaluation_body.name,
        issued_on=cert.issued_on,
        verify_url=request.build_absolute_uri(reverse("evaluation:verify", args=[cert.code])),
        revoked=cert.status == LevelCertificate.Status.REVOKED,
    )
    response = HttpResponse(documents.certificate_pdf(doc), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{cert.number}.pdf"'
    return response


@require_POST
@allows(Cap.SIGNED_IN)
def certificate_revoke(request, pk: int):
    cert = selectors.level_certificate_for(actor=request.user, pk=pk)
    attempt(
        request,
        lambda: services.level_certificate_revoke(
            actor=request.user, certificate=cert, reason=request.POST.get("reason", ""), at=clock.now()
        ),
        "证书已撤销。",
    )
    return redirect("evaluation:certificate", pk=pk)


def verify(request, code: str):
    """Public verification of a 专业技术等级证书: status and the holder's masked name [P3.3]."""
    try:
        cert = selectors.certificate_by_code(code=code)
    except Http404:
        raise Http404(CERTIFICATE_NOT_FOUND) from None
    return render(request, "evaluation/verify.html", {"cert": cert})


def verify_qr(request, code: str):
    cert = selectors.certificate_by_code(code=code)
    url = request.build_absolute_uri(reverse("evaluation:verify", args=[cert.code]))
    return HttpResponse(documents.qr_png(url), content_type="image/png")


# --- titles [P4.2] -----------------------------------------------------------------------------
@allows(Cap.SUPERVISE_CITY)
def titles(request):
    return render(request, "evaluation/titles.html", {"titles": selectors.titles_for(actor=request.user)})


@allows(Cap.SUPERVISE_CITY)
def titles_export(request):
    rows = [
        [
            t.person.name,
            t.person.masked_id_number,
            t.certificate.occupation.name,
            t.certificate.level.name,
            t.certificate.number,
            t.title,
            t.get_route_display(),
            t.recognised_on.isoformat(),
            "作废" if t.void else "有效",
        ]
        for t in selectors.titles_for(actor=request.user)
    ]
    header = ["姓名", "身份证号", "职业", "等级", "等级证书编号", "职称", "方式", "认定日期", "状态"]
    return _xlsx_response(header, rows, f"titles-{timezone.localdate(clock.now()).isoformat()}.xlsx")
