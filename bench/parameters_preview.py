# ruff: noqa: E501 (the bulk rows are laid out one record per line)
"""Benchmark: the preview of a parameter draft on 1,000,000 recorded claims (issue 18 §2).

    .venv/bin/python bench/parameters_preview.py [--db sqlite|postgres] [--claims 1000000] [--runs 5] [--smoke]

``--smoke`` is ``--claims 2000 --runs 1`` (seconds; ``make bench-smoke`` and CI run it so that a bench
that no longer runs fails there).

A fresh database (SQLite file in a temporary DTE_VAR_DIR, or the PostgreSQL database
dte_bench_parameters, dropped and created) is migrated and filled in bulk, with the helpers of
bench/oversight_dashboard.py: training and level certificates (the pipeline), then the claims: two
a person, 大数据, 区块链 and 云计算 at the three levels, trained at a designated institution with 40
to 200 hours, every status, across the twelve counties, claim dates from 2024-03 to today, one in
twenty with a person rule failed as recorded. Then it times ``dte.parameters.preview.preview_draft``
of a draft that sets the 区块链 hours (unset today, reading S1) from 2024-06-01: the bulk read of the
claims (``queries.claim_columns``, also timed alone), both decisions over columns, the figures by
county, occupation and level and year, and the pipeline. Prints the median and worst of ``--runs``
(after one warm-up run; target ≤ 5 s on SQLite), with the process's CPU time (the wall time of an idle
machine), and the preview's figures; asserts nothing about time.
Fails (exit status 1) if the preview does not consider every recorded claim of the period or finds no
change.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import oversight_dashboard as od

od.DB_NAME = "dte_bench_parameters"
DRAFT_FROM = date(2024, 6, 1)


def fill_claims(n_claims: int, today: date) -> None:
    from django.db import connection, transaction

    from dte.catalog.models import County, Institution, Level, Occupation
    from dte.people.models import Person
    from dte.subsidy.models import Claim
    from dte.subsidy.models import Status as S

    at = datetime.combine(today, dtime(9), tzinfo=UTC)
    counties = list(County.objects.exclude(code="330300").values_list("pk", flat=True))
    occ = dict(Occupation.objects.values_list("code", "pk"))
    inst = dict(Institution.objects.values_list("name", "pk"))
    levels = list(Level.objects.order_by("rank").values_list("pk", flat=True))
    trained = [(occ["2-02-10-11"], inst["杭州电子科技大学"]), (occ["2-02-10-15"], inst["浙江大学"]), (occ["2-02-07-13"], inst["浙江工业大学"])]  # fmt: skip
    combos = [(o, i, lv) for o, i in trained for lv in levels]
    statuses = [S.PAID] * 8 + [S.PAYABLE, S.IN_BATCH, S.ON_NOTICE, S.UNDER_REVIEW, S.AWAITING_INFO, S.REVIEWED, S.REJECTED, S.WITHDRAWN, S.LAPSED, S.DRAFT]  # fmt: skip
    amounts = {occ["2-02-10-11"]: 3300, occ["2-02-10-15"]: 2200, occ["2-02-07-13"]: 2300}
    span = max((today - date(2024, 3, 1)).days, 1)
    n_people = n_claims // 2 + 1
    started = time.perf_counter()
    with transaction.atomic():
        p0 = od.next_id(Person)
        od.insert(
            Person,
            ["id", "name", "id_number_enc", "id_number_hash", "birth_date", "sex", "region_code", "created_at"],
            ((p0 + i, "学员", "bench", f"bench-claims-{i:012d}", date(1990, 1, 1), "male", "330302", at) for i in range(n_people)),
        )  # fmt: skip
        c0 = od.next_id(Claim)

        def claims():
            for i in range(n_claims):
                o, institution, lv = combos[(i * 7 + i // 2) % len(combos)]
                st = statuses[i % len(statuses)]
                cd = date(2024, 3, 1) + timedelta(days=(i * 13) % span)
                failed = '["A2.1-group"]' if i % 20 == 0 else "[]"
                eligible = failed == "[]" and st != S.REJECTED
                yield (
                    c0 + i, f"BP{i:010d}", p0 + i // 2, st, None if st == S.DRAFT else counties[(i * 5) % len(counties)],
                    f"BPL{i}", o, lv, cd - timedelta(days=30), institution, o, lv, 40 + (i * 37) % 161,
                    cd - timedelta(days=60), at, cd, cd, amounts[o] if eligible else 0, eligible, failed,
                )  # fmt: skip

        od.insert(
            Claim,
            ["id", "reference", "person", "status", "county", "level_certificate_number", "occupation", "level",
             "level_issued_on", "training_institution", "training_occupation", "training_level", "training_hours",
             "training_issued_on", "created_at", "claim_date", "received_on", "amount", "eligible", "failed_rules"],
            claims(),
        )  # fmt: skip
    if connection.vendor == "postgresql":
        from django.core.management.color import no_style

        with connection.cursor() as cur:
            for sql in connection.ops.sequence_reset_sql(no_style(), [Person, Claim]):
                cur.execute(sql)
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    print(f"claims filled in {time.perf_counter() - started:.1f} s: {Claim.objects.count():,} claims")


def blockchain_hours_draft() -> dict:
    from dte.policy import parameters

    value = copy.deepcopy(parameters.get("subsidy_standards").at(DRAFT_FROM).value)
    for level, hours in (("junior", 64), ("intermediate", 80), ("senior", 96)):
        value["2-02-10-15"][level]["hours"] = hours
    return {
        "subsidy_standards": {"values": {DRAFT_FROM: {"reference": "温人社发〔2025〕N号 (bench)", **value}}}
    }


def timed(label: str, fn, runs: int, warm_up: bool) -> float:
    """Median and worst wall time, and the median CPU time of this process (the whole preview runs
    in it, SQLite included): on a machine shared with other work the CPU time is the figure an
    idle machine would show as wall time."""
    if warm_up:
        fn()
    wall, cpu = [], []
    for _ in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"{label}: median {statistics.median(wall):.2f} s, worst {max(wall):.2f} s wall; "
        f"median {statistics.median(cpu):.2f} s CPU (load average {load})"
    )
    return statistics.median(wall)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    ap.add_argument("--claims", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--smoke", action="store_true", help="tiny sizes (seconds): --claims 2000 --runs 1")
    args = ap.parse_args()
    if args.smoke:
        args.claims, args.runs = 2000, 1
    od.prepare_env(args.db)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from dte.core import clock
    from dte.parameters import preview, queries
    from dte.subsidy.models import Claim, Status

    today = clock.today()
    od.fill(n_claims=0, n_attendance=max(args.claims // 5, 4000), today=today)
    fill_claims(args.claims, today)
    draft = blockchain_hours_draft()
    print(f"{args.db}: {args.claims:,} claims; runs {args.runs}")
    timed(
        "bulk read of the recorded claims (queries.claim_columns)",
        queries.claim_columns,
        args.runs,
        not args.smoke,
    )
    shown = {}

    def run():
        shown["p"] = preview.preview_draft(draft, today=today)

    timed("preview of the draft (read, decide twice, figures, pipeline)", run, args.runs, not args.smoke)
    summary = shown["p"].summary
    print(json.dumps({k: v for k, v in summary.items() if not k.startswith("by_")}, ensure_ascii=False))
    expected = (
        Claim.objects.filter(claim_date__gte=DRAFT_FROM)
        .exclude(status__in=[Status.DRAFT, Status.WITHDRAWN])
        .count()
    )
    if summary["claims"] != expected:
        raise SystemExit(f"bench: the preview considered {summary['claims']} claims, not {expected}")
    if summary["changed"] == 0:
        raise SystemExit("bench: the draft changed no decision")


if __name__ == "__main__":
    main()
