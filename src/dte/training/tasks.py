"""Background jobs (huey) of training: long imports of online learning records (dte.accounts.jobs).
A job runs once: a second run, or a second consumer, finds it no longer queued and does nothing."""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from dte.accounts import jobs
from dte.core import clock
from dte.training import imports


@db_task()
def run_online_import(job_id: int) -> str:
    job = jobs.job_run(job_id=job_id, steps=imports.ONLINE_STEPS, at=clock.now())
    return job.status if job is not None else "skipped"


jobs.register(imports.ONLINE, run_online_import)
