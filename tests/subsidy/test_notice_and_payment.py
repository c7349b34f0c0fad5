"""Public notice and objections [A2.6.2]; payment within the fund's balance, bank file, result
import, exactly once [A2.6.2], [A2.6.3]; recovery [A2.7b]; credit list [A2.7a]."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from openpyxl import load_workbook

from dte.catalog.models import County
from dte.notifications.models import Message
from dte.subsidy import selectors, services
from dte.subsidy.models import Claim, CreditEntry, LedgerEntry, PaymentLine
from tests.subsidy.conftest import ACCOUNT, SUBMIT_AT

LUCHENG = "330302"


def at_day(d: date, hour: int = 2) -> datetime:
    return datetime(d.year, d.month, d.day, hour, tzinfo=UTC)


@pytest.fixture
def approve(county_reviewer, county_approver):
    def run(claim, on=date(2025, 3, 14)):
        services.review_pass(actor=county_reviewer, claim=claim, at=at_day(on))
        return services.claim_approve(actor=county_approver, claim=claim, at=at_day(on))

    return run


@pytest.fixture
def payable(submitted, approve):
    approve(submitted)
    services.notices_expire(at=at_day(date(2025, 3, 24)))
    return Claim.objects.get(pk=submitted.pk)


@pytest.fixture
def funded(county_approver):
    def fund(amount=10000, year=2025):
        return services.fund_budget(
            actor=county_approver,
            county=County.objects.get(code=LUCHENG),
            year=year,
            amount=amount,
            at=at_day(date(2025, 3, 24)),
        )

    return fund


def test_the_public_notice_shows_only_masked_identity(submitted, approve, client, freeze):
    approve(submitted)
    rows = list(selectors.public_notices(today=date(2025, 3, 18)))
    assert [c.pk for c in rows] == [submitted.pk]
    freeze(at_day(date(2025, 3, 18)))
    page = client.get("/subsidy/notices/").content.decode()
    assert submitted.person.masked_id_number in page and submitted.person.id_number not in page
    assert "陈*明" in page and "3,300元" in page


def test_a_notice_ends_and_the_claim_becomes_payable_once(submitted, approve):
    approve(submitted)
    assert services.notices_expire(at=at_day(date(2025, 3, 21))) == 0  # the last notice day
    assert services.notices_expire(at=at_day(date(2025, 3, 24))) == 1
    assert services.notices_expire(at=at_day(date(2025, 3, 25))) == 0
    assert Claim.objects.get(pk=submitted.pk).status == "payable"


def test_an_objection_dismissed_lets_the_claim_proceed(submitted, approve, county_reviewer):
    approve(submitted)
    obj = services.objection_file(
        claim=submitted,
        reason="此人并未参加培训",
        contact="13900000000",
        client="1.2.3.4",
        at=at_day(date(2025, 3, 18)),
    )
    assert services.notices_expire(at=at_day(date(2025, 3, 24))) == 0  # open objection holds it
    services.objection_decide(
        actor=county_reviewer,
        objection=obj,
        upheld=False,
        finding="考勤记录完整",
        at=at_day(date(2025, 3, 25)),
    )
    assert Claim.objects.get(pk=submitted.pk).status == "payable"


def test_an_objection_upheld_cancels_the_claim_and_tells_the_claimant(submitted, approve, county_reviewer):
    approve(submitted)
    obj = services.objection_file(
        claim=submitted,
        reason="证书系伪造的材料",
        contact="匿名邮箱",
        client="1.2.3.4",
        at=at_day(date(2025, 3, 18)),
    )
    services.objection_decide(
        actor=county_reviewer,
        objection=obj,
        upheld=True,
        finding="证书查无此号",
        at=at_day(date(2025, 3, 19)),
    )
    assert Claim.objects.get(pk=submitted.pk).status == "cancelled"
    assert Message.objects.filter(person=submitted.person, subject="补贴资格已取消").exists()


def test_objections_are_rate_limited_per_address(submitted, approve):
    approve(submitted)
    for _ in range(services.OBJECTIONS_PER_HOUR):
        services.objection_file(
            claim=submitted,
            reason="理由理由理由",
            contact="x",
            client="9.9.9.9",
            at=at_day(date(2025, 3, 18)),
        )
    with pytest.raises(ValidationError, match="过于频繁"):
        services.objection_file(
            claim=submitted,
            reason="理由理由理由",
            contact="x",
            client="9.9.9.9",
            at=at_day(date(2025, 3, 18)),
        )


def test_a_batch_never_exceeds_the_available_balance(
    eligible_trainee, make_claim, approve, funded, county_approver
):
    for level in ("junior", "intermediate"):
        approve(make_claim(eligible_trainee, level=level))
    services.notices_expire(at=at_day(date(2025, 3, 24)))
    funded(5000)  # 3300 + 3900 would exceed it
    batch = services.batch_create(
        actor=county_approver, county=County.objects.get(code=LUCHENG), at=at_day(date(2025, 3, 25))
    )
    assert batch.total == 3300 and batch.lines.count() == 1
    assert services.balance(batch.account) == 1700
    with pytest.raises(ValidationError, match="不足"):
        services.batch_create(
            actor=county_approver, county=County.objects.get(code=LUCHENG), at=at_day(date(2025, 3, 25))
        )


def test_bank_file_and_results_pay_each_claim_once(payable, funded, county_approver):
    funded()
    county = County.objects.get(code=LUCHENG)
    batch = services.batch_create(actor=county_approver, county=county, at=at_day(date(2025, 3, 25)))
    rows = list(
        csv.reader(
            io.StringIO(
                services.bank_file(actor=county_approver, batch=batch, fmt="csv", at=SUBMIT_AT).decode(
                    "utf-8-sig"
                )
            )
        )
    )
    assert rows[0] == services.BANK_COLUMNS
    assert rows[1] == [
        batch.reference,
        "1",
        "陈晓明",
        "社会保障卡银行账户",
        "社会保障卡",
        ACCOUNT,
        "3300",
        payable.reference,
    ]
    wb = load_workbook(
        io.BytesIO(services.bank_file(actor=county_approver, batch=batch, fmt="xlsx", at=SUBMIT_AT))
    )
    assert wb.active.cell(2, 6).value == ACCOUNT
    result = f"批次号,行号,结果,失败原因\n{batch.reference},1,成功,\n".encode()
    first = services.results_import(
        actor=county_approver, batch=batch, content=result, filename="r.csv", at=at_day(date(2025, 4, 1))
    )
    again = services.results_import(
        actor=county_approver, batch=batch, content=result, filename="r.csv", at=at_day(date(2025, 4, 2))
    )
    assert (first["paid"], again["paid"], again["unchanged"]) == (1, 0, 1)
    claim = Claim.objects.get(pk=payable.pk)
    assert claim.status == "paid" and claim.paid_on == date(2025, 4, 1)
    assert PaymentLine.objects.filter(claim=claim, status="paid").count() == 1
    assert services.balance(batch.account) == 10000 - 3300


def test_a_failed_line_returns_the_claim_and_the_money(payable, funded, county_approver):
    funded()
    county = County.objects.get(code=LUCHENG)
    batch = services.batch_create(actor=county_approver, county=county, at=at_day(date(2025, 3, 25)))
    result = f"批次号,行号,结果,失败原因\n{batch.reference},1,失败,账户已销户\n".encode()
    services.results_import(
        actor=county_approver, batch=batch, content=result, filename="r.csv", at=at_day(date(2025, 4, 1))
    )
    assert Claim.objects.get(pk=payable.pk).status == "payable"
    assert services.balance(batch.account) == 10000
    contradicting = f"批次号,行号,结果,失败原因\n{batch.reference},1,成功,\n".encode()
    with pytest.raises(ValidationError, match="矛盾"):
        services.results_import(
            actor=county_approver,
            batch=batch,
            content=contradicting,
            filename="r.csv",
            at=at_day(date(2025, 4, 2)),
        )
    second = services.batch_create(actor=county_approver, county=county, at=at_day(date(2025, 4, 3)))
    assert second.lines.get().claim_id == payable.pk


def test_another_county_cannot_pay_lucheng(payable, funded, other_county_reviewer):
    with pytest.raises(PermissionDenied):
        services.batch_create(
            actor=other_county_reviewer, county=County.objects.get(code=LUCHENG), at=SUBMIT_AT
        )


def test_a_recovery_is_repaid_into_the_ledger_and_closed(payable, funded, county_approver):
    funded()
    batch = services.batch_create(
        actor=county_approver, county=County.objects.get(code=LUCHENG), at=at_day(date(2025, 3, 25))
    )
    services.results_import(
        actor=county_approver,
        batch=batch,
        content=f"批次号,行号,结果\n{batch.reference},1,成功\n".encode(),
        filename="r.csv",
        at=at_day(date(2025, 4, 1)),
    )
    claim = Claim.objects.get(pk=payable.pk)
    rec = services.recovery_open(
        actor=county_approver,
        claim=claim,
        amount_due=3300,
        reason="培训记录造假",
        at=at_day(date(2025, 5, 6)),
    )
    services.repayment_record(
        actor=county_approver,
        recovery=rec,
        amount=1000,
        received_on=date(2025, 5, 20),
        at=at_day(date(2025, 5, 20)),
    )
    rec.refresh_from_db()
    assert (rec.repaid, rec.balance) == (1000, 2300)
    assert services.balance(batch.account) == 10000 - 3300 + 1000
    assert LedgerEntry.objects.filter(kind="recovery").count() == 1
    services.recovery_close(
        actor=county_approver, recovery=rec, decision="余款移交法院强制执行", at=at_day(date(2025, 6, 1))
    )
    rec.refresh_from_db()
    assert rec.status == "closed"


def test_the_credit_list_exports_full_identity_and_publishes_it_masked(
    payable, county_approver, city_officer, auditor
):
    services.credit_entry_create(
        actor=county_approver,
        claim=payable,
        kind="fraud",
        facts="伪造培训考勤",
        decided_on=date(2025, 5, 6),
        at=at_day(date(2025, 5, 6)),
    )
    rows = json.loads(services.credit_export(actor=city_officer, fmt="json", at=SUBMIT_AT))
    assert rows[0]["id_number"] == payable.person.id_number and "[A2.7a]" in rows[0]["legal_basis"]
    assert (
        services.credit_export(actor=city_officer, fmt="csv", at=SUBMIT_AT)
        .decode("utf-8-sig")
        .startswith("name,")
    )
    public = services.credit_public(today=date(2025, 5, 6))
    assert public[0]["name"] == "陈*明" and "*" in public[0]["id_number"]
    with pytest.raises(PermissionDenied):
        services.credit_export(actor=auditor, fmt="json", at=SUBMIT_AT)


def test_a_credit_entry_is_public_for_three_years_from_the_decision_by_default(payable, county_approver):
    entry = services.credit_entry_create(
        actor=county_approver,
        claim=payable,
        kind="fraud",
        facts="伪造培训考勤",
        decided_on=date(2025, 5, 6),
        at=at_day(date(2025, 5, 6)),
    )
    assert entry.publish_until == date(2028, 5, 6)
    assert [r["publish_until"] for r in services.credit_public(today=date(2028, 5, 6))] == [date(2028, 5, 6)]
    assert services.credit_public(today=date(2028, 5, 7)) == []
    assert services.credit_public(today=date(2025, 5, 5)) == []
    assert entry.status(date(2028, 5, 7)) == "公开期满"


def test_a_credit_entry_cannot_end_its_publication_before_the_decision(payable, county_approver):
    with pytest.raises(ValidationError) as exc:
        services.credit_entry_create(
            actor=county_approver,
            claim=payable,
            kind="fraud",
            facts="伪造培训考勤",
            decided_on=date(2025, 5, 6),
            publish_until=date(2025, 5, 6),
            at=at_day(date(2025, 5, 6)),
        )
    assert "公开截止日期应晚于认定日期" in str(exc.value)
    assert not CreditEntry.objects.exists()


def test_a_revoked_credit_entry_leaves_the_public_page_and_stays_in_the_export_marked(
    payable, county_approver, city_officer, county_reviewer
):
    entry = services.credit_entry_create(
        actor=county_approver,
        claim=payable,
        kind="fraud",
        facts="伪造培训考勤",
        decided_on=date(2025, 5, 6),
        at=at_day(date(2025, 5, 6)),
    )
    with pytest.raises(ValidationError):
        services.credit_entry_revoke(
            actor=county_approver, entry=entry, reason=" ", at=at_day(date(2025, 6, 2))
        )
    with pytest.raises(PermissionDenied):
        services.credit_entry_revoke(
            actor=county_reviewer, entry=entry, reason="复议撤销", at=at_day(date(2025, 6, 2))
        )
    services.credit_entry_revoke(
        actor=county_approver, entry=entry, reason="行政复议撤销原认定", at=at_day(date(2025, 6, 2))
    )
    assert services.credit_public(today=date(2025, 6, 2)) == []
    [row] = json.loads(services.credit_export(actor=city_officer, fmt="json", at=at_day(date(2025, 6, 3))))
    assert (row["status"], row["revoked_on"], row["revocation_reason"]) == (
        "已撤销",
        "2025-06-02",
        "行政复议撤销原认定",
    )
    with pytest.raises(ValidationError, match="不能重复撤销"):
        services.credit_entry_revoke(
            actor=county_approver, entry=entry, reason="再次", at=at_day(date(2025, 6, 3))
        )


def test_every_claim_transition_is_audited_with_the_decision_trace(payable, funded, county_approver):
    from dte.audit.models import AuditEntry
    from dte.audit.services import verify

    funded()
    batch = services.batch_create(
        actor=county_approver, county=County.objects.get(code=LUCHENG), at=at_day(date(2025, 3, 25))
    )
    services.results_import(
        actor=county_approver,
        batch=batch,
        content=f"批次号,行号,结果\n{batch.reference},1,成功\n".encode(),
        filename="r.csv",
        at=at_day(date(2025, 4, 1)),
    )
    entries = AuditEntry.objects.filter(object_type="subsidy.Claim", object_id=str(payable.pk))
    transitions = [e for e in entries if "status" in e.changes]
    assert [e.changes["status"][1] for e in transitions] == [
        "under_review",
        "reviewed",
        "on_notice",
        "payable",
        "in_batch",
        "paid",
    ]
    assert all(e.changes["decision"]["findings"] for e in transitions)
    assert all(e.changes["decision"]["amount"] == 3300 for e in transitions)
    assert verify().ok
