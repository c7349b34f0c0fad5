"""Benchmark: what one claim submission reads, with a small and with a large history of claims.

    .venv/bin/python bench/submit_flat_cost.py [--db sqlite|postgres] [--small 10000] [--large 1000000]
                                               [--claims 20] [--smoke]

A fresh database (SQLite file in a temporary DTE_VAR_DIR, or the PostgreSQL database
dte_bench_flat_cost, dropped and created) holds eligible trainees with draft claims whose two evidence
files are the same in every claim. A history of submitted claims through the same institution, with
those very files (the worst case of the identical-evidence signal [A2.7a]), is written in bulk
(dte.demo.history): first ``--small`` claims, then up to ``--large``. After each, ``--claims`` drafts are
submitted through the service (dte.subsidy.services.claim_submit, in this process, half an hour apart
so that none is in another's window) and each submission's reads are measured
(dte.core.rows.read_cost: rows and index entries returned and buffer pages requested on PostgreSQL,
virtual-machine steps on SQLite), with its time.

Prints the median per submission at each size and the ratio large/small; asserts nothing about it
(tests/subsidy/test_flat_cost.py does, at small sizes). Fails (exit status 1) if a submission does not
leave its claim under review. ``--smoke`` is ``--small 200 --large 2000 --claims 5`` (seconds;
``make bench-smoke`` and CI run it so that a bench that no longer runs fails there).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from datetime import timedelta

from claims_submit import PY, ROOT, django_setup, prepare_env, seed

SAME_FILES = {"training_certificate": "a" * 64, "level_certificate": "b" * 64}


def submit_measured(jobs, start, db: str) -> dict:
    """Submit each draft in ``jobs`` at ``start`` + k × 30 min; the median reads and time."""
    from dte.accounts.models import User
    from dte.core import rows
    from dte.subsidy import services
    from dte.subsidy.models import Claim, Status

    units, blocks, times = [], [], []
    for k, (pk, _session) in enumerate(jobs):
        claim = Claim.objects.get(pk=pk)
        user = User.objects.get(person_id=claim.person_id)
        at = start + timedelta(minutes=30 * k)
        t0 = time.perf_counter()
        with rows.read_cost() as cost:
            services.claim_submit(actor=user, claim=claim, at=at)
        times.append(time.perf_counter() - t0)
        units.append(cost.units)
        blocks.append(cost.blocks)
        if Claim.objects.get(pk=pk).status != Status.UNDER_REVIEW:
            raise SystemExit(f"bench: claim {pk} is not under review after its submission")
    out = {"units": statistics.median(units), "ms": statistics.median(times) * 1000}
    if db == "postgres":
        out["blocks"] = statistics.median(blocks)
    return out


def analyze(db: str) -> None:
    """What autovacuum does soon after a bulk load (PostgreSQL's planner statistics)."""
    if db != "postgres":
        return
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    ap.add_argument("--small", type=int, default=10_000)
    ap.add_argument("--large", type=int, default=1_000_000)
    ap.add_argument("--claims", type=int, default=20)
    ap.add_argument("--smoke", action="store_true", help="tiny sizes: --small 200 --large 2000 --claims 5")
    args = ap.parse_args()
    if args.smoke:
        args.small, args.large, args.claims = 200, 2000, 5

    env = prepare_env(args.db, name="dte_bench_flat_cost")
    for cmd in (["migrate", "-v0"], ["load-reference"]):
        subprocess.run([PY, "-m", "dte", *cmd], env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    django_setup(env)
    from django.utils import timezone

    from dte.catalog.models import County, Institution
    from dte.core import clock
    from dte.demo.history import submitted_claims
    from dte.subsidy.models import Evidence

    jobs, _ = seed(2 * args.claims, clock.today())
    for kind, digest in SAME_FILES.items():
        Evidence.objects.filter(kind=kind).update(sha256=digest)
    where = {
        "institution": Institution.objects.get(name="杭州电子科技大学"),
        "county": County.objects.get(code="330302"),
        "hashes": list(SAME_FILES.values()),
    }
    start = timezone.now()
    figures = {}
    for size, batch in (("small", jobs[: args.claims]), ("large", jobs[args.claims :])):
        t0 = time.perf_counter()
        n = args.small if size == "small" else args.large - args.small
        submitted_claims(n, submitted_at=start - timedelta(days=1), **where)
        analyze(args.db)
        total = args.small if size == "small" else args.large
        print(f"[{args.db}] history of {total} submitted claims written in {time.perf_counter() - t0:.1f}s")
        figures[size] = submit_measured(batch, start + timedelta(days=1 if size == "large" else 0), args.db)
        f = figures[size]
        reads = (
            f"{f['units']:.0f} rows and index entries, {f['blocks']:.0f} buffer pages"
            if args.db == "postgres"
            else (f"{f['units']:.0f} SQLite VM steps")
        )
        print(
            f"[{args.db}] one submission with {total} claims in the database: {reads}; "
            f"{f['ms']:.1f} ms (median of {len(batch)})"
        )
    ratio = figures["large"]["units"] / figures["small"]["units"]
    line = f"[{args.db}] reads per submission, {args.large} against {args.small} claims: ×{ratio:.3f}"
    if args.db == "postgres":
        line += f" (buffer pages ×{figures['large']['blocks'] / figures['small']['blocks']:.3f})"
    print(line)


if __name__ == "__main__":
    sys.exit(main())
