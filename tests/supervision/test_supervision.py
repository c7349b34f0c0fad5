"""Supervision of institutions [P2.3] and fee disclosure [P5.3b]."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from dte.audit.models import AuditEntry
from dte.demo.synthetic import Records
from dte.supervision import selectors, services
from dte.supervision.models import Inspection, SurveyResponse
from dte.training.models import Enrolment, TrainingClass
from tests.conftest import AT

pytestmark = pytest.mark.django_db
NOW = datetime(2025, 6, 2, 2, 0, tzinfo=UTC)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
ANSWERS = {"q_content": 5, "q_teachers": 4, "q_practice": 3, "q_organisation": 4, "q_overall": 4}


@pytest.fixture
def records(city_officer):
    return Records(user=city_officer, at=AT)


@pytest.fixture
def classes(records):
    """Twelve classes running in spring 2025 at two institutions, and one in 2024."""
    out = [
        records.klass(
            institution="杭州电子科技大学" if i % 2 else "浙江大学",
            start=date(2025, 3, 1) + timedelta(days=7 * i),
            end=date(2025, 5, 30),
        )
        for i in range(12)
    ]
    records.klass(start=date(2024, 3, 1), end=date(2024, 4, 1))
    return out


def _draw(actor, seed=None, size=4):
    return services.inspection_plan_draw(
        actor=actor,
        title="2025年春季不定期抽查",
        period_start=date(2025, 3, 1),
        period_end=date(2025, 6, 30),
        sample_size=size,
        seed=seed,
        at=NOW,
    )


# --- the draw -------------------------------------------------------------------------------------
def test_the_same_seed_and_candidates_always_give_the_same_draw():
    candidates = list(range(100, 160))
    first = services.draw(candidates=candidates, seed=20250602, size=5)
    assert services.draw(candidates=list(reversed(candidates)), seed=20250602, size=5) == first
    assert services.draw(candidates=candidates, seed=20250603, size=5) != first
    assert len(set(first)) == 5 and set(first) <= set(candidates)


def test_a_plan_records_its_seed_and_candidates_and_the_draw_reproduces(classes, city_officer):
    plan = _draw(city_officer, seed=42)
    assert plan.seed == 42
    assert plan.candidates == sorted(k.pk for k in classes)  # the 2024 class is outside the period
    assert plan.drawn == services.draw(candidates=plan.candidates, seed=42, size=4)
    assert selectors.draw_reproduces(plan=plan)
    assert [i.klass_id for i in selectors.drawn_inspections(actor=city_officer, plan=plan)] == plan.drawn
    assert AuditEntry.objects.filter(action="supervision.plan.draw", object_id=str(plan.pk)).exists()
    second = _draw(city_officer, seed=42)
    assert second.drawn == plan.drawn


def test_a_tampered_draw_no_longer_reproduces(classes, city_officer):
    plan = _draw(city_officer, seed=7)
    plan.drawn = list(reversed(plan.drawn))
    assert not selectors.draw_reproduces(plan=plan)


def test_without_a_seed_one_is_generated_and_recorded(classes, city_officer):
    plan = _draw(city_officer)
    assert plan.seed > 0 and selectors.draw_reproduces(plan=plan)


def test_only_the_city_bureau_draws(classes, auditor, county_reviewer):
    for actor in (auditor, county_reviewer):
        with pytest.raises(PermissionDenied):
            _draw(actor)


def test_a_period_without_classes_cannot_be_drawn(city_officer):
    with pytest.raises(ValidationError):
        _draw(city_officer)


# --- inspection records ---------------------------------------------------------------------------
@pytest.fixture
def inspection(classes, city_officer):
    plan = _draw(city_officer, seed=1)
    return Inspection.objects.get(plan=plan, klass_id=plan.drawn[0])


def test_an_inspection_records_findings_photos_and_follow_ups(inspection, city_officer):
    services.inspection_record(
        actor=city_officer,
        inspection=inspection,
        visited_on=date(2025, 6, 1),
        inspectors="林科长、周敏",
        present_count=17,
        observed_fee=2800,
        summary="实到17人,与签到表一致",
        at=NOW,
    )
    finding = services.finding_add(
        actor=city_officer,
        inspection=inspection,
        topic="records",
        severity="major",
        description="缺少5月教学日志",
        at=NOW,
    )
    photo = services.photo_add(
        actor=city_officer, inspection=inspection, filename="site.jpg", content=PNG, at=NOW
    )
    assert photo.content_type == "image/png"  # recognised by content, not by its name
    f = services.follow_up_add(
        actor=city_officer,
        inspection=inspection,
        finding=finding,
        action="补齐教学日志",
        due_on=date(2025, 6, 16),
        at=NOW,
    )
    assert selectors.follow_ups(actor=city_officer, open_only=True).get() == f
    services.follow_up_close(actor=city_officer, follow_up=f, note="已补齐并抽查核实", at=NOW)
    assert not selectors.follow_ups(actor=city_officer, open_only=True).exists()


def test_a_photo_that_is_not_an_image_is_refused_whatever_its_name(inspection, city_officer):
    with pytest.raises(ValidationError, match="JPEG"):
        services.photo_add(
            actor=city_officer,
            inspection=inspection,
            filename="photo.jpg",
            content=b"%PDF-1.4 not a photo",
            at=NOW,
        )


def test_a_follow_up_needs_a_deadline_in_the_future(inspection, city_officer):
    with pytest.raises(ValidationError):
        services.follow_up_add(
            actor=city_officer, inspection=inspection, action="整改", due_on=date(2025, 6, 1), at=NOW
        )


def test_an_institution_never_sees_a_planned_check_but_sees_the_recorded_one(
    inspection, city_officer, client_as
):
    from tests.training.helpers import staff_of

    owner = staff_of(inspection.klass.plan.institution.name, "owner_staff")
    assert not selectors.inspections(actor=owner).exists()
    services.inspection_record(
        actor=city_officer,
        inspection=inspection,
        visited_on=date(2025, 6, 1),
        inspectors="林",
        summary="正常",
        at=NOW,
    )
    assert list(selectors.inspections(actor=owner)) == [inspection]
    other = "浙江大学" if owner.institution.name == "杭州电子科技大学" else "杭州电子科技大学"
    assert not selectors.inspections(actor=staff_of(other, "other_staff")).exists()


# --- document requests ----------------------------------------------------------------------------
def test_an_institution_answers_a_document_request_with_a_checked_file(
    classes, city_officer, institution_staff
):
    req = services.document_request(
        actor=city_officer,
        institution=institution_staff.institution,
        items="2025年第1期签到表、教学日志",
        due_on=date(2025, 6, 10),
        at=NOW,
    )
    with pytest.raises(ValidationError):
        services.document_provide(
            actor=institution_staff, request=req, note="见附件", filename="a.pdf", content=b"MZ..", at=NOW
        )
    services.document_provide(
        actor=institution_staff,
        request=req,
        note="见附件",
        filename="签到表.pdf",
        content=b"%PDF-1.7 ...",
        at=NOW,
    )
    req.refresh_from_db()
    assert (req.status, req.response_content_type) == ("provided", "application/pdf")


def test_another_institution_cannot_answer(classes, city_officer, institution_staff):
    from tests.training.helpers import staff_of

    req = services.document_request(
        actor=city_officer,
        institution=institution_staff.institution,
        items="签到表",
        due_on=date(2025, 6, 10),
        at=NOW,
    )
    with pytest.raises(PermissionDenied):
        services.document_provide(actor=staff_of("浙江大学", "zju"), request=req, note="x", at=NOW)


# --- survey and quality ---------------------------------------------------------------------------
@pytest.fixture
def completed(records, trainee):
    klass = records.klass(start=date(2025, 4, 7), end=date(2025, 4, 30))
    return records.enrol(klass, trainee.person)


def test_a_trainee_answers_the_survey_once_after_completion(completed, trainee):
    services.survey_submit(actor=trainee, enrolment=completed, answers=ANSWERS, fee_paid=2800, at=NOW)
    with pytest.raises(ValidationError, match="重复"):
        services.survey_submit(actor=trainee, enrolment=completed, answers=ANSWERS, at=NOW)
    assert SurveyResponse.objects.count() == 1


def test_the_survey_waits_for_completion_and_takes_only_scores_from_one_to_five(records, completed, trainee):
    with pytest.raises(ValidationError):
        services.survey_submit(
            actor=trainee, enrolment=completed, answers={**ANSWERS, "q_overall": 6}, at=NOW
        )
    Enrolment.objects.filter(pk=completed.pk).update(status="admitted")
    with pytest.raises(ValidationError, match="结业后"):
        services.survey_submit(actor=trainee, enrolment=completed, answers=ANSWERS, at=NOW)


def test_nobody_answers_for_someone_else(completed, outsider):
    with pytest.raises(PermissionDenied):
        services.survey_submit(actor=outsider, enrolment=completed, answers=ANSWERS, at=NOW)


def test_the_class_score_combines_the_survey_and_the_findings(records, city_officer, make_person):
    klass = records.klass(start=date(2025, 4, 7), end=date(2025, 4, 30))
    from dte.accounts.models import Role
    from dte.accounts.services import account_create

    for i, overall in enumerate([5, 3]):
        person = make_person(f"学员{i}", seq=200 + i)
        user = account_create(
            username=f"s{i}", password="Correct-Horse-2026", role=Role.TRAINEE, person=person, at=AT
        )
        e = records.enrol(klass, person)
        services.survey_submit(actor=user, enrolment=e, answers={**ANSWERS, "q_overall": overall}, at=NOW)
    inspection = services.inspection_open(actor=city_officer, klass=klass, at=NOW)
    services.inspection_record(
        actor=city_officer,
        inspection=inspection,
        visited_on=date(2025, 4, 20),
        inspectors="林",
        summary="抽查",
        at=NOW,
    )
    services.finding_add(
        actor=city_officer, inspection=inspection, topic="teaching", severity="major", description="x", at=NOW
    )
    services.finding_add(
        actor=city_officer, inspection=inspection, topic="records", severity="minor", description="y", at=NOW
    )
    (q,) = selectors.class_quality(actor=city_officer)
    # survey: answers sum (5+4+3+4+5)+(5+4+3+4+3) = 40 over 10 answers → mean 4.0 → 75.0
    assert q.survey_score == 75 and q.responses == 2
    assert q.inspection_score == 80  # 100 − 15 − 5
    assert q.score == 77  # 0.6 × 75 + 0.4 × 80
    scores = selectors.institution_scores(actor=city_officer)
    assert scores["periods"] == ["2025Q2"]
    assert scores["series"] == {"杭州电子科技大学": [77]}


# --- fee disclosure [P5.3b] -----------------------------------------------------------------------
def test_every_institution_s_published_fees_are_public_with_flags(records, client):
    ok = records.klass(fee=2800, name="按公示收费班")
    dear = records.klass(fee=2800, class_fee=3500, name="超标准收费班")
    page = client.get("/supervision/fees/").content.decode()
    assert "杭州电子科技大学" in page and "浙江大学" in page  # institutions without plans are listed too
    flagged = {k.pk for k in selectors.fee_disclosure()[0][1][0].flagged} | {
        k.pk for _, rows in selectors.fee_disclosure() for r in rows for k in r.flagged
    }
    assert flagged == {dear.pk}
    assert ok.pk not in flagged
    assert "收费高于公示标准" in page
    api = client.get("/api/supervision/fees").json()
    assert {c["name"]: c["over_published"] for p in api for c in p["classes"]} == {
        "按公示收费班": False,
        "超标准收费班": True,
    }


def test_a_fee_seen_on_site_or_reported_by_a_trainee_above_the_published_one_is_flagged(
    records, completed, trainee, city_officer
):
    services.survey_submit(actor=trainee, enrolment=completed, answers=ANSWERS, fee_paid=3000, at=NOW)
    assert [k.pk for k in selectors.fee_flags(actor=city_officer)] == [completed.klass_id]
    other = records.klass(fee=2000)
    i = services.inspection_open(actor=city_officer, klass=other, at=NOW)
    services.inspection_record(
        actor=city_officer,
        inspection=i,
        visited_on=date(2025, 5, 1),
        inspectors="林",
        summary="收费2500",
        observed_fee=2500,
        at=NOW,
    )
    assert {k.pk for k in selectors.fee_flags(actor=city_officer)} == {completed.klass_id, other.pk}


# --- attendance anomalies for action --------------------------------------------------------------
def test_attendance_anomalies_from_the_training_records_are_listed_for_action(records, city_officer):
    from datetime import time

    from dte.training.models import Attendance, Session

    klass = records.klass(start=date(2025, 4, 7), end=date(2025, 4, 30), status=TrainingClass.Status.RUNNING)
    session = Session.objects.create(
        klass=klass, date=date(2025, 4, 8), start=time(9), end=time(11), kind="theory", mode="offline"
    )
    tz = session.starts_at.tzinfo
    for i in range(3):
        e = records.enrol(klass, records.person(name=f"同秒{i}"), status="admitted")
        Attendance.objects.create(
            session=session,
            enrolment=e,
            check_in=datetime(2025, 4, 8, 9, 0, 0, tzinfo=tz),
            check_out=datetime(2025, 4, 8, 11, 0, tzinfo=tz),
            source="qr",
            updated_at=NOW,
        )
    (row,) = selectors.anomalies_for_action(actor=city_officer, since=date(2025, 1, 1))
    assert row.kind == "same_second" and row.action is None
    services.anomaly_act(
        actor=city_officer,
        klass=klass,
        key=row.key,
        kind=row.kind,
        description=row.description,
        outcome="investigating",
        note="已通知机构提供签到视频",
        at=NOW,
    )
    (row,) = selectors.anomalies_for_action(actor=city_officer, since=date(2025, 1, 1))
    assert row.action.get_outcome_display() == "核查中"


# --- pages ----------------------------------------------------------------------------------------
def test_the_city_draws_and_records_through_the_pages(classes, city_officer, client_as):
    client = client_as(city_officer)
    r = client.post(
        "/supervision/plans/draw/",
        {
            "title": "抽查",
            "period_start": "2025-03-01",
            "period_end": "2025-06-30",
            "sample_size": 3,
            "seed": 99,
        },
    )
    assert r.status_code == 302
    page = client.get(r["Location"]).content.decode()
    assert 'id="seed">99<' in page and "一致" in page
    inspection = Inspection.objects.filter(plan__seed=99).first()
    url = f"/supervision/inspections/{inspection.pk}/"
    client.post(url + "photo/", {"photo": SimpleUploadedFile("a.png", PNG, "image/png"), "caption": "教室"})
    assert inspection.photos.count() == 1
    photo = inspection.photos.get()
    assert client.get(f"/supervision/photos/{photo.pk}/")["Content-Type"] == "image/png"
    bad = SimpleUploadedFile("b.png", io.BytesIO(b"GIF89a....").read(), "image/png")
    client.post(url + "photo/", {"photo": bad})
    assert inspection.photos.count() == 1


def test_supervision_pages_are_for_the_bureau(classes, county_reviewer, trainee, client_as, client):
    assert client_as(county_reviewer).get("/supervision/").status_code == 403
    assert client_as(trainee).get("/supervision/quality/").status_code == 403
    assert client.get("/supervision/fees/").status_code == 200


def test_the_api_draws_and_anyone_can_check_the_draw(classes, city_officer, auditor, client_as):
    payload = {
        "title": "API 抽查",
        "period_start": "2025-03-01",
        "period_end": "2025-06-30",
        "sample_size": 2,
        "seed": 5,
    }
    r = client_as(city_officer).post("/api/supervision/plans", payload, content_type="application/json")
    assert r.status_code == 201
    plan = r.json()
    assert plan["drawn"] == services.draw(candidates=plan["candidates"], seed=5, size=2)
    got = client_as(auditor).get(f"/api/supervision/plans/{plan['id']}").json()
    assert got["reproduces"] is True
    assert (
        client_as(auditor)
        .post("/api/supervision/plans", payload, content_type="application/json")
        .status_code
        == 403
    )


def test_the_city_opens_an_ad_hoc_check_and_the_admin_lists_it_read_only(classes, city_officer, client_as):
    client = client_as(city_officer)
    r = client.post("/supervision/inspections/open/", {"klass": classes[0].pk})
    assert r.status_code == 302
    assert Inspection.objects.filter(klass=classes[0], plan__isnull=True).exists()
    assert client.get("/admin/supervision/inspection/").status_code == 200
    assert client.get("/admin/supervision/inspection/add/").status_code == 403


def test_the_inspection_page_records_finds_requires_and_closes_each_with_its_audit_entry(
    classes, city_officer, client_as, monkeypatch
):
    monkeypatch.setattr("dte.core.clock.now", lambda: AT)
    client = client_as(city_officer)
    inspection = services.inspection_open(actor=city_officer, klass=classes[0], at=AT)
    url = f"/supervision/inspections/{inspection.pk}/"
    record = {"visited_on": "2025-03-09", "inspectors": "王, 李", "present_count": 18, "summary": "到课正常"}
    client.post(url + "record/", {**record, "observed_fee": 200})
    client.post(url + "finding/", {"topic": "fees", "severity": "minor", "description": "收费公示不全"})
    finding = inspection.findings.get()
    client.post(url + "follow-up/", {"action": "补齐公示", "due_on": "2025-04-10", "finding": finding.pk})
    follow_up = inspection.follow_ups.get()
    client.post(url + "close/", {"follow_up": follow_up.pk, "note": "  已公示  "})
    inspection.refresh_from_db()
    follow_up.refresh_from_db()
    assert inspection.status == Inspection.Status.RECORDED and inspection.inspectors == "王, 李"
    assert follow_up.finding == finding and follow_up.status == "done" and follow_up.closed_note == "已公示"
    recorded = AuditEntry.objects.get(action="supervision.inspection.record")
    assert recorded.changes == {
        "status": ["planned", "recorded"],
        "visited_on": [None, "2025-03-09"],
        "summary": ["", "到课正常"],
        "present_count": [None, 18],
        "observed_fee": [None, 200],
    }
    closed = AuditEntry.objects.get(action="supervision.follow_up.close")
    assert closed.changes == {"status": ["open", "done"], "note": [None, "已公示"]}

    page = client.post(url + "record/", {**record, "visited_on": ""}, follow=True).content.decode()
    assert "检查日期" in page and "这个字段是必填项" in page
    page = client.post(url + "unknown/", follow=True).content.decode()
    assert "未知操作" in page
    assert AuditEntry.objects.filter(action="supervision.inspection.record").count() == 1
