"""Background jobs (huey) of training: long imports of online learning records and long bulk
enrolments, preview and import (dte.accounts.jobs).
A job runs once: a second run, or a second consumer, finds it no longer queued and does nothing."""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from dte.accounts import jobs
from dte.core import clock
from dte.training import imports
from dte.training.services import bulk_enrolment


@db_task()
def run_online_import(job_id: int) -> str:
    job = jobs.job_run(job_id=job_id, steps=imports.ONLINE_STEPS, at=clock.now())
    return job.status if job is not None else "skipped"


jobs.register(imports.ONLINE, run_online_import)


@db_task()
def run_enrolment_preview(job_id: int) -> str:
    job = jobs.job_run(job_id=job_id, steps=bulk_enrolment.PREVIEW_STEPS, at=clock.now())
    return job.status if job is not None else "skipped"


@db_task()
def run_enrolment_import(job_id: int) -> str:
    job = jobs.job_run(job_id=job_id, steps=bulk_enrolment.IMPORT_STEPS, at=clock.now())
    return job.status if job is not None else "skipped"


jobs.register(bulk_enrolment.PREVIEW, run_enrolment_preview)
jobs.register(bulk_enrolment.IMPORT, run_enrolment_import)
