"""The dated parameters compiled into small look-up tables, one row per *epoch*.

An epoch starts on any date on which some parameter takes a new value; within an epoch every
parameter has one value. Each claim is judged under the epoch of its claim date (reading G4: facts
and policy as they stand on the claim date), so a decision for an earlier claim date keeps using the
older value — and a million claims spread over several epochs are still judged in one pass, by
gathering each row's value from the epoch tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt

from dte.policy import days, parameters
from dte.policy.reference import level_code
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


def _value_at(name: str, when: date) -> parameters.DatedValue:
    p = parameters.get(name)
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


def compile_policy() -> CompiledPolicy:
    """Compile the parameters as they stand now (shipped files merged with overrides)."""
    starts_set: set[date] = set()
    for name in PARAMETERS:
        starts_set.update(v.start for v in parameters.get(name).values)
    starts = tuple(sorted(starts_set))
    values = tuple({name: _value_at(name, s) for name in PARAMETERS} for s in starts)

    occupations: list[str] = []
    names: dict[str, str] = {}
    institutions: list[str] = []
    county_names: dict[str, str] = {}
    for name in ("occupations", "designations", "subsidy_standards"):
        for v in parameters.get(name).values:
            for code in v.value:
                if str(code) not in occupations:
                    occupations.append(str(code))
    for v in parameters.get("occupations").values:
        names.update({str(c): str(o["name"]) for c, o in v.value.items()})
    for v in parameters.get("designations").values:
        for insts in v.value.values():
            institutions.extend(str(i) for i in insts if str(i) not in institutions)
    for v in parameters.get("counties").values:
        county_names.update({str(c): str(n) for c, n in v.value["counties"].items()})
        county_names[str(v.value["city"]["code"])] = str(v.value["city"]["name"])

    n_e, n_o, n_i = len(starts), len(occupations), len(institutions)
    amount = np.full((n_e, n_o * 3), -1, dtype=np.int32)
    hours = np.full((n_e, n_o * 3), -1, dtype=np.int32)
    designated = np.zeros((n_e, (n_i + 1) * n_o), dtype=np.bool_)
    wz = np.zeros((n_e, 100), dtype=np.bool_)
    counted = np.zeros(n_e, dtype=np.int32)
    ret_age = np.zeros((n_e, 3 * days.N_MONTHS), dtype=np.int16)
    ret_rules = []
    scalars: dict[str, list[Any]] = {
        k: []
        for k in (
            "in_force",
            "min_age",
            "min_run",
            "strict",
            "window",
            "ext",
            "limit",
            "old",
            "first",
            "step",
            "max",
        )
    }
    for e, vals in enumerate(values):
        for code, levels in vals["subsidy_standards"].value.items():
            for lvl, std in levels.items():
                k = occupations.index(str(code)) * 3 + LEVELS.index(level_code(str(lvl)))
                if not isinstance(std.get("amount"), int) or std["amount"] < 0:
                    raise parameters.ParameterError(
                        f"subsidy_standards: {code} {lvl}: amount must be integer yuan"
                    )
                amount[e, k] = std["amount"]
                hours[e, k] = -1 if std.get("hours") is None else int(std["hours"])
        for code, insts in vals["designations"].value.items():
            o = occupations.index(str(code))
            for inst in insts:
                designated[e, institutions.index(str(inst)) * n_o + o] = True
        for code in vals["counties"].value["counties"]:
            off = int(code) - CITY_BASE
            if not 0 < off < 99:
                raise parameters.ParameterError(f"counties: {code!r} is not a Wenzhou county code")
            wz[e, off] = True
        lim = vals["yearly_limit"].value
        for s in lim["counted_statuses"]:
            if s not in STATUSES:
                raise parameters.ParameterError(f"yearly_limit: unknown status {s!r}")
            counted[e] |= 1 << STATUSES.index(s)
        el = vals["eligibility"].value
        if el["retirement_reading"] not in READINGS:
            raise parameters.ParameterError(
                f"eligibility: retirement_reading must be strict or either, got {el!r}"
            )
        cw = vals["claim_window"].value
        rr = rule_from(vals["retirement"])
        ret_rules.append(rr)
        ret_age[e] = age_table(rr)
        if int(el["min_consecutive_insurance_months"]) < 1:
            raise parameters.ParameterError("eligibility: min_consecutive_insurance_months must be ≥ 1")
        scalars["in_force"].append(days.to_index(_as_date(vals["in_force"].value["date"], "in_force")))
        scalars["min_age"].append(int(el["min_age_years"]) * 12)
        scalars["min_run"].append(int(el["min_consecutive_insurance_months"]))
        scalars["strict"].append(el["retirement_reading"] == "strict")
        scalars["window"].append(int(cw["months"]))
        scalars["ext"].append(int(cw["graduate_extension_months"]))
        scalars["limit"].append(int(lim["limit"]))

    def i32(k: str) -> npt.NDArray[np.int32]:
        return np.array(scalars[k], dtype=np.int32)

    return CompiledPolicy(
        starts=starts,
        start_idx=np.array([days.to_index(s) for s in starts], dtype=np.int32),
        values=values,
        occupations=tuple(occupations),
        occupation_names=names,
        institutions=tuple(institutions),
        in_force=i32("in_force"),
        min_age_months=i32("min_age"),
        min_run=i32("min_run"),
        strict=np.array(scalars["strict"], dtype=np.bool_),
        window=i32("window"),
        graduate_extension=i32("ext"),
        limit=i32("limit"),
        counted_mask=counted,
        amount=amount,
        hours=hours,
        designated=designated,
        wenzhou_county=wz,
        county_names=county_names,
        ret_age=ret_age,
        ret_rules=tuple(ret_rules),
    )


_compiled: list[CompiledPolicy] = []


def get_policy() -> CompiledPolicy:
    """The compiled policy (cached; ``clear_cache`` after a parameter file changed)."""
    if not _compiled:
        _compiled.append(compile_policy())
    return _compiled[0]


def clear_cache() -> None:
    parameters.clear_cache()
    _compiled.clear()
