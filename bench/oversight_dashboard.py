# ruff: noqa: E501 (the bulk rows are laid out one record per line)
"""Benchmark: the city dashboard and a county's year-end report with 1,000,000 claims and 2,000,000
attendance records in the database.

    .venv/bin/python bench/oversight_dashboard.py [--db sqlite|postgres] [--claims 1000000]
                                                  [--attendance 2000000] [--runs 5] [--smoke]
                                                  [--pg-name dte_bench_oversight] [--profile]

``--smoke`` is ``--claims 2000 --attendance 4000 --runs 1`` without the warm-up run (seconds; ``make
bench-smoke`` and CI run it so that a bench that no longer runs fails there).

``--profile`` also prints, for each measurement, its slowest SQL statements (one run, after the
timed ones; Django times a statement's execution, not the fetching of its rows, which on SQLite is
where a streamed aggregate spends most of its time). ``--pg-name`` names the PostgreSQL database
(another run, e.g. CI's, may be using the default one).

A fresh database (SQLite file in a temporary DTE_VAR_DIR, or the PostgreSQL database
dte_bench_oversight or ``--pg-name``, dropped and created) is migrated and filled in bulk
(executemany on SQLite, COPY on PostgreSQL; not through the services, so that it takes a minute, not
a day): people, plans and classes, enrolments, sessions, attendance, training and level
certificates, claims in every status across the twelve counties, fund accounts and recoveries; the
dashboards' rollups are then rebuilt from the records (``dte.reports.rollups.rebuild`` and
``dte.reports.stages.rebuild``, timed), as the bulk rows bypass the writes that keep them. Then,
through the normal code paths (the Django test client, signed in):

- GET /reports/dashboard/                 the city dashboard (all its figures and charts' tables)
- GET /reports/dashboard/?year=<year>     the city dashboard for one year
- GET /reports/dashboard/ as 鹿城区's reviewer  one county's dashboard
- report_generate(鹿城区, year)            the county's year-end report figures from the records
- GET /reports/year/<id>/, ?format=xlsx and ?format=pdf  the report page, its XLSX and its PDF

Prints median and worst of ``--runs`` (after one warm-up run); asserts nothing about time (targets,
issue 16: each dashboard ≤ 300 ms, the year-end report PDF ≤ 1 s; figures with the machine's load in
docs/deploy.md, "Measured on this machine").
Fails (exit status 1) if the bulk rows do not fit the models, a page answers other than 200, the year-end
report is not generated, or the XLSX or PDF is not one.
"""

from __future__ import annotations

import argparse
import atexit
import enum
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DB_NAME = "dte_bench_oversight"


def prepare_env(db: str, pg_name: str = DB_NAME) -> None:
    var = tempfile.mkdtemp(prefix="dte-bench-oversight-")
    atexit.register(shutil.rmtree, var, ignore_errors=True)  # the SQLite file and the static files
    os.environ.update({"DTE_VAR_DIR": var, "DJANGO_SETTINGS_MODULE": "dte.settings", "LOG_LEVEL": "ERROR"})
    os.environ["DTE_ENV"] = "development"  # plain HTTP requests: no redirect to HTTPS
    if db == "postgres":
        import psycopg

        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
            c.execute(f"DROP DATABASE IF EXISTS {pg_name} WITH (FORCE)")
            c.execute(f"CREATE DATABASE {pg_name}")
        os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{pg_name}"
    else:
        os.environ.pop("DATABASE_URL", None)
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()


# --- bulk insert ---------------------------------------------------------------------------------------
def _sqlite_value(v):
    if isinstance(v, datetime):
        return v.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")
    if isinstance(v, date | dtime):
        return v.isoformat()
    if isinstance(v, bool):
        return int(v)
    return v


def _plain(v):
    return v.value if isinstance(v, enum.Enum) else v


def model_defaults(model, columns: list[str]) -> tuple[list[str], tuple]:
    """The columns the bench does not give, with the model's own default for each (so a column added
    later with a default, or nullable, does not break the bench). A NOT NULL column without a default
    is an error that names it: the bench must then say what to write there."""
    given = set(columns)
    names, values, missing = [], [], []
    for f in model._meta.concrete_fields:
        if f.name in given or getattr(f, "generated", False) or f is model._meta.auto_field:
            continue
        if not (f.has_default() or f.null or f.empty_strings_allowed):
            missing.append(f.name)
            continue
        value = f.get_default()
        if f.get_internal_type() == "JSONField":
            value = json.dumps(value)
        names.append(f.name)
        values.append(_plain(value))
    if missing:
        raise SystemExit(
            f"bench: {model.__name__} has NOT NULL columns without a default that the bench does not give: "
            f"{', '.join(missing)} (add them to the bench's rows for this table)"
        )
    return names, tuple(values)


def insert(model, columns: list[str], rows) -> int:
    """Write rows (tuples in the order of ``columns``, field names) straight into the model's table;
    every other column gets the model's default (see ``model_defaults``)."""
    from django.db import connection

    extra, tail = model_defaults(model, columns)
    table = model._meta.db_table
    cols = [connection.ops.quote_name(model._meta.get_field(c).column) for c in columns + extra]
    width = len(columns)

    def full(row) -> tuple:
        if len(row) != width:
            raise SystemExit(f"bench: a {model.__name__} row has {len(row)} values for {width} columns")
        return (*(_plain(v) for v in row), *tail)

    n = 0
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            raw = cur.cursor
            with raw.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(full(row))
                    n += 1
        else:
            sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join(['%s'] * len(cols))})"
            batch = []
            for row in rows:
                batch.append([_sqlite_value(v) for v in full(row)])
                if len(batch) == 50_000:
                    cur.executemany(sql, batch)
                    n += len(batch)
                    batch = []
            if batch:
                cur.executemany(sql, batch)
                n += len(batch)
    return n


def next_id(model) -> int:
    from django.db.models import Max

    return (model.objects.aggregate(m=Max("pk"))["m"] or 0) + 1


def fill(*, n_claims: int, n_attendance: int, today: date) -> dict:
    from django.db import connection, transaction

    from dte.accounts.models import Role
    from dte.accounts.services import account_create
    from dte.catalog.models import County, EvaluationBody, Institution, Level, Occupation
    from dte.catalog.services import reference_load
    from dte.evaluation.models import LevelCertificate, Registration
    from dte.people.models import Person
    from dte.subsidy.models import Claim, FundAccount, Recovery, Repayment
    from dte.subsidy.models import Status as S
    from dte.training.models import (
        Attendance,
        Enrolment,
        Session,
        TrainingCertificate,
        TrainingClass,
        TrainingPlan,
    )

    at = datetime.combine(today, dtime(9), tzinfo=UTC)
    reference_load(at=at)
    city = account_create(
        username="bench_city", password="Bench-Password-2026", role=Role.CITY_OFFICER, at=at
    )
    lucheng = County.objects.get(code="330302")
    reviewer = account_create(
        username="bench_reviewer",
        password="Bench-Password-2026",
        role=Role.COUNTY_REVIEWER,
        county=lucheng,
        at=at,
    )
    counties = list(County.objects.values_list("pk", "code"))
    occupations = list(Occupation.objects.values_list("pk", flat=True))
    levels = list(Level.objects.values_list("pk", flat=True))
    institutions = list(Institution.objects.values_list("pk", flat=True))
    body = EvaluationBody.objects.order_by("code").values_list("pk", flat=True).first()
    combos = [(o, lv) for o in occupations for lv in levels]
    sessions_per_class, per_class = 20, 50
    n_enrol = max(n_attendance // sessions_per_class, per_class)
    n_classes = max(n_enrol // per_class, 1)
    n_people = max(n_enrol, n_claims // len(combos) + 1)
    started = time.perf_counter()
    with transaction.atomic():
        p0 = next_id(Person)
        insert(
            Person,
            [
                "id",
                "name",
                "id_number_enc",
                "id_number_hash",
                "birth_date",
                "sex",
                "region_code",
                "created_at",
            ],
            (
                (
                    p0 + i,
                    "学员",
                    "bench",
                    f"bench-{i:012d}",
                    date(1990, 1, 1),
                    "male",
                    counties[i % 12][1],
                    at,
                )
                for i in range(n_people)
            ),
        )
        plan0, class0 = next_id(TrainingPlan), next_id(TrainingClass)
        class_rows, plan_rows = [], []
        for c in range(n_classes):
            o, lv = combos[c % len(combos)]
            start = date(2024, 3, 1) + timedelta(days=(c * 3) % 600)
            end = start + timedelta(days=30)
            plan_rows.append(
                (
                    plan0 + c,
                    institutions[c % len(institutions)],
                    o,
                    lv,
                    f"计划{c}",
                    2,
                    1,
                    2,
                    start,
                    end,
                    "温州",
                    "blended",
                    100,
                    2800,
                    body,
                    "考核",
                    "on_file",
                    city.pk,
                    at,
                    f"B{c}",
                )
            )
            class_rows.append(
                (
                    class0 + c,
                    plan0 + c,
                    f"班次{c}",
                    start,
                    end,
                    "温州",
                    "blended",
                    100,
                    2800,
                    start,
                    "completed",
                    "approved",
                    at,
                )
            )
        insert(
            TrainingPlan,
            ["id", "institution", "occupation", "level", "title", "hours_theory_offline", "hours_theory_online",
             "hours_practice_offline", "start_date", "end_date", "place", "mode", "capacity", "fee", "evaluation_body",
             "assessment_plan", "status", "created_by", "created_at", "filing_number"],
            plan_rows,
        )  # fmt: skip
        insert(
            TrainingClass,
            ["id", "plan", "name", "start_date", "end_date", "place", "mode", "capacity", "fee", "enrol_by", "status",
             "roster_status", "created_at"],
            class_rows,
        )  # fmt: skip
        e0, s0 = next_id(Enrolment), next_id(Session)
        insert(
            Enrolment,
            ["id", "klass", "person", "category", "status", "applied_at"],
            ((e0 + i, class0 + i // per_class, p0 + i, "in_post", "completed" if i % 10 else "dropped", at)
             for i in range(n_enrol)),
        )  # fmt: skip
        class_start = {class0 + c: r[3] for c, r in enumerate(class_rows)}
        insert(
            Session,
            ["id", "klass", "date", "start", "end", "kind", "mode"],
            ((s0 + c * sessions_per_class + k, class0 + c, class_start[class0 + c] + timedelta(days=k), dtime(9),
              dtime(11), "theory", "offline") for c in range(n_classes) for k in range(sessions_per_class)),
        )  # fmt: skip

        def attendance():
            for i in range(n_enrol):
                c = i // per_class
                for k in range(sessions_per_class):
                    day = class_start[class0 + c] + timedelta(days=k)
                    t_in = datetime.combine(day, dtime(0, 55), tzinfo=UTC)
                    yield (
                        e0 + i,
                        s0 + c * sessions_per_class + k,
                        t_in,
                        t_in + timedelta(hours=2),
                        "qr",
                        at,
                    )

        insert(
            Attendance,
            ["enrolment", "session", "check_in", "check_out", "source", "updated_at"],
            attendance(),
        )
        tc0, r0, lc0 = next_id(TrainingCertificate), next_id(Registration), next_id(LevelCertificate)
        certified = [i for i in range(n_enrol) if i % 10]
        tc_rows, reg_rows, lc_rows = [], [], []
        for j, i in enumerate(certified):
            c = i // per_class
            o, lv = combos[c % len(combos)]
            issued = class_start[class0 + c] + timedelta(days=36)
            tc_rows.append((tc0 + j, e0 + i, p0 + i, institutions[c % len(institutions)], o, lv, f"BT{j}", f"BTC{j}",
                            10, 10, issued, city.pk))  # fmt: skip
            if j % 3 != 2:
                level_on = issued + timedelta(days=40)
                if level_on <= today:
                    reg_rows.append((r0 + j, tc0 + j, p0 + i, institutions[c % len(institutions)], body, o, lv,
                                     "bachelor", "certified", city.pk, at, 80, 80))  # fmt: skip
                    lc_rows.append((lc0 + j, r0 + j, p0 + i, body, o, lv, f"BL{j}", f"BLC{j}", 80, 80, level_on,
                                    city.pk))  # fmt: skip
        insert(
            TrainingCertificate,
            ["id", "enrolment", "person", "institution", "occupation", "level", "number", "code", "theory_hours",
             "practice_hours", "issued_on", "issued_by"],
            tc_rows,
        )  # fmt: skip
        insert(
            Registration,
            ["id", "training_certificate", "person", "institution", "evaluation_body", "occupation", "level",
             "education", "status", "registered_by", "registered_at", "theory_score", "ability_score"],
            reg_rows,
        )  # fmt: skip
        insert(
            LevelCertificate,
            ["id", "registration", "person", "evaluation_body", "occupation", "level", "number", "code",
             "theory_score", "ability_score", "issued_on", "issued_by"],
            lc_rows,
        )  # fmt: skip

        statuses = [S.PAID] * 10 + [S.PAYABLE, S.IN_BATCH, S.ON_NOTICE, S.UNDER_REVIEW, S.AWAITING_INFO,
                                    S.REVIEWED, S.REJECTED, S.WITHDRAWN, S.DRAFT]  # fmt: skip
        c0 = next_id(Claim)

        def claims():
            for i in range(n_claims):
                o, lv = combos[(i // n_people) % len(combos)]
                st = statuses[i % len(statuses)]
                cd = date(2024, 3, 1) + timedelta(days=(i * 7) % max((today - date(2024, 3, 1)).days, 1))
                county = counties[(i * 5) % 12][0]
                reviewed = st not in (S.UNDER_REVIEW, S.AWAITING_INFO, S.DRAFT, S.WITHDRAWN)
                decided = reviewed and st != S.REVIEWED
                r_at = (
                    datetime.combine(cd + timedelta(days=10 + i % 9), dtime(3), tzinfo=UTC)
                    if reviewed
                    else None
                )
                d_at = r_at + timedelta(days=4 + i % 5) if decided else None
                paid_on = (d_at.date() + timedelta(days=30 + i % 80)) if st == S.PAID else None
                yield (
                    c0 + i, f"BC{i:010d}", p0 + i % n_people, st, None if st == S.DRAFT else county, f"BL{i}", o, lv,
                    cd - timedelta(days=30), at, cd, cd, cd + timedelta(days=14), r_at,
                    cd + timedelta(days=21) if reviewed else None, d_at,
                    d_at.date() + timedelta(days=90) if d_at else None, paid_on, 3300 if st != S.REJECTED else 0, True,
                )  # fmt: skip

        insert(
            Claim,
            ["id", "reference", "person", "status", "county", "level_certificate_number", "occupation", "level",
             "level_issued_on", "created_at", "claim_date", "received_on", "review_due", "reviewed_at", "approval_due",
             "decided_at", "payment_due", "paid_on", "amount", "eligible"],
            claims(),
        )  # fmt: skip
        for year in range(2024, today.year + 1):
            for pk, _ in counties:
                FundAccount.objects.create(county_id=pk, year=year, budget=50_000_000)
        rec0 = next_id(Recovery)
        paid_ids = list(
            Claim.objects.filter(status=S.PAID).values_list("pk", flat=True)[: max(n_claims // 500, 1)]
        )
        insert(
            Recovery,
            ["id", "claim", "amount_due", "reason", "status", "opened_by", "opened_at"],
            ((rec0 + j, pk, 1000, "多发", "closed", city.pk, at) for j, pk in enumerate(paid_ids)),
        )
        insert(
            Repayment,
            ["recovery", "amount", "received_on", "recorded_by", "recorded_at"],
            ((rec0 + j, 1000, today - timedelta(days=j % 300), city.pk, at) for j in range(len(paid_ids))),
        )
    if connection.vendor == "postgresql":  # rows came with their ids: move the sequences past them
        from django.core.management.color import no_style

        models = [Person, TrainingPlan, TrainingClass, Enrolment, Session, Attendance, TrainingCertificate,
                  Registration, LevelCertificate, Claim, Recovery, Repayment]  # fmt: skip
        with connection.cursor() as cur:
            for sql in connection.ops.sequence_reset_sql(no_style(), models):
                cur.execute(sql)
    from dte.reports import rollups, stages

    t = time.perf_counter()
    tallies = rollups.rebuild()  # the rows above came in bulk, past the writes that keep the rollups
    stage_rows = stages.rebuild()
    rebuilt = time.perf_counter() - t
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    counts = {
        "people": Person.objects.count(),
        "classes": TrainingClass.objects.count(),
        "enrolments": Enrolment.objects.count(),
        "attendance": Attendance.objects.count(),
        "level certificates": LevelCertificate.objects.count(),
        "claims": Claim.objects.count(),
    }
    print(
        f"filled in {time.perf_counter() - started:.1f} s: "
        + ", ".join(f"{k} {v:,}" for k, v in counts.items())
    )
    print(
        f"dashboards' rollups rebuilt in {rebuilt:.2f} s: {tallies[0]:,} + {tallies[1]:,} rows (claims), "
        f"{stage_rows:,} rows (training stages)"
    )
    return {"city": city, "reviewer": reviewer, "county": lucheng}


WARM_UP = True  # --smoke runs each measurement once, without a warm-up
PROFILE = False  # --profile: print each measurement's slowest statements


def timed(label: str, fn, runs: int) -> None:
    if WARM_UP:
        fn()  # warm-up: imports, template compilation, database caches
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    print(
        f"  {label:<48} median {statistics.median(times) * 1000:7.0f} ms   worst {max(times) * 1000:7.0f} ms"
    )
    if PROFILE:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            fn()
        found = sorted(ctx.captured_queries, key=lambda q: -float(q["time"]))
        total = sum(float(q["time"]) for q in found)
        print(f"    {len(found)} statements, {total * 1000:.0f} ms in the database; slowest:")
        for q in found[:6]:
            print(f"    {float(q['time']) * 1000:7.0f} ms  {q['sql'][:220]}")


def main() -> None:
    global WARM_UP, PROFILE
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    ap.add_argument("--claims", type=int, default=1_000_000)
    ap.add_argument("--attendance", type=int, default=2_000_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument(
        "--smoke", action="store_true", help="tiny sizes (seconds): --claims 2000 --attendance 4000 --runs 1"
    )
    ap.add_argument("--pg-name", default=DB_NAME, help="the PostgreSQL database (dropped and created)")
    ap.add_argument("--profile", action="store_true", help="print each measurement's slowest statements")
    args = ap.parse_args()
    PROFILE = args.profile
    if args.smoke:
        args.claims, args.attendance, args.runs = 2000, 4000, 1
        WARM_UP = False
    prepare_env(args.db, args.pg_name)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # production static files (manifest)
    from django.conf import settings
    from django.test import Client

    from dte.core import clock
    from dte.reports import services

    settings.ALLOWED_HOSTS = ["*"]
    today = clock.today()
    who = fill(n_claims=args.claims, n_attendance=args.attendance, today=today)
    city, reviewer = Client(), Client()
    city.force_login(who["city"], backend="dte.accounts.backends.ModelBackend")
    reviewer.force_login(who["reviewer"], backend="dte.accounts.backends.ModelBackend")
    year = today.year if today.month > 1 else today.year - 1
    print(f"{args.db}: {args.claims:,} claims, {args.attendance:,} attendance records; runs {args.runs}")

    def get(client, url, *, magic: bytes = b""):
        r = client.get(url)
        if r.status_code != 200:
            raise SystemExit(f"bench: GET {url} answered {r.status_code}")
        if magic and not r.content.startswith(magic):
            raise SystemExit(f"bench: GET {url} is not the expected file: {r.content[:40]!r}")
        return r

    timed("city dashboard  GET /reports/dashboard/", lambda: get(city, "/reports/dashboard/"), args.runs)
    timed(
        "city dashboard, one year  ?year=" + str(year),
        lambda: get(city, f"/reports/dashboard/?year={year}"),
        args.runs,
    )
    timed(
        "county dashboard (鹿城区, as its reviewer)", lambda: get(reviewer, "/reports/dashboard/"), args.runs
    )
    report = {}

    def generate():
        report["r"] = services.report_generate(
            actor=who["reviewer"], county=who["county"], year=year, at=clock.now()
        )

    timed(f"year-end report {year}: generate from the records", generate, args.runs)
    if report["r"].pk is None:
        raise SystemExit("bench: the year-end report was not generated")
    url = f"/reports/year/{report['r'].pk}/"
    timed("year-end report page  GET " + url, lambda: get(reviewer, url), args.runs)
    timed("year-end report XLSX", lambda: get(reviewer, url + "?format=xlsx", magic=b"PK\x03\x04"), args.runs)
    timed("year-end report PDF", lambda: get(reviewer, url + "?format=pdf", magic=b"%PDF-"), args.runs)


if __name__ == "__main__":
    main()
