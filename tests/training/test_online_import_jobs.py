"""A long file of online learning records runs as a background job (dte.accounts.jobs): it ends with
the records the request path writes, all or nothing, once, and only its institution sees it."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dte.accounts import jobs
from dte.accounts.models import ImportJob
from dte.audit.models import AuditEntry
from dte.training import imports
from dte.training.models import Attendance
from dte.training.tasks import run_online_import
from tests.training import helpers as h

AFTER = h.local(2025, 4, 10, 9)  # the morning after the online session


@pytest.fixture
def after_online():
    with (
        mock.patch("dte.core.clock.now", return_value=AFTER),
        mock.patch("dte.core.clock.today", return_value=AFTER.date()),
    ):
        yield AFTER


@pytest.fixture
def long_files(monkeypatch):
    """Every file counts as long: more rows than the threshold, lowered for the test."""
    monkeypatch.setattr(jobs, "BACKGROUND_ROWS", 0)


def online_file(rows) -> SimpleUploadedFile:
    lines = ["身份证号,姓名,课次编号,开始时间,结束时间"] + [",".join(map(str, r)) for r in rows]
    return SimpleUploadedFile("online.csv", "\n".join(lines).encode("utf-8-sig"))


def upload(client, klass, rows):
    return client.post(reverse("training:online_import", args=[klass.pk]), {"file": online_file(rows)})


@pytest.mark.parametrize("path", ["background", "request"])
def test_a_long_file_becomes_a_job_and_ends_with_the_same_records_as_the_request_path(
    client_as, running, institution_staff, trainee, after_online, monkeypatch, path
):
    if path == "background":
        monkeypatch.setattr(jobs, "BACKGROUND_ROWS", 0)
    klass, enrolment, (_, _, s3) = running
    client = client_as(institution_staff)
    page = upload(
        client, klass, [(trainee.person.id_number, "陈晓明", s3.pk, "2025-04-09 18:58", "2025-04-09 20:01")]
    )
    a = Attendance.objects.get(enrolment=enrolment)
    assert (a.session, a.minutes, a.source) == (s3, 60, Attendance.Source.IMPORT)
    assert AuditEntry.objects.filter(action="training.attendance.import").count() == 1
    if path == "request":
        assert page.status_code == 200 and not ImportJob.objects.exists()
        return
    job = ImportJob.objects.get()
    assert page.status_code == 302 and page["Location"] == reverse("web:job", args=[job.pk])
    assert (job.status, job.rows_done, job.rows_total, job.kind) == ("done", 1, 1, imports.ONLINE)
    assert job.summary == [["新增", 1], ["更新", 0], ["未变化", 0]]
    assert job.uploaded_by == institution_staff and job.institution == institution_staff.institution
    assert bytes(job.content).startswith("\ufeff身份证号".encode()) and len(job.sha256) == 64
    actions = set(
        AuditEntry.objects.filter(object_type="accounts.ImportJob", object_id=str(job.pk)).values_list(
            "action", flat=True
        )
    )
    assert actions == {"imports.job_queued", "imports.job_done"}
    html = client.get(page["Location"]).content.decode()
    assert "导入线上学习记录" in html and "新增:1" in html and 'id="job-progress"' in html
    assert "job.js" not in html and "刷新" not in html  # finished: no more polling
    form = client.get(reverse("training:online_import", args=[klass.pk])).content.decode()
    assert reverse("web:job", args=[job.pk]) in form  # linked from where the upload was made


def test_a_bad_row_in_a_long_file_changes_nothing_and_the_result_page_lists_it_masked(
    client_as, running, institution_staff, trainee, after_online, long_files
):
    klass, _, (_, _, s3) = running
    number = trainee.person.id_number
    wrong = number[:-1] + ("0" if number[-1] != "0" else "1")  # a wrong check digit
    client = client_as(institution_staff)
    page = upload(
        client,
        klass,
        [
            (number, "陈晓明", s3.pk, "2025-04-09 19:00", "2025-04-09 20:00"),
            (wrong, "陈晓明", s3.pk, "2025-04-09 19:00", "2025-04-09 20:00"),
        ],
    )
    job = ImportJob.objects.get()
    assert job.status == "failed" and job.errors == [[3, f"身份证号「{wrong[:6]}********{wrong[-4:]}」无效"]]
    assert not Attendance.objects.exists()
    assert not AuditEntry.objects.filter(action="training.attendance.import").exists()
    html = client.get(page["Location"]).content.decode()
    assert "文件未导入:以下行有误" in html and f"{wrong[:6]}********{wrong[-4:]}" in html
    assert wrong not in html


def test_a_job_run_twice_changes_nothing_more(
    client_as, running, institution_staff, trainee, after_online, long_files
):
    klass, _, (_, _, s3) = running
    upload(
        client_as(institution_staff),
        klass,
        [(trainee.person.id_number, "陈晓明", s3.pk, "2025-04-09 19:00", "2025-04-09 20:00")],
    )
    job = ImportJob.objects.get()
    entries = AuditEntry.objects.count()
    assert run_online_import.call_local(job.pk) == "skipped"  # already run when it was queued
    ImportJob.objects.filter(pk=job.pk).update(status="running")  # a second consumer mid-run
    assert jobs.job_claim(job_id=job.pk, at=AFTER) is None
    assert Attendance.objects.count() == 1 and AuditEntry.objects.count() == entries


def test_another_institution_cannot_see_the_job_but_a_colleague_can(
    client_as, running, institution_staff, other_staff, trainee, after_online, long_files
):
    klass, _, (_, _, s3) = running
    upload(
        client_as(institution_staff),
        klass,
        [(trainee.person.id_number, "陈晓明", s3.pk, "2025-04-09 19:00", "2025-04-09 20:00")],
    )
    job = ImportJob.objects.get()
    other = client_as(other_staff)
    assert other.get(reverse("web:job", args=[job.pk])).status_code == 404
    assert other.get(reverse("web:job_progress", args=[job.pk])).status_code == 404
    colleague = h.staff_of("杭州电子科技大学", "hdu_colleague")
    assert client_as(colleague).get(reverse("web:job", args=[job.pk])).status_code == 200


def test_the_progress_endpoint_returns_the_rows_done_and_the_total(
    client_as, running, institution_staff, trainee, after_online
):
    klass, _, (_, _, s3) = running
    row = (trainee.person.id_number, "陈晓明", s3.pk, "2025-04-09 19:00", "2025-04-09 20:00")
    job = imports.online_import_queue(
        actor=institution_staff,
        klass=klass,
        filename="online.csv",
        content=online_file([row]).read(),
        rows=1,
        at=AFTER,
    )
    client = client_as(institution_staff)
    url = reverse("web:job_progress", args=[job.pk])
    assert client.get(url).json() == {
        "status": "queued",
        "status_label": "排队中",
        "done": 0,
        "total": 1,
        "finished": False,
    }
    page = client.get(reverse("web:job", args=[job.pk])).content.decode()
    assert "web/job.js" in page and '<meta http-equiv="refresh"' in page and "刷新" in page
    run_online_import(job.pk)
    assert client.get(url).json() == {
        "status": "done",
        "status_label": "已完成",
        "done": 1,
        "total": 1,
        "finished": True,
    }


def test_a_job_whose_consumer_died_is_queued_again_says_so_and_ends_with_the_records_once(
    client_as, running, institution_staff, trainee, after_online
):
    klass, enrolment, (_, _, s3) = running
    row = (trainee.person.id_number, "陈晓明", s3.pk, "2025-04-09 19:00", "2025-04-09 20:00")
    job = imports.online_import_queue(
        actor=institution_staff,
        klass=klass,
        filename="online.csv",
        content=online_file([row]).read(),
        rows=1,
        at=AFTER,
    )
    jobs.job_claim(job_id=job.pk, at=AFTER)  # the consumer takes it and dies: nothing written
    assert [j.pk for j in jobs.jobs_reclaim(at=AFTER + jobs.STALE + timedelta(minutes=1))] == [job.pk]
    page = client_as(institution_staff).get(reverse("web:job", args=[job.pk])).content.decode()
    assert "已自动重新排队" in page and "第 2 次处理" in page and not Attendance.objects.exists()
    assert run_online_import.call_local(job.pk) == "done"
    assert run_online_import.call_local(job.pk) == "skipped"
    assert Attendance.objects.get(enrolment=enrolment).minutes == 60
