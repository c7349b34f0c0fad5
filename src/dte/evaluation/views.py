"""Level-assessment pages [P3.3] and title records [P4.2]: thin views over the services."""

from __future__ import annotations

import io

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from dte import clock
from dte.accounts.permissions import Cap, allows, can
from dte.evaluation import forms, selectors, services
from dte.evaluation.models import LevelCertificate, Registration
from dte.training import documents
from dte.training.selectors import certificates_for
from dte.training.tables import read_table
from dte.training.views import attempt
from dte.web.forms import add_form_errors


@allows(Cap.SIGNED_IN)
def dashboard(request):
    u = request.user
    ctx = {
        "registrations": selectors.registrations_for(actor=u),
        "certificates": selectors.level_certificates_for(actor=u)[:50],
        "registrable": selectors.registrable_certificates(actor=u)
        if can(u, Cap.MANAGE_INSTITUTION)
        else None,
        "is_body": can(u, Cap.MANAGE_EVALUATION),
        "is_city": can(u, Cap.SUPERVISE_CITY),
    }
    return render(request, "evaluation/dashboard.html", ctx)


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
            "back": reverse("evaluation:dashboard"),
        },
    )


@allows(Cap.SIGNED_IN)
def registration_detail(request, pk: int):
    reg = selectors.registration_for(actor=request.user, pk=pk)
    outcome = services.conditions.check(services.declaration(reg))
    return render(
        request,
        "evaluation/registration.html",
        {
            "reg": reg,
            "outcome": outcome,
            "is_body": can(request.user, Cap.MANAGE_EVALUATION),
            "scores_form": forms.ScoresForm(
                initial={
                    "theory_score": reg.theory_score,
                    "ability_score": reg.ability_score,
                    "exam_date": reg.exam_date or clock.today(),
                }
            ),
            "certificate": LevelCertificate.objects.filter(registration=reg).first(),
        },
    )


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
    if not form.is_valid():
        messages.error(request, "成绩应为0至100的整数,并填写考核日期")
    else:
        attempt(
            request,
            lambda: services.scores_record(
                actor=request.user, registration=reg, at=clock.now(), **form.cleaned_data
            ),
            "成绩已登记。",
        )
    return redirect("evaluation:registration", pk=pk)


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


@allows(Cap.MANAGE_EVALUATION)
def results_import(request):
    """Upload results (XLSX or CSV) [P3.3]: all or nothing, every bad row listed."""
    from dte.training.forms import UploadForm

    form = UploadForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        f = form.cleaned_data["file"]
        try:
            rows = read_table(content=f.read(), filename=f.name, required=services.RESULT_COLUMNS)
            report = services.results_import(actor=request.user, rows=rows, filename=f.name, at=clock.now())
        except ValidationError as exc:
            add_form_errors(form, exc)
    return render(
        request,
        "training/import_result.html",
        {
            "title": "导入考核成绩",
            "form": form,
            "report": report,
            "columns": services.RESULT_COLUMNS,
            "back": reverse("evaluation:dashboard"),
        },
        status=422 if report is not None and not report.ok else 200,
    )


def _xlsx_response(header: list[str], rows: list[list], filename: str) -> HttpResponse:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    response = HttpResponse(
        buf.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@allows(Cap.MANAGE_EVALUATION)
def results_template(request):
    """The accepted registrations awaiting scores, as the XLSX to fill in."""
    regs = selectors.registrations_for(actor=request.user).filter(status=Registration.Status.ACCEPTED)
    rows = [[r.pk, r.person.id_number, r.person.name, None, None, None] for r in regs]
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
    return render(request, "evaluation/verify.html", {"cert": selectors.certificate_by_code(code=code)})


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
