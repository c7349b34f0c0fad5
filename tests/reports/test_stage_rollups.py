"""The dashboards' rollup of the training stages (dte.reports.stages), kept in the transaction of every
write of enrolments and certificates, equals a full recount after the writes of the training path
through the services (applied, admitted, trained, certified, registered, examined, level certified,
dropped, certificates revoked) and after changes to what the records are counted by (a class's dates,
a person's region) or a deletion; ``rebuild`` gives the same, however often it runs; and a save that
touches none of what is counted reads nothing more."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dte.accounts.models import Role
from dte.accounts.services import account_create
from dte.evaluation import services as evaluation
from dte.parameters import layer
from dte.parameters import services as parameter_services
from dte.policy import parameters
from dte.reports import stages
from dte.reports.models import StageTally
from dte.training import services as training
from dte.training.models import Enrolment
from tests.training import helpers as h

pytestmark = pytest.mark.django_db


def assert_recounted() -> dict:
    kept = stages.stored()
    assert kept == stages.recount()
    return kept


def by_stage(kept: dict) -> dict[str, int]:
    out: dict[str, int] = {}
    for (stage, *_), n in kept.items():
        out[stage] = out.get(stage, 0) + n
    return out


@pytest.fixture
def path(institution_staff, city_officer, evaluation_staff, trainee, make_person):
    """Two admitted trainees of one class, one of them trained, certified and level certified."""
    plan = h.filed_plan(institution_staff, city_officer)
    klass = h.open_class(institution_staff, plan)
    first = h.admit(institution_staff, klass, trainee)
    second = h.admit(institution_staff, klass, h.trainee_account(make_person, "周丽华", seq=31))
    assert by_stage(assert_recounted()) == {"enrolled": 2}
    sessions = h.add_sessions(institution_staff, klass)
    h.start(institution_staff, city_officer, klass)
    tc = h.certified(institution_staff, klass, first, sessions)
    reg = evaluation.registration_create(
        actor=institution_staff, certificate=tc, education="bachelor", at=h.local(2025, 5, 10, 10)
    )
    reg = evaluation.registration_check(
        actor=evaluation_staff, registration=reg, accept=True, at=h.local(2025, 5, 12, 10)
    )
    reg = evaluation.scores_record(
        actor=evaluation_staff,
        registration=reg,
        theory_score=82,
        ability_score=77,
        exam_date=date(2025, 6, 1),
        at=h.local(2025, 6, 2, 10),
    )
    lc = evaluation.level_certificate_issue(
        actor=evaluation_staff, registration=reg, at=h.local(2025, 6, 3, 10)
    )
    return {"klass": klass, "first": first, "second": second, "tc": tc, "lc": lc}


def test_the_kept_rollup_equals_a_recount_along_the_training_path(path, institution_staff, city_officer):
    kept = assert_recounted()
    assert by_stage(kept) == {"enrolled": 2, "trained": 1, "training_certified": 1, "level_certified": 1}
    region = path["first"].person.region_code
    plan = path["klass"].plan
    assert kept[("level_certified", region, plan.occupation_id, plan.level_id, 2025)] == 1

    training.enrolment_drop(
        actor=institution_staff, enrolment=path["second"], reason="工作调动", at=h.local(2025, 4, 8, 9)
    )
    assert by_stage(assert_recounted())["enrolled"] == 2  # a drop-out stays enrolled (reading R2)
    training.certificate_revoke(
        actor=city_officer, certificate=path["tc"], reason="学时记录不实", at=h.local(2025, 7, 1, 9)
    )
    evaluation.level_certificate_revoke(
        actor=city_officer, certificate=path["lc"], reason="证书信息有误", at=h.local(2025, 7, 1, 9)
    )
    assert by_stage(assert_recounted()) == {"enrolled": 2, "trained": 1}


def test_a_change_of_what_a_record_is_counted_by_moves_its_count(path):
    klass, person = path["klass"], path["first"].person
    klass.start_date, klass.end_date = date(2024, 12, 30), date(2025, 1, 20)  # into another start year
    klass.save()
    kept = assert_recounted()
    assert {k[4] for k in kept if k[0] == "enrolled"} == {2024}
    person.region_code = "330381"
    person.save(update_fields=["region_code"])
    kept = assert_recounted()
    assert {k[1] for k in kept if k[0] == "level_certified"} == {"330381"}
    Enrolment.objects.filter(pk=path["second"].pk).delete()
    assert by_stage(assert_recounted())["enrolled"] == 1


def test_a_save_of_fields_not_counted_reads_nothing_more(path):
    enrolment = path["first"]
    with CaptureQueriesContext(connection) as ctx:
        enrolment.save(update_fields=["reason"])
    assert len(ctx.captured_queries) == 1  # the UPDATE alone


def test_rebuild_equals_the_kept_rollup_and_is_idempotent(path):
    kept = assert_recounted()
    StageTally.objects.all().delete()  # as after a bulk load past the saves
    assert stages.rebuild() == len(kept)
    assert stages.rebuild() == len(kept)
    assert stages.stored() == kept


@pytest.fixture
def fresh_parameters():
    """The published versions of the test are not carried into the next (the database is rolled back)."""
    parameters.set_layer({}, None)
    layer.SOURCE.forget()
    yield
    parameters.set_layer({}, None)
    layer.SOURCE.forget()


def test_a_published_change_of_the_programme_start_recounts_the_level_certificates_at_once(
    path, city_officer, fresh_parameters
):
    second = account_create(
        username="city_officer2",
        password="Correct-Horse-2026",
        role=Role.CITY_OFFICER,
        display_name="city_officer2",
        at=h.local(2025, 6, 10, 9),
    )
    assert by_stage(assert_recounted())["level_certified"] == 1  # issued 2025-06-03
    moved = {
        "in_force": {
            "values": {date(2024, 1, 19): {"reference": "温人社发〔2025〕9号", "date": date(2025, 7, 1)}}
        }
    }
    at = h.local(2025, 6, 10, 10)
    (v,) = parameter_services.propose(
        actor=city_officer, draft=moved, document="温人社发〔2025〕9号", reason="施行日期调整", at=at
    )
    parameter_services.approve(actor=second, version=v, at=at)
    assert "level_certified" not in by_stage(assert_recounted())
