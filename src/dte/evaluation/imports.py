"""The results import [P3.3] as background jobs once a file is long (dte.accounts.jobs), in the two
steps of the page: a preview job checks every row (progress saved as it goes) and writes nothing; its
confirmation queues an import job of the same file, which checks every row again and records the
scores and issues the certificates through ``results_file.results_import``, in one transaction or not
at all."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.urls import reverse

from dte.accounts import jobs
from dte.accounts.models import ImportJob
from dte.core.permissions import Cap, require
from dte.evaluation import results_file, services
from dte.training.tables import Row, read_table

PREVIEW = "evaluation.results.preview"
IMPORT = "evaluation.results"
KINDS = (PREVIEW, IMPORT)
KEPT = "evaluation.results.kept"  # a short file previewed in the request, kept for its confirmation


def results_keep(*, actor, filename: str, content: bytes, rows: int, at: datetime) -> ImportJob:
    """A short results file previewed in the request, kept (encrypted) for its confirmation."""
    require(actor, Cap.MANAGE_EVALUATION)
    return jobs.upload_keep(
        actor=actor,
        kind=KEPT,
        title="导入考核成绩:待确认",
        filename=filename,
        content=content,
        rows_total=rows,
        back_url=reverse("evaluation:results_import"),
        at=at,
    )


@transaction.atomic
def results_confirm(*, actor, kept: int, at: datetime) -> results_file.ImportReport | None:
    """The kept file imported (scores recorded, certificates issued), all or nothing, once; None when
    there is no such file to confirm (confirmed already, cancelled, expired, another person's). A
    file refused by a change since its preview stays kept."""
    require(actor, Cap.MANAGE_EVALUATION)
    job = jobs.upload_take(actor=actor, kind=KEPT, pk=kept, at=at)
    if job is None:
        return None
    report = results_file.results_import(actor=actor, rows=_job_rows(job), filename=job.filename, at=at)
    if not report.ok:
        transaction.set_rollback(True)
    return report


def results_drop(*, actor, kept: int, at: datetime) -> bool:
    """The kept file given up by its uploader: erased, nothing imported."""
    return jobs.upload_drop(actor=actor, kind=KEPT, pk=kept, at=at)


def results_preview_queue(*, actor, filename: str, content: bytes, rows: int, at: datetime) -> ImportJob:
    """Record a long results file as a preview job (the caller queues ``run_results_preview``)."""
    require(actor, Cap.MANAGE_EVALUATION)
    return jobs.job_queue(
        actor=actor,
        kind=PREVIEW,
        title="导入考核成绩:预览",
        filename=filename,
        content=content,
        rows_total=rows,
        back_url=reverse("evaluation:results_import"),
        at=at,
    )


@transaction.atomic
def results_import_queue(*, actor, preview_id: int, at: datetime) -> ImportJob:
    """The confirmation of a clean preview: its file as an import job (the caller queues
    ``run_results_import``). A preview is confirmed once: confirming it again returns the same
    job."""
    require(actor, Cap.MANAGE_EVALUATION)
    return jobs.job_confirm(
        actor=actor,
        preview_kind=PREVIEW,
        kind=IMPORT,
        preview_id=preview_id,
        title="导入考核成绩",
        back_url=reverse("evaluation:results_import"),
        refused="预览未完成、有错误或没有需要导入的成绩,不能确认导入",
        at=at,
    )


def _job_rows(job: ImportJob) -> list[Row]:
    return read_table(content=bytes(job.content), filename=job.filename, required=services.RESULT_COLUMNS)


def _plan(job: ImportJob, progress: jobs.Progress) -> results_file.ResultsPlan:
    assert job.started_at is not None  # set when the job was claimed
    return results_file.results_preview(
        actor=job.uploaded_by, rows=_job_rows(job), at=job.started_at, progress=progress
    )


def _preview(job: ImportJob, progress: jobs.Progress) -> jobs.Outcome:
    plan = _plan(job, progress)
    outcome = jobs.Outcome(
        summary=[
            ("将登记成绩", plan.to_record),
            ("将颁发专业技术等级证书", plan.to_issue),
            ("已登记无变化", plan.unchanged),
            ("未填写成绩而跳过的行", len(plan.skipped)),
        ],
        errors=plan.report.errors,
    )
    if plan.to_record or plan.to_issue:
        outcome.next_url = reverse("evaluation:results_job_confirm", args=[job.pk])
        outcome.next_label = f"确认导入:登记 {plan.to_record} 条成绩,颁发 {plan.to_issue} 张证书"
    return outcome


def _check(job: ImportJob, progress: jobs.Progress) -> jobs.Outcome:
    return jobs.Outcome(errors=_plan(job, progress).report.errors)


def _write(job: ImportJob) -> jobs.Outcome:
    assert job.started_at is not None
    report = results_file.results_import(
        actor=job.uploaded_by, rows=_job_rows(job), filename=job.filename, at=job.started_at
    )
    return jobs.Outcome(
        summary=[
            ("登记成绩", report.updated),
            ("颁发专业技术等级证书", report.created),
            ("未变化", report.unchanged),
        ],
        errors=report.errors,
    )


PREVIEW_STEPS = jobs.Steps(check=_preview)
IMPORT_STEPS = jobs.Steps(check=_check, write=_write)


def results_jobs(*, actor):
    """The results imports in the background the actor may see, the latest first."""
    return jobs.jobs_for(actor=actor).filter(kind__in=KINDS)
