"""Issue 13: a property-based (stateful) test of payment [A2.6.2], [A2.6.3], [A2.7b].

Hypothesis drives random sequences of budget entries (sane and absurd), batch creation, bank result
imports (valid, with repeated rows, with contradictory rows, with returns 退票, files imported
again), returns entered on the batch page, recoveries and repayments (some dated in the future or
before the recovery), and "restarts" (every object the machine holds is read again from the
database). A model of the rules predicts whether each step is accepted; a refused step must change
nothing. After every step these invariants are checked:

1. No claim is paid twice: at most one paid line per claim net of returns, at most one open (pending
   or paid) line; the claim's status agrees with its lines (paid ⇔ a paid line, in batch ⇔ a pending
   line, payable otherwise), ``paid_on`` is set exactly when paid, and the claimant's timeline shows
   one more "paid" than "returned" exactly when the claim is paid.
2. Every yuan in the ledger is accounted for, per fund account: budget + recoveries = reserved
   (pending lines) + paid (paid lines) + free (the ledger's balance, never negative); the budget
   column equals the budget entries; the reservations equal the batches' lines; the releases and
   returns equal the failed and returned lines; recoveries are counted once (ledger = repayments).
3. A batch's total is the sum of its lines, and a batch is closed exactly when no line awaits the bank.
4. The audit chain verifies (``dte audit verify``).

Each example runs inside a savepoint that is rolled back at its end, so examples do not see each
other's rows. Bounded for CI: 25 examples of at most 12 steps."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from dte.audit.services import verify
from dte.catalog.models import County
from dte.subsidy import services
from dte.subsidy.models import (
    Claim,
    ClaimEvent,
    FundAccount,
    LedgerEntry,
    PaymentBatch,
    PaymentLine,
    Recovery,
    Repayment,
    Status,
)
from tests.subsidy.conftest import SUBMIT_AT

pytestmark = pytest.mark.django_db

LUCHENG = "330302"
START = datetime(2025, 3, 25, 1, tzinfo=UTC)
WORDS = {"paid": "成功", "failed": "失败", "returned": "退票"}
REASONS = {"paid": "", "failed": "户名不符", "returned": "账户已冻结"}
# (recorded status, result in the file) → the status after the import; absent: the file is refused.
ACCEPTED = {
    ("pending", "paid"): "paid",
    ("pending", "failed"): "failed",
    ("paid", "paid"): "paid",
    ("paid", "returned"): "returned",  # 银行退票, unless the claim has a recovery
    ("failed", "failed"): "failed",
    ("returned", "returned"): "returned",
    ("returned", "paid"): "returned",  # the original success, repeated
}
FITTING = {
    "pending": ["paid", "paid", "failed"],
    "paid": ["returned", "returned", "paid"],
    "failed": ["failed"],
    "returned": ["returned", "paid"],
}
MACHINE_SETTINGS = settings(
    max_examples=25,
    stateful_step_count=12,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.fixture
def world(make_trainee, make_claim, county_reviewer, county_approver):
    """Five payable claims of 3,300 yuan in 鹿城区 (no fund account yet) and the county approver."""
    for k in range(5):
        claim = make_claim(make_trainee(f"周{'一二三四五'[k]}"))
        services.review_pass(actor=county_reviewer, claim=claim, at=SUBMIT_AT)
        services.claim_approve(actor=county_approver, claim=claim, at=SUBMIT_AT)
    services.notices_expire(at=datetime(2025, 3, 24, 2, tzinfo=UTC))
    assert Claim.objects.filter(status=Status.PAYABLE).count() == 5
    return county_approver


def snapshot() -> dict:
    """Everything a payment step may change (the audit log aside)."""
    return {
        "claims": sorted(Claim.objects.values_list("pk", "status", "paid_on")),
        "lines": sorted(PaymentLine.objects.values_list("pk", "status", "reason", "returned_at")),
        "ledger": sorted(LedgerEntry.objects.values_list("pk", "kind", "amount")),
        "batches": sorted(PaymentBatch.objects.values_list("pk", "status", "total")),
        "accounts": sorted(FundAccount.objects.values_list("pk", "budget")),
        "recoveries": sorted(Recovery.objects.values_list("pk", "status")),
        "repayments": sorted(Repayment.objects.values_list("pk", "amount", "received_on")),
        "events": ClaimEvent.objects.count(),
    }


def check_invariants() -> None:
    lines = defaultdict(list)
    for claim_id, status in PaymentLine.objects.values_list("claim_id", "status"):
        lines[claim_id].append(status)
    events = Counter(
        ClaimEvent.objects.filter(action__in=["paid", "payment_returned"]).values_list("claim_id", "action")
    )
    for claim in Claim.objects.all():
        mine = Counter(lines[claim.pk])
        # 1. No claim paid twice, and the claim agrees with its lines.
        assert mine["paid"] <= 1, (claim.reference, mine)
        assert mine["paid"] + mine["pending"] <= 1, (claim.reference, mine)
        expected = Status.PAID if mine["paid"] else Status.IN_BATCH if mine["pending"] else Status.PAYABLE
        assert claim.status == expected, (claim.reference, claim.status, mine)
        assert (claim.paid_on is not None) == (claim.status == Status.PAID)
        paid_net = events[(claim.pk, "paid")] - events[(claim.pk, "payment_returned")]
        assert paid_net == (1 if claim.status == Status.PAID else 0), (claim.reference, events)
        assert events[(claim.pk, "payment_returned")] == mine["returned"]
    for account in FundAccount.objects.all():
        entries = dict(account.entries.order_by().values_list("kind").annotate(s=Sum("amount")))
        by_status = defaultdict(int)
        for status, amount in PaymentLine.objects.filter(batch__account=account).values_list(
            "status", "amount"
        ):
            by_status[status] += amount
        repaid = Repayment.objects.filter(recovery__claim__payment_lines__batch__account=account).distinct()
        recovered = sum(r.amount for r in repaid)
        free = services.balance(account)
        # 2. Every yuan accounted for; recoveries counted once.
        assert account.budget == entries.get("budget", 0)
        assert entries.get("recovery", 0) == recovered
        assert account.budget + recovered == by_status["pending"] + by_status["paid"] + free
        assert free >= 0
        assert -entries.get("reserve", 0) == sum(by_status.values())
        assert (
            entries.get("release", 0) + entries.get("return", 0)
            == by_status["failed"] + by_status["returned"]
        )
    for batch in PaymentBatch.objects.all():
        # 3. Batches.
        statuses = list(batch.lines.values_list("status", flat=True))
        assert batch.total == sum(batch.lines.values_list("amount", flat=True))
        assert (batch.status == PaymentBatch.Status.CLOSED) == ("pending" not in statuses)
    # 4. The audit chain.
    result = verify()
    assert result.ok, result


def test_payment_keeps_its_invariants_under_random_sequences(world):
    approver = world
    county = County.objects.get(code=LUCHENG)

    class Payments(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self._savepoint = transaction.atomic()
            self._savepoint.__enter__()
            self.now = START
            self.batches: list[PaymentBatch] = []
            self.files: list[tuple[int, bytes]] = []  # accepted result files: (batch pk, content)

        def teardown(self):
            transaction.set_rollback(True)
            self._savepoint.__exit__(None, None, None)

        def tick(self, hours: int = 5) -> datetime:
            self.now += timedelta(hours=hours)
            return self.now

        def refused(self, step) -> bool:
            """Run a step; a refusal (ValidationError) must change nothing."""
            before = snapshot()
            try:
                step()
            except ValidationError:
                assert snapshot() == before
                return True
            return False

        @initialize(amount=st.integers(3300, 16500))
        def open_the_fund_and_a_first_batch(self, amount):
            services.fund_budget(actor=approver, county=county, year=2025, amount=amount, at=self.tick())
            self.batches.append(services.batch_create(actor=approver, county=county, at=self.tick()))

        @rule(
            amount=st.one_of(
                st.integers(1, 9900), st.sampled_from(["99999999999999999999", "-1", "0", "1.5", "x"])
            )
        )
        def add_budget(self, amount):
            ok = isinstance(amount, int)
            refused = self.refused(
                lambda: services.fund_budget(
                    actor=approver, county=county, year=2025, amount=amount, at=self.tick()
                )
            )
            assert refused != ok

        @rule()
        def create_batch(self):
            before = set(Claim.objects.filter(status=Status.PAYABLE).values_list("pk", flat=True))
            free = services.balance(FundAccount.objects.get())
            created = []
            refused = self.refused(
                lambda: created.append(services.batch_create(actor=approver, county=county, at=self.tick()))
            )
            # A batch is refused exactly when no payable claim fits in the free balance.
            assert refused == (not before or free < 3300)
            if created:
                batch = created[0]
                assert set(batch.lines.values_list("claim_id", flat=True)) <= before
                assert batch.total <= free
                self.batches.append(batch)

        @precondition(lambda self: self.batches)
        @rule(data=st.data())
        def the_bank_answers(self, data):
            """A result file, an accepted file imported again, or a return entered on the batch page
            (one rule, so that the bank's steps are drawn as often as the others together)."""
            what = data.draw(st.sampled_from(["file", "file", "file", "again", "page"]))
            if what == "again" and self.files:
                self.import_an_accepted_file_again(data)
            elif what == "page":
                self.return_on_the_batch_page(data)
            else:
                self.import_results(data)

        def import_results(self, data):
            batch = data.draw(st.sampled_from(self.batches))
            recorded = dict(batch.lines.values_list("line", "status"))
            claims = dict(batch.lines.values_list("line", "claim_id"))
            chosen = data.draw(st.lists(st.sampled_from(sorted(recorded)), min_size=1, unique=True))
            # Any result, or (more often) one the recorded status admits, so that files are often
            # accepted and paid lines are often returned.
            rows = [
                (n, data.draw(st.sampled_from(["paid", "failed", "returned", *FITTING[recorded[n]]])))
                for n in chosen
            ]
            if data.draw(st.booleans()):  # an identical repeat of a row
                rows.append(data.draw(st.sampled_from(rows)))
            contradictory = data.draw(st.booleans()) and data.draw(st.booleans())
            if contradictory:
                n, result = data.draw(st.sampled_from(rows))
                rows.append((n, data.draw(st.sampled_from([r for r in WORDS if r != result]))))
            unknown = data.draw(st.integers(0, 9)) == 0
            if unknown:
                rows.append((len(recorded) + 1, "paid"))
            rows = data.draw(st.permutations(rows))
            content = (
                "批次号,行号,结果,失败原因\n"
                + "".join(f"{batch.reference},{n},{WORDS[r]},{REASONS[r]}\n" for n, r in rows)
            ).encode()
            # The model: accepted, and the statuses it leads to.
            after = dict(recorded)
            accepted = not contradictory and not unknown
            for n, result in rows:
                if not accepted:
                    break
                nxt = ACCEPTED.get((recorded[n], result))
                if nxt is None or (
                    (recorded[n], result) == ("paid", "returned")
                    and Recovery.objects.filter(claim_id=claims[n]).exists()
                ):
                    accepted = False
                else:
                    after[n] = nxt
            refused = self.refused(
                lambda: services.results_import(
                    actor=approver, batch=batch, content=content, filename="r.csv", at=self.tick()
                )
            )
            assert refused == (not accepted), (rows, recorded)
            event(f"result file {'refused' if refused else 'accepted'}")
            if accepted and ("paid", "returned") in {(recorded[n], r) for n, r in rows}:
                event("result file with a return")
            if accepted:
                assert dict(batch.lines.values_list("line", "status")) == after
                self.files.append((batch.pk, content))

        def import_an_accepted_file_again(self, data):
            pk, content = data.draw(st.sampled_from(self.files))
            before = snapshot()
            counts = services.results_import(
                actor=approver,
                batch=PaymentBatch.objects.get(pk=pk),
                content=content,
                filename="r.csv",
                at=self.tick(),
            )
            assert counts["paid"] == counts["failed"] == counts["returned"] == 0
            assert snapshot() == before

        def return_on_the_batch_page(self, data):
            batch = data.draw(st.sampled_from(self.batches))
            line = data.draw(st.sampled_from(list(batch.lines.all())))
            allowed = line.status == "paid" and not Recovery.objects.filter(claim_id=line.claim_id).exists()
            refused = self.refused(
                lambda: services.payment_return(
                    actor=approver, line=line, reason="账户已冻结", at=self.tick()
                )
            )
            assert refused != allowed
            event(f"return on the page {'refused' if refused else 'accepted'}")
            line.refresh_from_db()
            assert line.status == ("returned" if allowed else line.status)

        @rule(data=st.data())
        def recovery(self, data):
            """A recovery opened on a paid claim [A2.7b], or a repayment recorded on an open one."""
            if data.draw(st.booleans()):
                self.record_a_repayment(data)
                return
            paid = list(Claim.objects.filter(status=Status.PAID).exclude(recoveries__status="open"))
            if not paid:
                return
            claim = data.draw(st.sampled_from(paid))
            services.recovery_open(
                actor=approver,
                claim=claim,
                amount_due=data.draw(st.integers(1, claim.amount)),
                reason="多发补贴",
                at=self.tick(),
            )

        def record_a_repayment(self, data):
            open_ = list(Recovery.objects.filter(status="open"))
            if not open_:
                return
            rec = data.draw(st.sampled_from(open_))
            at = self.tick(24)
            today, opened = timezone.localdate(at), timezone.localdate(rec.opened_at)
            received = today + timedelta(days=data.draw(st.integers(-3, 2)))
            amount = data.draw(st.integers(0, rec.balance + 10))
            valid = opened <= received <= today and 1 <= amount <= rec.balance
            refused = self.refused(
                lambda: services.repayment_record(
                    actor=approver, recovery=rec, amount=amount, received_on=received, at=at
                )
            )
            assert refused != valid
            event(f"repayment {'refused' if refused else 'accepted'}")

        @rule()
        def restart(self):
            """Forget every object held in memory and read it again from the database."""
            self.batches = [PaymentBatch.objects.get(pk=b.pk) for b in self.batches]

        @invariant()
        def invariants_hold(self):
            check_invariants()

    run_state_machine_as_test(Payments, settings=MACHINE_SETTINGS)
