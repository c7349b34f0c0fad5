"""A long results file [P3.3] runs as background jobs (dte.accounts.jobs): a preview job checks every
row and writes nothing; its confirmation imports the file by a second job, which ends with the
records of the request path, once; a bad row changes nothing and is listed."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from dte.accounts import jobs
from dte.accounts.models import ImportJob, Role
from dte.accounts.services import account_create
from dte.audit.models import AuditEntry
from dte.catalog.models import EvaluationBody
from dte.evaluation import imports, services
from dte.evaluation.models import LevelCertificate, Registration
from dte.evaluation.tasks import run_results_import
from tests.training import helpers as h

REG_AT = h.local(2025, 5, 10, 10)
CHECK_AT = h.local(2025, 5, 12, 10)


@pytest.fixture
def accepted(institution_staff, city_officer, evaluation_staff, trainee):
    plan = h.filed_plan(institution_staff, city_officer)
    klass = h.open_class(institution_staff, plan)
    enrolment = h.admit(institution_staff, klass, trainee)
    sessions = h.add_sessions(institution_staff, klass)
    h.start(institution_staff, city_officer, klass)
    certificate = h.certified(institution_staff, klass, enrolment, sessions)
    reg = services.registration_create(
        actor=institution_staff, certificate=certificate, education="bachelor", at=REG_AT
    )
    return services.registration_check(actor=evaluation_staff, registration=reg, accept=True, at=CHECK_AT)


@pytest.fixture(autouse=True)
def long_files(monkeypatch):
    """Every file counts as long: more rows than the threshold, lowered for the test."""
    monkeypatch.setattr(jobs, "BACKGROUND_ROWS", 0)


def results_file(rows) -> SimpleUploadedFile:
    wb = Workbook()
    ws = wb.active
    ws.append(services.RESULT_COLUMNS)
    for r in rows:
        ws.append(list(r))
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile("results.xlsx", buf.getvalue())


def test_a_long_file_is_previewed_by_a_job_and_its_confirmation_imports_it_once(
    client_as, evaluation_staff, accepted, trainee
):
    client = client_as(evaluation_staff)
    upload = results_file([(accepted.pk, trainee.person.id_number, "陈晓明", 82, 77, "2025-06-01")])
    page = client.post(reverse("evaluation:results_import"), {"file": upload})
    preview = ImportJob.objects.get()
    assert page.status_code == 302 and page["Location"] == reverse("web:job", args=[preview.pk])
    assert (preview.kind, preview.status, preview.rows_done, preview.rows_total) == (
        imports.PREVIEW,
        "done",
        1,
        1,
    )
    assert preview.summary[:2] == [["将登记成绩", 1], ["将颁发专业技术等级证书", 1]]
    accepted.refresh_from_db()
    assert accepted.theory_score is None and not LevelCertificate.objects.exists()  # a preview writes nothing
    html = client.get(page["Location"]).content.decode()
    assert "将登记成绩:1" in html and "确认导入:登记 1 条成绩,颁发 1 张证书" in html

    confirm = reverse("evaluation:results_job_confirm", args=[preview.pk])
    done = client.post(confirm)
    job = ImportJob.objects.get(kind=imports.IMPORT)
    assert done["Location"] == reverse("web:job", args=[job.pk])
    assert (job.status, job.params, job.sha256) == ("done", {"preview": preview.pk}, preview.sha256)
    assert job.summary == [["登记成绩", 1], ["颁发专业技术等级证书", 1], ["未变化", 0]]
    accepted.refresh_from_db()
    assert accepted.status == Registration.Status.CERTIFIED and LevelCertificate.objects.count() == 1
    assert AuditEntry.objects.filter(action="evaluation.results.import").count() == 1

    entries = AuditEntry.objects.count()
    again = client.post(confirm)  # the same confirmation twice: the same job, nothing more
    assert again["Location"] == done["Location"] and ImportJob.objects.count() == 2
    assert run_results_import.call_local(job.pk) == "skipped"
    assert LevelCertificate.objects.count() == 1 and AuditEntry.objects.count() == entries


def test_a_bad_row_in_a_long_file_changes_nothing_lists_the_row_and_offers_no_confirmation(
    client_as, evaluation_staff, accepted, trainee
):
    client = client_as(evaluation_staff)
    upload = results_file([(accepted.pk, trainee.person.id_number, "陈晓明", 82, 77, "2099-06-01")])
    page = client.post(reverse("evaluation:results_import"), {"file": upload})
    preview = ImportJob.objects.get()
    assert preview.status == "failed" and preview.errors[0][0] == 2 and not preview.next_url
    html = client.get(page["Location"]).content.decode()
    assert "文件未导入:以下行有误" in html and "考核日期2099-06-01晚于今天" in html and "job-next" not in html
    refused = client.post(reverse("evaluation:results_job_confirm", args=[preview.pk]), follow=True)
    assert "不能确认导入" in refused.content.decode()
    assert ImportJob.objects.count() == 1 and not LevelCertificate.objects.exists()
    accepted.refresh_from_db()
    assert accepted.theory_score is None


def test_another_evaluation_body_cannot_see_or_confirm_the_preview(
    client_as, evaluation_staff, accepted, trainee
):
    client = client_as(evaluation_staff)
    upload = results_file([(accepted.pk, trainee.person.id_number, "陈晓明", 82, 77, "2025-06-01")])
    client.post(reverse("evaluation:results_import"), {"file": upload})
    preview = ImportJob.objects.get()
    body = EvaluationBody.objects.create(code="OTHER-EVAL", name="另一评价机构")
    other = account_create(
        username="other_body",
        password="Correct-Horse-2026",
        role=Role.EVALUATION_STAFF,
        evaluation_body=body,
        at=REG_AT,
        display_name="other_body",
    )
    client = client_as(other)
    assert client.get(reverse("web:job", args=[preview.pk])).status_code == 404
    assert client.get(reverse("web:job_progress", args=[preview.pk])).status_code == 404
    assert client.post(reverse("evaluation:results_job_confirm", args=[preview.pk])).status_code == 404
    assert ImportJob.objects.count() == 1
