"""The dated parameters compiled into small look-up tables, one row per *epoch*.

An epoch starts on any date on which some parameter takes a new value; within an epoch every
parameter has one value. Each claim is judged under the epoch of its claim date (reading G4: facts
and policy as they stand on the claim date), so a decision for an earlier claim date keeps using the
older value — and a million claims spread over several epochs are still judged in one pass, by
gathering each row's value from the epoch tables.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt

from dte.policy import calendar, days, parameters
from dte.policy.reference import level_code, load_reference
from dte.policy.retirement import age_table, rule_from

Arr = npt.NDArray[Any]

LEVELS = ("junior", "intermediate", "senior")
LEVEL_NAMES = {"junior": "初级", "intermediate": "中级", "senior": "高级"}
STATUSES = ("pending", "approved", "paid", "rejected", "withdrawn", "cancelled")
STATUS_NAMES = {
    "pending": "待审核",
    "approved": "已审批",
    "paid": "已发放",
    "rejected": "未通过",
    "withdrawn": "已撤回",
    "cancelled": "已取消",
}
STATUS_PAD = len(STATUSES)  # an empty prior-claim slot
EMPLOYMENT = ("none", "employed", "self_employed", "unemployed")
EMPLOYMENT_NAMES = {"none": "无", "employed": "就业", "self_employed": "自主创业", "unemployed": "失业"}
READINGS = ("strict", "either")
CITY_BASE = 330300  # county codes 330300..330399 index the county tables

PARAMETERS = (
    "in_force",
    "occupations",
    "designations",
    "counties",
    "subsidy_standards",
    "claim_window",
    "yearly_limit",
    "eligibility",
    "retirement",
)


Getter = Callable[[str], parameters.Parameter]


def _value_at(name: str, when: date, get: Getter) -> parameters.DatedValue:
    p = get(name)
    return p.values[0] if when < p.values[0].start else p.at(when)


def _as_date(v: Any, where: str) -> date:
    if isinstance(v, date):
        return v
    try:
        return date.fromisoformat(str(v))
    except ValueError as exc:
        raise parameters.ParameterError(f"{where}: {v!r} is not a date") from exc


@dataclass(frozen=True)
class CompiledPolicy:
    starts: tuple[date, ...]
    start_idx: npt.NDArray[np.int32]
    values: tuple[dict[str, parameters.DatedValue], ...]  # per epoch: the value of each parameter
    occupations: tuple[str, ...]  # codes; the index is the occupation's column code
    occupation_names: dict[str, str]
    institutions: tuple[str, ...]  # designated institutions ever named; the index is the column code
    # per-epoch tables (first axis = epoch)
    in_force: npt.NDArray[np.int32]
    min_age_months: npt.NDArray[np.int32]
    min_run: npt.NDArray[np.int32]
    strict: npt.NDArray[np.bool_]
    window: npt.NDArray[np.int32]
    graduate_extension: npt.NDArray[np.int32]
    limit: npt.NDArray[np.int32]
    counted_mask: npt.NDArray[np.int32]  # bit s set: a prior claim of status s counts (L1)
    amount: npt.NDArray[np.int32]  # (E, occupations * 3): -1 = no standard
    hours: npt.NDArray[np.int32]  # (E, occupations * 3): -1 = unset (S1) or no standard
    designated: npt.NDArray[np.bool_]  # (E, (institutions + 1) * occupations); last row: unknown
    wenzhou_county: npt.NDArray[np.bool_]  # (E, 100): county code - 330300
    county_names: dict[str, str]
    ret_age: npt.NDArray[np.int16]  # (E, 3 * months): retirement age in months by group, birth month
    ret_rules: tuple[Any, ...]  # RetirementRule per epoch

    @property
    def n_epochs(self) -> int:
        return len(self.starts)

    def epoch_of(self, claim_idx: int) -> int:
        return max(0, int(np.searchsorted(self.start_idx, claim_idx, side="right")) - 1)

    def occupation_code(self, code: str) -> int:
        try:
            return self.occupations.index(code)
        except ValueError:
            return -1

    def occupation_label(self, k: int) -> str:
        code = self.occupations[k]
        return f"{self.occupation_names.get(code, code)}({code})"


def _occupation_codes(get: Getter) -> list[str]:
    """Every occupation code ever named, in order of first appearance; the index is the column code."""
    occupations: list[str] = []
    for name in ("occupations", "designations", "subsidy_standards"):
        for v in get(name).values:
            for code in v.value:
                if str(code) not in occupations:
                    occupations.append(str(code))
    return occupations


def _names(get: Getter) -> tuple[dict[str, str], list[str], dict[str, str]]:
    """Occupation names, designated institutions (the index is the column code), county names."""
    names: dict[str, str] = {}
    institutions: list[str] = []
    county_names: dict[str, str] = {}
    for v in get("occupations").values:
        names.update({str(c): str(o["name"]) for c, o in v.value.items()})
    for v in get("designations").values:
        for insts in v.value.values():
            institutions.extend(str(i) for i in insts if str(i) not in institutions)
    for v in get("counties").values:
        county_names.update({str(c): str(n) for c, n in v.value["counties"].items()})
        county_names[str(v.value["city"]["code"])] = str(v.value["city"]["name"])
    return names, institutions, county_names


class _Tables:
    """The per-epoch tables being filled, one epoch at a time (``fill``)."""

    SCALARS = ("in_force", "min_age", "min_run", "strict", "window", "ext", "limit")

    def __init__(self, n_epochs: int, occupations: list[str], institutions: list[str]) -> None:
        n_o, n_i = len(occupations), len(institutions)
        self.occupations, self.institutions = occupations, institutions
        self.amount = np.full((n_epochs, n_o * 3), -1, dtype=np.int32)
        self.hours = np.full((n_epochs, n_o * 3), -1, dtype=np.int32)
        self.designated = np.zeros((n_epochs, (n_i + 1) * n_o), dtype=np.bool_)
        self.wz = np.zeros((n_epochs, 100), dtype=np.bool_)
        self.counted = np.zeros(n_epochs, dtype=np.int32)
        self.ret_age = np.zeros((n_epochs, 3 * days.N_MONTHS), dtype=np.int16)
        self.ret_rules: list[Any] = []
        self.scalars: dict[str, list[Any]] = {k: [] for k in self.SCALARS}

    def fill(self, e: int, vals: dict[str, parameters.DatedValue]) -> None:
        self._standards(e, vals["subsidy_standards"].value)
        self._designations(e, vals["designations"].value)
        self._counties(e, vals["counties"].value)
        lim = vals["yearly_limit"].value
        for s in lim["counted_statuses"]:
            if s not in STATUSES:
                raise parameters.ParameterError(f"yearly_limit: unknown status {s!r}")
            self.counted[e] |= 1 << STATUSES.index(s)
        el = vals["eligibility"].value
        if el["retirement_reading"] not in READINGS:
            raise parameters.ParameterError(
                f"eligibility: retirement_reading must be strict or either, got {el!r}"
            )
        cw = vals["claim_window"].value
        rr = rule_from(vals["retirement"])
        self.ret_rules.append(rr)
        self.ret_age[e] = age_table(rr)
        if int(el["min_consecutive_insurance_months"]) < 1:
            raise parameters.ParameterError("eligibility: min_consecutive_insurance_months must be ≥ 1")
        scalars = self.scalars
        scalars["in_force"].append(days.to_index(_as_date(vals["in_force"].value["date"], "in_force")))
        scalars["min_age"].append(int(el["min_age_years"]) * 12)
        scalars["min_run"].append(int(el["min_consecutive_insurance_months"]))
        scalars["strict"].append(el["retirement_reading"] == "strict")
        scalars["window"].append(int(cw["months"]))
        scalars["ext"].append(int(cw["graduate_extension_months"]))
        scalars["limit"].append(int(lim["limit"]))

    def _standards(self, e: int, value: Any) -> None:
        for code, levels in value.items():
            for lvl, std in levels.items():
                k = self.occupations.index(str(code)) * 3 + LEVELS.index(level_code(str(lvl)))
                if not isinstance(std.get("amount"), int) or std["amount"] < 0:
                    raise parameters.ParameterError(
                        f"subsidy_standards: {code} {lvl}: amount must be integer yuan"
                    )
                self.amount[e, k] = std["amount"]
                self.hours[e, k] = -1 if std.get("hours") is None else int(std["hours"])

    def _designations(self, e: int, value: Any) -> None:
        n_o = len(self.occupations)
        for code, insts in value.items():
            o = self.occupations.index(str(code))
            for inst in insts:
                self.designated[e, self.institutions.index(str(inst)) * n_o + o] = True

    def _counties(self, e: int, value: Any) -> None:
        for code in value["counties"]:
            off = int(code) - CITY_BASE
            if not 0 < off < 99:
                raise parameters.ParameterError(f"counties: {code!r} is not a Wenzhou county code")
            self.wz[e, off] = True

    def i32(self, k: str) -> npt.NDArray[np.int32]:
        return np.array(self.scalars[k], dtype=np.int32)


def compile_policy(get: Getter = parameters.get) -> CompiledPolicy:
    """Compile the parameters as they stand now (shipped files merged with overrides and the
    published layer), or as ``get`` reads them (a draft laid over them: ``parameters.layered``)."""
    starts_set: set[date] = set()
    for name in PARAMETERS:
        starts_set.update(v.start for v in get(name).values)
    starts = tuple(sorted(starts_set))
    values = tuple({name: _value_at(name, s, get) for name in PARAMETERS} for s in starts)
    occupations = _occupation_codes(get)
    names, institutions, county_names = _names(get)
    t = _Tables(len(starts), occupations, institutions)
    for e, vals in enumerate(values):
        t.fill(e, vals)
    return CompiledPolicy(
        starts=starts,
        start_idx=np.array([days.to_index(s) for s in starts], dtype=np.int32),
        values=values,
        occupations=tuple(occupations),
        occupation_names=names,
        institutions=tuple(institutions),
        in_force=t.i32("in_force"),
        min_age_months=t.i32("min_age"),
        min_run=t.i32("min_run"),
        strict=np.array(t.scalars["strict"], dtype=np.bool_),
        window=t.i32("window"),
        graduate_extension=t.i32("ext"),
        limit=t.i32("limit"),
        counted_mask=t.counted,
        amount=t.amount,
        hours=t.hours,
        designated=t.designated,
        wenzhou_county=t.wz,
        county_names=county_names,
        ret_age=t.ret_age,
        ret_rules=tuple(t.ret_rules),
    )


_compiled: dict[int, CompiledPolicy] = {}  # by parameters.generation()


def get_policy() -> CompiledPolicy:
    """The compiled policy (cached; compiled again when a published version arrives, or after
    ``clear_cache`` when a parameter file changed)."""
    gen = parameters.generation()
    hit = _compiled.get(gen)
    if hit is None:
        _compiled.clear()
        hit = _compiled[gen] = compile_policy()
    return hit


def clear_cache() -> None:
    parameters.clear_cache()
    _compiled.clear()


_COMPILE_ERRORS = (parameters.ParameterError, KeyError, TypeError, ValueError, IndexError, AttributeError)


def compile_draft(
    draft: Mapping[str, Any],
) -> tuple[dict[str, tuple[parameters.DatedValue, ...]], CompiledPolicy]:
    """A draft of the files' shape checked as the files are (``parameters.parse_layer``), then the
    policy compiled with it laid over the values in force, one dated value at a time in date order,
    so that a value the compiler refuses is named with its parameter and date
    (``ParameterError("subsidy_standards 2025-07-01: …")``). Returns the parsed draft and the
    compiled policy with all of it."""
    parsed = parameters.parse_layer(draft)
    steps = sorted((v.start, name) for name, vals in parsed.items() for v in vals)
    policy = compile_policy()
    for k, (start, name) in enumerate(steps):
        upto: dict[str, tuple[parameters.DatedValue, ...]] = {}
        for s, n in steps[: k + 1]:
            upto[n] = (*upto.get(n, ()), *(v for v in parsed[n] if v.start == s))
        try:
            policy = compile_policy(parameters.layered(upto))
            if name in ("occupations", "designations", "counties", "levels", "evaluation_bodies"):
                _check_reference(parameters.layered(upto), start)
            if name == calendar.HOLIDAYS:
                for v in parsed[name]:
                    if v.start == start:
                        holiday_year(v)
        except _COMPILE_ERRORS as exc:
            message = exc.args[0] if isinstance(exc, parameters.ParameterError) else repr(exc)
            raise parameters.ParameterError(f"{name} {start.isoformat()}: {message}") from exc
    return parsed, policy


def holiday_year(v: parameters.DatedValue) -> calendar.YearSchedule:
    """A dated value of ``holidays`` checked as ``dte calendar load`` checks a year file."""
    if not isinstance(v.value, Mapping):
        raise parameters.ParameterError("expected year, holidays and workdays")
    try:
        return calendar.parse_year(
            {"reference": v.reference, **v.value},
            where="",
            source=f"{calendar.HOLIDAYS} {v.start.isoformat()}",
        )
    except calendar.CalendarError as exc:
        raise parameters.ParameterError(str(exc).removeprefix(": ")) from exc


def _check_reference(get: Getter, start: date) -> None:
    """The catalogues' own checks (``reference.load_reference``) on the draft's date."""
    load_reference(start, get)
