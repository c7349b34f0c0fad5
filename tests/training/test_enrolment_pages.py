"""Withdrawal, drop-out and enrolment on the trainee's behalf through the pages and the JSON API."""

import json
from unittest import mock

import pytest

from dte.demo.accounts import demo_id_number
from dte.training import services
from dte.training.models import Attendance, Enrolment
from tests.training import helpers as h


@pytest.fixture
def enrolling():
    now = h.local(2025, 3, 20, 10)
    with (
        mock.patch("dte.core.clock.now", return_value=now),
        mock.patch("dte.core.clock.today", return_value=now.date()),
    ):
        yield now


@pytest.fixture
def frozen():
    now = h.local(2025, 4, 7, 9, 5)
    with (
        mock.patch("dte.core.clock.now", return_value=now),
        mock.patch("dte.core.clock.today", return_value=now.date()),
    ):
        yield now


def test_a_trainee_withdraws_from_their_page_and_the_class_page_offers_to_apply_again(
    client_as, trainee, klass, enrolling
):
    e = h.apply(trainee, klass)
    c = client_as(trainee)
    assert "撤回报名" in c.get("/training/me/").content.decode()
    r = c.post(f"/training/enrolments/{e.pk}/withdraw/", {"reason": "工作安排冲突"})
    assert r.status_code == 302 and r["Location"] == "/training/me/"
    e.refresh_from_db()
    assert e.status == Enrolment.Status.WITHDRAWN
    html = c.get(f"/training/classes/{klass.pk}/").content.decode()
    assert "撤回本班次的报名" in html and "提交报名" in html


def test_a_trainee_cannot_withdraw_another_persons_application_by_url(
    client_as, trainee, outsider, klass, enrolling
):
    e = h.apply(trainee, klass)
    assert client_as(outsider).post(f"/training/enrolments/{e.pk}/withdraw/").status_code == 403
    e.refresh_from_db()
    assert e.status == Enrolment.Status.APPLIED


def test_staff_record_a_drop_out_on_the_roster_and_the_hours_stay(
    client_as, running, institution_staff, frozen
):
    klass, enrolment, (s1, _, _) = running
    h.attend_fully(institution_staff, s1, enrolment)
    c = client_as(institution_staff)
    assert "办理退学" in c.get(f"/training/classes/{klass.pk}/manage/").content.decode()
    c.post(f"/training/enrolments/{enrolment.pk}/drop/", {"reason": ""})
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.ADMITTED  # refused without a reason
    r = c.post(f"/training/enrolments/{enrolment.pk}/drop/", {"reason": "连续缺勤,本人确认退学"})
    assert r.status_code == 302
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.DROPPED
    html = c.get(f"/training/classes/{klass.pk}/manage/").content.decode()
    row = html.split('data-person="陈晓明"')[1].split("</tr>")[0]
    assert "已退学" in row and "连续缺勤,本人确认退学" in row and "2.0 / 3" in row
    assert Attendance.objects.filter(enrolment=enrolment).exists()


def test_staff_enrol_a_person_on_their_behalf_through_the_page(
    client_as, institution_staff, klass, enrolling
):
    c = client_as(institution_staff)
    assert "代学员报名" in c.get(f"/training/classes/{klass.pk}/manage/").content.decode()
    number = demo_id_number("330304", "19920214", 501)
    form = {"id_number": number, "category": "freelancer", "job": "独立开发者"}
    r = c.post(f"/training/classes/{klass.pk}/enrol/", form)
    assert r.status_code == 422 and "请填写姓名以登记" in r.content.decode()
    r = c.post(f"/training/classes/{klass.pk}/enrol/", {**form, "name": "吴思远"})
    assert r.status_code == 302
    e = Enrolment.objects.get(klass=klass)
    assert e.person.name == "吴思远" and e.status == Enrolment.Status.ADMITTED
    assert "机构代报名" in c.get(f"/training/classes/{klass.pk}/manage/").content.decode()


def test_a_trainee_cannot_open_the_enrol_on_behalf_page(client_as, trainee, klass):
    assert client_as(trainee).get(f"/training/classes/{klass.pk}/enrol/").status_code == 403


def test_the_api_enrols_on_behalf_withdraws_and_drops(
    client, institution_staff, city_officer, klass, trainee, make_person, enrolling
):
    client.force_login(institution_staff)
    person = make_person("王建国", seq=502)
    body = {"id_number": person.id_number, "category": "gig", "job": "外卖平台数据标注"}
    r = client.post(
        f"/api/training/classes/{klass.pk}/enrolments/on-behalf",
        json.dumps(body),
        content_type="application/json",
    )
    assert r.status_code == 201 and r.json()["status"] == "admitted" and r.json()["person"] == "王*国"
    staff_enrolment = r.json()["id"]

    client.force_login(trainee)
    e = h.apply(trainee, klass)
    r = client.post(
        f"/api/training/enrolments/{e.pk}/withdraw", json.dumps({}), content_type="application/json"
    )
    assert r.status_code == 200 and r.json()["status"] == "withdrawn"

    services.roster_submit(actor=institution_staff, klass=klass, at=h.AT)
    services.roster_review(actor=city_officer, klass=klass, approve=True, at=h.AT)
    client.force_login(institution_staff)
    url = f"/api/training/enrolments/{staff_enrolment}/drop"
    r = client.post(url, json.dumps({"reason": ""}), content_type="application/json")
    assert r.status_code == 422 and "退学理由" in json.dumps(r.json()["errors"], ensure_ascii=False)
    r = client.post(url, json.dumps({"reason": "本人书面申请退学"}), content_type="application/json")
    assert r.status_code == 200 and r.json()["status"] == "dropped"
