"""Background jobs (huey): fact imports, notice expiry, reminders and escalations, provisional due
dates (issue 5 §10).
The periodic jobs are idempotent: each claim moves by a conditional update, so a job run twice or
late changes nothing more than one run on time."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from dte.core import clock
from dte.subsidy import facts
from dte.subsidy.services import deadlines, notice


@db_task()
def run_fact_import(job_id: int) -> str:
    return facts.import_run(job_id=job_id, at=clock.now()).status


@db_periodic_task(crontab(minute="*/5"))
def reclaim_fact_imports() -> int:
    """Every five minutes: fact imports whose consumer died are queued again (or failed after
    ``dte.accounts.jobs.MAX_ATTEMPTS`` runs), and those whose task was lost are sent again; a task
    sent twice runs once (``facts.import_run`` claims its job)."""
    again = facts.imports_reclaim(at=clock.now())
    for job_id in again:
        run_fact_import(job_id)
    return len(again)


@db_periodic_task(crontab(minute="5"))
def expire_notices() -> int:
    """Hourly: claims whose 5-working-day notice ended with no open objection become payable."""
    return notice.notices_expire(at=clock.now())


@db_periodic_task(crontab(minute="15", hour="*/2"))
def check_deadlines() -> dict:
    """Every two hours: due-date reminders, escalation of overdue claims, claimant reminders, lapse."""
    return deadlines.deadlines_check(at=clock.now())


@db_periodic_task(crontab(minute="45", hour="1"))
def recompute_due_dates() -> int:
    """Daily: due dates reckoned over a year whose holiday schedule was not yet published follow the
    schedule once it is loaded (W1)."""
    return deadlines.due_dates_recompute(at=clock.now())
