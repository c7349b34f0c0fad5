"""Every YAML decision case of ``dte/policy/cases`` decided as the policy officer expects."""

from __future__ import annotations

from typing import Any

import pytest

from dte.policy.engine import evaluate
from dte.policy.rules import RULE_IDS

from .cases import build_claim, load_cases

CASES = load_cases()


@pytest.mark.parametrize(("name", "case"), CASES, ids=[n for n, _ in CASES])
def test_case_is_decided_as_expected(name: str, case: dict[str, Any]) -> None:
    claim = build_claim(case.get("claim") or {}, case["name"])
    (result,) = evaluate([claim])
    expect = case["expect"]
    if "error" in expect:
        assert "error" in result, f"expected an error on {expect['error']}, got a decision {result}"
        assert result["error"]["field"] == expect["error"]
        assert result["id"] == case["name"]
        return
    assert "error" not in result, result
    findings = {f["rule"]: f for f in result["findings"]}
    assert list(findings) == list(RULE_IDS)
    for key in ("eligible", "amount", "route_to", "provisional"):
        if key in expect:
            assert result[key] == expect[key], (key, result)
    if "claim_deadline" in expect:
        want = expect["claim_deadline"]
        assert result["claim_deadline"] == (None if want is None else str(want)), result
    if "failed" in expect:
        assert result["failed"] == sorted(expect["failed"]), result["failed"]
    for rid in expect.get("passes", []):
        assert findings[rid]["passed"], findings[rid]
    for rid in expect.get("fails", []):
        assert not findings[rid]["passed"], findings[rid]
    for rid, text in (expect.get("message") or {}).items():
        for part in [text] if isinstance(text, str) else text:
            assert str(part) in findings[rid]["message"], findings[rid]["message"]
    if result["eligible"]:
        assert result["failed"] == [] and result["amount"] > 0
    else:
        assert result["amount"] == 0 and result["failed"]


def test_there_is_a_case_for_every_rule_passing_and_failing() -> None:
    seen_pass: set[str] = set()
    seen_fail: set[str] = set()
    for _, case in CASES:
        e = case["expect"]
        seen_pass.update(e.get("passes", []))
        seen_fail.update(e.get("fails", []) + e.get("failed", []))
    assert set(RULE_IDS) <= seen_pass
    assert set(RULE_IDS) <= seen_fail
