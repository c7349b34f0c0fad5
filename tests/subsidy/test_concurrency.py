"""Rules under concurrency, on SQLite and PostgreSQL alike: [A2.4b] and [A2.4c] hold when one person
submits 20 claims at once; payment is exactly once under concurrent batch runs, a process killed in
the middle of a batch, and the same bank result file imported twice at the same time."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import textwrap
import threading
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.db import connection, connections

from dte.catalog.models import County
from dte.subsidy import services
from dte.subsidy.models import Claim, LedgerEntry, PaymentBatch, PaymentLine
from tests.subsidy.conftest import ACCOUNT, PDF, PNG, SUBMIT_AT, certificate_for

pytestmark = pytest.mark.django_db(transaction=True)
COMBOS = [
    (o, lv) for o in ("2-02-10-11", "2-02-10-15", "2-02-07-13") for lv in ("junior", "intermediate", "senior")
]


def in_threads(n: int, fn) -> list:
    """Run fn(k) in n threads released together; each thread has its own DB connection."""
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def run(k):
        try:
            barrier.wait()
            results[k] = fn(k)
        except Exception as exc:
            results[k] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(k,)) for k in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def drafts(user, n: int) -> list[Claim]:
    out = []
    for k in range(n):
        occ, lv = COMBOS[k % 3] if k < 10 else COMBOS[k % len(COMBOS)]
        cert = dataclasses.replace(certificate_for(occupation=occ, level=lv), level_number=f"LC-{k}")
        claim = services.claim_start(actor=user, certificate=cert, at=SUBMIT_AT)
        services.claim_update(actor=user, claim=claim, bank_kind="sscard", bank_account=ACCOUNT, at=SUBMIT_AT)
        services.evidence_add(
            actor=user, claim=claim, kind="training_certificate", filename="t.pdf", content=PDF, at=SUBMIT_AT
        )
        services.evidence_add(
            actor=user, claim=claim, kind="level_certificate", filename="l.png", content=PNG, at=SUBMIT_AT
        )
        out.append(claim)
    return out


def test_twenty_simultaneous_submissions_keep_the_yearly_limit_and_no_repeat(eligible_trainee):
    claims = drafts(eligible_trainee, 20)
    results = in_threads(
        20, lambda k: services.claim_submit(actor=eligible_trainee, claim=claims[k], at=SUBMIT_AT)
    )
    counted = [c for c in Claim.objects.filter(person=eligible_trainee.person) if c.is_counted]
    assert len(counted) == 3, results  # [A2.4b]
    pairs = Counter((c.occupation_id, c.level_id) for c in counted)
    assert max(pairs.values()) == 1  # [A2.4c]
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(refused) == 17 and all("A2.4" in str(r) for r in refused)


@pytest.fixture
def payable_claims(make_trainee, make_claim, county_reviewer, county_approver):
    claims = []
    for k in range(4):
        user = make_trainee(f"王{'一二三四'[k]}")
        claim = make_claim(user)
        services.review_pass(actor=county_reviewer, claim=claim, at=SUBMIT_AT)
        services.claim_approve(actor=county_approver, claim=claim, at=SUBMIT_AT)
        claims.append(claim)
    services.notices_expire(at=datetime(2025, 3, 24, 2, tzinfo=UTC))
    services.fund_budget(
        actor=county_approver,
        county=County.objects.get(code="330302"),
        year=2025,
        amount=100000,
        at=SUBMIT_AT,
    )
    return claims


def ledger_balanced() -> None:
    """Budget − money reserved by pending and paid lines + recoveries = the ledger's sum."""
    budget = sum(e.amount for e in LedgerEntry.objects.filter(kind="budget"))
    out = sum(pl.amount for pl in PaymentLine.objects.filter(status__in=["pending", "paid"]))
    total = sum(LedgerEntry.objects.values_list("amount", flat=True))
    assert total == budget - out


def test_concurrent_batch_runs_put_each_claim_in_one_batch(payable_claims, county_approver):
    county = County.objects.get(code="330302")
    at = datetime(2025, 3, 25, 2, tzinfo=UTC)
    in_threads(6, lambda k: services.batch_create(actor=county_approver, county=county, at=at))
    lines = PaymentLine.objects.all()
    assert sorted(pl.claim_id for pl in lines) == sorted(c.pk for c in payable_claims)
    assert set(Claim.objects.values_list("status", flat=True)) == {"in_batch"}
    ledger_balanced()


def test_the_same_result_file_imported_twice_at_once_pays_once(payable_claims, county_approver):
    county = County.objects.get(code="330302")
    batch = services.batch_create(
        actor=county_approver, county=county, at=datetime(2025, 3, 25, 2, tzinfo=UTC)
    )
    content = ("批次号,行号,结果\n" + "".join(f"{batch.reference},{n},成功\n" for n in range(1, 5))).encode()
    in_threads(
        4,
        lambda k: services.results_import(
            actor=county_approver,
            batch=batch,
            content=content,
            filename="r.csv",
            at=datetime(2025, 4, 1, 2, tzinfo=UTC),
        ),
    )
    assert PaymentLine.objects.filter(status="paid").count() == 4
    assert Claim.objects.filter(status="paid").count() == 4
    paid_events = Counter(Claim.objects.filter(events__action="paid").values_list("pk", flat=True))
    assert set(paid_events.values()) == {1}
    ledger_balanced()


CRASH = textwrap.dedent(
    """
    import os, sys, time, django
    django.setup()
    from datetime import datetime, UTC
    from dte.accounts.models import User
    from dte.catalog.models import County
    from dte.subsidy import services
    from dte.subsidy.models import PaymentLine
    create = PaymentLine.objects.create
    def slow_create(**kw):
        row = create(**kw)
        print("LINE", flush=True)
        time.sleep(60)
        return row
    PaymentLine.objects.create = slow_create
    officer = User.objects.get(pk=int(sys.argv[1]))
    county = County.objects.get(code="330302")
    services.batch_create(actor=officer, county=county, at=datetime(2025, 3, 25, 2, tzinfo=UTC))
    """
)


def test_a_process_killed_in_the_middle_of_a_batch_leaves_nothing_half_done(payable_claims, county_approver):
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        url = f"sqlite:///{db['NAME']}"
    else:
        url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "dte.settings_test",
        "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src"),
    }
    proc = subprocess.Popen(
        [sys.executable, "-c", CRASH, str(county_approver.pk)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        assert line.strip() == "LINE", proc.stderr.read()
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    connection.close()
    assert not PaymentBatch.objects.exists() and not PaymentLine.objects.exists()
    assert set(Claim.objects.values_list("status", flat=True)) == {"payable"}
    ledger_balanced()
    # The next run pays every claim once.
    batch = services.batch_create(
        actor=county_approver,
        county=County.objects.get(code="330302"),
        at=datetime(2025, 3, 26, 2, tzinfo=UTC),
    )
    assert batch.lines.count() == 4
