import io
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from openpyxl import Workbook

from dte.accounts.models import Role
from dte.accounts.services import account_create
from dte.audit.models import AuditEntry
from dte.catalog.models import EvaluationBody
from dte.evaluation import conditions, results_file, services
from dte.evaluation.models import LevelCertificate, Registration, TitleRecognition
from dte.training import services as training
from dte.training.tables import read_table
from tests.training import helpers as h


@pytest.fixture
def certificate(institution_staff, city_officer, trainee):
    plan = h.filed_plan(institution_staff, city_officer)
    klass = h.open_class(institution_staff, plan)
    enrolment = h.admit(institution_staff, klass, trainee)
    sessions = h.add_sessions(institution_staff, klass)
    h.start(institution_staff, city_officer, klass)
    return h.certified(institution_staff, klass, enrolment, sessions)


# The certificate is issued on 2025-05-06; the registration follows, then the check, the exam
# (2025-06-01) and the scores.
REG_AT = h.local(2025, 5, 10, 10)
CHECK_AT = h.local(2025, 5, 12, 10)
SCORE_AT = h.local(2025, 6, 2, 10)


@pytest.fixture
def registration(institution_staff, certificate):
    return services.registration_create(
        actor=institution_staff,
        certificate=certificate,
        education="bachelor",
        years_in_occupation=2,
        at=REG_AT,
    )


@pytest.fixture
def accepted(evaluation_staff, registration):
    return services.registration_check(
        actor=evaluation_staff, registration=registration, accept=True, at=CHECK_AT
    )


@pytest.fixture
def other_body_staff(reference):
    body = EvaluationBody.objects.create(code="OTHER", name="另一评价机构")
    return account_create(
        username="other_eval",
        password="Correct-Horse-2026",
        role=Role.EVALUATION_STAFF,
        evaluation_body=body,
        at=h.AT,
    )


def test_the_institution_registers_its_certificate_holder_with_the_plans_evaluation_body(registration):
    assert registration.status == Registration.Status.REGISTERED
    assert registration.evaluation_body.code == "DEMO-EVAL-01"
    assert (registration.occupation.code, registration.level.code) == ("2-02-10-09", "junior")


def test_an_institution_cannot_register_another_institutions_holder(other_staff, certificate):
    with pytest.raises(PermissionDenied):
        services.registration_create(
            actor=other_staff, certificate=certificate, education="bachelor", at=SCORE_AT
        )


def test_a_revoked_training_certificate_cannot_be_registered(institution_staff, certificate):
    training.certificate_revoke(
        actor=institution_staff, certificate=certificate, reason="材料不实", at=SCORE_AT
    )
    with pytest.raises(ValidationError, match="已撤销"):
        services.registration_create(
            actor=institution_staff, certificate=certificate, education="bachelor", at=SCORE_AT
        )


def test_a_holder_cannot_be_registered_twice(institution_staff, registration, certificate):
    with pytest.raises(ValidationError, match="不能重复申报"):
        services.registration_create(
            actor=institution_staff, certificate=certificate, education="bachelor", at=SCORE_AT
        )


def test_the_evaluation_body_accepts_an_applicant_who_meets_a_route(accepted):
    assert accepted.status == Registration.Status.ACCEPTED
    assert "相关专业本科及以上学历" in accepted.check_note


def test_an_applicant_who_meets_no_route_cannot_be_accepted_and_the_rejection_says_why(
    institution_staff, evaluation_staff, certificate
):
    reg = services.registration_create(
        actor=institution_staff,
        certificate=certificate,
        education="associate",
        years_in_occupation=0,
        insist=True,
        insist_reason="学员另有相关工作经历,材料随后补交",
        at=REG_AT,
    )
    with pytest.raises(ValidationError, match=r"不符合申报条件.*从事本职业满1年.*\[P3.3\]"):
        services.registration_check(actor=evaluation_staff, registration=reg, accept=True, at=SCORE_AT)
    reg = services.registration_check(actor=evaluation_staff, registration=reg, accept=False, at=SCORE_AT)
    assert reg.status == Registration.Status.REJECTED and "不符合申报条件" in reg.check_note


def test_another_evaluation_body_cannot_check_or_score(other_body_staff, registration):
    with pytest.raises(PermissionDenied):
        services.registration_check(
            actor=other_body_staff, registration=registration, accept=True, at=SCORE_AT
        )


@pytest.mark.parametrize(("theory", "ability"), [(59, 90), (90, 59), (0, 0)])
def test_a_level_certificate_without_passing_both_parts_is_refused(
    evaluation_staff, accepted, theory, ability
):
    reg = services.scores_record(
        actor=evaluation_staff,
        registration=accepted,
        theory_score=theory,
        ability_score=ability,
        exam_date=date(2025, 6, 1),
        at=SCORE_AT,
    )
    assert reg.status == Registration.Status.FAILED
    with pytest.raises(ValidationError, match=r"均达到60分.*\[P3.3\]"):
        services.level_certificate_issue(actor=evaluation_staff, registration=reg, at=SCORE_AT)
    assert not LevelCertificate.objects.exists()


def test_scores_of_60_on_both_parts_earn_the_level_certificate_and_the_title(evaluation_staff, accepted):
    reg = services.scores_record(
        actor=evaluation_staff,
        registration=accepted,
        theory_score=60,
        ability_score=60,
        exam_date=date(2025, 6, 1),
        at=SCORE_AT,
    )
    cert = services.level_certificate_issue(
        actor=evaluation_staff, registration=reg, at=h.local(2025, 6, 20, 10)
    )
    assert cert.number == "WZDJ2025000001" and cert.issued_on == date(2025, 6, 20)
    assert (cert.occupation.code, cert.level.code) == ("2-02-10-09", "junior")
    title = TitleRecognition.objects.get(certificate=cert)
    assert (title.title, title.route) == ("助理工程师", "direct_recognition")  # [P4.2]
    with pytest.raises(ValidationError, match="已发证"):
        services.level_certificate_issue(actor=evaluation_staff, registration=reg, at=SCORE_AT)


def test_scores_must_lie_between_0_and_100(evaluation_staff, accepted):
    with pytest.raises(ValidationError, match="0至100"):
        services.scores_record(
            actor=evaluation_staff,
            registration=accepted,
            theory_score=101,
            ability_score=60,
            exam_date=date(2025, 6, 1),
            at=SCORE_AT,
        )


def test_scores_cannot_be_recorded_before_the_conditions_are_checked(evaluation_staff, registration):
    with pytest.raises(ValidationError, match="不能登记成绩"):
        services.scores_record(
            actor=evaluation_staff,
            registration=registration,
            theory_score=80,
            ability_score=80,
            exam_date=date(2025, 6, 1),
            at=SCORE_AT,
        )


def test_revoking_a_level_certificate_voids_the_title_and_keeps_the_record(evaluation_staff, accepted):
    reg = services.scores_record(
        actor=evaluation_staff,
        registration=accepted,
        theory_score=80,
        ability_score=75,
        exam_date=date(2025, 6, 1),
        at=SCORE_AT,
    )
    cert = services.level_certificate_issue(actor=evaluation_staff, registration=reg, at=SCORE_AT)
    cert = services.level_certificate_revoke(
        actor=evaluation_staff, certificate=cert, reason="冒名顶替", at=SCORE_AT
    )
    assert cert.status == LevelCertificate.Status.REVOKED
    assert TitleRecognition.objects.get(certificate=cert).void


def test_the_check_the_scores_and_the_revocation_are_audited_with_what_changed(evaluation_staff, accepted):
    reg = services.scores_record(
        actor=evaluation_staff,
        registration=accepted,
        theory_score=80,
        ability_score=55,
        exam_date=date(2025, 6, 1),
        at=SCORE_AT,
    )
    reg = services.scores_record(
        actor=evaluation_staff,
        registration=reg,
        theory_score=80,
        ability_score=75,
        exam_date=date(2025, 6, 1),
        at=SCORE_AT,
    )
    cert = services.level_certificate_issue(actor=evaluation_staff, registration=reg, at=SCORE_AT)
    services.level_certificate_revoke(
        actor=evaluation_staff, certificate=cert, reason="冒名顶替", at=SCORE_AT
    )
    entries = AuditEntry.objects.filter(object_type__startswith="evaluation.").order_by("pk")
    changes = [
        (e.action, e.changes, e.reason) for e in entries if e.action != "evaluation.registration.create"
    ]
    assert changes[:3] == [
        ("evaluation.registration.accept", {"status": ["registered", "accepted"]}, accepted.check_note),
        (
            "evaluation.scores.record",
            {"theory_score": [None, 80], "ability_score": [None, 55], "status": ["accepted", "failed"]},
            "",
        ),
        ("evaluation.scores.record", {"ability_score": [55, 75], "status": ["failed", "passed"]}, ""),
    ]
    assert changes[-1] == ("evaluation.certificate.revoke", {"status": ["valid", "revoked"]}, "冒名顶替")


# --- XLSX results import ---------------------------------------------------------------------------
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


def test_results_import_records_scores_issues_certificates_and_a_re_run_changes_nothing(
    evaluation_staff, accepted, trainee
):
    content = xlsx([(accepted.pk, trainee.person.id_number, "陈晓明", 82, 77, "2025-06-01")])
    report = results_file.results_import(
        actor=evaluation_staff, rows=rows_of(content), filename="r.xlsx", at=SCORE_AT
    )
    assert report.ok and (report.updated, report.created) == (1, 1)
    again = results_file.results_import(
        actor=evaluation_staff, rows=rows_of(content), filename="r.xlsx", at=SCORE_AT
    )
    assert again.ok and (again.updated, again.created, again.unchanged) == (0, 0, 1)
    assert LevelCertificate.objects.count() == 1


def test_a_results_file_with_bad_rows_writes_nothing_and_names_each_line(evaluation_staff, accepted, trainee):
    number = trainee.person.id_number
    content = xlsx(
        [
            (accepted.pk, number, "陈晓明", 82, 77, "2025-06-01"),  # line 2: good
            (99999, number, "陈晓明", 82, 77, "2025-06-01"),  # 3: unknown registration
            (accepted.pk, "11010519491231002X", "陈晓明", 82, 77, "2025-06-01"),  # 4: not the applicant
            (accepted.pk, number, "陈晓明", 120, 77, "2025-06-01"),  # 5: score out of range
            (accepted.pk, number, "陈晓明", 82, 77, "六月"),  # 6: bad date
        ]
    )
    report = results_file.results_import(actor=evaluation_staff, rows=rows_of(content), at=SCORE_AT)
    assert [line for line, _ in report.errors] == [3, 4, 5, 6]
    accepted.refresh_from_db()
    assert accepted.theory_score is None and not LevelCertificate.objects.exists()


def test_results_of_a_certified_registration_cannot_be_changed_by_import(evaluation_staff, accepted, trainee):
    good = xlsx([(accepted.pk, trainee.person.id_number, "陈晓明", 82, 77, "2025-06-01")])
    results_file.results_import(actor=evaluation_staff, rows=rows_of(good), at=SCORE_AT)
    changed = xlsx([(accepted.pk, trainee.person.id_number, "陈晓明", 95, 77, "2025-06-01")])
    report = results_file.results_import(actor=evaluation_staff, rows=rows_of(changed), at=SCORE_AT)
    assert report.errors == [(2, "该申报已发证,成绩不能更改")]


def test_another_body_cannot_import_results_for_our_registrations(other_body_staff, accepted, trainee):
    content = xlsx([(accepted.pk, trainee.person.id_number, "陈晓明", 82, 77, "2025-06-01")])
    report = results_file.results_import(actor=other_body_staff, rows=rows_of(content), at=SCORE_AT)
    assert report.errors == [(2, f"申报编号「{accepted.pk}」不是本评价机构受理的申报")]


# --- the application conditions (policy-facts §6) ----------------------------------------------------
def decl(level, **kw):
    base = {
        "education": "none",
        "education_related": True,
        "graduating_student": False,
        "title_held": "none",
        "years_in_occupation": 0,
        "has_training_certificate": True,
        "lower_certificate": False,
    }
    return conditions.Declaration(level=level, **{**base, **kw})


@pytest.mark.parametrize(
    ("d", "met"),
    [
        (decl("junior", title_held="technician"), True),
        (decl("junior", education="bachelor", graduating_student=True), True),
        (decl("junior", education="bachelor", education_related=False), False),
        (decl("junior", education="associate", years_in_occupation=1), True),
        (decl("junior", education="technician_college"), True),
        (decl("junior", education="bachelor", has_training_certificate=False), False),
        (decl("intermediate", title_held="assistant_engineer", years_in_occupation=2), True),
        (decl("intermediate", title_held="assistant_engineer", years_in_occupation=1), False),
        (decl("intermediate", education="bachelor", lower_certificate=True, years_in_occupation=3), True),
        (decl("intermediate", education="master", lower_certificate=True, years_in_occupation=1), True),
        (decl("intermediate", education="doctorate"), True),
        (decl("senior", title_held="engineer", years_in_occupation=3), True),
        (decl("senior", education="bachelor", lower_certificate=True, years_in_occupation=4), True),
        (decl("senior", education="bachelor", lower_certificate=True, years_in_occupation=3), False),
        (decl("senior", education="doctorate", lower_certificate=True, years_in_occupation=1), True),
    ],
)
def test_the_application_conditions_follow_the_published_routes(d, met):
    assert conditions.check(d).met is met
