"""Integrity of the level assessment [P3.3]: exam dates inside the registration's window, the
score import previewed before anything is issued, applications that fail the conditions refused or
flagged to the city, and the anomalies supervision sees of the evaluation bodies."""

import io
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from openpyxl import Workbook

from dte.audit.models import AuditEntry
from dte.demo.synthetic import Records
from dte.evaluation import results_file, selectors, services
from dte.evaluation.models import LevelCertificate, Registration
from dte.policy import parameters
from dte.training.tables import read_table
from tests.training import helpers as h

REG_AT = h.local(2025, 5, 10, 10)  # the training certificate is issued on 2025-05-06
CHECK_AT = h.local(2025, 5, 12, 10)
SCORE_AT = h.local(2025, 6, 2, 10)


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


def audit_actions() -> list[str]:
    return list(AuditEntry.objects.order_by("pk").values_list("action", flat=True))


# --- applications that fail the conditions --------------------------------------------------------------
def test_an_application_that_meets_no_route_is_refused_with_the_reason_and_nothing_is_written(
    institution_staff, certificate
):
    before = audit_actions()
    with pytest.raises(ValidationError) as err:
        services.registration_create(
            actor=institution_staff, certificate=certificate, education="associate", at=REG_AT
        )
    text = err.value.messages[0]
    assert text.startswith("不符合申报条件:")
    assert "不满足「相关专业大专学历,从事本职业满1年」" in text and "[P3.3]" in text
    assert "坚持申报" in text  # says how to insist
    assert not Registration.objects.exists() and audit_actions() == before


def test_insisting_without_a_reason_is_refused_with_a_field_error(institution_staff, certificate):
    with pytest.raises(ValidationError) as err:
        services.registration_create(
            actor=institution_staff, certificate=certificate, education="associate", insist=True, at=REG_AT
        )
    assert err.value.message_dict["insist_reason"] == ["坚持申报须填写理由(说明为何符合申报条件)"]
    assert not Registration.objects.exists()


def test_an_insisted_application_is_accepted_flagged_audited_and_listed_for_the_city(
    institution_staff, city_officer, certificate
):
    reg = services.registration_create(
        actor=institution_staff,
        certificate=certificate,
        education="associate",
        insist=True,
        insist_reason="学员在原单位从事数据分析工作两年,证明材料随后补交",
        at=REG_AT,
    )
    assert reg.insisted and reg.status == Registration.Status.REGISTERED
    entry = AuditEntry.objects.get(action="evaluation.registration.insist")
    assert entry.reason == "学员在原单位从事数据分析工作两年,证明材料随后补交"
    assert list(selectors.insisted_registrations(actor=city_officer)) == [reg]
    flagged = selectors.anomalies(actor=city_officer, since=date(2025, 1, 1))
    assert [(a["kind"], a["registration_ids"], a["clause"]) for a in flagged] == [
        ("evaluation_insisted", [reg.pk], "[P3.3]")
    ]
    assert "仍坚持申报" in flagged[0]["message"] and flagged[0]["body"].code == "DEMO-EVAL-01"


def test_the_city_list_of_insisted_applications_is_the_citys(institution_staff):
    with pytest.raises(PermissionDenied):
        selectors.insisted_registrations(actor=institution_staff)
    with pytest.raises(PermissionDenied):
        selectors.anomalies(actor=institution_staff, since=date(2025, 1, 1))


def test_insisting_on_an_application_that_meets_the_conditions_flags_nothing(institution_staff, certificate):
    reg = services.registration_create(
        actor=institution_staff,
        certificate=certificate,
        education="bachelor",
        insist=True,
        insist_reason="以防万一",
        at=REG_AT,
    )
    assert not reg.insisted and reg.insist_reason == ""


# --- exam dates -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("exam", "message"),
    [
        (date(2025, 6, 3), "考核日期2025-06-03晚于今天(2025-06-02),不能登记未来的考核 [P3.3]"),
        (
            date(2000, 1, 1),
            "考核日期2000-01-01早于该申报条件审核通过之日(2025-05-12),"
            "考核日期应在2025-05-12至2025-06-02之间 [P3.3]",
        ),
        (
            date(2025, 5, 11),
            "考核日期2025-05-11早于该申报条件审核通过之日(2025-05-12),"
            "考核日期应在2025-05-12至2025-06-02之间 [P3.3]",
        ),
    ],
)
def test_an_exam_date_outside_the_registrations_window_is_refused_by_hand_and_nothing_changes(
    evaluation_staff, accepted, exam, message
):
    before = audit_actions()
    with pytest.raises(ValidationError) as err:
        services.scores_record(
            actor=evaluation_staff,
            registration=accepted,
            theory_score=80,
            ability_score=80,
            exam_date=exam,
            at=SCORE_AT,
        )
    assert err.value.message_dict == {"exam_date": [message]}
    accepted.refresh_from_db()
    assert accepted.theory_score is None and accepted.exam_date is None
    assert audit_actions() == before


@pytest.mark.parametrize("exam", [date(2025, 5, 12), date(2025, 6, 2)])
def test_the_ends_of_the_window_are_accepted(evaluation_staff, accepted, exam):
    reg = services.scores_record(
        actor=evaluation_staff,
        registration=accepted,
        theory_score=80,
        ability_score=80,
        exam_date=exam,
        at=SCORE_AT,
    )
    assert reg.exam_date == exam and reg.status == Registration.Status.PASSED


# --- the score import: preview, then confirm --------------------------------------------------------------
def xlsx(rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(services.RESULT_COLUMNS)
    for r in rows:
        ws.append(list(r))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def rows_of(content):
    return read_table(content=content, filename="results.xlsx", required=services.RESULT_COLUMNS)


@pytest.mark.parametrize(
    ("exam", "reason"),
    [
        ("2025-06-03", "考核日期2025-06-03晚于今天(2025-06-02),不能登记未来的考核 [P3.3]"),
        ("2000-06-01", "考核日期2000-06-01早于该申报条件审核通过之日(2025-05-12)"),
    ],
)
def test_an_imported_exam_date_outside_the_window_names_the_line_and_writes_nothing(
    evaluation_staff, accepted, trainee, exam, reason
):
    content = xlsx([(accepted.pk, trainee.person.id_number, "陈晓明", 82, 77, exam)])
    report = results_file.results_import(actor=evaluation_staff, rows=rows_of(content), at=SCORE_AT)
    assert [line for line, _ in report.errors] == [2]
    assert report.errors[0][1].startswith(reason)
    accepted.refresh_from_db()
    assert accepted.theory_score is None and not LevelCertificate.objects.exists()


def test_the_preview_says_what_will_be_recorded_and_issued_and_writes_nothing(
    evaluation_staff, accepted, trainee
):
    before = audit_actions()
    content = xlsx([(accepted.pk, trainee.person.id_number, "陈晓明", 82, 77, "2025-06-01")])
    plan = results_file.results_preview(actor=evaluation_staff, rows=rows_of(content), at=SCORE_AT)
    assert plan.report.ok and plan.summary == "将登记 1 条成绩,将颁发 1 张证书"
    assert [(r.line, r.registration.pk, r.outcome) for r in plan.lines] == [
        (2, accepted.pk, "登记成绩并颁发专业技术等级证书")
    ]
    accepted.refresh_from_db()
    assert accepted.theory_score is None and not LevelCertificate.objects.exists()
    assert audit_actions() == before


def test_a_failing_row_is_recorded_without_a_certificate_in_the_preview(evaluation_staff, accepted, trainee):
    content = xlsx([(accepted.pk, trainee.person.id_number, "陈晓明", 82, 59, "2025-06-01")])
    plan = results_file.results_preview(actor=evaluation_staff, rows=rows_of(content), at=SCORE_AT)
    assert plan.summary == "将登记 1 条成绩,将颁发 0 张证书"
    assert plan.lines[0].outcome == "登记成绩(不合格,不发证)"


def test_blank_rows_and_template_rows_without_scores_are_skipped(evaluation_staff, accepted, trainee):
    number = trainee.person.id_number
    content = xlsx(
        [
            (None, None, None, None, None, None),  # line 2: blank
            ("", "  ", "", "", "", ""),  # line 3: blank (spaces only)
            (accepted.pk, number, "陈晓明", 82, 77, "2025-06-01"),  # line 4
            (None,) * 6,  # line 5: blank
        ]
    )
    plan = results_file.results_preview(actor=evaluation_staff, rows=rows_of(content), at=SCORE_AT)
    assert plan.report.ok and [r.line for r in plan.lines] == [4]
    template_row = xlsx([(accepted.pk, number, "陈晓明", None, None, None)])
    plan = results_file.results_preview(actor=evaluation_staff, rows=rows_of(template_row), at=SCORE_AT)
    assert plan.report.ok and plan.lines == [] and plan.skipped == [2]
    assert plan.summary == "将登记 0 条成绩,将颁发 0 张证书,跳过 1 行未填写成绩的行"


# --- anomalies of the evaluation bodies -------------------------------------------------------------------
@pytest.fixture
def records(city_officer):
    return Records(user=city_officer, at=h.AT)


def scored_registrations(records, n: int, *, failing: int = 0, exam: date = date(2025, 5, 20)):
    """``n`` certified registrations of one body (the synthetic records' first body), exam on ``exam``,
    the last ``failing`` of them failing the ability part."""
    klass = records.klass()
    regs = []
    for i in range(n):
        tc = records.training_certificate(records.enrol(klass, records.person(name=f"学员{i}")))
        cert = records.level_certificate(tc, issued_on=exam)
        regs.append(cert.registration)
    Registration.objects.filter(pk__in=[r.pk for r in regs]).update(exam_date=exam)
    Registration.objects.filter(pk__in=[r.pk for r in regs[n - failing :]]).update(ability_score=50)
    return regs


def test_a_body_passing_98_percent_of_30_scored_registrations_in_a_quarter_is_flagged(records, city_officer):
    regs = scored_registrations(records, 30)
    rows = selectors.anomalies(actor=city_officer, since=date(2025, 4, 1))
    assert [r["kind"] for r in rows] == ["evaluation_pass_rate"]
    row = rows[0]
    assert row["label"] == "评价机构合格率异常偏高" and row["clause"] == "[P3.3]"
    assert row["registration_ids"] == sorted(r.pk for r in regs) and row["period"] == "2025Q2"
    assert "2025年第2季度考核 30 人,两项均合格 30 人,合格率 100%" in row["message"]
    assert row["body"] == regs[0].evaluation_body


def test_a_plausible_pass_rate_or_too_few_scored_registrations_are_not_flagged(records, city_officer):
    scored_registrations(records, 29)  # too few
    assert selectors.anomalies(actor=city_officer, since=date(2025, 4, 1)) == []
    scored_registrations(records, 1, failing=1)  # 29 of 30 = 96.7 %
    assert selectors.anomalies(actor=city_officer, since=date(2025, 4, 1)) == []


def test_anomalies_before_since_are_left_out(records, city_officer):
    scored_registrations(records, 30, exam=date(2025, 2, 20))
    assert selectors.anomalies(actor=city_officer, since=date(2025, 4, 1)) == []


@pytest.fixture
def low_thresholds(tmp_path, monkeypatch):
    (tmp_path / "evaluation_anomalies.yaml").write_text(
        "values:\n  2024-02-01:\n    reference: test\n"
        "    pass_rate_percent: 98\n    min_scored: 30\n    certificates_per_day: 3\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("DTE_PARAMETERS_DIR", str(tmp_path))
    parameters.clear_cache()
    yield
    monkeypatch.delenv("DTE_PARAMETERS_DIR")
    parameters.clear_cache()


def test_more_certificates_in_a_day_than_the_threshold_are_flagged(low_thresholds, records, city_officer):
    regs = scored_registrations(records, 4, failing=4)  # failing scores: no pass-rate flag
    rows = selectors.anomalies(actor=city_officer, since=date(2025, 5, 1))
    assert [r["kind"] for r in rows] == ["evaluation_volume"]
    assert rows[0]["certificate_ids"] == sorted(r.certificate.pk for r in regs)
    assert "于 2025-05-20 颁发专业技术等级证书 4 张,超过每日 3 张的阈值" in rows[0]["message"]


def test_the_threshold_itself_is_not_flagged(low_thresholds, records, city_officer):
    scored_registrations(records, 3, failing=3)
    assert selectors.anomalies(actor=city_officer, since=date(2025, 5, 1)) == []


def test_the_api_previews_the_results_and_writes_only_when_they_are_posted(
    evaluation_staff, accepted, trainee, client_as
):
    from unittest import mock

    client = client_as(evaluation_staff)
    payload = [
        {
            "registration_id": accepted.pk,
            "id_number": trainee.person.id_number,
            "name": "陈晓明",
            "theory_score": 82,
            "ability_score": 77,
            "exam_date": "2025-06-01",
        }
    ]
    before = audit_actions()
    with mock.patch("dte.core.clock.now", return_value=SCORE_AT):
        r = client.post("/api/evaluation/results/preview", payload, content_type="application/json")
        assert r.status_code == 200
        assert r.json()["summary"] == "将登记 1 条成绩,将颁发 1 张证书" and r.json()["to_issue"] == 1
        assert audit_actions() == before and not LevelCertificate.objects.exists()
        bad = [{**payload[0], "exam_date": "2025-06-03"}]
        r = client.post("/api/evaluation/results/preview", bad, content_type="application/json")
        assert r.status_code == 422 and r.json()["errors"][0]["line"] == 1
        r = client.post("/api/evaluation/results", payload, content_type="application/json")
    assert r.status_code == 200 and LevelCertificate.objects.count() == 1
