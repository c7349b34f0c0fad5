"""Dated, cited policy parameters (OpenFisca-like YAML files in this folder).

Each file has a ``description`` and ``values`` keyed by the date each value comes into force;
every value carries a ``reference`` (its citation). A change in the law is a new dated value in
the file, never an ``if`` on today's date: decisions for earlier dates keep the older value.

Administrators may override or extend a parameter without a release by placing a file of the same
name in the directory named by the ``DTE_PARAMETERS_DIR`` environment variable; its dated values
are merged over the shipped ones (a value for the same start date replaces the shipped one).
"""

from __future__ import annotations

import os
from bisect import bisect_right
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent


class ParameterError(ValueError):
    """A parameter file is malformed or names something unknown."""


@dataclass(frozen=True)
class DatedValue:
    start: date
    reference: str
    value: Any


@dataclass(frozen=True)
class Parameter:
    name: str
    description: str
    values: tuple[DatedValue, ...]  # sorted by start

    def at(self, when: date) -> DatedValue:
        """The value in force on ``when``."""
        starts = [v.start for v in self.values]
        i = bisect_right(starts, when)
        if i == 0:
            raise ParameterError(f"{self.name}: no value in force on {when.isoformat()}")
        return self.values[i - 1]

    def latest(self) -> DatedValue:
        return self.values[-1]


def _parse(name: str, raw: Any, source: Path) -> list[DatedValue]:
    if not isinstance(raw, dict) or not isinstance(raw.get("values"), dict):
        raise ParameterError(f"{source}: expected a mapping with 'values' keyed by start date")
    out = []
    for start, body in raw["values"].items():
        if isinstance(start, str):
            try:
                start = date.fromisoformat(start)
            except ValueError as exc:
                raise ParameterError(f"{source}: start {start!r} is not a date") from exc
        if not isinstance(start, date):
            raise ParameterError(f"{source}: start {start!r} is not a date")
        if not isinstance(body, dict) or not body.get("reference"):
            raise ParameterError(f"{source}: value from {start} has no reference (citation)")
        body = dict(body)
        reference = str(body.pop("reference"))
        value = body.pop("value") if set(body) == {"value"} else body
        out.append(DatedValue(start=start, reference=reference, value=value))
    return out


def _read(path: Path) -> Any:
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def override_dir() -> Path | None:
    d = os.environ.get("DTE_PARAMETERS_DIR")
    return Path(d) if d else None


@cache
def get(name: str) -> Parameter:
    """The parameter ``name`` (file ``name.yaml``), shipped values merged with overrides."""
    path = HERE / f"{name}.yaml"
    raw = _read(path)
    by_start = {v.start: v for v in _parse(name, raw, path)}
    extra_dir = override_dir()
    if extra_dir is not None and (extra_dir / f"{name}.yaml").exists():
        extra_path = extra_dir / f"{name}.yaml"
        for v in _parse(name, _read(extra_path), extra_path):
            by_start[v.start] = v
    values = tuple(sorted(by_start.values(), key=lambda v: v.start))
    return Parameter(name=name, description=str(raw.get("description", "")), values=values)


def clear_cache() -> None:
    """Forget loaded parameters (after an administrator changed a file)."""
    get.cache_clear()
