"""Continuing-education hours [P4.1]: the trainee's statement as a PDF beside the printable page, and
the city's table of CE hours by year and occupation, exported as CSV or XLSX."""

import csv
import io
import shutil
import subprocess

import pytest
from openpyxl import load_workbook

from dte.audit.models import AuditEntry
from dte.training import services
from tests.training import helpers as h


@pytest.fixture
def certified(running, institution_staff):
    klass, enrolment, sessions = running
    return h.certified(institution_staff, klass, enrolment, sessions)


def pdf_text(pdf: bytes) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) missing: scripts/ensure-fonts installs it")
    return subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()


def test_the_trainee_downloads_the_ce_statement_as_a_pdf_with_the_embedded_chinese_font(
    client_as, trainee, certified
):
    c = client_as(trainee)
    assert "/training/me/ce/2025/pdf/" in c.get("/training/me/ce/2025/").content.decode()
    r = c.get("/training/me/ce/2025/pdf/")
    assert r["Content-Type"] == "application/pdf" and r.content.startswith(b"%PDF")
    assert b"/FontFile2" in r.content or b"/FontFile3" in r.content
    text = pdf_text(r.content)
    assert "2025 年度继续教育专业科目学时证明" in text
    assert "陈晓明" in text and certified.number in text and "5.0" in text and "[P4.1]" in text


def test_a_year_without_credits_says_so_in_the_pdf(client_as, trainee, certified):
    text = pdf_text(client_as(trainee).get("/training/me/ce/2024/pdf/").content)
    assert "本年度暂无登记学时" in text and certified.number not in text


def test_a_revoked_certificates_hours_leave_the_statement(client_as, trainee, institution_staff, certified):
    services.certificate_revoke(actor=institution_staff, certificate=certified, reason="学时造假", at=h.AT)
    text = pdf_text(client_as(trainee).get("/training/me/ce/2025/pdf/").content)
    assert certified.number not in text


def test_only_trainees_have_a_ce_statement(client_as, institution_staff, certified):
    assert client_as(institution_staff).get("/training/me/ce/2025/pdf/").status_code == 403


def test_the_city_sees_ce_hours_by_year_and_occupation(client_as, city_officer, certified):
    c = client_as(city_officer)
    html = c.get("/training/ce-hours/?year=2025").content.decode()
    assert certified.number in html and "人工智能工程技术人员" in html and "330302********" in html
    html = c.get("/training/ce-hours/?year=2025&occupation=2-02-10-11").content.decode()
    assert certified.number not in html
    assert certified.number not in c.get("/training/ce-hours/?year=2024").content.decode()


def test_the_city_exports_ce_hours_as_csv_and_xlsx_and_each_export_is_audited(
    client_as, city_officer, trainee, certified
):
    c = client_as(city_officer)
    r = c.get("/training/ce-hours/?year=2025&occupation=2-02-10-09&format=csv")
    assert r["Content-Type"].startswith("text/csv")
    assert 'filename="ce-hours-2025-2-02-10-09.csv"' in r["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["年度", "姓名", "身份证号"]
    assert rows[1][:3] == ["2025", "陈晓明", trainee.person.id_number] and rows[1][-1] == "5.0"
    r = c.get("/training/ce-hours/?year=2025&format=xlsx")
    ws = load_workbook(io.BytesIO(r.content)).active
    assert ws.cell(2, 8).value == certified.number and ws.cell(2, 10).value == 5.0
    entries = AuditEntry.objects.filter(action="training.ce_credit.export", actor=city_officer)
    assert [e.changes["format"] for e in entries.order_by("id")] == ["csv", "xlsx"]
    assert entries.first().changes["rows"] == 1


def test_the_auditor_may_export_and_an_institution_may_not(client_as, auditor, institution_staff, certified):
    assert client_as(auditor).get("/training/ce-hours/?year=2025&format=csv").status_code == 200
    assert client_as(institution_staff).get("/training/ce-hours/?year=2025").status_code == 403
