"""``dte parameters …``: the command-line contract of issue 18 §4 (exit codes, the JSON object)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import yaml
from django.core.management import CommandError, call_command

from dte.parameters.models import ParameterVersion

from .conftest import RAISE_HOURS


def run(*argv: str) -> int:
    """The command's exit status (Django exits with a CommandError's ``returncode``)."""
    try:
        call_command("parameters", *argv)
    except CommandError as exc:
        sys.stderr.write(f"CommandError: {exc}\n")
        return exc.returncode
    return 0


@pytest.fixture
def draft_file(tmp_path, draft):
    def write(value, name="draft.yaml") -> str:
        path = tmp_path / name
        path.write_text(
            value if isinstance(value, str) else yaml.safe_dump(value, allow_unicode=True), "utf-8"
        )
        return str(path)

    return write


INT_KEYS = (
    "claims",
    "changed",
    "to_eligible",
    "to_ineligible",
    "amount_before",
    "amount_after",
    "amount_delta",
)


def test_preview_prints_one_json_object_with_the_contracts_keys_and_types(records, draft, draft_file, capsys):
    assert run("preview", draft_file(draft(**RAISE_HOURS))) == 0
    shown = json.loads(capsys.readouterr().out)
    assert all(type(shown[k]) is int for k in INT_KEYS)
    assert (shown["claims"], shown["changed"], shown["to_ineligible"], shown["amount_delta"]) == (
        3,
        2,
        2,
        -6600,
    )
    for group in ("by_county", "by_occupation_level"):
        for key, figures in shown[group].items():
            assert isinstance(key, str)
            assert set(figures) == {"claims", "changed", "amount_delta"}
            assert all(type(x) is int for x in figures.values())
    assert set(shown["by_county"]) == {"330302"}
    assert set(shown["by_occupation_level"]) == {"2-02-10-11/junior"}
    assert set(shown["pipeline"]) == {"certificates", "amount_before", "amount_after"}
    assert all(type(x) is int for x in shown["pipeline"].values())


def test_preview_of_an_invalid_draft_exits_1_naming_the_parameter_and_date(db, reference, draft_file, capsys):
    bad = {"claim_window": {"values": {"2025-07-01": {"reference": "x", "months": 12}}}}
    assert run("preview", draft_file(bad)) == 1
    assert "claim_window 2025-07-01" in capsys.readouterr().err


def test_preview_of_a_file_that_is_not_yaml_exits_2(db, reference, draft_file, capsys):
    assert run("preview", draft_file("values: {2025-07-01: [unclosed\n")) == 2
    assert "not a YAML file" in capsys.readouterr().err


def test_propose_approve_and_list_from_the_command_line(
    city_officer, second_city_officer, draft, draft_file, capsys
):
    path = draft_file(draft(**RAISE_HOURS))
    assert (
        run(
            "propose",
            path,
            "--reason",
            "学时调整",
            "--document",
            "温人社发〔2025〕9号",
            "--as",
            "city_officer",
        )
        == 0
    )
    (v,) = ParameterVersion.objects.all()
    assert run("approve", str(v.pk), "--as", "city_officer") == 1  # the proposer cannot approve
    assert "双人复核" in capsys.readouterr().err
    assert run("approve", str(v.pk), "--as", "city_officer2") == 0
    capsys.readouterr()
    assert run("list") == 0
    line = capsys.readouterr().out.strip()
    assert line.split("\t") == [
        str(v.pk), "subsidy_standards", "2025-03-01", "published", "温人社发〔2025〕9号",
        "city_officer", "city_officer2",
    ]  # fmt: skip


def test_the_dte_command_exits_with_the_status_itself(tmp_path):
    path = tmp_path / "draft.yaml"
    path.write_text("values: {2025-07-01: [unclosed\n", "utf-8")
    env = {**os.environ, "DTE_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "dte.settings"}
    env.pop("DATABASE_URL", None)
    script = "import sys; from dte.cli import main; sys.exit(main(sys.argv[1:]))"
    done = subprocess.run(
        [sys.executable, "-c", script, "parameters", "preview", str(path)],
        capture_output=True,
        text=True,
        env=env,
    )
    assert done.returncode == 2, done.stderr
    assert "not a YAML file" in done.stderr
