"""Training certificates: public verification, the certificate page and PDF, revocation [P3.2]."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from dte.core import clock
from dte.core.permissions import Cap, allows, can
from dte.training import documents, selectors, services
from dte.training.models import TrainingCertificate
from dte.training.views.common import attempt

# What the public reads when a certificate-check code matches no certificate (training or level).
CERTIFICATE_NOT_FOUND = "未找到该证书,可能为伪造,请核实"


def verify(request, code: str):
    """Public verification of a 培训合格证书: status and the holder's masked name only [P3.2]."""
    try:
        cert = selectors.certificate_by_code(code=code)
    except Http404:
        raise Http404(CERTIFICATE_NOT_FOUND) from None
    return render(request, "training/verify.html", {"cert": cert})


def verify_qr(request, code: str):
    cert = selectors.certificate_by_code(code=code)
    url = request.build_absolute_uri(reverse("training:verify", args=[cert.code]))
    return HttpResponse(documents.qr_png(url), content_type="image/png")


@allows(Cap.SIGNED_IN)
def certificate_detail(request, pk: int):
    cert = selectors.certificate_for(actor=request.user, pk=pk)
    can_revoke = cert.status == TrainingCertificate.Status.VALID and (
        can(request.user, Cap.FILE_TRAINING_PLANS)
        or (can(request.user, Cap.MANAGE_INSTITUTION) and request.user.institution_id == cert.institution_id)
    )
    return render(
        request,
        "training/certificate.html",
        {
            "cert": cert,
            "can_revoke": can_revoke,
            "exceptions": selectors.certificate_exceptions(actor=request.user, certificate=cert),
        },
    )


def training_period(klass) -> str:
    """The class's training period as printed on the certificate: 2025年4月7日至2025年4月30日."""
    start, end = klass.start_date, klass.end_date
    return f"{start.year}年{start.month}月{start.day}日至{end.year}年{end.month}月{end.day}日"


def training_certificate_doc(request, cert: TrainingCertificate) -> documents.CertificateDoc:
    klass = cert.enrolment.klass
    plan = klass.plan
    return documents.CertificateDoc(
        heading="培训合格证书",
        number=cert.number,
        holder_name=cert.person.name,
        holder_id_masked=cert.person.masked_id_number,
        body=(
            f"{cert.person.name}同志于{training_period(klass)}参加{cert.institution.name}举办的"
            f"{cert.occupation.name}"
            f"({cert.level.name}{'·' + plan.direction if plan.direction else ''})培训,完成规定学时和内容,"
            "经结业考核合格,特发此证。"
        ),
        facts=[
            ("职业(工种)", f"{cert.occupation.name}({cert.occupation.code})"),
            ("等级", cert.level.name),
            ("培训学时", f"理论 {cert.theory_hours} 学时,实操 {cert.practice_hours} 学时"),
            ("培训班次", klass.name),
            ("培训期间", training_period(klass)),
        ],
        issuer=cert.institution.name,
        issued_on=cert.issued_on,
        verify_url=request.build_absolute_uri(reverse("training:verify", args=[cert.code])),
        revoked=cert.status == TrainingCertificate.Status.REVOKED,
    )


@allows(Cap.SIGNED_IN)
def certificate_pdf(request, pk: int):
    cert = selectors.certificate_for(actor=request.user, pk=pk)
    pdf = documents.certificate_pdf(training_certificate_doc(request, cert))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{cert.number}.pdf"'
    return response


@require_POST
@allows(Cap.SIGNED_IN)
def certificate_revoke(request, pk: int):
    cert = selectors.certificate_for(actor=request.user, pk=pk)
    attempt(
        request,
        lambda: services.certificate_revoke(
            actor=request.user, certificate=cert, reason=request.POST.get("reason", ""), at=clock.now()
        ),
        "证书已撤销。",
    )
    return redirect("training:certificate", pk=pk)
