import re
import shutil
import subprocess
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from dte.training import documents, services
from dte.training.models import ContinuingEducationCredit, Enrolment, TrainingCertificate
from tests.training import helpers as h


def test_a_certificate_before_the_required_hours_are_met_is_refused(running, institution_staff):
    _klass, enrolment, (s1, _s2, _s3) = running
    h.attend_fully(institution_staff, s1, enrolment)
    with pytest.raises(
        ValidationError, match=re.escape("未完成规定学时(理论学时 2/3、实操学时 0/2),不能记录结业考核 [P3.2]")
    ):
        services.completion_assess(
            actor=institution_staff, enrolment=enrolment, passed=True, at=h.local(2025, 5, 6)
        )
    with pytest.raises(
        ValidationError,
        match=re.escape(
            "结业考核未通过或尚未考核;未完成规定学时(理论学时 2/3、实操学时 0/2),不能颁发培训合格证书 [P3.2]"
        ),
    ):
        services.certificate_issue(actor=institution_staff, enrolment=enrolment, at=h.local(2025, 5, 6))
    assert not TrainingCertificate.objects.exists()


def test_a_certificate_needs_a_passed_completion_assessment(running, institution_staff):
    _klass, enrolment, sessions = running
    for s in sessions:
        h.attend_fully(institution_staff, s, enrolment)
    with pytest.raises(ValidationError, match="结业考核未通过或尚未考核"):
        services.certificate_issue(actor=institution_staff, enrolment=enrolment, at=h.local(2025, 5, 6))
    services.completion_assess(
        actor=institution_staff, enrolment=enrolment, passed=False, at=h.local(2025, 5, 6)
    )
    with pytest.raises(ValidationError, match="结业考核未通过"):
        services.certificate_issue(actor=institution_staff, enrolment=enrolment, at=h.local(2025, 5, 6))


def test_the_certificate_has_a_number_and_the_hours_become_continuing_education_for_that_year(
    running, institution_staff
):
    klass, enrolment, sessions = running
    cert = h.certified(institution_staff, klass, enrolment, sessions)
    assert cert.number == "WZPX2025000001" and len(cert.code) >= 16
    assert (cert.theory_hours, cert.practice_hours) == (3, 2)
    assert cert.occupation.code == "2-02-10-09" and cert.level.code == "junior"
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.COMPLETED
    credit = ContinuingEducationCredit.objects.get(person=enrolment.person)
    assert (credit.year, credit.hours, credit.void) == (2025, 5, False)
    with pytest.raises(ValidationError, match="已取得"):
        services.certificate_issue(actor=institution_staff, enrolment=enrolment, at=h.local(2025, 5, 7))


def test_another_institution_cannot_issue_or_revoke_our_certificates(running, institution_staff, other_staff):
    _klass, enrolment, sessions = running
    for s in sessions:
        h.attend_fully(institution_staff, s, enrolment)
    services.completion_assess(
        actor=institution_staff, enrolment=enrolment, passed=True, at=h.local(2025, 5, 6)
    )
    with pytest.raises(PermissionDenied):
        services.certificate_issue(actor=other_staff, enrolment=enrolment, at=h.local(2025, 5, 6))
    cert = services.certificate_issue(actor=institution_staff, enrolment=enrolment, at=h.local(2025, 5, 6))
    with pytest.raises(PermissionDenied):
        services.certificate_revoke(actor=other_staff, certificate=cert, reason="x", at=h.AT)


def test_revocation_keeps_the_record_and_voids_the_continuing_education_credit(running, institution_staff):
    klass, enrolment, sessions = running
    cert = h.certified(institution_staff, klass, enrolment, sessions)
    with pytest.raises(ValidationError, match="撤销理由"):
        services.certificate_revoke(actor=institution_staff, certificate=cert, reason="", at=h.AT)
    cert = services.certificate_revoke(
        actor=institution_staff, certificate=cert, reason="考勤记录造假", at=h.local(2025, 6, 1)
    )
    assert cert.status == TrainingCertificate.Status.REVOKED and cert.revoke_reason == "考勤记录造假"
    assert TrainingCertificate.objects.filter(pk=cert.pk).exists()
    assert ContinuingEducationCredit.objects.get(certificate=cert).void


def test_the_certificate_pdf_embeds_a_chinese_font_and_its_text_reads_back(running, institution_staff):
    klass, enrolment, sessions = running
    cert = h.certified(institution_staff, klass, enrolment, sessions)
    doc = documents.CertificateDoc(
        heading="培训合格证书",
        number=cert.number,
        holder_name="陈晓明",
        holder_id_masked="330302********0112",
        body="学员完成人工智能工程技术人员(初级)培训,考核合格,特发此证。",
        facts=[("培训学时", "5.0 学时")],
        issuer="杭州电子科技大学",
        issued_on=date(2025, 5, 6),
        verify_url="http://testserver/v/x",
    )
    pdf = documents.certificate_pdf(doc)
    assert pdf.startswith(b"%PDF") and (b"/FontFile2" in pdf or b"/FontFile3" in pdf)
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) missing: scripts/ensure-fonts installs it")
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    assert "培训合格证书" in text and "陈晓明" in text and "杭州电子科技大学" in text and cert.number in text


def test_qr_codes_are_real_images_of_the_url():
    png = documents.qr_png("https://example.org/training/verify/abc/")
    assert png.startswith(b"\x89PNG")
    assert documents.qr_svg("https://example.org/x").lstrip().startswith("<")
