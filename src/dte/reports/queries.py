"""The reports app's hand-written SQL, on the one helper ``dte.core.rows``: the recount of the
dashboards' claim rollup, which the ORM cannot write without a per-row function, the table lock
of the rollups' rebuild, and the rollups' one-statement upsert (``tally_add``). The dashboards
themselves read the rollups by the ORM (dte.reports.rollups).
Each statement is tested against its ORM equivalent in tests/reports/test_queries.py."""

from __future__ import annotations

from functools import cache

from dte.core import rows
from dte.core.rows import column, table
from dte.subsidy.models import Claim
from dte.subsidy.models import Status as ClaimStatus

# The sums of ``claim_tallies``, in the order of its columns after the six group keys (the figures of
# the rollup ``ClaimTally``).
TALLY_SUMS = (
    "n",
    "amount",
    "reviewed",
    "reviewed_on_time",
    "decided",
    "decided_on_time",
    "paid_due",
    "paid_on_time",
)


@cache
def _tally_sql(vendor: str) -> tuple[str, list]:
    """``claim_tallies``' statement and the parameters it binds: (sql, [time-zone parameters])."""
    del vendor  # the cache key
    names = ["county", "occupation", "level", "status", "claim_date", "paid_on", "amount"]
    names += ["reviewed_at", "review_due", "decided_at", "approval_due", "payment_due"]
    c = {f: column(Claim, f) for f in names}
    reviewed, tz1 = rows.local_date_on_or_before(c["reviewed_at"], c["review_due"])
    decided, tz2 = rows.local_date_on_or_before(c["decided_at"], c["approval_due"])
    keys = [
        f"COALESCE({c['county']}, 0)",
        c["occupation"],
        c["level"],
        c["status"],
        f"COALESCE({rows.year_of(c['claim_date'])}, 0)",
        f"COALESCE({rows.year_of(c['paid_on'])}, 0)",
    ]
    sums = [
        "COUNT(*)",
        f"COALESCE(SUM({c['amount']}), 0)",
        f"COUNT({c['reviewed_at']})",
        f"COALESCE(SUM({reviewed}), 0)",
        f"COUNT({c['decided_at']})",
        f"COALESCE(SUM({decided}), 0)",
        f"COUNT({c['paid_on']})",
        f"COALESCE(SUM({rows.as_int(f'{c["paid_on"]} <= {c["payment_due"]}')}), 0)",
    ]
    group = ", ".join(keys)
    sql = f"SELECT {group}, {', '.join(sums)} FROM {table(Claim)} WHERE {c['status']} <> %s GROUP BY {group}"
    return sql, [*tz1, *tz2]


def claim_tallies() -> list[tuple]:
    """The full recount of the dashboards' rollup ``ClaimTally``: one pass over the submitted claims,
    grouped by county (0: none), occupation, level, status, the year of the claim date and the year of
    payment (0: none): rows of (*keys, *TALLY_SUMS). On-time counts [A2.6.1], [A2.6.2] by the local
    date of the review and of the decision.

    Why not the ORM: the on-time counts compare a timestamp's local date with a date. The ORM's
    ``__date`` lookup calls a Python function per row on SQLite, and its conditional sums add a CASE
    per column; here the local date is a plain text comparison (``rows.local_date_on_or_before``)
    and the flags are summed as integers. Measured with bench/oversight_dashboard.py's million claims
    on SQLite, as the dashboards' one-pass aggregate before the rollups: 0.82 s here, 9.4 s by the ORM.
    Now it runs only to rebuild the rollups (dte.reports.rollups.rebuild)."""
    sql, tz = _tally_sql(rows.vendor())
    with rows.scan_cursor() as cur:
        cur.execute(sql, [*tz, ClaimStatus.DRAFT.value])
        return cur.fetchall()


def lock_tables(*models) -> None:
    """Hold the models' tables against every other writer until the transaction ends (PostgreSQL:
    ``LOCK TABLE … IN EXCLUSIVE MODE``, readers still read; SQLite's IMMEDIATE transaction already
    excludes every other writer). For ``rollups.rebuild``: no ORM statement takes a table lock."""
    if rows.vendor() != "postgresql":
        return
    with rows.db().cursor() as cur:
        cur.execute(f"LOCK TABLE {', '.join(table(m) for m in models)} IN EXCLUSIVE MODE")


@cache
def _add_sql(model, keys: tuple[str, ...], sums: tuple[str, ...], vendor: str) -> str:
    del vendor  # the cache key: quoting depends on the database
    t = table(model)
    cols = [column(model, f) for f in (*keys, *sums)]
    sets = ", ".join(f"{c} = {t}.{c} + excluded.{c}" for c in (column(model, f) for f in sums))
    return (
        f"INSERT INTO {t} ({', '.join(cols)}) VALUES ({', '.join(['%s'] * len(cols))}) "
        f"ON CONFLICT ({', '.join(column(model, f) for f in keys)}) DO UPDATE SET {sets}"
    )


def tally_add(model, keys: tuple[str, ...], key: tuple, sums: dict[str, int]) -> None:
    """Add ``sums`` to the rollup row of ``key``, made if missing: one statement (the same on SQLite
    and PostgreSQL; the row made by a concurrent writer is added to, never made twice). ORM
    equivalent: ``filter(**key).update(F + v)``, else ``create`` in a savepoint, else the update again.
    Measured on claim submission (SQLite, bench/claims_submit.py, 2 × 2,000 submissions alternated):
    the rollups by the ORM (two reads of the claim and that equivalent) took the server's CPU per
    submission from 5.0 ms to 8.6 ms; with this statement and the claim's values in memory, see
    ``dte.reports.rollups``."""
    names = _figures(model, tuple(keys))
    sql = _add_sql(model, tuple(keys), names, rows.vendor())
    with rows.db().cursor() as cur:
        cur.execute(sql, [*key, *(sums.get(n, 0) for n in names)])


@cache
def _figures(model, keys: tuple[str, ...]) -> tuple[str, ...]:
    """Every figure of a rollup row: its columns but the key and the id (a figure not given is 0)."""
    return tuple(f.name for f in model._meta.concrete_fields if f.name not in keys and not f.primary_key)
