import io
import json
from datetime import date
from unittest import mock

import pytest
from openpyxl import load_workbook

from dte.catalog.models import Institution
from dte.core.bounds import IMPORT_BYTES_MAX
from dte.training import checkin
from dte.training.models import Attendance, Enrolment, TrainingCertificate, TrainingPlan
from tests.training import helpers as h


@pytest.fixture
def frozen():
    """Pages ask the one clock; freeze it inside the first session of the running class."""
    now = h.local(2025, 4, 7, 9, 5)
    with (
        mock.patch("dte.core.clock.now", return_value=now),
        mock.patch("dte.core.clock.today", return_value=now.date()),
    ):
        yield now


@pytest.fixture
def enrolling():
    """The clock during the enrolment period."""
    now = h.local(2025, 3, 20, 10)
    with (
        mock.patch("dte.core.clock.now", return_value=now),
        mock.patch("dte.core.clock.today", return_value=now.date()),
    ):
        yield now


def test_the_public_catalogue_lists_classes_of_plans_on_file_with_the_published_fee(client, klass, frozen):
    html = client.get("/training/").content.decode()
    assert "2025年第1期" in html and "杭州电子科技大学" in html and "2,800元/人" in html
    assert "<strong>20</strong> / 20 人" in html


def test_a_draft_plan_does_not_appear_in_the_catalogue(client, institution_staff, frozen):
    h.draft_plan(institution_staff)
    assert "培训计划" not in client.get("/training/").content.decode().split("<tbody>")[1]


def test_the_institution_page_lists_its_published_fees(client, klass, frozen):
    inst = Institution.objects.get(name="杭州电子科技大学")
    html = client.get(f"/institutions/{inst.pk}/").content.decode()
    assert "温培备2025-0001" in html and "2,800元/人" in html and "2025年第1期" in html


def test_a_trainee_applies_from_the_class_page(client_as, trainee, klass, enrolling):
    c = client_as(trainee)
    r = c.post(f"/training/classes/{klass.pk}/apply/", {"category": "freelancer", "job": "独立数据分析"})
    assert r.status_code == 302
    assert Enrolment.objects.get(klass=klass).category == "freelancer"
    assert "已报名" in c.get("/training/me/").content.decode()


def test_an_incomplete_application_shows_the_reason(client_as, trainee, klass, enrolling):
    r = client_as(trainee).post(f"/training/classes/{klass.pk}/apply/", {"category": "in_post"})
    assert r.status_code == 422 and "工作单位和岗位" in r.content.decode()


def test_the_institution_drafts_and_submits_a_plan_and_the_city_files_it_through_the_pages(
    client, institution_staff, city_officer, frozen
):
    from dte.catalog.models import EvaluationBody, Level, Occupation

    client.force_login(institution_staff)
    r = client.post(
        "/training/plans/new/",
        {
            "occupation": Occupation.objects.get(code="2-02-10-11").pk,
            "level": Level.objects.get(code="junior").pk,
            "title": "大数据工程技术人员初级培训",
            "hours_theory_offline": 40,
            "hours_theory_online": 24,
            "hours_practice_offline": 64,
            "hours_practice_online": 0,
            "start_date": "2025-05-01",
            "end_date": "2025-07-31",
            "mode": "blended",
            "place": "温州",
            "capacity": 40,
            "fee": 3000,
            "evaluation_body": EvaluationBody.objects.get(code="DEMO-EVAL-01").pk,
            "assessment_plan": "机考+实操",
        },
    )
    plan = TrainingPlan.objects.get()
    assert r.status_code == 302 and plan.total_hours == 128
    client.post(f"/training/plans/{plan.pk}/submit/")
    client.force_login(city_officer)
    assert "大数据工程技术人员初级培训" in client.get("/training/plans/").content.decode()
    client.post(f"/training/plans/{plan.pk}/file/")
    plan.refresh_from_db()
    assert plan.status == TrainingPlan.Status.ON_FILE


def test_a_plan_below_the_standard_hours_is_refused_on_the_page(client_as, institution_staff, frozen):
    from dte.catalog.models import EvaluationBody, Level, Occupation

    r = client_as(institution_staff).post(
        "/training/plans/new/",
        {
            "occupation": Occupation.objects.get(code="2-02-10-11").pk,
            "level": Level.objects.get(code="junior").pk,
            "title": "x",
            "hours_theory_offline": 10,
            "hours_theory_online": 0,
            "hours_practice_offline": 10,
            "hours_practice_online": 0,
            "start_date": "2025-05-01",
            "end_date": "2025-07-31",
            "mode": "online",
            "capacity": 40,
            "fee": 3000,
            "evaluation_body": EvaluationBody.objects.get(code="DEMO-EVAL-01").pk,
            "assessment_plan": "机考",
        },
    )
    assert r.status_code == 200 and "标准学时 128" in r.content.decode()


def test_another_institution_cannot_see_our_class_roster(client_as, other_staff, klass):
    assert client_as(other_staff).get(f"/training/classes/{klass.pk}/manage/").status_code == 403


def test_a_trainee_cannot_open_staff_pages(client_as, trainee, klass):
    assert client_as(trainee).get("/training/plans/").status_code == 403


def test_the_session_page_shows_a_qr_code_that_opens_the_check_in_page(
    client, running, institution_staff, trainee, frozen
):
    _klass, enrolment, (s1, _, _) = running
    client.force_login(institution_staff)
    html = client.get(f"/training/sessions/{s1.pk}/").content.decode()
    assert f"/training/sessions/{s1.pk}/qr/in.png" in html
    png = client.get(f"/training/sessions/{s1.pk}/qr/in.png")
    assert png["Content-Type"] == "image/png" and png["Cache-Control"] == "no-store"
    import zxingcpp
    from PIL import Image

    url = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.content)))[0].text
    token = checkin.token_for(session_id=s1.pk, action="in", at=frozen)
    assert url == f"http://testserver/training/checkin/{s1.pk}/in/{token}/"
    client.force_login(trainee)
    path = url.removeprefix("http://testserver")
    assert "确认签到" in client.get(path).content.decode()
    r = client.post(path)
    assert r.status_code == 200 and "签到成功:09:05:00" in r.content.decode()
    assert Attendance.objects.get(enrolment=enrolment).source == Attendance.Source.QR


def test_a_check_in_page_refuses_a_person_not_on_the_roster(client_as, running, outsider, frozen):
    _, _, (s1, _, _) = running
    token = checkin.token_for(session_id=s1.pk, action="in", at=frozen)
    r = client_as(outsider).post(f"/training/checkin/{s1.pk}/in/{token}/")
    assert r.status_code == 422 and "不在该班次已审核的学员花名册中" in r.content.decode()


def test_scanning_while_signed_out_leads_to_the_login_page(client, running, frozen):
    _, _, (s1, _, _) = running
    r = client.get(f"/training/checkin/{s1.pk}/in/abc/")
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]


def test_online_records_upload_lists_every_bad_line(client_as, running, institution_staff, trainee, frozen):
    klass, _, (_, _, s3) = running
    content = (
        "身份证号,姓名,课次编号,开始时间,结束时间\n"
        f"{trainee.person.id_number},陈晓明,{s3.pk},2025-04-09 19:00,2025-04-09 20:00\n"
        f"{trainee.person.id_number},陈晓明,999999,2025-04-09 19:00,2025-04-09 20:00\n"
    ).encode()
    f = io.BytesIO(content)
    f.name = "online.csv"
    r = client_as(institution_staff).post(f"/training/classes/{klass.pk}/online-import/", {"file": f})
    assert r.status_code == 422
    html = r.content.decode()
    assert "<td>3</td><td>课次编号「999999」不是本班次的课次</td>" in html
    assert not Attendance.objects.exists()


def test_an_online_records_file_over_the_size_limit_is_refused_unread(client_as, running, institution_staff):
    klass, _, _ = running
    f = io.BytesIO(b"x" * (IMPORT_BYTES_MAX + 1))
    f.name = "online.csv"
    r = client_as(institution_staff).post(f"/training/classes/{klass.pk}/online-import/", {"file": f})
    assert "文件大小超过 20 MB 上限,未导入任何记录;请拆分后分批上传" in r.content.decode()
    assert r.context["report"] is None and not Attendance.objects.exists()


def test_the_certificate_pdf_and_the_public_verification_page(client, running, institution_staff, trainee):
    klass, enrolment, sessions = running
    cert = h.certified(institution_staff, klass, enrolment, sessions)
    client.force_login(trainee)
    pdf = client.get(f"/training/certificates/{cert.pk}/pdf/")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    client.logout()
    html = client.get(f"/training/verify/{cert.code}/").content.decode()
    assert "证书有效" in html and "陈*明" in html and "陈晓明" not in html
    assert client.get(f"/training/verify/{cert.code}/qr.png")["Content-Type"] == "image/png"
    assert client.get("/training/verify/not-a-code/").status_code == 404


def test_a_revoked_certificate_shows_revoked_on_verification(client, running, institution_staff):
    klass, enrolment, sessions = running
    cert = h.certified(institution_staff, klass, enrolment, sessions)
    client.force_login(institution_staff)
    client.post(f"/training/certificates/{cert.pk}/revoke/", {"reason": "冒名参训"})
    cert.refresh_from_db()
    assert cert.status == TrainingCertificate.Status.REVOKED
    client.logout()
    assert "证书已撤销" in client.get(f"/training/verify/{cert.code}/").content.decode()


def test_the_trainee_page_shows_hours_certificates_and_ce_statement(
    client_as, running, institution_staff, trainee
):
    klass, enrolment, sessions = running
    h.certified(institution_staff, klass, enrolment, sessions)
    c = client_as(trainee)
    html = c.get("/training/me/").content.decode()
    assert "WZPX2025000001" in html and "2025 年:专业科目 5.0 学时" in html
    statement = c.get("/training/me/ce/2025/").content.decode()
    assert "2025 年度继续教育专业科目学时证明" in statement and "[P4.1]" in statement


def test_events_are_public(client, city_officer):
    client.force_login(city_officer)
    client.post(
        "/training/events/new/",
        {
            "kind": "forum",
            "title": "数字经济技术人才论坛",
            "starts_on": "2099-05-01",
            "ends_on": "2099-05-01",
            "place": "温州",
            "organiser": "市人社局",
            "description": "以会促育",
        },
    )
    client.logout()
    assert "数字经济技术人才论坛" in client.get("/training/events/").content.decode()


# --- the JSON API --------------------------------------------------------------------------------
def test_the_api_walks_a_plan_to_file_and_refuses_a_class_before(
    client, institution_staff, city_officer, frozen
):
    client.force_login(institution_staff)
    body = {
        "occupation": "2-02-10-09",
        "level": "junior",
        "evaluation_body": "DEMO-EVAL-01",
        "title": "AI 初级",
        "hours_theory_offline": 4,
        "hours_practice_offline": 4,
        "start_date": "2025-05-01",
        "end_date": "2025-06-30",
        "place": "温州",
        "capacity": 10,
        "fee": 1000,
        "assessment_plan": "机考",
    }
    r = client.post("/api/training/plans", json.dumps(body), content_type="application/json")
    assert r.status_code == 201
    pk = r.json()["id"]
    klass = {
        "name": "1期",
        "start_date": "2025-05-05",
        "end_date": "2025-05-30",
        "enrol_by": "2025-05-01",
        "capacity": 5,
    }
    r = client.post(f"/api/training/plans/{pk}/classes", json.dumps(klass), content_type="application/json")
    assert r.status_code == 422 and "[P3.1]" in r.json()["errors"][0]["message"]
    client.post(f"/api/training/plans/{pk}/submit")
    client.force_login(city_officer)
    assert client.post(f"/api/training/plans/{pk}/file").json()["status"] == "on_file"
    client.force_login(institution_staff)
    r = client.post(f"/api/training/plans/{pk}/classes", json.dumps(klass), content_type="application/json")
    assert r.status_code == 201 and r.json()["fee"] == 1000


def test_the_api_refuses_another_institution(client, other_staff, plan):
    client.force_login(other_staff)
    assert client.post(f"/api/training/plans/{plan.pk}/submit").status_code == 403


@pytest.fixture
def after_online():
    """The clock the morning after the online session: online records are imported once they have
    happened [P2.3]."""
    now = h.local(2025, 4, 10, 9)
    with (
        mock.patch("dte.core.clock.now", return_value=now),
        mock.patch("dte.core.clock.today", return_value=now.date()),
    ):
        yield now


def test_online_records_by_api_are_all_or_nothing_and_idempotent(
    client, running, institution_staff, trainee, after_online
):
    klass, _enrolment, (_, _, s3) = running
    client.force_login(institution_staff)
    good = {
        "id_number": trainee.person.id_number,
        "name": "陈晓明",
        "session_id": s3.pk,
        "start": "2025-04-09 19:00",
        "end": "2025-04-09 20:00",
    }
    bad = {**good, "name": "别人"}
    url = f"/api/training/classes/{klass.pk}/online-records"
    r = client.post(url, json.dumps([good, bad]), content_type="application/json")
    assert r.status_code == 422 and r.json()["errors"] == [
        {"line": 2, "reason": "姓名「别人」与实名信息不一致"}
    ]
    assert not Attendance.objects.exists()
    for expected in ({"created": 1, "unchanged": 0}, {"created": 0, "unchanged": 1}):
        r = client.post(url, json.dumps([good]), content_type="application/json")
        assert r.status_code == 200 and {k: r.json()[k] for k in expected} == expected
    assert Attendance.objects.get().source == Attendance.Source.API


def test_the_roster_api_reports_hours_and_risk(client, running, institution_staff):
    klass, enrolment, (s1, _, _) = running
    h.attend_fully(institution_staff, s1, enrolment)
    client.force_login(institution_staff)
    with mock.patch("dte.core.clock.now", return_value=h.local(2025, 4, 30, 12)):
        row = client.get(f"/api/training/classes/{klass.pk}/roster").json()[0]
    assert (row["theory_hours"], row["theory_required"], row["at_risk"]) == ("2.0", "3.0", True)


def test_the_public_verification_api_masks_the_holder(client, running, institution_staff):
    klass, enrolment, sessions = running
    cert = h.certified(institution_staff, klass, enrolment, sessions)
    data = client.get(f"/api/training/verify/{cert.code}").json()
    assert data["holder"] == "陈*明" and data["status"] == "valid"


def test_the_city_exports_title_records(client_as, city_officer, reference):
    r = client_as(city_officer).get("/evaluation/titles/export.xlsx")
    ws = load_workbook(io.BytesIO(r.content)).active
    assert [c.value for c in ws[1]][:6] == ["姓名", "身份证号", "职业", "等级", "等级证书编号", "职称"]


def test_enrol_deadline_is_shown(client, klass, frozen):
    assert date(2025, 4, 5).strftime("%Y-%m-%d") in client.get("/training/").content.decode()
