"""The typed decision at the engine's boundary: every YAML case comes back as a ``Decision`` (or an
``InvalidClaim``), whose JSON is the contract's and the stored form, and which round-trips to that
JSON exactly (keys, their order, values)."""

from __future__ import annotations

import dataclasses
import json
from datetime import date
from typing import Any

import pytest

from dte.policy import POLICY
from dte.policy.decision import Decision, FieldError, Finding, InvalidClaim
from dte.policy.engine import decide_claims, evaluate
from dte.policy.messages import MESSAGES
from dte.policy.rules import RULE_IDS, RULES

from .cases import build_claim, load_cases

CASES = load_cases()
DECIDED = [(name, case) for name, case in CASES if "error" not in case["expect"]]
DECISION_KEYS = [
    "id",
    "eligible",
    "amount",
    "claim_deadline",
    "route_to",
    "failed",
    "provisional",
    "policy",
    "findings",
]
FINDING_KEYS = ["rule", "clause", "passed", "message"]


def case_claims() -> list[dict[str, Any]]:
    return [build_claim(case.get("claim") or {}, name) for name, case in CASES]


def stored(data: dict[str, Any]) -> str:
    """The JSON text as a claim keeps it (key order kept, Chinese as is)."""
    return json.dumps(data, ensure_ascii=False)


def test_every_case_is_a_typed_decision_or_invalid_claim_in_input_order() -> None:
    claims = case_claims()
    results = decide_claims(claims)
    assert [r.id for r in results] == [c["id"] for c in claims]
    for (_, case), result in zip(CASES, results, strict=True):
        if "error" in case["expect"]:
            assert isinstance(result, InvalidClaim)
            assert result.error.field == case["expect"]["error"]
        else:
            assert isinstance(result, Decision)
            assert [f.rule for f in result.findings] == list(RULE_IDS)
            assert result.failed == tuple(sorted(f.rule for f in result.findings if not f.passed))
            assert result.policy == POLICY and result.error is None


def test_the_typed_decision_is_the_json_of_the_contract() -> None:
    claims = case_claims()
    typed = decide_claims(claims)
    assert [r.to_json() for r in typed] == evaluate(claims)
    for result in typed:
        data = result.to_json()
        if isinstance(result, InvalidClaim):
            assert list(data) == ["id", "error"] and list(data["error"]) == ["field", "message"]
            continue
        assert list(data) == DECISION_KEYS
        assert all(list(f) == FINDING_KEYS for f in data["findings"])
        assert isinstance(data["failed"], list) and isinstance(data["amount"], int)
        deadline = data["claim_deadline"]
        assert deadline is None or date.fromisoformat(deadline) == result.claim_deadline


@pytest.mark.parametrize(("name", "case"), DECIDED, ids=[n for n, _ in DECIDED])
def test_a_stored_decision_round_trips_exactly(name: str, case: dict[str, Any]) -> None:
    (result,) = decide_claims([build_claim(case.get("claim") or {}, name)])
    assert isinstance(result, Decision)
    text = stored(result.to_json())
    back = Decision.from_json(json.loads(text))
    assert back == result
    assert stored(back.to_json()) == text


def test_the_decision_of_an_input_problem_keeps_its_stored_form() -> None:
    """What the platform stores for a claim the engine could not decide: no policy, the problem as the
    one finding, and the error last."""
    (_, case) = next((n, c) for n, c in CASES if "error" in c["expect"])
    (result,) = decide_claims([build_claim(case.get("claim") or {}, case["name"])])
    assert isinstance(result, InvalidClaim)
    decision = Decision.input_problem(7, result.error, "申领信息不完整")
    data = decision.to_json()
    assert data == {
        "id": 7,
        "eligible": False,
        "amount": 0,
        "claim_deadline": None,
        "route_to": None,
        "failed": ["input"],
        "provisional": False,
        "findings": [{"rule": "input", "clause": "", "passed": False, "message": "申领信息不完整"}],
        "error": {"field": result.error.field, "message": result.error.message},
    }
    assert list(data) == [*DECISION_KEYS[:7], "findings", "error"]
    text = stored(data)
    assert stored(Decision.from_json(json.loads(text)).to_json()) == text


def test_a_decision_is_immutable() -> None:
    finding = Finding("P5.4", "五", True, "…")
    decision = Decision(1, True, 3300, date(2025, 9, 22), "330302", (), False, (finding,))
    with pytest.raises(dataclasses.FrozenInstanceError):
        decision.amount = 0  # type: ignore[misc]
    assert decision.finding("P5.4") == finding
    assert decision.finding("A2.2-hours") is None
    assert InvalidClaim("x", FieldError("id", "is required")).to_json() == {
        "id": "x",
        "error": {"field": "id", "message": "is required"},
    }


def test_every_rule_has_its_message() -> None:
    assert set(MESSAGES) == {x.id for x in RULES}
