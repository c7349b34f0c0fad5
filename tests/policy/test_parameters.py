"""A change in the policy is a new dated parameter value; earlier claims keep the older value."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from dte.policy import compiled
from dte.policy.engine import evaluate

from .cases import build_claim


def override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, text: str) -> None:
    d = tmp_path / "parameters"
    d.mkdir(exist_ok=True)
    (d / f"{name}.yaml").write_text(text, encoding="utf-8")
    monkeypatch.setenv("DTE_PARAMETERS_DIR", str(d))
    compiled.clear_cache()


def decide(**claim: Any) -> dict[str, Any]:
    (result,) = evaluate([build_claim(claim, "t")])
    return result


def test_a_new_amount_applies_from_its_date_and_earlier_claims_keep_the_old_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    override(
        tmp_path,
        monkeypatch,
        "subsidy_standards",
        "values:\n  2025-07-01:\n    reference: 市局调整通知(测试)\n"
        "    2-02-10-11: {junior: {hours: 128, amount: 3600}, intermediate: {hours: 128, amount: 3900},"
        " senior: {hours: 160, amount: 5200}}\n"
        "    2-02-10-15: {junior: {hours: 64, amount: 2200}, intermediate: {hours: null, amount: 2400},"
        " senior: {hours: null, amount: 2900}}\n"
        "    2-02-07-13: {junior: {hours: null, amount: 2300}, intermediate: {hours: null, amount: 2700},"
        " senior: {hours: null, amount: 3300}}\n",
    )
    assert decide(claim_date="2025-06-30")["amount"] == 3300
    assert decide(claim_date="2025-07-01")["amount"] == 3600
    # the city set the blockchain junior hours (S1) from 2025-07-01: 10 hours now fail, earlier pass
    blockchain = {"training": {"institution": "浙江大学", "occupation": "2-02-10-15", "hours": 10},
                  "level_certificate": {"occupation": "2-02-10-15"}}  # fmt: skip
    assert decide(claim_date="2025-06-30", **blockchain)["eligible"] is True
    later = decide(claim_date="2025-07-01", **blockchain)
    assert later["failed"] == ["A2.2-hours"]
    assert "64" in later["findings"][5]["message"]


def test_earlier_and_later_claims_in_one_batch_each_get_their_own_value(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    override(
        tmp_path,
        monkeypatch,
        "claim_window",
        "values:\n  2025-07-01:\n    reference: 测试\n    months: 18\n    graduate_extension_months: 6\n",
    )
    claims = [build_claim({"claim_date": d}, d) for d in ("2025-06-30", "2025-07-01")]
    before, after = evaluate(claims)
    assert before["claim_deadline"] == "2025-09-22"
    assert after["claim_deadline"] == "2026-03-20"


def test_the_literal_either_reading_of_g3_is_a_switch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    past_age = {"claim_date": "2025-02-15", "person": {"born": "1965-01-15"}}
    retired_young = {"person": {"retired": True}}
    assert decide(**past_age)["failed"] == ["A2.1-retirement"]
    assert decide(**retired_young)["failed"] == ["A2.1-retirement"]
    override(
        tmp_path,
        monkeypatch,
        "eligibility",
        "values:\n  2024-02-01:\n    reference: 测试 — literal reading\n    min_age_years: 16\n"
        "    min_consecutive_insurance_months: 6\n    retirement_reading: either\n",
    )
    assert decide(**past_age)["eligible"] is True
    assert decide(**retired_young)["eligible"] is True
    both = decide(claim_date="2025-02-15", person={"born": "1965-01-15", "retired": True})
    assert both["failed"] == ["A2.1-retirement"]
    assert "字面解读" in both["findings"][3]["message"]


def test_every_shipped_parameter_value_is_dated_and_cited() -> None:
    from dte.policy import parameters

    for name in (*compiled.PARAMETERS, "sla", "levels", "evaluation_bodies"):
        for v in parameters.get(name).values:
            assert v.reference, (name, v.start)
    p = compiled.get_policy()
    assert json.dumps(p.starts, default=str)
