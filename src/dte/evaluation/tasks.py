"""Background jobs (huey) of evaluation: long results imports, preview and import (dte.accounts.jobs).
A job runs once: a second run, or a second consumer, finds it no longer queued and does nothing."""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from dte.accounts import jobs
from dte.core import clock
from dte.evaluation import imports


@db_task()
def run_results_preview(job_id: int) -> str:
    job = jobs.job_run(job_id=job_id, steps=imports.PREVIEW_STEPS, at=clock.now())
    return job.status if job is not None else "skipped"


@db_task()
def run_results_import(job_id: int) -> str:
    job = jobs.job_run(job_id=job_id, steps=imports.IMPORT_STEPS, at=clock.now())
    return job.status if job is not None else "skipped"


jobs.register(imports.PREVIEW, run_results_preview)
jobs.register(imports.IMPORT, run_results_import)
