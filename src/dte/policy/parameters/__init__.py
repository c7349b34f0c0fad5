"""Dated, cited policy parameters (OpenFisca-like YAML files in this folder).

Each file has a ``description`` and ``values`` keyed by the date each value comes into force;
every value carries a ``reference`` (its citation). A change in the law is a new dated value in
the file, never an ``if`` on today's date: decisions for earlier dates keep the older value.

Administrators may override or extend a parameter without a release by placing a file of the same
name in the directory named by the ``DTE_PARAMETERS_DIR`` environment variable; its dated values
are merged over the shipped ones (a value for the same start date replaces the shipped one).

Over both lies the *layer*: the versions the city published in the platform (``dte.parameters``),
handed in by the platform as a mapping of the files' shape (``set_layer``), or fetched through a
``LayerSource`` the platform installs (``set_source``); ``get`` asks the source for its token first,
so a version published by another process is seen without a restart. This package stays free of
Django: it knows the layer only as plain data.
"""

from __future__ import annotations

import os
from bisect import bisect_right
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any, Protocol

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


def _parse(name: str, raw: Any, source: Path | str) -> list[DatedValue]:
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


def get(name: str) -> Parameter:
    """The parameter ``name`` (file ``name.yaml``): shipped values, merged with the overrides, then
    with the published layer (a value for the same start date replaces the one below it)."""
    refresh()
    return _get(name)


@cache
def _get(name: str) -> Parameter:
    path = HERE / f"{name}.yaml"
    raw = _read(path)
    by_start = {v.start: v for v in _parse(name, raw, path)}
    extra_dir = override_dir()
    if extra_dir is not None and (extra_dir / f"{name}.yaml").exists():
        extra_path = extra_dir / f"{name}.yaml"
        for v in _parse(name, _read(extra_path), extra_path):
            by_start[v.start] = v
    for v in _state.layer.get(name, ()):
        by_start[v.start] = v
    values = tuple(sorted(by_start.values(), key=lambda v: v.start))
    return Parameter(name=name, description=str(raw.get("description", "")), values=values)


def names() -> tuple[str, ...]:
    """The parameters there are: the shipped files' names without ``.yaml``."""
    return tuple(sorted(p.stem for p in HERE.glob("*.yaml")))


def clear_cache() -> None:
    """Forget loaded parameters (after an administrator changed a file)."""
    _get.cache_clear()
    _state.generation += 1


# -- the published layer -------------------------------------------------------------------------


class SourceUnavailable(Exception):
    """The source cannot be read now (its table not yet migrated, no database in this context):
    the layer stays as it is."""


class LayerSource(Protocol):
    """Where the platform keeps the published versions. ``token`` is cheap (called before every
    read of a parameter; the source may cache it for a moment); ``load`` returns the token and the
    layer as a mapping of the files' shape, ``{name: {"values": {start: {reference: …, …}}}}``, or
    raises ``SourceUnavailable``."""

    def token(self) -> Hashable: ...

    def load(self) -> tuple[Hashable, Mapping[str, Any]]: ...


class _State:
    def __init__(self) -> None:
        self.layer: dict[str, tuple[DatedValue, ...]] = {}
        self.token: Hashable = None
        self.source: LayerSource | None = None
        self.generation = 0  # bumped whenever what ``get`` returns may have changed


_state = _State()


def parse_layer(mapping: Mapping[str, Any]) -> dict[str, tuple[DatedValue, ...]]:
    """A mapping of the files' shape, checked as the files are: an unknown parameter, a start that
    is not a date or a value without its reference raise ``ParameterError`` naming the parameter
    (and the date)."""
    if not isinstance(mapping, Mapping):
        raise ParameterError("expected a mapping from parameter name to {values: {DATE: …}}")
    known = set(names())
    out: dict[str, tuple[DatedValue, ...]] = {}
    for name, raw in mapping.items():
        if name not in known:
            raise ParameterError(f"{name}: unknown parameter (not one of the shipped files)")
        out[str(name)] = tuple(sorted(_parse(str(name), raw, str(name)), key=lambda v: v.start))
    return out


def set_layer(mapping: Mapping[str, Any], token: Hashable) -> None:
    """Lay the published versions over the files (replacing the previous layer)."""
    layer = parse_layer(mapping)
    _state.layer, _state.token = layer, token
    clear_cache()


def get_source() -> LayerSource | None:
    return _state.source


def set_source(source: LayerSource | None) -> None:
    """Install (or remove, with None) the platform's source of published versions."""
    _state.source = source
    _state.token = None
    if source is None and _state.layer:
        _state.layer = {}
        clear_cache()


def refresh() -> None:
    """Take the published layer again if the source's token moved."""
    source = _state.source
    if source is None or source.token() == _state.token:
        return
    try:
        token, mapping = source.load()
    except SourceUnavailable:
        return
    set_layer(mapping, token)


def generation() -> int:
    """A number that changes whenever a parameter may read differently (layer or cache cleared)."""
    refresh()
    return _state.generation


def layered(extra: Mapping[str, tuple[DatedValue, ...]]) -> Callable[[str], Parameter]:
    """A getter like ``get`` with ``extra`` (a parsed draft) laid over everything else."""

    def getter(name: str) -> Parameter:
        p = get(name)
        if name not in extra:
            return p
        by_start = {v.start: v for v in p.values}
        by_start.update({v.start: v for v in extra[name]})
        values = tuple(sorted(by_start.values(), key=lambda v: v.start))
        return Parameter(name=p.name, description=p.description, values=values)

    return getter


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """A value as {dotted path: leaf}: what a diff compares."""
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for k, v in value.items():
            out.update(flatten(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    return {prefix or "value": value}


def diff(before: DatedValue | None, after: DatedValue) -> list[dict[str, Any]]:
    """What changes from ``before`` (the value in force) to ``after``: one entry per leaf that
    differs, ``{"path": "2-02-10-15.junior.hours", "before": None, "after": 64}`` (a list compares
    whole; the reference is the entry ``reference``)."""
    old = flatten(before.value) if before else {}
    new = flatten(after.value)
    if before is None or before.reference != after.reference:
        old["reference"] = before.reference if before else None
        new["reference"] = after.reference
    paths = sorted(set(old) | set(new))
    return [
        {"path": p, "before": _plain(old.get(p)), "after": _plain(new.get(p))}
        for p in paths
        if old.get(p) != new.get(p)
    ]


def _plain(v: Any) -> Any:
    return v.isoformat() if isinstance(v, date) else v
