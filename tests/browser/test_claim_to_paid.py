"""Issue 5, done when: the demo trainee goes from claim to paid through the pages — submit with
uploads, review with a request for information and an answer, approval by a second officer, public
notice with an objection that is dismissed, notice expiry (time moved forward), a payment batch, the
bank file, the result import — and the claimant's timeline shows each step."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from dte.audit.services import verify
from dte.catalog.services import reference_load
from dte.demo.seed import demo_create
from dte.subsidy.models import Claim
from dte.subsidy.tasks import expire_notices

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SH = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 3, 16, 10, 0, tzinfo=SH)  # a Monday
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def clock_at(monkeypatch):
    def set_to(when: datetime):
        monkeypatch.setattr("dte.core.clock.now", lambda: when)
        monkeypatch.setattr("dte.core.clock.today", lambda: timezone.localdate(when))

    set_to(T0)
    return set_to


@pytest.fixture
def demo(transactional_db, clock_at):
    reference_load(at=T0)
    demo_create(at=T0)


def sign_in(page, base, username, password):
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_selector("h1[data-role]")


def test_the_demo_trainee_goes_from_claim_to_paid(browser_page, live_server, demo, clock_at, tmp_path):
    page, base = browser_page, live_server.url
    (tmp_path / "training.pdf").write_bytes(PDF)
    (tmp_path / "level.png").write_bytes(PNG)

    # The trainee starts the claim from the level certificate; the pre-check explains every finding.
    sign_in(page, base, "trainee", "Demo-Trainee-2026")
    page.click("#subsidy-links >> text=我的补贴申领")
    page.click("text=申领补贴")
    assert page.locator("#findings li").count() == 11
    assert "符合补贴条件" in page.content() and "申领期限" in page.content()
    page.fill("input[name=bank_account]", "6228480402564890018")
    page.click("text=保存收款账户")
    page.select_option("select[name=kind]", "training_certificate")
    page.set_input_files("input[name=file]", str(tmp_path / "training.pdf"))
    page.click("button:has-text('上传')")
    page.select_option("select[name=kind]", "level_certificate")
    page.set_input_files("input[name=file]", str(tmp_path / "level.png"))
    page.click("button:has-text('上传')")
    page.click("#submit-claim")
    assert "申领已提交" in page.content()
    claim = Claim.objects.get()
    assert claim.status == "under_review" and claim.county.code == "330302"

    # The 鹿城区 reviewer asks for information; the trainee answers.
    sign_in(page, base, "county_reviewer", "Demo-Reviewer-2026")
    page.goto(f"{base}/subsidy/queue/")
    page.click(f"text={claim.reference}")
    page.fill("textarea[name=question]", "请补充劳动合同首页")
    page.click("#request-info")
    sign_in(page, base, "trainee", "Demo-Trainee-2026")
    page.goto(f"{base}/subsidy/claims/{claim.pk}/")
    assert "请补充劳动合同首页" in page.content()
    page.fill("textarea[name=answer]", "已上传劳动合同首页")
    page.set_input_files("input[name=file]", str(tmp_path / "training.pdf"))
    page.click("text=提交补正")

    # The reviewer passes it; the approver, a second officer, approves and publishes it.
    sign_in(page, base, "county_reviewer", "Demo-Reviewer-2026")
    page.goto(f"{base}/subsidy/claims/{claim.pk}/")
    page.click("#review-pass")
    sign_in(page, base, "county_approver", "Demo-Approver-2026")
    page.goto(f"{base}/subsidy/claims/{claim.pk}/")
    page.click("#approve")
    claim.refresh_from_db()
    assert claim.status == "on_notice"

    # Anyone files an objection on the public notice; the county dismisses it.
    page.context.clear_cookies()
    page.goto(f"{base}/subsidy/notices/")
    assert "陈*明" in page.content() and "3,300元" in page.content()
    page.click("text=提出异议")
    page.fill("textarea[name=reason]", "怀疑该学员未实际参加培训")
    page.fill("input[name=contact]", "13900001111")
    page.click("text=提交异议")
    assert "异议已提交" in page.content()
    sign_in(page, base, "county_reviewer", "Demo-Reviewer-2026")
    page.goto(f"{base}/subsidy/objections/")
    page.fill("input[name=finding]", "考勤与线上学习记录完整,异议不成立")
    page.click("text=提交结论")
    claim.refresh_from_db()
    assert claim.status == "on_notice"

    # Time moves past the notice; the scheduled job makes the claim payable.
    clock_at(datetime.combine(claim.notice_last_day + timedelta(days=1), T0.timetz()))
    expire_notices.call_local()
    claim.refresh_from_db()
    assert claim.status == "payable"

    # The approver pays: a batch, the bank file, the bank's result file.
    sign_in(page, base, "county_approver", "Demo-Approver-2026")
    page.goto(f"{base}/subsidy/payments/")
    page.click("#create-batch")
    with page.expect_download() as dl:
        page.click("#bank-csv")
    rows = list(csv.reader(io.StringIO(open(dl.value.path(), encoding="utf-8-sig").read())))
    assert rows[1][2] == "陈晓明" and rows[1][5] == "6228480402564890018" and rows[1][6] == "3300"
    result = tmp_path / "result.csv"
    result.write_text(f"批次号,行号,结果,失败原因\n{rows[1][0]},1,成功,\n", encoding="utf-8")
    page.set_input_files("input[name=file]", str(result))
    page.click("#import-results")
    assert "成功1笔" in page.content()
    claim.refresh_from_db()
    assert claim.status == "paid"

    # The claimant's timeline shows every step.
    sign_in(page, base, "trainee", "Demo-Trainee-2026")
    page.goto(f"{base}/subsidy/claims/{claim.pk}/")
    steps = page.locator("#timeline li").evaluate_all("els => els.map(e => e.dataset.action)")
    for step in (
        "started",
        "submitted",
        "info_requested",
        "info_supplied",
        "reviewed",
        "approved",
        "published",
        "objection",
        "objection_dismissed",
        "payable",
        "in_batch",
        "paid",
    ):
        assert step in steps, steps
    assert verify().ok
