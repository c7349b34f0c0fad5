"""Two application nodes on one database (docs/deploy.md): the scheduled jobs, started by both nodes'
task consumers at the same moment, take each effect once (one timeline entry, one audit entry, one
message); claim submissions spread over two ``dte serve`` instances are all recorded, once each."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.utils import timezone

from dte.audit.models import AuditEntry
from dte.notifications.models import Message
from dte.subsidy import services
from dte.subsidy.models import Claim, ClaimEvent, Status
from tests.subsidy.conftest import make_eligible

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]


def at_day(d: date) -> datetime:
    return datetime(d.year, d.month, d.day, 2, tzinfo=UTC)


def node_env() -> dict:
    """A node of the platform: the test database, the test settings, plain HTTP."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        url = f"sqlite:///{db['NAME']}"
    else:
        url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    return {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "dte.settings_test",
        "DTE_ENV": "development",
        "PYTHONPATH": str(ROOT / "src"),
    }


# What a node's task consumer runs when the scheduler fires: the three periodic jobs of
# dte.subsidy.tasks, at the time given, once both nodes are ready.
JOBS = textwrap.dedent(
    """
    import json, sys
    import django
    django.setup()
    from datetime import datetime
    from dte.subsidy import services
    at = datetime.fromisoformat(sys.argv[1])
    print("READY", flush=True)
    sys.stdin.readline()
    done = {
        "redated": services.due_dates_recompute(at=at),
        "payable": services.notices_expire(at=at),
        **services.deadlines_check(at=at),
    }
    print(json.dumps(done), flush=True)
    """
)


def run_jobs_on_two_nodes(at: datetime) -> list[dict]:
    nodes = [
        subprocess.Popen(
            [sys.executable, "-c", JOBS, at.isoformat()],
            env=node_env(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    for node in nodes:
        assert node.stdout.readline().strip() == "READY", node.stderr.read()
    for node in nodes:  # both at once
        node.stdin.write("go\n")
        node.stdin.flush()
    results = []
    for node in nodes:
        out, err = node.communicate(timeout=120)
        assert node.returncode == 0, err
        results.append(json.loads(out))
    connection.close()
    return results


def total(results: list[dict], key: str) -> int:
    return sum(r[key] for r in results)


def test_the_scheduled_jobs_on_two_nodes_at_once_take_each_effect_once(
    make_trainee, make_claim, county_reviewer, county_approver
):
    on_notice = [make_claim(make_trainee(f"公示{k}")) for k in range(3)]
    for claim in on_notice:
        services.review_pass(actor=county_reviewer, claim=claim, at=at_day(date(2025, 3, 14)))
        services.claim_approve(actor=county_approver, claim=claim, at=at_day(date(2025, 3, 14)))
    waiting = [make_claim(make_trainee(f"待审{k}")) for k in range(3)]
    asked = make_claim(make_trainee("补正"))
    services.review_request_info(
        actor=county_reviewer, claim=asked, question="请补充劳动合同", at=at_day(date(2025, 3, 12))
    )

    first = run_jobs_on_two_nodes(at_day(date(2025, 3, 20)))  # reviews due soon: reminders
    second = run_jobs_on_two_nodes(at_day(date(2025, 3, 25)))  # notices over; reviews overdue
    third = run_jobs_on_two_nodes(at_day(date(2025, 4, 30)))  # the unanswered claim lapses

    assert total(first, "reminded") == 3 and total(second, "escalated") == 3
    assert total(second, "payable") == 3 and total(third, "lapsed") == 1
    for claim in on_notice:
        assert Claim.objects.get(pk=claim.pk).status == Status.PAYABLE
    assert Claim.objects.get(pk=asked.pk).status == Status.LAPSED
    claims = [c.pk for c in [*on_notice, *waiting, asked]]
    events = Counter(ClaimEvent.objects.filter(claim_id__in=claims).values_list("claim_id", "action"))
    assert events and max(events.values()) == 1, events
    for pk in (c.pk for c in waiting):
        assert events[(pk, "reminder")] == 1 and events[(pk, "escalated")] == 1
    audits = Counter(
        AuditEntry.objects.filter(object_id__in=[str(pk) for pk in claims], actor=None).values_list(
            "object_id", "action"
        )
    )
    assert audits and max(audits.values()) == 1, audits
    messages = Counter(Message.objects.values_list("person_id", "user_id", "subject", "body"))
    assert messages and max(messages.values()) == 1, [m for m, n in messages.items() if n > 1]


# -- submissions spread over two dte serve instances ---------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve() -> tuple[subprocess.Popen, int]:
    port = _free_port()
    dte = str(Path(sys.executable).parent / "dte")
    proc = subprocess.Popen(
        [dte, "serve", "--no-tasks", "--no-request-log", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        env=node_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc, port
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"dte serve did not start: {proc.stderr.read().decode()[-2000:]}")
            time.sleep(0.1)


def _session(user) -> str:
    s = SessionStore()
    s[SESSION_KEY] = str(user.pk)
    s[BACKEND_SESSION_KEY] = "dte.accounts.backends.ModelBackend"
    s[HASH_SESSION_KEY] = user.get_session_auth_hash()
    s.create()
    return s.session_key


def _submit(port: int, claim_id: int, session: str) -> int:
    token = "c" * 32
    request = (
        f"POST /api/subsidy/claims/{claim_id}/submit HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Cookie: sessionid={session}; csrftoken={token}\r\nX-CSRFToken: {token}\r\n"
        "Content-Type: application/json\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        sock.sendall(request)
        head = sock.recv(64)
    return int(head.split()[1])


def test_submissions_spread_over_two_nodes_are_all_recorded_once(make_trainee, make_claim):
    now = timezone.now()
    today = timezone.localdate(now)
    drafts = []
    for k in range(12):
        user = make_trainee(f"两节点{k}")
        make_eligible(user.person, first=(today.year - 1, today.month), last=(today.year, today.month))
        claim = make_claim(user, submit=False, at=now, issued=today - timedelta(days=30))
        drafts.append((claim.pk, _session(user)))
    connection.close()
    nodes = [_serve(), _serve()]
    try:
        with ThreadPoolExecutor(max_workers=4) as pool:
            codes = list(pool.map(lambda job: _submit(nodes[job[0] % 2][1], *job[1]), enumerate(drafts)))
    finally:
        for proc, _ in nodes:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=20)
    assert codes == [200] * len(drafts)
    ids = [pk for pk, _ in drafts]
    assert Claim.objects.filter(pk__in=ids, status=Status.UNDER_REVIEW).count() == len(drafts)
    submits = Counter(
        AuditEntry.objects.filter(action="claim.submit", object_id__in=[str(pk) for pk in ids]).values_list(
            "object_id", flat=True
        )
    )
    assert sorted(submits.values()) == [1] * len(drafts)
    assert ClaimEvent.objects.filter(claim_id__in=ids, action="submitted").count() == len(drafts)
