"""Background jobs (huey) of the reports: the nightly recount of the dashboards' rollups."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from dte.reports import services


@db_periodic_task(crontab(minute="30", hour="3"))
def rebuild_rollups() -> tuple[int, int, int]:
    """Nightly: the dashboards' rollups recounted from the claims, enrolments and certificates. They
    are kept in the transaction of every write of those, so this changes nothing unless a write
    bypassed the ORM (a restore, a bulk load, a hand-made fix): a safety net, idempotent."""
    return services.rollups_rebuild()
