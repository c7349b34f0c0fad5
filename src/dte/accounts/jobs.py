"""Long imports as background jobs: an uploaded file of more than ``BACKGROUND_ROWS`` rows is recorded
as an ``ImportJob`` (the file encrypted at rest, who uploaded it and in which scope) and run by a huey
task of the app whose import it is; a shorter file is imported in the request as before.

A run keeps the imports' all-or-nothing rule: ``Steps.check`` reads the file and checks every row,
writing nothing, with the rows done saved as it goes (the job page's progress bar); only a clean file
reaches ``Steps.write``, which runs in the one transaction that also finishes the job. A job runs
once: ``job_claim`` moves it from queued to running by a conditional UPDATE, so a job run twice, or
by two consumers at once, has its effect once. A run whose consumer died (killed, the machine
restarted) has written nothing; ``jobs_reclaim`` (every few minutes) queues it again once it has
shown no progress for ``STALE``, at most ``MAX_ATTEMPTS`` runs in all, then fails it. Each claim
counts an attempt, and only the run of the current attempt may write and finish the job: a run
thought dead that wakes up finds the job no longer its own and writes nothing. Only the uploader's
scope (the same institution, evaluation body or county, else the uploader alone) sees a job
(``jobs_for``)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q, QuerySet

from dte.accounts.models import ImportJob
from dte.audit import services as audit
from dte.core import clock
from dte.people.masking import mask_id_number

BACKGROUND_ROWS = 300  # a file of more rows runs as a job (tests lower it)
PROGRESS_EVERY = 20  # rows checked between two saves of the progress
ERRORS_KEPT = 2000  # refused rows kept on the job (the count is always whole)
FAILED_UNEXPECTEDLY = "导入过程中出错,未写入任何数据;请重新上传,如仍失败请联系管理员"
STALE = timedelta(minutes=10)  # a running job with no progress for this long is taken as dead
MAX_ATTEMPTS = 3
KEPT_FOR = timedelta(hours=24)  # a file previewed in the request may be confirmed for this long
EXPIRED = "预览已过期,未导入任何数据;请重新上传文件"
INTERRUPTED = f"导入已中断{MAX_ATTEMPTS}次(后台任务进程停止),未写入任何数据;请重新上传,如仍失败请联系管理员"

Progress = Callable[[int], None]


# kind → the huey task that runs a job of that kind (each app's tasks module registers its own), for
# ``jobs_reclaim``'s caller to send a reclaimed job again
TASKS: dict[str, Callable[[int], object]] = {}


def register(kind: str, task: Callable[[int], object]) -> Callable[[int], object]:
    TASKS[kind] = task
    return task


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


def job_confirm(
    *,
    actor,
    preview_kind: str,
    kind: str,
    preview_id: int,
    title: str,
    back_url: str,
    refused: str,
    params: dict | None = None,
    at: datetime,
) -> ImportJob:
    """The confirmation of a clean preview job (done, offering its next step): its file as a job of
    ``kind`` (the caller queues its task), with ``params`` and the preview's number. A preview is
    confirmed once: confirming it again returns the same job. Must run inside the caller's
    transaction (the preview is locked); ``refused`` is the message for a preview that may not be
    confirmed."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("job_confirm must be called inside the confirming transaction")
    preview = jobs_for(actor=actor).select_for_update().filter(kind=preview_kind, pk=preview_id).first()
    if preview is None:
        raise ValidationError("预览不存在")
    if preview.status != ImportJob.Status.DONE or not preview.next_url:
        raise ValidationError(refused)
    earlier = ImportJob.objects.filter(kind=kind, params__preview=preview.pk).first()
    if earlier is not None:
        return earlier
    return job_queue(
        actor=actor,
        kind=kind,
        title=title,
        filename=preview.filename,
        content=bytes(ImportJob.objects.get(pk=preview.pk).content),
        rows_total=preview.rows_total,
        back_url=back_url,
        params={"preview": preview.pk, **(params or {})},
        at=at,
    )


def upload_keep(
    *,
    actor,
    kind: str,
    title: str,
    filename: str,
    content: bytes,
    rows_total: int,
    params: dict | None = None,
    back_url: str = "",
    at: datetime,
) -> ImportJob:
    """A file previewed in the request, kept for its confirmation: a job of its own kind awaiting
    confirmation (the file encrypted at rest, in the uploader's scope), instead of the rows in the
    page or a plain file on disk. ``upload_take`` hands it over once."""
    with transaction.atomic():
        job = job_queue(
            actor=actor,
            kind=kind,
            title=title,
            filename=filename,
            content=content,
            rows_total=rows_total,
            back_url=back_url,
            params=params,
            at=at,
        )
        ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.KEPT)
    job.status = ImportJob.Status.KEPT
    return job


def upload_take(*, actor, kind: str, pk: int, at: datetime) -> ImportJob | None:
    """The kept file ``pk`` of this uploader, marked done, to be written in the caller's transaction
    (rolled back with it, the file may be confirmed again); None when there is none to take (taken
    already, another person's, another kind, or kept longer than ``KEPT_FOR``)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("upload_take must be called inside the writing transaction")
    taken = ImportJob.objects.filter(
        pk=pk, kind=kind, uploaded_by_id=actor.pk, status=ImportJob.Status.KEPT, created_at__gte=at - KEPT_FOR
    ).update(status=ImportJob.Status.DONE, rows_done=F("rows_total"), finished_at=at)
    if not taken:
        return None
    job = ImportJob.objects.get(pk=pk)
    audit.record(actor=actor, action="imports.job_done", obj=job, at=at, changes={"kind": kind})
    return job


def upload_drop(*, actor, kind: str, pk: int, at: datetime) -> bool:
    """A kept file given up by its uploader (cancelled): the file erased, nothing imported."""
    kept = ImportJob.objects.filter(pk=pk, kind=kind, uploaded_by_id=actor.pk)
    return _erase(kept, actor=actor, reason="已取消导入", action="imports.job_cancelled", at=at)


@transaction.atomic
def _erase(jobs: QuerySet[ImportJob], *, actor, reason: str, action: str, at: datetime) -> bool:
    """The kept file among ``jobs`` (one at most) erased and failed with ``reason``, audited."""
    kept = list(jobs.filter(status=ImportJob.Status.KEPT).values_list("pk", flat=True)[:1])
    if not kept or not jobs.filter(pk=kept[0], status=ImportJob.Status.KEPT).update(
        status=ImportJob.Status.FAILED, content=b"", errors=[[0, reason]], finished_at=at
    ):
        return False
    audit.record(actor=actor, action=action, object_type="accounts.ImportJob", object_id=str(kept[0]), at=at)
    return True


def job_claim(*, job_id: int, at: datetime) -> ImportJob | None:
    """The job, moved from queued to running by one conditional UPDATE; None when it is not queued
    (already run, or claimed by another consumer a moment before)."""
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.QUEUED).update(
        status=ImportJob.Status.RUNNING, started_at=at, beat_at=at, attempts=F("attempts") + 1
    )
    return ImportJob.objects.get(pk=job_id) if claimed else None


def _ours(job: ImportJob) -> QuerySet[ImportJob]:
    """The job, if it is still running under this run's attempt."""
    return ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.RUNNING, attempts=job.attempts)


def job_run(*, job_id: int, steps: Steps, at: datetime) -> ImportJob | None:
    """Run a queued job: claim it, check every row (progress saved as it goes), then write all rows
    in one transaction with the job's end, or none. Returns the finished job, or None when the job was
    not queued (a second run changes nothing) or was taken from this run meanwhile (reclaimed as
    dead: then this run writes nothing)."""
    job = job_claim(job_id=job_id, at=at)
    if job is None:
        return None
    try:
        outcome = steps.check(job, _progress(job))
        if outcome.ok and steps.write is not None:
            with transaction.atomic():
                # still ours? The UPDATE holds the job's row (PostgreSQL) or the database's write
                # lock (SQLite) to the commit, so no reclaim can take the job while it is written.
                if not _ours(job).update(beat_at=clock.now()):
                    return None
                outcome = steps.write(job)
                if outcome.ok:
                    _finish(job, outcome, at=at)
                    return job
                transaction.set_rollback(True)  # changed since the check: nothing is written
        return job if _finish(job, outcome, at=at) else None
    except ValidationError as exc:
        return job if _finish(job, Outcome(errors=[(0, m) for m in exc.messages]), at=at) else None
    except Exception:
        _finish(job, Outcome(errors=[(0, FAILED_UNEXPECTEDLY)]), at=at)
        raise


def _progress(job: ImportJob) -> Progress:
    def progress(done: int) -> None:
        if done % PROGRESS_EVERY == 0 or done >= job.rows_total:
            _ours(job).update(rows_done=min(done, job.rows_total), beat_at=clock.now())

    return progress


def jobs_reclaim(*, at: datetime) -> list[ImportJob]:
    """The jobs to queue again (their tasks are to be sent again by the caller): those running with
    no progress for ``STALE`` (their consumer died: nothing was written), each by a conditional
    UPDATE, so that two nodes reclaiming at once queue a job once; a job already run
    ``MAX_ATTEMPTS`` times is failed instead. Also the jobs queued for ``STALE`` that no consumer
    took (a task lost with the queue), sent again at most once each ``STALE``: a task sent twice
    runs once (``job_claim``)."""
    cutoff = at - STALE
    again: list[ImportJob] = []
    stale = ImportJob.objects.filter(status=ImportJob.Status.RUNNING, beat_at__lt=cutoff).defer("content")
    for job in stale:
        if job.attempts >= MAX_ATTEMPTS:
            _finish(job, Outcome(errors=[(0, INTERRUPTED)]), at=at, only_before=cutoff)
        elif _requeue(job, at=at, cutoff=cutoff):
            again.append(job)
    lost = ImportJob.objects.filter(status=ImportJob.Status.QUEUED, created_at__lt=cutoff).filter(
        Q(beat_at__isnull=True) | Q(beat_at__lt=cutoff)
    )
    for job in lost.defer("content"):
        if ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.QUEUED, beat_at=job.beat_at).update(
            beat_at=at
        ):
            again.append(job)
    _expire_kept(at=at)
    return again


def _expire_kept(*, at: datetime) -> None:
    """Files kept for a confirmation that never came: erased, the job failed as expired."""
    old = ImportJob.objects.filter(status=ImportJob.Status.KEPT, created_at__lt=at - KEPT_FOR)
    for pk in list(old.values_list("pk", flat=True)):
        _erase(
            ImportJob.objects.filter(pk=pk), actor=None, reason=EXPIRED, action="imports.job_expired", at=at
        )


@transaction.atomic
def _requeue(job: ImportJob, *, at: datetime, cutoff: datetime) -> bool:
    moved = _ours(job).filter(beat_at__lt=cutoff).update(status=ImportJob.Status.QUEUED, beat_at=at)
    if moved:
        audit.record(
            actor=None,
            action="imports.job_requeued",
            obj=job,
            at=at,
            changes={"kind": job.kind, "attempts": job.attempts, "rows_done": job.rows_done},
        )
    return bool(moved)


_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(?:\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")


def mask_ids(text: str) -> str:
    """Text with every ID number in it masked (the first 6 and last 4 characters kept)."""
    return _ID_NUMBER.sub(lambda m: mask_id_number(m.group(0)), text)


def _lines(pairs: list[tuple[int, str]]) -> list[list]:
    return [[line, mask_ids(str(reason))] for line, reason in pairs[:ERRORS_KEPT]]


@transaction.atomic
def _finish(job: ImportJob, outcome: Outcome, *, at: datetime, only_before: datetime | None = None) -> bool:
    """The job done (or failed, with its refused rows), refreshed in place, with its audit entry;
    False (nothing changed) when the job is no longer this attempt's (or, with ``only_before``, when
    it showed progress since)."""
    status = ImportJob.Status.DONE if outcome.ok else ImportJob.Status.FAILED
    done = {"rows_done": job.rows_total} if outcome.ok else {}
    ours = _ours(job) if only_before is None else _ours(job).filter(beat_at__lt=only_before)
    finished = ours.update(
        status=status,
        **done,
        summary=[[label, count] for label, count in outcome.summary],
        errors=_lines(outcome.errors),
        warnings=_lines(outcome.warnings),
        next_url=outcome.next_url[:300],
        next_label=outcome.next_label[:100],
        finished_at=at,
    )
    if not finished:
        return False
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
    return True


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
