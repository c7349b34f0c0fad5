"""The contract of ``dte policy evaluate`` and ``dte calendar``."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from dte.policy.cli import calendar_main, policy_main

EXAMPLE = """\
{"id": "c1", "claim_date": "2025-03-10",
 "person": {"id_number": "330302199005120113", "retirement_category": null, "retired": false,
            "wenzhou_hukou": true, "wenzhou_residence_permit": false,
            "unemployment_registered_in": "330302",
            "employment": {"status": "unemployed", "in_wenzhou": false, "public_institution_staff": false},
            "insurance_months": [], "graduate": null},
 "training": {"institution": "杭州电子科技大学", "occupation": "2-02-10-11", "level": "junior",
              "hours": 130, "certificate_date": "2024-08-01"},
 "level_certificate": {"occupation": "2-02-10-11", "level": "junior", "issued_on": "2024-09-20"},
 "prior_claims": [{"occupation": "2-02-10-15", "level": "junior", "claim_date": "2025-01-10",
                   "status": "paid"}]}
"""
RULES = [
    "P5.4",
    "A2.1-group",
    "A2.1-age",
    "A2.1-retirement",
    "A2.2-standard",
    "A2.2-hours",
    "A2.3-institution",
    "A2.3-certificates",
    "A2.4a-deadline",
    "A2.4b-yearly-limit",
    "A2.4c-no-repeat",
]


def example(**changes: Any) -> dict[str, Any]:
    claim: dict[str, Any] = json.loads(EXAMPLE)
    claim.update(changes)
    return claim


def run(
    argv: list[str], stdin: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[int, list[dict[str, Any]], str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = policy_main(argv)
    out, err = capsys.readouterr()
    return code, [json.loads(line) for line in out.splitlines()], err


def test_the_example_of_the_issue_is_decided_exactly_as_shown(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "claim.json"
    path.write_text(EXAMPLE, encoding="utf-8")
    assert policy_main(["evaluate", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    decision = json.loads(out)
    assert list(decision) == [
        "id", "eligible", "amount", "claim_deadline", "route_to",
        "failed", "provisional", "policy", "findings",
    ]  # fmt: skip
    assert {k: v for k, v in decision.items() if k != "findings"} == {
        "id": "c1",
        "eligible": True,
        "amount": 3300,
        "claim_deadline": "2025-09-22",
        "route_to": "330302",
        "failed": [],
        "provisional": False,
        "policy": "温人社发〔2024〕5号",
    }
    assert [f["rule"] for f in decision["findings"]] == RULES
    deadline = decision["findings"][8]
    assert deadline["clause"] == "附件2 四" and deadline["passed"] is True
    assert "2024-09-20" in deadline["message"] and "2025-09-22" in deadline["message"]
    assert all(f["passed"] and f["message"] for f in decision["findings"])
    assert "温人社发〔2024〕5号" in out  # not escaped (ensure_ascii=False)


def test_standard_input_array_and_json_lines_are_read_in_order(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    claims = [example(id=f"c{k}") for k in range(3)]
    code, out, _ = run(["evaluate"], json.dumps(claims, ensure_ascii=False), monkeypatch, capsys)
    assert code == 0 and [d["id"] for d in out] == ["c0", "c1", "c2"]
    lines = "\n".join(json.dumps(c, ensure_ascii=False) for c in reversed(claims)) + "\n"
    code, out, _ = run(["evaluate", "-"], lines, monkeypatch, capsys)
    assert code == 0 and [d["id"] for d in out] == ["c2", "c1", "c0"]


def test_an_invalid_claim_gets_its_precise_error_and_the_others_are_still_decided(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    bad_id = example(id="bad-id")
    bad_id["person"] = dict(bad_id["person"], id_number="330302199005120114")
    woman = example(id="woman")
    woman["person"] = dict(woman["person"], id_number="11010519491231002X")
    claims = [
        example(id="ok-1"),
        bad_id,
        example(id="bad-date", claim_date="2025-3-10"),
        example(
            id="bad-level",
            level_certificate={"occupation": "2-02-10-11", "level": "expert", "issued_on": "2024-09-20"},
        ),
        example(id="bad-occupation", training=dict(example()["training"], occupation="2-02-99-99")),
        woman,
        example(id="ok-2"),
    ]
    code, out, _ = run(["evaluate"], json.dumps(claims, ensure_ascii=False), monkeypatch, capsys)
    assert code == 1
    assert [d["id"] for d in out] == [c["id"] for c in claims]
    errors = {d["id"]: d["error"] for d in out if "error" in d}
    assert list(errors) == ["bad-id", "bad-date", "bad-level", "bad-occupation", "woman"]
    assert errors["bad-id"]["field"] == "person.id_number"
    assert "check character" in errors["bad-id"]["message"]
    assert errors["bad-date"]["field"] == "claim_date"
    assert errors["bad-level"]["field"] == "level_certificate.level"
    assert errors["bad-occupation"]["field"] == "training.occupation"
    assert errors["woman"]["field"] == "person.retirement_category"
    assert out[0]["eligible"] is True and out[-1]["eligible"] is True
    assert set(out[1]) == {"id", "error"}


def test_a_json_lines_line_that_is_not_json_is_an_error_for_that_line_only(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = json.dumps(example(id="a")) + "\n{not json\n" + json.dumps(example(id="b")) + "\n"
    code, out, _ = run(["evaluate"], lines, monkeypatch, capsys)
    assert code == 1
    assert out[0]["id"] == "a" and out[2]["id"] == "b"
    assert out[1] == {"id": None, "error": {"field": "claim", "message": out[1]["error"]["message"]}}
    assert "line 2" in out[1]["error"]["message"]


@pytest.mark.parametrize("text", ["", "not json at all", '{"id": ', "42", '"a string"'])
def test_input_that_is_not_json_exits_2_with_a_message_on_stderr(
    text: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(["evaluate"], text, monkeypatch, capsys)
    assert code == 2 and out == [] and err.startswith("dte policy evaluate: ")


def test_an_array_item_that_is_not_an_object_is_an_invalid_claim(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(["evaluate"], json.dumps([example(), 7]), monkeypatch, capsys)
    assert code == 1 and out[1]["error"]["field"] == "claim"


def test_a_missing_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert policy_main(["evaluate", str(tmp_path / "none.json")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_calendar_commands(capsys: pytest.CaptureFixture[str]) -> None:
    assert calendar_main(["is-workday", "2025-09-28"]) == 0
    assert capsys.readouterr() == ("true\n", "")
    assert calendar_main(["is-workday", "2025-10-01"]) == 0
    assert capsys.readouterr().out == "false\n"
    assert calendar_main(["add-workdays", "2025-09-26", "10"]) == 0
    assert capsys.readouterr() == ("2025-10-16\n", "")
    assert calendar_main(["add-workdays", "2026-12-30", "3"]) == 0
    out, err = capsys.readouterr()
    assert out == "2027-01-04\n" and "provisional" in err
    assert calendar_main(["is-workday", "2025-02-30"]) == 2
    assert "not a date" in capsys.readouterr().err


def test_calendar_load_adds_a_year(
    isolated_policy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "y2027.yaml"
    path.write_text(
        "description: 测试\nvalues:\n  2026-11-10:\n    reference: 测试数据\n    year: 2027\n"
        "    holidays: [2027-01-01]\n    workdays: []\n",
        encoding="utf-8",
    )
    assert calendar_main(["load", str(path)]) == 0
    assert "loaded 2027" in capsys.readouterr().out
    assert (isolated_policy / "2027.yaml").exists()
    assert calendar_main(["add-workdays", "2026-12-30", "3"]) == 0
    assert capsys.readouterr() == ("2027-01-05\n", "")
    path.write_text("values: {}\n", encoding="utf-8")
    assert calendar_main(["load", str(path)]) == 1
    assert "expected a mapping" in capsys.readouterr().err


def test_python_dash_m_runs_the_engine_without_django(tmp_path: Path) -> None:
    path = tmp_path / "claim.json"
    path.write_text(EXAMPLE, encoding="utf-8")
    code = (
        "import sys, runpy; sys.argv = ['dte.policy', 'evaluate', sys.argv[1]];"
        "import dte.policy.cli as c; rc = c.main();"
        "assert not [m for m in sys.modules if m == 'django' or m.startswith('django.')], 'django imported';"
        "sys.exit(rc)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["amount"] == 3300
    proc = subprocess.run(
        [sys.executable, "-m", "dte.policy", "calendar", "is-workday", "2025-09-28"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.stdout == "true\n"
