"""One implementation over columns: a claim decided alone or inside a batch gets the same decision,
and messages are rendered only for the rows asked for."""

from __future__ import annotations

import random
from typing import Any

from dte.policy.claims import build_columns, parse_claim
from dte.policy.compiled import get_policy
from dte.policy.engine import evaluate
from dte.policy.rules import RULE_IDS, decide

from .cases import build_claim, load_cases


def all_case_claims() -> list[dict[str, Any]]:
    out = []
    for name, case in load_cases():
        if "error" not in case["expect"]:
            out.append(build_claim(case.get("claim") or {}, name))
    return out


def test_a_claim_alone_and_in_a_shuffled_batch_is_decided_the_same() -> None:
    claims = all_case_claims()
    alone = [evaluate([c])[0] for c in claims]
    shuffled = claims[:]
    random.Random(7).shuffle(shuffled)
    batch = {d["id"]: d for d in evaluate(shuffled)}
    assert [batch[c["id"]] for c in claims] == alone


def test_decisions_are_columns_and_messages_are_rendered_on_demand() -> None:
    policy = get_policy()
    claims = all_case_claims()
    res = decide(build_columns([parse_claim(c, policy) for c in claims]))
    assert set(res.passed) == set(RULE_IDS)
    assert all(len(col) == len(claims) for col in res.passed.values())
    assert res.amount.dtype.kind == "i" and res.eligible.dtype == bool
    one = res.decision(3)
    assert one.id == claims[3]["id"] and len(one.findings) == len(RULE_IDS)


def test_an_empty_batch_decides_nothing() -> None:
    assert evaluate([]) == []
