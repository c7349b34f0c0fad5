"""Long imports as background jobs: an uploaded file of more than ``BACKGROUND_ROWS`` rows is recorded
as an ``ImportJob`` (the file encrypted at rest, who uploaded it and in which scope) and run by a huey
task of the app whose import it is; a shorter file is imported in the request as before.

A run keeps the imports' all-or-nothing rule: ``Steps.check`` reads the file and checks every row,
writing nothing, with the rows done saved as it goes (the job page's progress bar); only a clean file
reaches ``Steps.write``, which runs in the one transaction that also finishes the job. A job runs
once: ``job_claim`` moves it from queued to running by a conditional UPDATE, so a job run twice, or
by two consumers at once, has its effect once. Only the uploader's scope (the same institution,
evaluation body or county, else the uploader alone) sees a job (``jobs_for``)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet

from dte.accounts.models import ImportJob
from dte.audit import services as audit
from dte.people.masking import mask_id_number

BACKGROUND_ROWS = 300  # a file of more rows runs as a job (tests lower it)
PROGRESS_EVERY = 20  # rows checked between two saves of the progress
ERRORS_KEPT = 2000  # refused rows kept on the job (the count is always whole)
FAILED_UNEXPECTEDLY = "导入过程中出错,未写入任何数据;请重新上传,如仍失败请联系管理员"

Progress = Callable[[int], None]


def runs_in_background(rows: int) -> bool:
    """Whether a file of ``rows`` data rows is imported by a job rather than in the request."""
    return rows > BACKGROUND_ROWS


@dataclass
class Outcome:
    """What a step found or did: counts as (label, count), refused rows and rows written with a
    warning as (line, reason); a finished preview may offer its next step (a confirmation)."""

    summary: list[tuple[str, int]] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)
    warnings: list[tuple[int, str]] = field(default_factory=list)
    next_url: str = ""
    next_label: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class Steps:
    """An import split for a job. ``check(job, progress)`` reads the job's file and checks every row,
    writing nothing, calling ``progress(rows_done)`` as it goes; ``write(job)`` checks again and
    writes, inside the transaction that finishes the job (None: the check is the whole job, a
    preview)."""

    check: Callable[[ImportJob, Progress], Outcome]
    write: Callable[[ImportJob], Outcome] | None = None


@transaction.atomic
def job_queue(
    *,
    actor,
    kind: str,
    title: str,
    filename: str,
    content: bytes,
    rows_total: int,
    back_url: str = "",
    params: dict | None = None,
    at: datetime,
) -> ImportJob:
    """Record an uploaded file as a job, in the uploader's scope; the caller queues its task."""
    if not content:
        raise ValidationError({"file": "文件为空"})
    job = ImportJob.objects.create(
        kind=kind,
        title=title[:200],
        params=params or {},
        filename=filename[:200],
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
        uploaded_by=actor,
        institution_id=actor.institution_id,
        evaluation_body_id=actor.evaluation_body_id,
        county_id=actor.county_id,
        back_url=back_url[:300],
        rows_total=rows_total,
        created_at=at,
    )
    audit.record(
        actor=actor,
        action="imports.job_queued",
        obj=job,
        at=at,
        after={"kind": kind, "file": job.filename, "sha256": job.sha256, "rows": rows_total, **job.params},
    )
    return job


def job_claim(*, job_id: int, at: datetime) -> ImportJob | None:
    """The job, moved from queued to running by one conditional UPDATE; None when it is not queued
    (already run, or claimed by another consumer a moment before)."""
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.QUEUED).update(
        status=ImportJob.Status.RUNNING, started_at=at
    )
    return ImportJob.objects.get(pk=job_id) if claimed else None


def job_run(*, job_id: int, steps: Steps, at: datetime) -> ImportJob | None:
    """Run a queued job: claim it, check every row (progress saved as it goes), then write all rows
    in one transaction with the job's end, or none. Returns the finished job, or None when the job was
    not queued (a second run changes nothing)."""
    job = job_claim(job_id=job_id, at=at)
    if job is None:
        return None
    try:
        outcome = steps.check(job, _progress(job))
        if outcome.ok and steps.write is not None:
            with transaction.atomic():
                outcome = steps.write(job)
                if outcome.ok:
                    _finish(job, outcome, at=at)
                    return job
                transaction.set_rollback(True)  # changed since the check: nothing is written
        _finish(job, outcome, at=at)
    except ValidationError as exc:
        _finish(job, Outcome(errors=[(0, m) for m in exc.messages]), at=at)
    except Exception:
        _finish(job, Outcome(errors=[(0, FAILED_UNEXPECTEDLY)]), at=at)
        raise
    return job


def _progress(job: ImportJob) -> Progress:
    def progress(done: int) -> None:
        if done % PROGRESS_EVERY == 0 or done >= job.rows_total:
            ImportJob.objects.filter(pk=job.pk).update(rows_done=min(done, job.rows_total))

    return progress


_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(?:\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")


def mask_ids(text: str) -> str:
    """Text with every ID number in it masked (the first 6 and last 4 characters kept)."""
    return _ID_NUMBER.sub(lambda m: mask_id_number(m.group(0)), text)


def _lines(pairs: list[tuple[int, str]]) -> list[list]:
    return [[line, mask_ids(str(reason))] for line, reason in pairs[:ERRORS_KEPT]]


@transaction.atomic
def _finish(job: ImportJob, outcome: Outcome, *, at: datetime) -> None:
    """The job done (or failed, with its refused rows), refreshed in place, with its audit entry."""
    status = ImportJob.Status.DONE if outcome.ok else ImportJob.Status.FAILED
    done = {"rows_done": job.rows_total} if outcome.ok else {}
    ImportJob.objects.filter(pk=job.pk).update(
        status=status,
        **done,
        summary=[[label, count] for label, count in outcome.summary],
        errors=_lines(outcome.errors),
        warnings=_lines(outcome.warnings),
        next_url=outcome.next_url[:300],
        next_label=outcome.next_label[:100],
        finished_at=at,
    )
    job.refresh_from_db()
    audit.record(
        actor=job.uploaded_by,
        action=f"imports.job_{status}",
        obj=job,
        at=at,
        changes={
            "kind": job.kind,
            "summary": job.summary,
            "errors": len(outcome.errors),
            "warnings": len(outcome.warnings),
        },
    )


def jobs_for(*, actor) -> QuerySet[ImportJob]:
    """The jobs the actor may see: its own and those uploaded in its institution, evaluation body or
    county (without the files)."""
    scope = Q(uploaded_by_id=actor.pk)
    if actor.institution_id:
        scope |= Q(institution_id=actor.institution_id)
    if actor.evaluation_body_id:
        scope |= Q(evaluation_body_id=actor.evaluation_body_id)
    if actor.county_id:
        scope |= Q(county_id=actor.county_id)
    return ImportJob.objects.filter(scope).defer("content")
