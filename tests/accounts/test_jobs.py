"""The background import jobs (dte.accounts.jobs): claimed once, all or nothing, masked, scoped."""

import hashlib

import pytest

from dte.accounts import jobs
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
