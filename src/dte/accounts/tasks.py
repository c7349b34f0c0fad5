"""Background jobs (huey) of the accounts app: the import jobs whose consumer died, queued again
(dte.accounts.jobs.jobs_reclaim)."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from dte.accounts import jobs
from dte.core import clock

log = logging.getLogger(__name__)


def send_again(at) -> int:
    """Reclaim the dead and lost import jobs and send each to its task again; the number sent."""
    sent = 0
    for job in jobs.jobs_reclaim(at=at):
        task = jobs.TASKS.get(job.kind)
        if task is None:  # an app whose tasks this process did not load: the next reclaim sends it
            log.warning("no task registered for import jobs of kind %s (job %s)", job.kind, job.pk)
            continue
        task(job.pk)
        sent += 1
    return sent


@db_periodic_task(crontab(minute="*/5"))
def reclaim_import_jobs() -> int:
    """Every five minutes: import jobs whose consumer died are queued again (or failed after
    ``jobs.MAX_ATTEMPTS`` runs); jobs whose task was lost are sent again."""
    return send_again(clock.now())
