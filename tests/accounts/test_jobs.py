"""The background import jobs (dte.accounts.jobs): claimed once, all or nothing, masked, scoped."""

import hashlib
from datetime import timedelta

import pytest
from django.db import transaction

import dte.evaluation.tasks
import dte.training.tasks  # noqa: F401
from dte.accounts import jobs, tasks
from dte.accounts.models import ImportJob
from dte.audit.models import AuditEntry
from tests.conftest import AT


@pytest.fixture
def job(institution_staff):
    return jobs.job_queue(
        actor=institution_staff,
        kind="test",
        title="测试导入",
        filename="a.csv",
        content=b"x\n1\n2\n",
        rows_total=2,
        at=AT,
    )


def test_a_queued_job_is_claimed_once(job):
    assert jobs.job_claim(job_id=job.pk, at=AT).status == "running"
    assert jobs.job_claim(job_id=job.pk, at=AT) is None  # a second consumer finds it taken


def test_the_file_is_kept_encrypted_with_its_digest_and_the_uploaders_scope(job, institution_staff):
    stored = ImportJob.objects.get(pk=job.pk)
    assert bytes(stored.content) == b"x\n1\n2\n" and stored.sha256 == hashlib.sha256(b"x\n1\n2\n").hexdigest()
    assert stored.institution_id == institution_staff.institution_id and stored.county_id is None
    assert AuditEntry.objects.filter(action="imports.job_queued", object_id=str(job.pk)).exists()


def test_a_step_that_fails_unexpectedly_leaves_the_job_failed_and_nothing_written(job):
    def write(j):
        ImportJob.objects.filter(pk=j.pk).update(title="changed")  # rolled back with the failure
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        jobs.job_run(job_id=job.pk, steps=jobs.Steps(check=lambda j, p: jobs.Outcome(), write=write), at=AT)
    job.refresh_from_db()
    assert (
        job.status == "failed" and job.title == "测试导入" and job.errors == [[0, jobs.FAILED_UNEXPECTEDLY]]
    )


def test_a_write_refused_after_the_check_rolls_back_and_lists_its_rows(job):
    def write(j):
        ImportJob.objects.filter(pk=j.pk).update(title="changed")
        return jobs.Outcome(errors=[(2, "身份证号「330302199005120011」无效")])

    jobs.job_run(job_id=job.pk, steps=jobs.Steps(check=lambda j, p: jobs.Outcome(), write=write), at=AT)
    job.refresh_from_db()
    assert job.status == "failed" and job.title == "测试导入"
    assert job.errors == [[2, "身份证号「330302********0011」无效"]]


def test_progress_is_saved_as_the_rows_are_checked(job):
    seen = []

    def check(j, progress):
        for done in range(3):
            progress(done)
            seen.append(ImportJob.objects.get(pk=j.pk).rows_done)
        return jobs.Outcome(summary=[("新增", 2)])

    jobs.job_run(job_id=job.pk, steps=jobs.Steps(check=check), at=AT)
    job.refresh_from_db()
    assert seen == [0, 0, 2] and (job.status, job.rows_done, job.summary) == ("done", 2, [["新增", 2]])


LATER = AT + jobs.STALE + timedelta(minutes=1)


def test_a_job_whose_consumer_died_is_queued_again_once_and_its_task_sent(job, monkeypatch):
    jobs.job_claim(job_id=job.pk, at=AT)  # the consumer then dies: no progress, nothing written
    sent = []
    monkeypatch.setitem(jobs.TASKS, "test", sent.append)
    assert tasks.send_again(AT + jobs.STALE - timedelta(minutes=1)) == 0  # not yet taken as dead
    assert tasks.send_again(LATER) == 1 and sent == [job.pk]
    assert tasks.send_again(LATER) == 0  # a second node reclaiming at once finds it queued
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("queued", 1)
    assert AuditEntry.objects.filter(action="imports.job_requeued", object_id=str(job.pk)).count() == 1
    assert (
        jobs.job_run(job_id=job.pk, steps=jobs.Steps(check=lambda j, p: jobs.Outcome()), at=LATER).attempts
        == 2
    )


def test_a_run_taken_for_dead_that_wakes_up_writes_nothing(job):
    written = []

    def write(j):
        written.append(j.attempts)
        return jobs.Outcome(summary=[("新增", 2)])

    def slow_check(j, progress):
        if j.attempts == 1:  # the first run stalls; meanwhile it is reclaimed and run again
            assert [r.pk for r in jobs.jobs_reclaim(at=LATER)] == [j.pk]
            assert jobs.job_run(job_id=j.pk, steps=jobs.Steps(check=slow_check, write=write), at=LATER)
        return jobs.Outcome()

    assert jobs.job_run(job_id=job.pk, steps=jobs.Steps(check=slow_check, write=write), at=AT) is None
    job.refresh_from_db()
    assert written == [2] and (job.status, job.attempts, job.summary) == ("done", 2, [["新增", 2]])
    assert AuditEntry.objects.filter(action="imports.job_done", object_id=str(job.pk)).count() == 1


def test_a_job_interrupted_at_every_attempt_is_failed_with_a_message_and_nothing_written(job):
    at = AT
    for attempt in range(1, jobs.MAX_ATTEMPTS + 1):
        assert jobs.job_claim(job_id=job.pk, at=at).attempts == attempt
        at += jobs.STALE + timedelta(minutes=1)
        assert [r.pk for r in jobs.jobs_reclaim(at=at)] == ([job.pk] if attempt < jobs.MAX_ATTEMPTS else [])
    job.refresh_from_db()
    assert (job.status, job.errors) == ("failed", [[0, jobs.INTERRUPTED]])
    assert AuditEntry.objects.filter(action="imports.job_failed", object_id=str(job.pk)).exists()


def test_a_job_showing_progress_is_left_to_run(job):
    jobs.job_claim(job_id=job.pk, at=AT)
    ImportJob.objects.filter(pk=job.pk).update(beat_at=LATER - timedelta(minutes=1))  # progress saved
    assert jobs.jobs_reclaim(at=LATER) == []
    assert ImportJob.objects.get(pk=job.pk).status == "running"


def test_a_queued_job_no_consumer_took_is_sent_again_at_most_once_a_period(job):
    assert [r.pk for r in jobs.jobs_reclaim(at=LATER)] == [job.pk]
    assert jobs.jobs_reclaim(at=LATER + timedelta(minutes=5)) == []
    assert [r.pk for r in jobs.jobs_reclaim(at=LATER + jobs.STALE + timedelta(minutes=1))] == [job.pk]
    assert ImportJob.objects.get(pk=job.pk).status == "queued"


def test_each_import_kind_has_its_task_to_be_sent_again():
    from dte.evaluation import imports as evaluation_imports
    from dte.training import imports as training_imports

    for kind in (evaluation_imports.PREVIEW, evaluation_imports.IMPORT, training_imports.ONLINE):
        assert kind in jobs.TASKS, kind


def kept_file(actor, at=AT):
    return jobs.upload_keep(
        actor=actor,
        kind="test.kept",
        title="待确认",
        filename="a.csv",
        content=b"x\n1\n",
        rows_total=1,
        at=at,
    )


def test_a_kept_file_is_taken_once_by_its_uploader_and_given_back_if_the_write_rolls_back(
    institution_staff, evaluation_staff
):
    kept = kept_file(institution_staff)
    assert kept.status == "kept" and jobs.jobs_reclaim(at=LATER) == []  # no task runs a kept file
    with transaction.atomic():
        assert jobs.upload_take(actor=evaluation_staff, kind="test.kept", pk=kept.pk, at=AT) is None
        assert jobs.upload_take(actor=institution_staff, kind="other", pk=kept.pk, at=AT) is None
        assert (
            bytes(jobs.upload_take(actor=institution_staff, kind="test.kept", pk=kept.pk, at=AT).content)
            == b"x\n1\n"
        )
        transaction.set_rollback(True)  # the write refused: the file stays kept
    with transaction.atomic():
        assert jobs.upload_take(actor=institution_staff, kind="test.kept", pk=kept.pk, at=AT).status == "done"
    with transaction.atomic():
        assert jobs.upload_take(actor=institution_staff, kind="test.kept", pk=kept.pk, at=AT) is None


def test_a_kept_file_never_confirmed_is_erased_after_a_day(institution_staff):
    kept = kept_file(institution_staff)
    jobs.jobs_reclaim(at=AT + jobs.KEPT_FOR - timedelta(minutes=1))
    assert ImportJob.objects.get(pk=kept.pk).status == "kept"
    jobs.jobs_reclaim(at=AT + jobs.KEPT_FOR + timedelta(minutes=1))
    kept.refresh_from_db()
    assert (kept.status, bytes(kept.content), kept.errors) == ("failed", b"", [[0, jobs.EXPIRED]])
    assert AuditEntry.objects.filter(action="imports.job_expired", object_id=str(kept.pk)).exists()
    with transaction.atomic():
        assert jobs.upload_take(actor=institution_staff, kind="test.kept", pk=kept.pk, at=AT) is None
