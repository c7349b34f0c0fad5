"""Benchmark: claim submission through the JSON API, and the county review queue with 100,000 claims.

    .venv/bin/python bench/claims_submit.py [--db sqlite|postgres] [--claims 3000] [--queue 100000]
                                            [--history 100000] [--smoke]
                                            [--workers <CPUs>] [--procs 1] [--threads 4]

A fresh database (SQLite file in a temporary DTE_VAR_DIR, or the PostgreSQL database dte_bench_claims,
dropped and created) is migrated and filled with trainees who are eligible (employed in 鹿城区, nine
months of Wenzhou insurance) and hold draft claims with their evidence uploaded, beside ``--history``
claims submitted through the same institution before (dte.demo.history). The platform is
served as ``dte serve`` serves it (granian worker processes, ``dte.web.server``) and a load generator on
the same machine (processes × threads, each trainee signed in; the server closes the connection after each
response, so every request opens one) posts ``/api/subsidy/claims/{id}/submit``
— the full service: person lock, engine decision, snapshot, routing, fraud signals, audit entry,
inbox message. Then 100,000 open claims are put in one county and its reviewer opens the queue page.

First it prints a machine reference: the time a fixed piece of plain Python takes here (best of 7),
so that figures of two days can be told apart by machine and by code.

The set-up writes rows in bulk (not through the services) so that it takes seconds; the measured
requests go through the normal code paths. Prints figures; asserts nothing about time. Fails (exit
status 1) if a submission answers other than 200, a submitted claim is not under review afterwards, or a
queue page answers other than 200. ``--smoke`` is ``--claims 50 --queue 100 --queue-requests 5
--history 100`` (seconds; ``make bench-smoke`` and CI run it so that a bench that no longer runs fails
there).
"""

from __future__ import annotations

import argparse
import atexit
import http.client
import multiprocessing as mp
import os
import resource
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
CSRF = "b" * 32


def percentile(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, round(p / 100 * (len(s) - 1)))]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare_env(db: str, name: str = "dte_bench_claims") -> dict:
    """The environment of a fresh platform: a temporary DTE_VAR_DIR, and on PostgreSQL the database
    ``name`` dropped and created."""
    var = tempfile.mkdtemp(prefix="dte-bench-claims-")
    atexit.register(shutil.rmtree, var, ignore_errors=True)  # the SQLite file, the keys, the uploads
    env = {**os.environ, "DTE_VAR_DIR": var, "DJANGO_SETTINGS_MODULE": "dte.settings", "LOG_LEVEL": "ERROR"}
    env["DTE_ENV"] = "development"  # the bench speaks plain HTTP to dte serve: no redirect to HTTPS
    env["PYTHONPATH"] = str(ROOT / "src") + os.pathsep + env.get("PYTHONPATH", "")
    if db == "postgres":
        import psycopg

        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
            c.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            c.execute(f"CREATE DATABASE {name}")
        env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{name}"
    else:
        env.pop("DATABASE_URL", None)
    return env


def django_setup(env: dict) -> None:
    os.environ.update(env)
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()


def seed(n_claims: int, today: date) -> tuple[list[tuple[int, str]], str]:
    """Eligible trainees with draft claims (≤ 3 a person [A2.4b]); returns [(claim id, session)] and
    the reviewer's session key."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone

    from dte.accounts.models import Role, User
    from dte.catalog.models import County, Institution, Level, Occupation
    from dte.people import crypto
    from dte.people.models import ID_CONTEXT, Person
    from dte.policy.identity import check_character
    from dte.subsidy.models import BANK_CONTEXT, Claim, Employment, Evidence, InsuranceMonth

    now = timezone.now()
    lucheng = County.objects.get(code="330302")
    combos = [
        (Occupation.objects.get(code=o), Level.objects.get(code=lv))
        for o in ("2-02-10-11", "2-02-10-15", "2-02-07-13")
        for lv in ("junior", "intermediate")
    ]
    hdu = Institution.objects.get(name="杭州电子科技大学")
    n_people = (n_claims + 2) // 3
    people = []
    for k in range(n_people):
        first17 = f"330302{1980 + k % 20}{1 + k % 12:02d}{1 + k % 28:02d}{(2 * k + 1) % 1000:03d}"
        number = first17 + check_character(first17)
        people.append(
            Person(
                name=f"测试{k}",
                id_number_enc=crypto.encrypt(number, context=ID_CONTEXT),
                id_number_hash=Person.hash_id_number(number + f"#{k}"),
                birth_date=date(1980 + k % 20, 1 + k % 12, 1 + k % 28),
                sex="male",
                region_code="330302",
                created_at=now,
            )
        )
    people = Person.objects.bulk_create(people, batch_size=2000)
    users = User.objects.bulk_create(
        [User(username=f"bench{p.pk}", role=Role.TRAINEE, person=p, password="!") for p in people],
        batch_size=2000,
    )
    Employment.objects.bulk_create(
        [
            Employment(person=p, status="employed", in_wenzhou=True, started_on=date(2020, 1, 1))
            for p in people
        ],
        batch_size=2000,
    )
    months = []
    y, m = today.year, today.month
    for _ in range(9):
        m -= 1
        if m == 0:
            y, m = y - 1, 12
        months.append(date(y, m, 1))
    InsuranceMonth.objects.bulk_create(
        [InsuranceMonth(person=p, month=mo, county=lucheng) for p in people for mo in months], batch_size=5000
    )
    account = "6228480402564890018"
    enc = crypto.encrypt(account, context=BANK_CONTEXT)
    claims = []
    for k in range(n_claims):
        p = people[k // 3]
        occ, lvl = combos[k % 3 + 3 * ((k // 3) % 2)]
        claims.append(
            Claim(
                reference=f"BENCH{k:08d}",
                person=p,
                level_certificate_number=f"B{k}",
                occupation=occ,
                level=lvl,
                level_issued_on=today - timedelta(days=60),
                training_certificate_number=f"T{k}",
                training_institution=hdu,
                training_occupation=occ,
                training_level=lvl,
                training_hours=170,
                training_issued_on=today - timedelta(days=90),
                bank_account_enc=enc,
                bank_account_hash=Claim.hash_bank_account(account + str(k)),
                created_at=now,
            )
        )
    claims = Claim.objects.bulk_create(claims, batch_size=2000)
    pdf = b"%PDF-1.4\n%%EOF\n"
    Evidence.objects.bulk_create(
        [
            Evidence(
                claim=c,
                kind=kind,
                filename="x.pdf",
                content_type="application/pdf",
                size=len(pdf),
                sha256=secrets.token_hex(32),
                content=pdf,
                uploaded_at=now,
            )
            for c in claims
            for kind in ("training_certificate", "level_certificate")
        ],
        batch_size=5000,
    )

    def session_for(user) -> str:
        s = SessionStore()
        s[SESSION_KEY] = str(user.pk)
        s[BACKEND_SESSION_KEY] = "dte.accounts.backends.ModelBackend"
        s[HASH_SESSION_KEY] = user.get_session_auth_hash()
        s.create()
        return s.session_key

    by_person = {u.person_id: session_for(u) for u in users}
    reviewer = User.objects.create(
        username="bench_reviewer", role=Role.COUNTY_REVIEWER, county=lucheng, password="!"
    )
    return [(c.pk, by_person[c.person_id]) for c in claims], session_for(reviewer)


def seed_history(n: int, db: str) -> None:
    """n claims submitted through the same institution over the two years before (other files)."""
    from django.db import connection
    from django.utils import timezone

    from dte.catalog.models import County, Institution
    from dte.demo.history import submitted_claims

    submitted_claims(
        n,
        institution=Institution.objects.get(name="杭州电子科技大学"),
        county=County.objects.get(code="330302"),
        submitted_at=timezone.now() - timedelta(days=1),
    )
    if db == "postgres":  # what autovacuum does soon after a bulk load
        with connection.cursor() as c:
            c.execute("VACUUM ANALYZE")


def seed_queue(n: int, today: date) -> None:
    """n open claims in 鹿城区 (spread over due dates; some overdue) for the queue measurement."""
    from django.utils import timezone

    from dte.accounts.models import Role
    from dte.catalog.models import County, Level, Occupation
    from dte.people import crypto
    from dte.people.models import ID_CONTEXT, Person
    from dte.subsidy.models import Claim

    now = timezone.now()
    lucheng = County.objects.get(code="330302")
    combos = [(o, lv) for o in Occupation.objects.all() for lv in Level.objects.all()]
    n_people = n // len(combos) + 1
    enc = crypto.encrypt("330302199001010011", context=ID_CONTEXT)
    people = Person.objects.bulk_create(
        [
            Person(
                name=f"队列{k}",
                id_number_enc=enc,
                id_number_hash=f"queue-{k}",
                birth_date=date(1990, 1, 1),
                sex="male",
                region_code="330302",
                created_at=now,
            )
            for k in range(n_people)
        ],
        batch_size=5000,
    )
    statuses = ["under_review"] * 6 + ["awaiting_info", "reviewed"]
    rows = []
    for k in range(n):
        occ, lvl = combos[k % len(combos)]
        received = today - timedelta(days=k % 30)
        rows.append(
            Claim(
                reference=f"Q{k:09d}",
                person=people[k // len(combos)],
                status=statuses[k % len(statuses)],
                county=lucheng,
                level_certificate_number=f"Q{k}",
                occupation=occ,
                level=lvl,
                level_issued_on=today - timedelta(days=100),
                created_at=now,
                claim_date=received,
                received_on=received,
                review_due=received + timedelta(days=14),
                approval_due=received + timedelta(days=21),
                amount=3300,
                eligible=k % 7 != 0,
            )
        )
        if len(rows) == 10000:
            Claim.objects.bulk_create(rows)
            rows = []
    if rows:
        Claim.objects.bulk_create(rows)
    from django.db import connection

    if connection.vendor == "postgresql":  # what autovacuum does soon after a bulk load
        with connection.cursor() as c:
            c.execute("VACUUM ANALYZE subsidy_claim")
    del Role


def load_worker(port: int, jobs: list[tuple[int, str]], threads: int, out: mp.Queue) -> None:
    lock = threading.Lock()
    it = iter(jobs)
    lat: list[float] = []
    codes: dict[int, int] = {}

    def run():
        # Raw sockets rather than http.client (which parses headers through the e-mail package):
        # the load generator shares the CPUs with the server, so it should cost as little as it can.
        while True:
            with lock:
                job = next(it, None)
            if job is None:
                break
            cid, session = job
            request = (
                f"POST /api/subsidy/claims/{cid}/submit HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                f"Cookie: sessionid={session}; csrftoken={CSRF}\r\nX-CSRFToken: {CSRF}\r\n"
                "Content-Type: application/json\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            ).encode()
            t0 = time.perf_counter()
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
                    sock.sendall(request)
                    chunks = []
                    while chunk := sock.recv(65536):  # the server closes after the response
                        chunks.append(chunk)
                head = b"".join(chunks)[:12]
                code = int(head[9:12]) if head.startswith(b"HTTP/1.") else 0
            except (OSError, ValueError):
                code = 0
            dt = time.perf_counter() - t0
            with lock:
                lat.append(dt)
                codes[code] = codes.get(code, 0) + 1

    ts = [threading.Thread(target=run) for _ in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    out.put((lat, codes))


def get_many(port: int, path: str, session: str, n: int) -> list[float]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        conn.request("GET", path, headers={"Cookie": f"sessionid={session}"})
        resp = conn.getresponse()
        body = resp.read()
        out.append(time.perf_counter() - t0)
        if resp.status != 200:
            raise SystemExit(f"bench: GET {path} answered {resp.status}: {body[:300]!r}")
    conn.close()
    return out


def tree_cpu(root: int) -> float:
    """CPU seconds (user + system) used so far by a process and its descendants (from /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    children: dict[int, list[int]] = {}
    stats: dict[int, float] = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(d))
        stats[int(d)] = (int(fields[11]) + int(fields[12])) / tick
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        total += stats.get(pid, 0.0)
        todo.extend(children.get(pid, []))
    return total


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far (from /proc/stat): the database server's
    processes are not the platform's, but they share the CPUs."""
    tick = os.sysconf("SC_CLK_TCK")
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields) - idle) / tick, sum(fields) / tick


def machine_reference() -> float:
    """Milliseconds this machine takes for a fixed piece of plain Python (dicts, JSON, hashing,
    sorting, string formatting: what a request does between its statements), best of seven runs.
    The machines of one kind differ from day to day; printed beside the figures, it tells a slower
    machine from slower code (lower is faster). It does not depend on the platform's code."""
    import hashlib
    import json

    def work() -> None:
        rows = []
        for k in range(3000):
            row = {"id": k, "ref": f"R{k:08d}", "amount": k * 7 % 5000, "tags": [k % 3, k % 5, k % 7]}
            text = json.dumps(row, sort_keys=True)
            row["hash"] = hashlib.sha256(text.encode()).hexdigest()
            rows.append(json.loads(text) | {"hash": row["hash"]})
        rows.sort(key=lambda r: (r["amount"], r["hash"]))

    best = float("inf")
    for _ in range(7):
        t0 = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - t0)
    return best * 1000


def serve(env: dict, workers: int) -> tuple[subprocess.Popen, int]:
    """The platform as ``dte serve`` runs it (granian), without the request log and the task consumer."""
    port = free_port()
    command = [PY, "-m", "dte", "serve", "--no-tasks", "--no-request-log"]
    command += ["--bind", f"127.0.0.1:{port}", "--workers", str(workers)]
    proc = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc, port
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("the server did not start")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    ap.add_argument("--claims", type=int, default=3000)
    ap.add_argument("--queue", type=int, default=100_000)
    # Claims already submitted before the measured ones (the figures are with 100,000).
    ap.add_argument("--history", type=int, default=100_000)
    # One sync worker per CPU: measured best here (the load generator shares the CPUs).
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--procs", type=int, default=1)
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--queue-requests", type=int, default=200)
    ap.add_argument(
        "--smoke",
        action="store_true",
        help="tiny sizes (seconds): --claims 50 --queue 100 --queue-requests 5 --history 100",
    )
    args = ap.parse_args()
    if args.smoke:
        args.claims, args.queue, args.queue_requests, args.history = 50, 100, 5, 100

    print(
        f"[{args.db}] machine reference: {machine_reference():.1f} ms for a fixed piece of plain Python "
        "(best of 7; lower is faster; it compares machines, not code)"
    )
    env = prepare_env(args.db)
    for cmd in (["migrate", "-v0"], ["load-reference"], ["collectstatic", "--noinput", "-v0"]):
        subprocess.run([PY, "-m", "dte", *cmd], env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    django_setup(env)
    from dte.core import clock

    today = clock.today()
    t0 = time.perf_counter()
    jobs, reviewer = seed(args.claims, today)
    print(f"[{args.db}] seeded {len(jobs)} draft claims in {time.perf_counter() - t0:.1f}s")
    t0 = time.perf_counter()
    seed_history(args.history, args.db)
    print(f"[{args.db}] seeded {args.history} claims submitted before in {time.perf_counter() - t0:.1f}s")
    from django.db import connections

    connections.close_all()

    proc, port = serve(env, args.workers)
    try:
        # Warm each worker (imports, calendar, compiled policy) with the reviewer's queue page.
        get_many(port, "/subsidy/queue/", reviewer, args.workers * 3)
        q: mp.Queue = mp.Queue()
        slices = [jobs[k :: args.procs] for k in range(args.procs)]
        server_cpu0 = tree_cpu(proc.pid)
        busy0, _ = machine_busy()
        load0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        ps = [mp.Process(target=load_worker, args=(port, s, args.threads, q)) for s in slices]
        for p in ps:
            p.start()
        results = [q.get() for _ in ps]
        for p in ps:
            p.join()
        wall = time.perf_counter() - t0
        server_cpu = tree_cpu(proc.pid) - server_cpu0
        machine = machine_busy()[0] - busy0
        load1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        load_cpu = load1.ru_utime + load1.ru_stime - load0.ru_utime - load0.ru_stime
        lat = [x for r in results for x in r[0]]
        codes: dict[int, int] = {}
        for r in results:
            for c, n in r[1].items():
                codes[c] = codes.get(c, 0) + n
        print(
            f"[{args.db}] submit via API: {len(lat)} requests in {wall:.2f}s = "
            f"{len(lat) / wall:.0f} claims/s; "
            f"p50 {percentile(lat, 50) * 1000:.1f} ms, p99 {percentile(lat, 99) * 1000:.1f} ms, "
            f"max {max(lat) * 1000:.1f} ms; status codes {codes} "
            f"(granian {args.workers} worker processes; load {args.procs}×{args.threads} clients; "
            f"{os.cpu_count()} CPUs)"
        )
        print(
            f"[{args.db}] server CPU {server_cpu / len(lat) * 1000:.2f} ms per request "
            f"({server_cpu / wall:.2f} CPUs busy on average); load generator "
            f"{load_cpu / len(lat) * 1000:.2f} ms per request ({load_cpu / wall:.2f} CPUs); whole machine "
            f"{machine / len(lat) * 1000:.2f} ms per request "
            f"({machine / wall:.2f} of {os.cpu_count()} CPUs busy)"
        )
        from dte.subsidy.models import Claim

        counted = Claim.objects.filter(status="under_review", reference__startswith="BENCH").count()
        print(f"[{args.db}] claims under review after the run: {counted}")
        if codes != {200: len(jobs)} or counted != len(jobs):
            raise SystemExit(
                f"bench: {len(jobs)} submissions answered {codes} and left {counted} claims under review: "
                "every one should answer 200 and be under review"
            )
        connections.close_all()

        t0 = time.perf_counter()
        seed_queue(args.queue, today)
        connections.close_all()
        print(f"[{args.db}] seeded {args.queue} open claims in 鹿城区 in {time.perf_counter() - t0:.1f}s")
        get_many(port, "/subsidy/queue/", reviewer, args.workers * 2)
        for path in (
            "/subsidy/queue/",
            "/subsidy/queue/?flag=overdue",
            "/subsidy/queue/?status=reviewed&q=Q0000",
        ):
            lat = get_many(port, path, reviewer, args.queue_requests)
            print(
                f"[{args.db}] review queue {path} with {args.queue + len(jobs)} claims: "
                f"p50 {percentile(lat, 50) * 1000:.1f} ms, p99 {percentile(lat, 99) * 1000:.1f} ms "
                f"({len(lat)} requests)"
            )
    finally:
        proc.terminate()
        proc.wait(timeout=30)


if __name__ == "__main__":
    main()
