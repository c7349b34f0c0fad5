"""The pre-check in everyday Chinese: one short line per engine rule, as a claimant would say it
("✔ 年龄符合", "✘ 已超过申领期限"). The engine's own message, its clause and rule id stay behind a
"政策依据" toggle (open by default for officers). One line per rule id of ``dte.policy.rules``;
tests/subsidy/test_plain_findings.py checks that none is missing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# rule id: (what the claimant reads when it passed, when it did not)
LABELS: dict[str, tuple[str, str]] = {
    "P5.4": ("申领日期在本方案施行之后", "申领日期早于本方案施行日期"),
    "A2.1-group": (
        "属于补贴对象(失业人员或在温州就业创业人员)",
        "不属于补贴对象(失业人员或在温州就业创业人员)",
    ),
    "A2.1-age": ("年龄符合", "未满16周岁"),
    "A2.1-retirement": ("未退休,未达到法定退休年龄", "已退休或已达到法定退休年龄"),
    "A2.2-standard": ("职业和等级有补贴标准", "该职业等级暂无补贴标准"),
    "A2.2-hours": ("培训学时达到要求", "培训学时不足"),
    "A2.3-institution": ("在定点培训机构参加培训", "培训机构不是该职业的定点培训机构"),
    "A2.3-certificates": (
        "培训合格证书和等级证书齐全、对应",
        "缺少培训合格证书或等级证书,或两证职业等级不一致",
    ),
    "A2.4a-deadline": ("在申领期限内", "已超过申领期限"),
    "A2.4b-yearly-limit": ("本年度申领次数未超过上限", "本年度申领次数已达上限"),
    "A2.4c-no-repeat": ("此前未就同一职业同一等级申领", "已就同一职业同一等级申领过补贴"),
}


@dataclass(frozen=True)
class PlainFinding:
    rule: str
    clause: str
    passed: bool
    label: str
    message: str  # the engine's message, with the facts it used and the clause tags


def plain_findings(findings: list[dict[str, Any]]) -> list[PlainFinding]:
    """The stored findings (``Decision.to_json()["findings"]``) with their everyday lines; a rule
    with no line yet shows the engine's message rather than nothing."""
    out = []
    for f in findings:
        passed, failed = LABELS.get(f["rule"], (f["message"], f["message"]))
        out.append(
            PlainFinding(
                rule=f["rule"],
                clause=f.get("clause", ""),
                passed=bool(f["passed"]),
                label=passed if f["passed"] else failed,
                message=f["message"],
            )
        )
    return out


def failed_label(rule_id: str) -> str:
    """What the claimant reads for a rule a decision rests on (a rejection's clauses)."""
    return LABELS[rule_id][1] if rule_id in LABELS else rule_id
