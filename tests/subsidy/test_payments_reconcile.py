"""Issue 13, money: the bank's result file is reconciled, not overwritten [A2.6.3] (contradictory rows
refused whole, repeats change nothing, a paid line changes only by 银行退票 entered by the approver);
batches only with complete payment details and a bank file checked line by line [A2.6.2]; a budget
and a repayment that cannot be recorded are refused with a field error and change nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from dte.accounts.models import Role
from dte.accounts.services import account_create
from dte.audit.models import AuditEntry
from dte.audit.services import verify
from dte.catalog.models import County
from dte.notifications.models import Message
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
)
from tests.subsidy.conftest import SUBMIT_AT

LUCHENG = "330302"
HEADER = "批次号,行号,结果,失败原因\n"


def at_day(d: date, hour: int = 2) -> datetime:
    return datetime(d.year, d.month, d.day, hour, tzinfo=UTC)


BATCH_AT = at_day(date(2025, 3, 25))
RESULT_AT = at_day(date(2025, 4, 1))
LATER = at_day(date(2025, 4, 8))


@pytest.fixture
def payable_claims(make_trainee, make_claim, county_reviewer, county_approver):
    """Three payable claims of 3,300 yuan in 鹿城区 and a fund account of 100,000 yuan."""
    claims = []
    for k in range(3):
        claim = make_claim(make_trainee(f"张{'一二三'[k]}"))
        services.review_pass(actor=county_reviewer, claim=claim, at=SUBMIT_AT)
        services.claim_approve(actor=county_approver, claim=claim, at=SUBMIT_AT)
        claims.append(claim)
    services.notices_expire(at=at_day(date(2025, 3, 24)))
    services.fund_budget(
        actor=county_approver, county=County.objects.get(code=LUCHENG), year=2025, amount=100000, at=SUBMIT_AT
    )
    return [Claim.objects.get(pk=c.pk) for c in claims]


@pytest.fixture
def batch(payable_claims, county_approver):
    return services.batch_create(actor=county_approver, county=County.objects.get(code=LUCHENG), at=BATCH_AT)


def result_file(batch, *rows: str) -> bytes:
    return (HEADER + "".join(f"{batch.reference},{r}\n" for r in rows)).encode()


def import_(actor, batch, *rows: str, at=RESULT_AT) -> dict:
    return services.results_import(
        actor=actor, batch=batch, content=result_file(batch, *rows), filename="r.csv", at=at
    )


def state() -> dict:
    """Everything a payment step may change, to show that a refused one changed nothing."""
    return {
        "claims": sorted(Claim.objects.values_list("pk", "status", "paid_on")),
        "lines": sorted(PaymentLine.objects.values_list("pk", "status", "reason")),
        "ledger": sorted(LedgerEntry.objects.values_list("pk", "kind", "amount")),
        "batches": sorted(PaymentBatch.objects.values_list("pk", "status")),
        "accounts": sorted(FundAccount.objects.values_list("pk", "budget")),
        "events": ClaimEvent.objects.count(),
        "messages": Message.objects.count(),
        "repayments": Repayment.objects.count(),
    }


def balance() -> int:
    return services.balance(FundAccount.objects.get())


# -- item 1: bank results reconciled ------------------------------------------------------------------


def test_a_file_giving_one_line_two_results_is_refused_whole_with_the_row_numbers(batch, county_approver):
    before = state()
    with pytest.raises(ValidationError) as exc:
        import_(county_approver, batch, "1,成功,", "2,失败,账户不存在", "2,成功,")
    text = " ".join(exc.value.messages)
    assert "第3、4行" in text and "第2笔的结果互相矛盾" in text
    assert state() == before  # the good row 1 is not recorded either


def test_the_issues_file_4_failed_then_4_paid_is_refused_and_the_claim_stays_in_its_batch(
    payable_claims, make_trainee, make_claim, county_reviewer, county_approver
):
    fourth = make_claim(make_trainee("张四"))
    services.review_pass(actor=county_reviewer, claim=fourth, at=SUBMIT_AT)
    services.claim_approve(actor=county_approver, claim=fourth, at=SUBMIT_AT)
    services.notices_expire(at=at_day(date(2025, 3, 24)))
    lucheng = County.objects.get(code=LUCHENG)
    batch = services.batch_create(actor=county_approver, county=lucheng, at=BATCH_AT)
    assert batch.lines.count() == 4
    before = state()
    with pytest.raises(ValidationError) as exc:
        import_(county_approver, batch, "4,失败,账户不存在", "4,成功,")
    assert "第2、3行:第4笔的结果互相矛盾(第2行“失败”、第3行“成功”)" in exc.value.messages
    assert state() == before
    assert Claim.objects.get(pk=batch.lines.get(line=4).claim_id).status == "in_batch"
    with pytest.raises(ValidationError, match="没有可拨付的申领"):  # not in a second batch
        services.batch_create(actor=county_approver, county=lucheng, at=LATER)


def test_an_identical_repeat_in_one_file_is_recorded_once(batch, county_approver):
    counts = import_(county_approver, batch, "1,成功,", "1,成功,", "2,失败,户名不符", "2,失败,户名不符")
    assert counts == {"paid": 1, "failed": 1, "returned": 0, "unchanged": 2}
    assert PaymentLine.objects.filter(status="paid").count() == 1
    assert ClaimEvent.objects.filter(action="paid").count() == 1
    assert ClaimEvent.objects.filter(action="payment_failed").count() == 1


def test_the_same_results_imported_again_change_nothing(batch, county_approver):
    import_(county_approver, batch, "1,成功,", "2,失败,户名不符", "3,成功,")
    before = state()
    again = import_(county_approver, batch, "1,成功,", "2,失败,户名不符", "3,成功,", at=LATER)
    assert again == {"paid": 0, "failed": 0, "returned": 0, "unchanged": 3}
    assert state() == before


def test_a_failed_line_cannot_be_made_paid_by_a_later_file(batch, county_approver):
    import_(county_approver, batch, "2,失败,账户不存在")
    before = state()
    with pytest.raises(ValidationError) as exc:
        import_(county_approver, batch, "2,成功,", at=LATER)
    assert "第2行" in exc.value.messages[1] and "已登记为支付失败(账户不存在)" in exc.value.messages[1]
    assert "已退回待拨付" in exc.value.messages[1]
    assert state() == before


def test_a_paid_line_cannot_be_made_failed_by_a_later_file(batch, county_approver):
    import_(county_approver, batch, "1,成功,")
    before = state()
    with pytest.raises(ValidationError, match=r"已登记为支付成功.*退票"):
        import_(county_approver, batch, "1,失败,账户不存在", at=LATER)
    assert state() == before


def test_a_return_row_for_a_paid_line_is_a_reversal(batch, county_approver, payable_claims):
    import_(county_approver, batch, "1,成功,", "2,成功,", "3,成功,")
    assert balance() == 100000 - 3 * 3300
    line = batch.lines.get(line=1)
    counts = import_(county_approver, batch, "1,退票,账户已冻结", "2,成功,", at=LATER)
    assert counts == {"paid": 0, "failed": 0, "returned": 1, "unchanged": 1}
    line.refresh_from_db()
    claim = Claim.objects.get(pk=line.claim_id)
    assert (line.status, line.reason, line.returned_by, line.returned_at) == (
        "returned",
        "账户已冻结",
        county_approver,
        LATER,
    )
    assert (claim.status, claim.paid_on) == ("payable", None)
    entry = LedgerEntry.objects.get(kind="return")
    assert (entry.amount, entry.claim_id, entry.batch_id) == (3300, claim.pk, batch.pk)
    assert balance() == 100000 - 2 * 3300
    event = ClaimEvent.objects.get(claim=claim, action="payment_returned")
    assert "账户已冻结" in event.label and event.due == claim.payment_due
    assert Message.objects.filter(person=claim.person, subject="补贴被银行退回").exists()
    audited = AuditEntry.objects.get(action="payment.line_returned")
    assert audited.reason == "账户已冻结" and audited.changes["status"] == ["paid", "payable"]
    assert verify().ok


def test_the_original_success_file_imported_after_a_return_changes_nothing(batch, county_approver):
    import_(county_approver, batch, "1,成功,")
    import_(county_approver, batch, "1,退票,账户已冻结", at=LATER)
    before = state()
    assert import_(county_approver, batch, "1,成功,", at=at_day(date(2025, 4, 9)))["unchanged"] == 1
    assert state() == before
    with pytest.raises(ValidationError, match="已登记为银行退票"):
        import_(county_approver, batch, "1,失败,账户不存在", at=at_day(date(2025, 4, 9)))


def test_a_return_row_for_a_line_never_paid_is_refused(batch, county_approver):
    before = state()
    with pytest.raises(ValidationError, match="尚未登记为支付成功"):
        import_(county_approver, batch, "1,退票,账户已冻结")
    assert state() == before
    import_(county_approver, batch, "2,失败,户名不符")
    before = state()
    with pytest.raises(ValidationError, match="已登记为支付失败"):
        import_(county_approver, batch, "2,退票,户名不符", at=LATER)
    assert state() == before


def test_a_return_row_without_a_reason_is_refused(batch, county_approver):
    import_(county_approver, batch, "1,成功,")
    before = state()
    with pytest.raises(ValidationError, match="银行退票须注明原因"):
        import_(county_approver, batch, "1,退票,", at=LATER)
    assert state() == before


def test_a_returned_claim_is_paid_again_in_the_next_batch_once(batch, county_approver):
    import_(county_approver, batch, "1,成功,", "2,成功,", "3,成功,")
    claim_id = batch.lines.get(line=1).claim_id
    import_(county_approver, batch, "1,退票,账户已冻结", at=LATER)
    second = services.batch_create(
        actor=county_approver, county=County.objects.get(code=LUCHENG), at=at_day(date(2025, 4, 10))
    )
    assert list(second.lines.values_list("claim_id", flat=True)) == [claim_id]
    services.results_import(
        actor=county_approver,
        batch=second,
        content=result_file(second, "1,成功,"),
        filename="r2.csv",
        at=at_day(date(2025, 4, 15)),
    )
    lines = PaymentLine.objects.filter(claim_id=claim_id)
    assert sorted(lines.values_list("status", flat=True)) == ["paid", "returned"]
    assert Claim.objects.get(pk=claim_id).status == "paid"
    assert balance() == 100000 - 3 * 3300


def test_the_approver_enters_a_return_on_the_batch_page(batch, county_approver, client_as, freeze):
    import_(county_approver, batch, "1,成功,")
    freeze(LATER)
    client = client_as(county_approver)
    page = client.get(f"/subsidy/payments/batches/{batch.pk}/").content.decode()
    assert "登记退票" in page
    resp = client.post(
        f"/subsidy/payments/batches/{batch.pk}/lines/1/return/", {"reason": "账户已冻结"}, follow=True
    )
    assert "已登记银行退票" in resp.content.decode()
    line = batch.lines.get(line=1)
    assert line.status == "returned" and Claim.objects.get(pk=line.claim_id).status == "payable"


def test_a_return_on_the_batch_page_needs_a_reason_and_a_paid_line(batch, county_approver, client_as, freeze):
    import_(county_approver, batch, "1,成功,")
    freeze(LATER)
    client = client_as(county_approver)
    before = state()
    resp = client.post(f"/subsidy/payments/batches/{batch.pk}/lines/1/return/", {"reason": " "}, follow=True)
    assert "请写明银行退票的原因" in resp.content.decode()
    resp = client.post(f"/subsidy/payments/batches/{batch.pk}/lines/2/return/", {"reason": "x"}, follow=True)
    assert "只有支付成功的款项才能登记银行退票" in resp.content.decode()
    with pytest.raises(ValidationError, match="不能超过100个字"):
        services.payment_return(
            actor=county_approver, line=batch.lines.get(line=1), reason="长" * 101, at=LATER
        )
    assert state() == before


def test_only_the_county_approver_enters_a_return(batch, county_approver, county_reviewer, client_as):
    import_(county_approver, batch, "1,成功,")
    line = batch.lines.get(line=1)
    before = state()
    with pytest.raises(PermissionDenied):
        services.payment_return(actor=county_reviewer, line=line, reason="账户已冻结", at=LATER)
    other = account_create(
        username="approver_ruian",
        password="Correct-Horse-2026",
        role=Role.COUNTY_APPROVER,
        county=County.objects.get(code="330381"),
        at=SUBMIT_AT,
    )
    with pytest.raises(PermissionDenied):
        services.payment_return(actor=other, line=line, reason="账户已冻结", at=LATER)
    resp = client_as(county_reviewer).post(
        f"/subsidy/payments/batches/{batch.pk}/lines/1/return/", {"reason": "账户已冻结"}
    )
    assert resp.status_code == 403
    assert state() == before


def test_a_return_is_refused_once_a_recovery_is_open_on_the_claim(batch, county_approver):
    import_(county_approver, batch, "1,成功,")
    line = batch.lines.get(line=1)
    services.recovery_open(
        actor=county_approver, claim=line.claim, amount_due=3300, reason="培训记录造假", at=LATER
    )
    before = state()
    with pytest.raises(ValidationError, match="已立案追回"):
        services.payment_return(actor=county_approver, line=line, reason="账户已冻结", at=LATER)
    with pytest.raises(ValidationError, match="已立案追回"):
        import_(county_approver, batch, "1,退票,账户已冻结", at=LATER)
    assert state() == before


def test_a_contradictory_result_file_posted_on_the_page_shows_the_rows_and_changes_nothing(
    batch, county_approver, client_as, freeze
):
    freeze(RESULT_AT)
    before = state()
    upload = result_file(batch, "4,失败,账户不存在", "4,成功,")
    from django.core.files.uploadedfile import SimpleUploadedFile

    resp = client_as(county_approver).post(
        f"/subsidy/payments/batches/{batch.pk}/results/",
        {"file": SimpleUploadedFile("r.csv", upload)},
        follow=True,
    )
    assert resp.status_code == 200
    assert "本批次没有第4行" in resp.content.decode()
    upload = result_file(batch, "3,失败,账户不存在", "3,成功,")
    resp = client_as(county_approver).post(
        f"/subsidy/payments/batches/{batch.pk}/results/",
        {"file": SimpleUploadedFile("r.csv", upload)},
        follow=True,
    )
    assert "第2、3行:第3笔的结果互相矛盾" in resp.content.decode()
    assert state() == before


def test_a_claim_is_in_at_most_one_open_line(batch):
    from django.db import IntegrityError, transaction

    line = batch.lines.get(line=1)
    second = PaymentBatch.objects.create(
        reference="PF-TEST", account=batch.account, created_by=batch.created_by, created_at=LATER
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentLine.objects.create(batch=second, line=1, claim_id=line.claim_id, amount=line.amount)


# -- item 2: batches only with payable details; the bank file checked line by line --------------------


def _strip_account(claim: Claim, **fields) -> None:
    """Payment details as older or imported data may hold them (the claim form refuses these)."""
    Claim.objects.filter(pk=claim.pk).update(**fields)


def test_claims_without_complete_payment_details_are_left_out_and_listed(
    payable_claims, county_approver, client_as, freeze
):
    a, b, c = payable_claims
    _strip_account(a, bank_account_enc="", bank_account_hash="")
    _strip_account(b, bank_kind=Claim.BankKind.DESIGNATED, bank_name="")
    batch = services.batch_create(actor=county_approver, county=County.objects.get(code=LUCHENG), at=BATCH_AT)
    assert list(batch.lines.values_list("claim_id", flat=True)) == [c.pk]
    assert batch.left_out == [
        {"claim": a.reference, "id": a.pk, "reason": "未填写收款银行账号 [A2.6.2]"},
        {"claim": b.reference, "id": b.pk, "reason": "指定银行账户未填写开户银行"},
    ]
    assert Claim.objects.get(pk=a.pk).status == "payable" and Claim.objects.get(pk=b.pk).status == "payable"
    assert AuditEntry.objects.get(action="payment.batch_create").changes["left_out"] == batch.left_out
    freeze(BATCH_AT)
    page = client_as(county_approver).get(f"/subsidy/payments/batches/{batch.pk}/").content.decode()
    assert a.reference in page and "未填写收款银行账号" in page and "指定银行账户未填写开户银行" in page
    page = client_as(county_approver).get("/subsidy/payments/").content.decode()
    assert "其中2件收款信息不完整" in page


def test_a_social_security_card_needs_only_its_account_number(payable_claims, county_approver):
    _strip_account(payable_claims[0], bank_kind=Claim.BankKind.SOCIAL_SECURITY_CARD, bank_name="")
    batch = services.batch_create(actor=county_approver, county=County.objects.get(code=LUCHENG), at=BATCH_AT)
    assert batch.lines.count() == 3 and batch.left_out == []


def test_no_batch_when_no_payable_claim_has_complete_details(
    payable_claims, county_approver, client_as, freeze
):
    for claim in payable_claims:
        _strip_account(claim, bank_account_enc="")
    before = state()
    with pytest.raises(ValidationError) as exc:
        services.batch_create(actor=county_approver, county=County.objects.get(code=LUCHENG), at=BATCH_AT)
    assert exc.value.messages[0] == "没有收款信息完整的待拨付申领,未生成批次"
    assert f"申领{payable_claims[0].reference}未列入:未填写收款银行账号 [A2.6.2]" in exc.value.messages
    freeze(BATCH_AT)
    resp = client_as(county_approver).post("/subsidy/payments/batches/", follow=True)
    assert "没有收款信息完整的待拨付申领" in resp.content.decode()
    assert state() == before


def test_the_bank_file_refuses_a_line_without_an_account_naming_the_line(batch, county_approver):
    claim = batch.lines.get(line=2).claim
    _strip_account(claim, bank_account_enc="")
    for fmt in ("csv", "xlsx"):
        with pytest.raises(ValidationError) as exc:
            services.bank_file(actor=county_approver, batch=batch, fmt=fmt, at=BATCH_AT)
        assert f"第2行(申领{claim.reference}):未填写收款银行账号 [A2.6.2]" in exc.value.messages
    assert not AuditEntry.objects.filter(action="payment.bank_file").exists()


def test_the_bank_file_refuses_an_amount_that_differs_from_the_claim(batch, county_approver):
    PaymentLine.objects.filter(batch=batch, line=3).update(amount=33000)
    with pytest.raises(ValidationError, match=r"第3行.*金额33000元与申领核定的3300元不符"):
        services.bank_file(actor=county_approver, batch=batch, fmt="csv", at=BATCH_AT)
    Claim.objects.filter(pk=batch.lines.get(line=3).claim_id).update(amount=0)
    with pytest.raises(ValidationError, match=r"第3行.*核定补贴金额为0"):
        services.bank_file(actor=county_approver, batch=batch, fmt="csv", at=BATCH_AT)


def test_the_bank_file_refuses_a_line_without_the_claimants_name(batch, county_approver):
    from dte.people.models import Person

    Person.objects.filter(pk=batch.lines.get(line=1).claim.person_id).update(name="")
    with pytest.raises(ValidationError, match=r"第1行.*申领人姓名缺失"):
        services.bank_file(actor=county_approver, batch=batch, fmt="xlsx", at=BATCH_AT)


def test_the_bank_file_page_shows_the_refusal_instead_of_a_file(batch, county_approver, client_as, freeze):
    _strip_account(batch.lines.get(line=1).claim, bank_account_enc="")
    freeze(BATCH_AT)
    resp = client_as(county_approver).get(f"/subsidy/payments/batches/{batch.pk}/file.csv", follow=True)
    assert resp.status_code == 200 and "银行文件未生成" in resp.content.decode()
    assert "第1行" in resp.content.decode()


def test_the_bank_file_lists_only_lines_awaiting_the_bank(batch, county_approver):
    import_(county_approver, batch, "1,成功,", "2,失败,户名不符")
    content = services.bank_file(actor=county_approver, batch=batch, fmt="csv", at=LATER).decode("utf-8-sig")
    assert [r.split(",")[1] for r in content.splitlines()[1:]] == ["3"]
    import_(county_approver, batch, "3,成功,", at=LATER)
    with pytest.raises(ValidationError, match="各笔均已回盘"):
        services.bank_file(actor=county_approver, batch=batch, fmt="csv", at=LATER)


# -- item 4: the budget and repayments --------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("99999999999999999999", "预算金额应在1至1,000,000,000,000元之间"),
        (99999999999999999999, "预算金额应在1至1,000,000,000,000元之间"),
        ("-5", "预算金额应在1至"),
        ("0", "预算金额应在1至"),
        ("12.5", "不能有角、分"),
        ("1e9", "预算金额应为整数(元)"),
        ("abc", "预算金额应为整数(元)"),
        ("", "预算金额应为整数(元)"),
    ],
)
def test_an_absurd_budget_is_refused_with_a_field_error(reference, county_approver, amount, message):
    before = state()
    with pytest.raises(ValidationError) as exc:
        services.fund_budget(
            actor=county_approver,
            county=County.objects.get(code=LUCHENG),
            year=2025,
            amount=amount,
            at=SUBMIT_AT,
        )
    assert message in exc.value.message_dict["amount"][0]
    assert state() == before and not FundAccount.objects.exists()


def test_a_budget_is_bounded_in_total_and_by_year(reference, county_approver):
    lucheng = County.objects.get(code=LUCHENG)
    services.fund_budget(actor=county_approver, county=lucheng, year=2025, amount=10**12, at=SUBMIT_AT)
    before = state()
    with pytest.raises(ValidationError, match="将超过上限"):
        services.fund_budget(actor=county_approver, county=lucheng, year=2025, amount=1, at=SUBMIT_AT)
    for year in (0, 2019, 2027, 32768):
        with pytest.raises(ValidationError, match="年度应在2020至2026之间"):
            services.fund_budget(actor=county_approver, county=lucheng, year=year, amount=1, at=SUBMIT_AT)
    assert state() == before


def test_a_budget_posted_as_99999999999999999999_shows_an_error_not_a_500(
    reference, county_approver, client_as, freeze
):
    freeze(SUBMIT_AT)
    resp = client_as(county_approver).post(
        "/subsidy/payments/budget/", {"year": "2025", "amount": "99999999999999999999"}, follow=True
    )
    assert resp.status_code == 200 and "预算金额应在1至1,000,000,000,000元之间" in resp.content.decode()
    assert not FundAccount.objects.exists()
    resp = client_as(county_approver).post(
        "/subsidy/payments/budget/", {"year": "2025", "amount": "50000"}, follow=True
    )
    assert "已登记预算" in resp.content.decode() and FundAccount.objects.get().budget == 50000


@pytest.fixture
def recovery(batch, county_approver):
    import_(county_approver, batch, "1,成功,")
    return services.recovery_open(
        actor=county_approver,
        claim=batch.lines.get(line=1).claim,
        amount_due=3300,
        reason="培训记录造假",
        at=at_day(date(2025, 5, 6)),
    )


@pytest.mark.parametrize(
    ("amount", "received_on", "field", "message"),
    [
        (1000, date(2025, 5, 21), "received_on", "晚于今天(2025-05-20),不能登记未来的到账"),
        (1000, date(2026, 1, 5), "received_on", "不能登记未来的到账"),
        (1000, date(2025, 5, 5), "received_on", "不能早于追回立案日期2025-05-06"),
        (1000, None, "received_on", "请填写到账日期"),
        (0, date(2025, 5, 20), "amount", "到账金额应在1至3,300元之间"),
        (-100, date(2025, 5, 20), "amount", "到账金额应在1至3,300元之间"),
        (3301, date(2025, 5, 20), "amount", "到账金额应在1至3,300元之间"),
        ("99999999999999999999", date(2025, 5, 20), "amount", "到账金额应在1至3,300元之间"),
        ("12.5", date(2025, 5, 20), "amount", "不能有角、分"),
    ],
)
def test_a_repayment_that_cannot_be_is_refused_and_changes_nothing(
    recovery, county_approver, amount, received_on, field, message
):
    before = state()
    with pytest.raises(ValidationError) as exc:
        services.repayment_record(
            actor=county_approver,
            recovery=recovery,
            amount=amount,
            received_on=received_on,
            at=at_day(date(2025, 5, 20)),
        )
    assert message in exc.value.message_dict[field][0]
    assert state() == before


def test_a_repayment_above_what_is_still_due_is_refused(recovery, county_approver):
    at = at_day(date(2025, 5, 20))
    services.repayment_record(
        actor=county_approver, recovery=recovery, amount=3000, received_on=at.date(), at=at
    )
    before = state()
    with pytest.raises(ValidationError, match="到账金额应在1至300元之间"):
        services.repayment_record(
            actor=county_approver, recovery=recovery, amount=301, received_on=at.date(), at=at
        )
    services.repayment_record(
        actor=county_approver, recovery=recovery, amount=300, received_on=at.date(), at=at
    )
    with pytest.raises(ValidationError, match="已全部到账"):
        services.repayment_record(
            actor=county_approver, recovery=recovery, amount=1, received_on=at.date(), at=at
        )
    assert Repayment.objects.count() == before["repayments"] + 1


def test_a_future_repayment_posted_on_the_claim_page_is_refused(recovery, county_approver, client_as, freeze):
    freeze(at_day(date(2025, 5, 20)))
    claim = recovery.claim
    resp = client_as(county_approver).post(
        f"/subsidy/claims/{claim.pk}/repayment/",
        {"recovery": recovery.pk, "amount": "1000", "received_on": "2026-01-05"},
        follow=True,
    )
    assert resp.status_code == 200 and "不能登记未来的到账" in resp.content.decode()
    resp = client_as(county_approver).post(
        f"/subsidy/claims/{claim.pk}/repayment/",
        {"recovery": recovery.pk, "amount": "1000", "received_on": "2025-13-45"},
        follow=True,
    )
    assert "请填写到账日期" in resp.content.decode()
    assert not Repayment.objects.exists() and not LedgerEntry.objects.filter(kind="recovery").exists()
    assert Recovery.objects.get().balance == 3300


def test_an_unbounded_recovery_reason_is_refused_and_changes_nothing(batch, county_approver):
    import_(county_approver, batch, "1,成功,")
    claim = batch.lines.get(line=1).claim
    before = state()
    with pytest.raises(ValidationError) as exc:
        services.recovery_open(
            actor=county_approver, claim=claim, amount_due=3300, reason="多" * 100_000, at=LATER
        )
    assert "不能超过500个字" in exc.value.message_dict["reason"][0]
    assert state() == before and not Recovery.objects.exists()
    assert not AuditEntry.objects.filter(action="recovery.open").exists()
