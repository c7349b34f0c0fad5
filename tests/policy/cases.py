"""Reading the YAML decision cases of ``dte/policy/cases``.

A case is a compact claim laid over the standard claim of ``cases/base.yaml`` (nested objects
merge, lists and scalars replace), with two shorthands a policy officer can read:

- ``person.born: 2008-02-29`` and ``person.sex: female`` stand for a valid ID number with that
  birth date and sex (region 330302);
- ``person.insured: ["2024-03..2025-02 330381"]`` stands for the insurance months of those runs.
"""

from __future__ import annotations

import copy
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from dte.policy.identity import check_character

CASES_DIR = Path(__file__).resolve().parents[2] / "src" / "dte" / "policy" / "cases"


def id_number(born: date, sex: str, region: str = "330302") -> str:
    first17 = f"{region}{born:%Y%m%d}{'011' if sex == 'male' else '012'}"
    return first17 + check_character(first17)


def _months(spec: str) -> list[dict[str, str]]:
    span, county = spec.split()
    a, b = span.split("..")
    y, m = map(int, a.split("-"))
    out = []
    while f"{y:04d}-{m:02d}" <= b:
        out.append({"month": f"{y:04d}-{m:02d}", "county": county})
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _merge(base: Any, over: Any) -> Any:
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for k, v in over.items():
            out[k] = _merge(base.get(k), v) if k in base else v
        return out
    return copy.deepcopy(over)


def _json(v: Any) -> Any:
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, dict):
        return {k: _json(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_json(x) for x in v]
    return v


def base_claim() -> dict[str, Any]:
    with (CASES_DIR / "base.yaml").open(encoding="utf-8") as fh:
        return dict(yaml.safe_load(fh)["claim"])


def build_claim(compact: dict[str, Any], name: str) -> dict[str, Any]:
    claim = _merge(base_claim(), compact)
    claim["id"] = name
    person = claim["person"]
    if "born" in person:
        born = person.pop("born")
        born = born if isinstance(born, date) else date.fromisoformat(born)
        person["id_number"] = id_number(born, person.pop("sex", "male"))
    if "insured" in person:
        person["insurance_months"] = [m for spec in person.pop("insured") for m in _months(spec)]
    return _json(claim)  # type: ignore[no-any-return]


def load_cases() -> list[tuple[str, dict[str, Any]]]:
    """(``file: name``, case) for every case of every file except base.yaml."""
    out = []
    for path in sorted(CASES_DIR.glob("*.yaml")):
        if path.name == "base.yaml":
            continue
        with path.open(encoding="utf-8") as fh:
            doc = yaml.safe_load(fh)
        for case in doc["cases"]:
            out.append((f"{path.stem}: {case['name']}", case))
    return out
