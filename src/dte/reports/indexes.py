"""The covering index the dashboards and the year-end report read (see migration 0002).

It lives on the subsidy app's claims table but is declared here, beside the queries that need it.
On SQLite, a later migration that alters a claims column rebuilds the table and keeps only the
indexes the subsidy models declare, so the index is also (re)created after every ``migrate``."""

from __future__ import annotations

INDEX = "reports_claim_oversight"
TABLE = "subsidy_claim"
COLUMNS = (
    "county_id, occupation_id, level_id, status, claim_date, paid_on, amount, reviewed_at, review_due, "
    "decided_at, approval_due, payment_due"
)
CREATE = f"CREATE INDEX IF NOT EXISTS {INDEX} ON {TABLE} ({COLUMNS})"
DROP = f"DROP INDEX IF EXISTS {INDEX}"


def ensure(using: str = "default", **kwargs) -> None:
    from django.db import connections

    connection = connections[using]
    if TABLE in connection.introspection.table_names():
        with connection.cursor() as cur:
            cur.execute(CREATE)
