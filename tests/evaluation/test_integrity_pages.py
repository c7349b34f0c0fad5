"""The level assessment pages [P3.3]: the score import shows a preview and writes only on
confirmation; a refused exam date stays beside its field; an application may insist."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from dte.accounts.models import ImportJob
from dte.audit.models import AuditEntry
from dte.core.bounds import IMPORT_BYTES_MAX
from dte.evaluation import imports, services
from dte.evaluation.models import LevelCertificate, Registration
from tests.training import helpers as h

REG_AT = h.local(2025, 5, 10, 10)
CHECK_AT = h.local(2025, 5, 12, 10)


@pytest.fixture
def certificate(institution_staff, city_officer, trainee):
    plan = h.filed_plan(institution_staff, city_officer)
    klass = h.open_class(institution_staff, plan)
    enrolment = h.admit(institution_staff, klass, trainee)
    sessions = h.add_sessions(institution_staff, klass)
    h.start(institution_staff, city_officer, klass)
    return h.certified(institution_staff, klass, enrolment, sessions)


@pytest.fixture
def accepted(institution_staff, evaluation_staff, certificate):
    reg = services.registration_create(
        actor=institution_staff, certificate=certificate, education="bachelor", at=REG_AT
    )
    return services.registration_check(actor=evaluation_staff, registration=reg, accept=True, at=CHECK_AT)


@pytest.fixture
def uploads(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    return tmp_path / "uploads" / "evaluation-results"


def kept_status(token: str) -> str:
    return ImportJob.objects.get(pk=int(token)).status


def results_file(rows) -> SimpleUploadedFile:
    wb = Workbook()
    ws = wb.active
    ws.append(services.RESULT_COLUMNS)
    for r in rows:
        ws.append(list(r))
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile("results.xlsx", buf.getvalue())


def test_the_upload_shows_a_preview_and_only_the_confirmation_records_and_issues(
    client_as, evaluation_staff, accepted, trainee, uploads
):
    client = client_as(evaluation_staff)
    url = reverse("evaluation:results_import")
    upload = results_file([(accepted.pk, trainee.person.id_number, "陈晓明", 82, 77, "2025-06-01")])
    page = client.post(url, {"file": upload})
    html = page.content.decode()
    assert page.status_code == 200
    assert "预览:将登记 1 条成绩,将颁发 1 张证书" in html and "登记成绩并颁发专业技术等级证书" in html
    accepted.refresh_from_db()
    assert accepted.theory_score is None and not LevelCertificate.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="evaluation.results").exists()
    token = page.context["token"]
    assert kept_status(token) == "kept" and not uploads.exists()  # kept encrypted, no plain file

    done = client.post(url, {"token": token, "action": "confirm"})
    assert done.status_code == 200
    assert "导入完成:登记成绩 1 条,颁发专业技术等级证书 1 张" in done.content.decode()
    accepted.refresh_from_db()
    assert accepted.status == Registration.Status.CERTIFIED and LevelCertificate.objects.count() == 1
    assert kept_status(token) == "done"

    again = client.post(url, {"token": token, "action": "confirm"})  # the same confirmation twice
    assert again.status_code == 422 and "预览已失效或已导入" in again.content.decode()
    assert LevelCertificate.objects.count() == 1


def test_a_token_of_another_session_is_refused(
    client, client_as, evaluation_staff, accepted, trainee, uploads, django_user_model
):
    first = client_as(evaluation_staff)
    upload = results_file([(accepted.pk, trainee.person.id_number, "陈晓明", 82, 77, "2025-06-01")])
    token = first.post(reverse("evaluation:results_import"), {"file": upload}).context["token"]
    first.logout()
    second = client_as(evaluation_staff)  # a fresh session of the same account
    page = second.post(reverse("evaluation:results_import"), {"token": token, "action": "confirm"})
    assert page.status_code == 422 and not LevelCertificate.objects.exists()


def test_cancelling_the_preview_writes_nothing_and_drops_the_file(
    client_as, evaluation_staff, accepted, trainee, uploads
):
    client = client_as(evaluation_staff)
    url = reverse("evaluation:results_import")
    upload = results_file([(accepted.pk, trainee.person.id_number, "陈晓明", 82, 77, "2025-06-01")])
    token = client.post(url, {"file": upload}).context["token"]
    page = client.post(url, {"token": token, "action": "cancel"}, follow=True)
    assert "已取消导入,未写入任何成绩" in page.content.decode()
    assert kept_status(token) == "failed" and not LevelCertificate.objects.exists()
    assert bytes(ImportJob.objects.get(pk=token).content) == b""  # the file erased


def test_a_preview_with_a_bad_row_lists_it_and_offers_no_confirmation(
    client_as, evaluation_staff, accepted, trainee, uploads
):
    client = client_as(evaluation_staff)
    upload = results_file([(accepted.pk, trainee.person.id_number, "陈晓明", 82, 77, "2099-06-01")])
    page = client.post(reverse("evaluation:results_import"), {"file": upload})
    html = page.content.decode()
    assert page.status_code == 422 and "考核日期2099-06-01晚于今天" in html
    assert "import-confirm" not in html and "token" not in page.context
    assert not ImportJob.objects.filter(kind=imports.KEPT).exists()


def test_an_oversized_results_file_is_refused_with_the_limit_and_changes_nothing(
    client_as, evaluation_staff, accepted, uploads
):
    upload = SimpleUploadedFile("results.xlsx", b"x" * (IMPORT_BYTES_MAX + 1))
    page = client_as(evaluation_staff).post(reverse("evaluation:results_import"), {"file": upload})
    assert page.status_code == 422
    assert page.context["form"].errors["file"] == ["文件大小超过 20 MB 上限,未导入任何成绩;请拆分后分批上传"]
    assert "plan" not in page.context and "token" not in page.context
    assert not ImportJob.objects.filter(kind=imports.KEPT).exists()
    accepted.refresh_from_db()
    assert accepted.theory_score is None and not LevelCertificate.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="evaluation.results").exists()


def test_an_exam_date_in_the_future_entered_by_hand_stays_beside_its_field(
    client_as, evaluation_staff, accepted
):
    page = client_as(evaluation_staff).post(
        reverse("evaluation:registration_scores", args=[accepted.pk]),
        {"theory_score": 80, "ability_score": 80, "exam_date": "2099-01-01"},
    )
    assert page.status_code == 422
    assert page.context["scores_form"].errors["exam_date"][0].startswith("考核日期2099-01-01晚于今天")
    accepted.refresh_from_db()
    assert accepted.theory_score is None


def test_the_registration_page_refuses_an_application_that_fails_the_conditions_and_accepts_an_insisted_one(
    client_as, institution_staff, city_officer, certificate
):
    client = client_as(institution_staff)
    url = reverse("evaluation:register", args=[certificate.pk])
    data = {
        "education": "associate",
        "title_held": "none",
        "years_in_occupation": 0,
        "education_related": "on",
    }
    page = client.post(url, data)
    assert page.status_code == 200 and "不符合申报条件" in page.content.decode()
    assert not Registration.objects.exists()
    page = client.post(url, {**data, "insist": "on", "insist_reason": "有两年相关工作经历"})
    reg = Registration.objects.get()
    assert page.status_code == 302 and reg.insisted
    city = client_as(city_officer).get(reverse("evaluation:dashboard")).content.decode()
    assert "仍坚持申报" in city and "有两年相关工作经历" in city


def test_a_session_keeps_at_most_five_previews_the_oldest_giving_way(
    client_as, evaluation_staff, accepted, trainee, uploads
):
    client = client_as(evaluation_staff)
    url = reverse("evaluation:results_import")
    row = (accepted.pk, trainee.person.id_number, "陈晓明", 82, 77, "2025-06-01")
    tokens = [client.post(url, {"file": results_file([row])}).context["token"] for _ in range(6)]
    kept = ImportJob.objects.filter(kind=imports.KEPT, status="kept").values_list("pk", flat=True)
    assert sorted(map(str, kept)) == sorted(tokens[1:])
    assert client.post(url, {"token": tokens[0], "action": "confirm"}).status_code == 422
    assert client.post(url, {"token": tokens[5], "action": "confirm"}).status_code == 200
    assert LevelCertificate.objects.count() == 1


def test_the_api_refuses_an_exam_date_in_the_future_with_the_field(client_as, evaluation_staff, accepted):
    r = client_as(evaluation_staff).post(
        f"/api/evaluation/registrations/{accepted.pk}/scores",
        {"theory_score": 80, "ability_score": 80, "exam_date": "2099-01-01"},
        content_type="application/json",
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "exam_date"
    assert r.json()["errors"][0]["message"].startswith("考核日期2099-01-01晚于今天")
    accepted.refresh_from_db()
    assert accepted.theory_score is None
