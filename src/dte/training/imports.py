"""The training imports that run as background jobs once a file is long (dte.accounts.jobs): online
learning records [P2.3]. The job checks every row with its progress saved, then imports the file
through the same service as the request does (``online_records_import``: checked again and
written in one transaction, or not at all)."""

from __future__ import annotations

from datetime import datetime

from django.urls import reverse

from dte.accounts import jobs
from dte.accounts.models import ImportJob
from dte.training import rules, services
from dte.training.models import TrainingClass
from dte.training.tables import ImportReport, Row, read_table

ONLINE = "training.online_records"


def online_import_queue(
    *, actor, klass: TrainingClass, filename: str, content: bytes, rows: int, at: datetime
) -> ImportJob:
    """Record a long file of online learning records for the class as a job (the caller queues the
    task ``run_online_import``)."""
    rules.require_institution(actor, klass.plan.institution_id)
    return jobs.job_queue(
        actor=actor,
        kind=ONLINE,
        title=f"导入线上学习记录:{klass.name}",
        filename=filename,
        content=content,
        rows_total=rows,
        back_url=reverse("training:online_import", args=[klass.pk]),
        params={"class": klass.pk},
        at=at,
    )


def _job_rows(job: ImportJob) -> list[Row]:
    return read_table(content=bytes(job.content), filename=job.filename, required=services.ONLINE_COLUMNS)


def _job_class(job: ImportJob) -> TrainingClass:
    return TrainingClass.objects.select_related("plan").get(pk=job.params["class"])


def _outcome(report: ImportReport) -> jobs.Outcome:
    return jobs.Outcome(
        summary=[("新增", report.created), ("更新", report.updated), ("未变化", report.unchanged)],
        errors=report.errors,
        warnings=report.warnings,
    )


def _online_check(job: ImportJob, progress: jobs.Progress) -> jobs.Outcome:
    at = job.started_at
    assert at is not None  # set when the job was claimed
    report = services.online_records_check(
        actor=job.uploaded_by, klass=_job_class(job), rows=_job_rows(job), at=at, progress=progress
    )
    return jobs.Outcome(errors=report.errors)


def _online_write(job: ImportJob) -> jobs.Outcome:
    at = job.started_at
    assert at is not None
    report = services.online_records_import(
        actor=job.uploaded_by, klass=_job_class(job), rows=_job_rows(job), filename=job.filename, at=at
    )
    return _outcome(report)


ONLINE_STEPS = jobs.Steps(check=_online_check, write=_online_write)


def online_jobs(*, actor, klass: TrainingClass):
    """The class's background imports of online records the actor may see, the latest first."""
    return jobs.jobs_for(actor=actor).filter(kind=ONLINE, params__class=klass.pk)
