"""Person facts [A2.1] (G1, G2): imports are all or nothing, report bad rows by line, re-run
idempotently, stay in the importer's county, and are read as of the claim date [A2.7c]."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from openpyxl import Workbook

from dte.accounts import jobs
from dte.audit.models import AuditEntry
from dte.subsidy import facts, selectors
from dte.subsidy.models import FactImport, InsuranceMonth, Residence, Unemployment
from dte.subsidy.tasks import run_fact_import


def csv_bytes(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()


def test_an_insurance_file_is_imported_and_a_second_run_changes_nothing(county_reviewer, trainee, at):
    number = trainee.person.id_number
    content = csv_bytes("id_number,month,county", f"{number},2024-11,330302", f"{number},2024-12,330302")
    job = facts.import_queue(
        actor=county_reviewer, kind="insurance", filename="ins.csv", content=content, at=at
    )
    job = facts.import_run(job_id=job.pk, at=at)
    assert (job.status, job.created, job.unchanged) == ("done", 2, 0)
    again = facts.import_queue(
        actor=county_reviewer, kind="insurance", filename="ins.csv", content=content, at=at
    )
    again = facts.import_run(job_id=again.pk, at=at)
    assert (again.status, again.created, again.unchanged) == ("done", 0, 2)
    assert InsuranceMonth.objects.filter(person=trainee.person).count() == 2


def test_a_file_with_one_bad_row_imports_nothing_and_names_the_line(county_reviewer, trainee, at):
    number = trainee.person.id_number
    content = csv_bytes(
        "id_number,month,county",
        f"{number},2024-11,330302",
        f"{number},2024-13,330302",
        "110105194912310021,2024-12,330302",
    )
    job = facts.import_queue(
        actor=county_reviewer, kind="insurance", filename="x.csv", content=content, at=at
    )
    job = facts.import_run(job_id=job.pk, at=at)
    assert job.status == "failed"
    assert [e["line"] for e in job.errors] == [3, 4]
    assert "月份" in job.errors[0]["message"] and "未在平台实名登记" in job.errors[1]["message"]
    assert not InsuranceMonth.objects.exists()


def test_a_county_officer_cannot_load_another_countys_rows(county_reviewer, trainee, at):
    content = csv_bytes("id_number,county,registered_on", f"{trainee.person.id_number},330381,2025-01-02")
    job = facts.import_queue(
        actor=county_reviewer, kind="unemployment", filename="u.csv", content=content, at=at
    )
    job = facts.import_run(job_id=job.pk, at=at)
    assert job.status == "failed" and "超出本账号的管辖范围" in job.errors[0]["message"]
    assert not Unemployment.objects.exists()


def test_a_trainee_cannot_import_facts(trainee, at):
    with pytest.raises(PermissionDenied):
        facts.import_queue(actor=trainee, kind="insurance", filename="x.csv", content=b"a", at=at)


def test_an_xlsx_residence_file_runs_as_a_task_with_progress(city_officer, trainee, at):
    wb = Workbook()
    ws = wb.active
    ws.append(["id_number", "kind", "valid_from", "valid_to"])
    ws.append([trainee.person.id_number, "户籍", date(2000, 1, 1), None])
    buf = io.BytesIO()
    wb.save(buf)
    job = facts.import_queue(
        actor=city_officer, kind="residence", filename="r.bin", content=buf.getvalue(), at=at
    )
    run_fact_import(job.pk)  # huey runs immediately in tests
    job = FactImport.objects.get(pk=job.pk)
    assert (job.status, job.progress, job.created) == ("done", 100, 1)
    assert Residence.objects.get(person=trainee.person).kind == "hukou"


def test_facts_are_read_as_they_stood_on_the_claim_date(trainee, reference):
    from dte.catalog.models import County

    person = trainee.person
    lucheng = County.objects.get(code="330302")
    Unemployment.objects.create(
        person=person, county=lucheng, registered_on=date(2024, 1, 5), ended_on=date(2024, 8, 31)
    )
    Residence.objects.create(
        person=person, kind="permit", valid_from=date(2024, 1, 1), valid_to=date(2024, 12, 31)
    )
    InsuranceMonth.objects.create(person=person, month=date(2025, 4, 1), county=lucheng)
    then = selectors.person_facts(person, date(2024, 6, 1))
    assert then["unemployment_registered_in"] == "330302" and then["wenzhou_residence_permit"]
    later = selectors.person_facts(person, date(2025, 3, 10))
    assert later["unemployment_registered_in"] is None and not later["wenzhou_residence_permit"]
    assert later["insurance_months"] == []  # April 2025 lies after the claim month


def test_an_import_re_decides_the_open_claims_of_the_people_it_touches(submitted, county_reviewer, at):
    from dte.subsidy.models import Claim

    number = submitted.person.id_number
    content = csv_bytes(
        "id_number,status,employer,in_wenzhou,public_institution_staff,started_on",
        f"{number},就业,温州市某事业单位,是,是,2024-05-01",
    )
    job = facts.import_queue(
        actor=county_reviewer, kind="employment", filename="e.csv", content=content, at=at
    )
    job = facts.import_run(job_id=job.pk, at=at)
    assert (job.status, job.updated) == ("done", 1)
    claim = Claim.objects.get(pk=submitted.pk)
    assert not claim.eligible and "A2.1-group" in claim.failed_rules
    changed = {d["rule"]: d for d in claim.findings_changed}
    assert changed["A2.1-group"]["before"] is True and changed["A2.1-group"]["after"] is False
    assert claim.events.filter(action="redecided").exists()


def test_every_kind_of_fact_is_read_with_its_type_on_both_databases(trainee, reference):
    from dte.catalog.models import County
    from dte.subsidy.models import Employment, PersonStatus

    person = trainee.person
    ruian = County.objects.get(code="330381")
    Residence.objects.create(person=person, kind="hukou", valid_from=date(2000, 1, 1))
    Unemployment.objects.create(person=person, county=ruian, registered_on=date(2023, 1, 5))
    Employment.objects.create(
        person=person,
        status="employed",
        employer="旧单位",
        started_on=date(2020, 1, 1),
        ended_on=date(2023, 1, 1),
    )
    Employment.objects.create(
        person=person,
        status="employed",
        employer="温州某局",
        in_wenzhou=False,
        public_institution_staff=True,
        started_on=date(2024, 2, 1),
    )
    PersonStatus.objects.create(
        person=person,
        school_in_wenzhou=True,
        graduation_date=date(2024, 6, 30),
        retired_on=date(2030, 1, 1),
        retirement_category="female_worker",
    )
    for month in (date(2025, 2, 1), date(2025, 1, 1), date(2025, 4, 1)):
        InsuranceMonth.objects.create(person=person, month=month, county=ruian)
    got = selectors.person_facts(person, date(2025, 3, 10))
    assert got["wenzhou_hukou"] is True and got["wenzhou_residence_permit"] is False
    assert got["unemployment_registered_in"] == "330381"
    assert got["employment"] == {
        "status": "employed",
        "employer": "温州某局",
        "in_wenzhou": False,
        "public_institution_staff": True,
    }
    assert got["graduate"] == {"school_in_wenzhou": True, "graduation_date": "2024-06-30"}
    assert got["retired"] is False
    assert got["insurance_months"] == [
        {"month": "2025-01", "county": "330381"},
        {"month": "2025-02", "county": "330381"},
    ]
    if person.sex == "female":
        assert got["retirement_category"] == "female_worker"
    assert selectors.person_facts(person, date(2030, 1, 2))["retired"] is True


def insurance_job(actor, person, at) -> FactImport:
    content = csv_bytes("id_number,month,county", f"{person.id_number},2024-11,330302")
    return facts.import_queue(actor=actor, kind="insurance", filename="ins.csv", content=content, at=at)


def test_an_import_sent_twice_runs_once_and_keeps_the_first_runs_counts(county_reviewer, trainee, at):
    job = insurance_job(county_reviewer, trainee.person, at)
    first = facts.import_run(job_id=job.pk, at=at)
    second = facts.import_run(job_id=job.pk, at=at + timedelta(minutes=1))
    assert (first.status, first.created, first.attempts) == ("done", 1, 1)
    assert (second.status, second.created, second.unchanged, second.attempts) == ("done", 1, 0, 1)
    assert AuditEntry.objects.filter(action="facts.imported").count() == 1


def test_an_import_taken_by_another_run_is_left_to_it(county_reviewer, trainee, at):
    job = insurance_job(county_reviewer, trainee.person, at)
    FactImport.objects.filter(pk=job.pk).update(status="running", beat_at=at, attempts=1)
    job = facts.import_run(job_id=job.pk, at=at)
    assert job.status == "running" and not InsuranceMonth.objects.exists()


def test_an_import_whose_consumer_died_is_queued_again_and_then_imported_once(county_reviewer, trainee, at):
    job = insurance_job(county_reviewer, trainee.person, at)
    FactImport.objects.filter(pk=job.pk).update(status="running", beat_at=at, attempts=1)  # then killed
    assert facts.imports_reclaim(at=at + jobs.STALE - timedelta(seconds=1)) == []  # slow, not dead
    assert facts.imports_reclaim(at=at + jobs.STALE + timedelta(seconds=1)) == [job.pk]
    assert facts.imports_reclaim(at=at + jobs.STALE + timedelta(seconds=2)) == []  # queued once
    requeued = AuditEntry.objects.get(action="facts.import_requeued")
    assert requeued.object_id == str(job.pk) and requeued.actor_id is None
    job = facts.import_run(job_id=job.pk, at=at + jobs.STALE + timedelta(seconds=3))
    assert (job.status, job.created, job.attempts) == ("done", 1, 2)
    assert InsuranceMonth.objects.filter(person=trainee.person).count() == 1


def test_a_run_thought_dead_that_wakes_up_writes_nothing(county_reviewer, trainee, at):
    job = insurance_job(county_reviewer, trainee.person, at)
    claimed = FactImport.objects.filter(pk=job.pk).update(status="running", beat_at=at, attempts=1)
    assert claimed
    slow_run = FactImport.objects.get(pk=job.pk)
    assert facts.imports_reclaim(at=at + jobs.STALE + timedelta(seconds=1)) == [job.pk]
    facts.import_run(job_id=job.pk, at=at + jobs.STALE + timedelta(seconds=2))  # attempt 2 imports
    parsed, errors = facts._import_check(
        slow_run, [(2, {"id_number": trainee.person.id_number, "month": "2024-12", "county": "330302"})]
    )
    assert not errors and facts._import_write(slow_run, parsed, total=1, at=at, actor=None) == set()
    assert list(InsuranceMonth.objects.values_list("month", flat=True)) == [date(2024, 11, 1)]


def test_an_import_interrupted_too_often_fails_with_a_message(county_reviewer, trainee, at):
    job = insurance_job(county_reviewer, trainee.person, at)
    FactImport.objects.filter(pk=job.pk).update(status="running", beat_at=at, attempts=jobs.MAX_ATTEMPTS)
    assert facts.imports_reclaim(at=at + jobs.STALE + timedelta(seconds=1)) == []
    job.refresh_from_db()
    assert job.status == "failed" and job.errors == [{"line": 0, "message": jobs.INTERRUPTED}]
    assert not InsuranceMonth.objects.exists()


def test_an_import_whose_task_was_lost_is_sent_again_once_a_period(county_reviewer, trainee, at):
    job = insurance_job(county_reviewer, trainee.person, at)
    later = at + jobs.STALE + timedelta(seconds=1)
    assert facts.imports_reclaim(at=later) == [job.pk]
    assert facts.imports_reclaim(at=later + timedelta(minutes=5)) == []
    assert facts.imports_reclaim(at=later + jobs.STALE + timedelta(seconds=1)) == [job.pk]


def test_an_unexpected_error_fails_the_import_instead_of_leaving_it_running(
    county_reviewer, trainee, at, monkeypatch
):
    job = insurance_job(county_reviewer, trainee.person, at)

    def broken(*args, **kwargs):
        raise RuntimeError("disk gone")

    monkeypatch.setattr(facts, "_import_write", broken)
    with pytest.raises(RuntimeError):
        facts.import_run(job_id=job.pk, at=at)
    job.refresh_from_db()
    assert job.status == "failed" and job.errors == [{"line": 0, "message": jobs.FAILED_UNEXPECTEDLY}]
