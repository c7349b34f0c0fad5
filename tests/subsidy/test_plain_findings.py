"""The pre-check in everyday Chinese: the claimant reads "✔ 年龄符合"-style lines, with the engine's
message, clause and rule id behind a closed "政策依据" toggle and no clause tags on the headings;
officers see the same toggle open. Every rule of the engine has its everyday line."""

from __future__ import annotations

import re

from dte.policy.rules import RULE_IDS
from dte.subsidy import services
from dte.subsidy.plain import LABELS, plain_findings
from tests.subsidy.conftest import SUBMIT_AT, certificate_for


def test_every_rule_of_the_engine_has_an_everyday_line_for_passing_and_failing():
    assert set(LABELS) == set(RULE_IDS)
    assert all(ok and not_ok and ok != not_ok for ok, not_ok in LABELS.values())


def test_a_finding_reads_as_its_everyday_line_and_keeps_the_engines_message():
    stored = {"rule": "A2.1-age", "clause": "附件2 一", "passed": True, "message": "年满16周岁 [A2.1c]"}
    (line,) = plain_findings([stored])
    assert (line.label, line.message, line.clause) == ("年龄符合", "年满16周岁 [A2.1c]", "附件2 一")
    (failed,) = plain_findings([{**stored, "rule": "A2.4a-deadline", "passed": False}])
    assert failed.label == "已超过申领期限"


def _findings_block(page: str) -> str:
    return re.search(r'<ul class="findings" id="findings">(.*?)</ul>', page, re.S).group(1)


def test_the_claimant_reads_the_pre_check_in_plain_words(eligible_trainee, client_as, freeze):
    freeze(SUBMIT_AT)
    claim = services.claim_start(actor=eligible_trainee, certificate=certificate_for(), at=SUBMIT_AT)
    page = client_as(eligible_trainee).get(f"/subsidy/claims/{claim.pk}/").content.decode()
    block = _findings_block(page)
    assert "✔ 年龄符合" in block and "✔ 在申领期限内" in block
    assert "<code>" not in page
    assert '<details class="basis"><summary>政策依据</summary>' in block  # closed for the claimant
    assert "规则 A2.1-age" in block  # the rule id only behind the toggle
    visible = re.sub(r"<[^>]+>", "", re.sub(r"<details.*?</details>", "", block, flags=re.S))
    assert "A2." not in visible and "[" not in visible
    assert "<h2>预审结果</h2>" in page and "<h2>佐证材料</h2>" in page
    assert "[A2.4a]" not in page.split('id="findings"')[0].split('id="verdict"')[1]


def test_an_officer_sees_the_basis_open_and_the_clause_tags(submitted, client_as, county_reviewer):
    page = client_as(county_reviewer).get(f"/subsidy/claims/{submitted.pk}/").content.decode()
    block = _findings_block(page)
    assert '<details class="basis" open><summary>政策依据</summary>' in block
    assert "审核依据(政策引擎)" in page and "佐证材料 [A2.5]" in page and "受理地 [A2.5]" in page


def test_a_rejected_claimant_reads_the_grounds_in_plain_words_with_the_rule_beside(
    submitted, county_reviewer, eligible_trainee, client_as
):
    services.claim_reject(
        actor=county_reviewer,
        claim=submitted,
        clauses=["A2.1-group"],
        reason="劳动合同显示在杭州就业",
        at=SUBMIT_AT,
    )
    page = client_as(eligible_trainee).get(f"/subsidy/claims/{submitted.pk}/").content.decode()
    basis = re.search(r'<p id="rejection-basis">(.*?)</p>', page, re.S).group(1)
    assert "不属于补贴对象" in basis and "(A2.1-group)" in basis
    officer = client_as(county_reviewer).get(f"/subsidy/claims/{submitted.pk}/").content.decode()
    assert '<p id="rejection-basis">依据条款:A2.1-group</p>' in officer
