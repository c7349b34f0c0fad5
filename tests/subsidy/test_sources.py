"""A claim is pre-filled from the trainee's real records [A2.3], [A2.5]: the 专业技术等级证书 of the
evaluation app and the 培训合格证书 it was registered with, built here through their services."""

from __future__ import annotations

import pytest

from dte.evaluation import services as evaluation
from dte.subsidy import services, sources
from dte.subsidy.models import Claim
from tests.subsidy.conftest import make_eligible
from tests.training import helpers as h


@pytest.fixture
def level_certificate(institution_staff, city_officer, evaluation_staff, trainee):
    plan = h.filed_plan(institution_staff, city_officer)  # 人工智能 2-02-10-09
    klass = h.open_class(institution_staff, plan)
    enrolment = h.admit(institution_staff, klass, trainee)
    sessions = h.add_sessions(institution_staff, klass)
    h.start(institution_staff, city_officer, klass)
    training = h.certified(institution_staff, klass, enrolment, sessions)
    # registered and accepted on the certificate's day (2025-05-06); the exam that day, scored later:
    # an exam date lies between the acceptance and the day the scores are recorded [P3.3]
    on = h.local(2025, 5, 6, 11)
    reg = evaluation.registration_create(
        actor=institution_staff, certificate=training, education="bachelor", years_in_occupation=2, at=on
    )
    evaluation.registration_check(actor=evaluation_staff, registration=reg, accept=True, at=on)
    evaluation.scores_record(
        actor=evaluation_staff,
        registration=reg,
        theory_score=80,
        ability_score=75,
        exam_date=training.issued_on,
        at=h.local(2025, 5, 19, 10),
    )
    return evaluation.level_certificate_issue(
        actor=evaluation_staff, registration=reg, at=h.local(2025, 5, 20, 10)
    )


def test_the_claim_is_prefilled_from_the_level_and_training_certificates(
    level_certificate, trainee, client_as
):
    assert [c.pk for c in sources.level_certificates(trainee.person)] == [level_certificate.pk]
    client_as(trainee).post("/subsidy/start/", {"certificate": level_certificate.pk})
    claim = Claim.objects.get(person=trainee.person)
    training = level_certificate.registration.training_certificate
    assert claim.level_certificate == level_certificate and claim.training_certificate == training
    assert claim.level_certificate_number == level_certificate.number
    assert (claim.occupation.code, claim.level.code) == ("2-02-10-09", "junior")
    assert claim.training_institution.name == "杭州电子科技大学"
    assert (
        claim.training_hours == int(training.total_hours)
        and claim.training_class_id == training.enrolment.klass_id
    )


def test_the_precheck_says_that_the_occupation_has_no_subsidy_standard_yet(level_certificate, trainee):
    make_eligible(trainee.person)
    cert = sources.certificate_facts(person=trainee.person, level_certificate_id=level_certificate.pk)
    claim = services.claim_start(actor=trainee, certificate=cert, at=h.local(2025, 6, 3, 10))
    decision = services.precheck(claim, h.local(2025, 6, 3).date())
    standard = next(f for f in decision["findings"] if f["rule"] == "A2.2-standard")
    assert not standard["passed"] and "人工智能" in standard["message"] and "[A2.2]" in standard["message"]
    assert not decision["eligible"] and decision["amount"] == 0


def test_someone_elses_or_a_revoked_certificate_cannot_be_claimed(
    level_certificate, outsider, evaluation_staff, trainee
):
    with pytest.raises(Exception, match="未找到本人"):
        sources.certificate_facts(person=outsider.person, level_certificate_id=level_certificate.pk)
    evaluation.level_certificate_revoke(
        actor=evaluation_staff, certificate=level_certificate, reason="成绩录入错误", at=h.AT
    )
    with pytest.raises(Exception, match="已撤销"):
        sources.certificate_facts(person=trainee.person, level_certificate_id=level_certificate.pk)
