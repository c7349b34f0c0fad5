"""Reference catalogues read from the dated parameters: occupations, levels, designated
institutions, counties and evaluation bodies. One source of truth for the engine and the
database catalogue (which `dte load-reference` fills from here)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from dte.policy import parameters

LEVELS_BY_CHINESE = {"初级": "junior", "中级": "intermediate", "高级": "senior"}


@dataclass(frozen=True)
class Occupation:
    code: str
    name: str
    field: str


@dataclass(frozen=True)
class Level:
    code: str  # junior | intermediate | senior
    name: str  # 初级 | 中级 | 高级
    rank: int
    title: str
    title_route: str


@dataclass(frozen=True)
class County:
    code: str
    name: str


@dataclass(frozen=True)
class EvaluationBody:
    code: str
    name: str


@dataclass(frozen=True)
class Reference:
    at: date
    citation: dict[str, str]
    occupations: dict[str, Occupation]
    levels: dict[str, Level]
    institutions: tuple[str, ...]  # in order of first appearance in Annex 1
    designations: frozenset[tuple[str, str]]  # (institution name, occupation code)
    city: County
    counties: dict[str, County]
    evaluation_bodies: dict[str, EvaluationBody]

    def is_designated(self, institution: str, occupation: str) -> bool:
        return (institution, occupation) in self.designations


def level_code(value: str) -> str:
    """Normalise a level given as ``junior|intermediate|senior`` or ``初级|中级|高级``."""
    if value in ("junior", "intermediate", "senior"):
        return value
    if value in LEVELS_BY_CHINESE:
        return LEVELS_BY_CHINESE[value]
    raise parameters.ParameterError(f"unknown level {value!r} (junior|intermediate|senior or 初级|中级|高级)")


def _occupations(value: Any) -> dict[str, Occupation]:
    return {
        str(code): Occupation(code=str(code), name=str(o["name"]), field=str(o["field"]))
        for code, o in value.items()
    }


def _levels(value: Any) -> dict[str, Level]:
    return {
        str(code): Level(
            code=str(code),
            name=str(v["name"]),
            rank=int(v["rank"]),
            title=str(v["title"]),
            title_route=str(v["title_route"]),
        )
        for code, v in value.items()
    }


def _designations(value: Any, occupations: dict[str, Occupation]) -> tuple[list[str], set[tuple[str, str]]]:
    """The institutions in order of first appearance, and the (institution, occupation) pairs; a
    designation naming an unknown occupation code is an error."""
    institutions: list[str] = []
    designations: set[tuple[str, str]] = set()
    for code, names in value.items():
        code = str(code)
        if code not in occupations:
            raise parameters.ParameterError(f"designations: unknown occupation code {code!r}")
        for name in names:
            name = str(name)
            if name not in institutions:
                institutions.append(name)
            designations.add((name, code))
    return institutions, designations


def _counties(value: Any) -> dict[str, County]:
    counties = {}
    for code, name in value["counties"].items():
        code = str(code)
        if len(code) != 6 or not code.isdigit() or not code.startswith("3303"):
            raise parameters.ParameterError(f"counties: {code!r} is not a Wenzhou county code")
        counties[code] = County(code=code, name=str(name))
    return counties


def load_reference(
    at: date | None = None, get: Callable[[str], parameters.Parameter] = parameters.get
) -> Reference:
    """The catalogues in force on ``at`` (default: the latest values), as ``get`` reads them (a
    draft laid over them, say). Validates cross-references: a designation naming an unknown
    occupation code is an error."""

    def pick(name: str) -> parameters.DatedValue:
        p = get(name)
        return p.latest() if at is None else p.at(at)

    occ_v, lvl_v, des_v, cty_v, eval_v = (
        pick(n) for n in ("occupations", "levels", "designations", "counties", "evaluation_bodies")
    )
    occupations = _occupations(occ_v.value)
    levels = _levels(lvl_v.value)
    institutions, designations = _designations(des_v.value, occupations)
    counties = _counties(cty_v.value)
    city = County(code=str(cty_v.value["city"]["code"]), name=str(cty_v.value["city"]["name"]))
    bodies = {str(c): EvaluationBody(code=str(c), name=str(b["name"])) for c, b in eval_v.value.items()}
    return Reference(
        at=at or occ_v.start,
        citation={
            "occupations": occ_v.reference,
            "levels": lvl_v.reference,
            "designations": des_v.reference,
            "counties": cty_v.reference,
            "evaluation_bodies": eval_v.reference,
        },
        occupations=occupations,
        levels=levels,
        institutions=tuple(institutions),
        designations=frozenset(designations),
        city=city,
        counties=counties,
        evaluation_bodies=bodies,
    )


@dataclass(frozen=True)
class Goal:
    people: int
    by: date
    reference: str


def goal(at: date | None = None) -> Goal:
    """The programme goal in force on ``at`` [P1]: at least ``people`` engineers by ``by``."""
    p = parameters.get("goal")
    v = p.latest() if at is None else p.at(at)
    by = v.value["by"]
    return Goal(
        people=int(v.value["people"]),
        by=by if isinstance(by, date) else date.fromisoformat(str(by)),
        reference=v.reference,
    )
