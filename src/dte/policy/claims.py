"""Claims as columns: parsing the JSON claim of the contract, checking it field by field, and
building the NumPy columns the rules run over.

Parsing is not deciding: it only checks that each fact is well formed (a date is a date, an ID
number has the right check character, an occupation code is known) and turns it into column codes.
An ill-formed claim raises ``ClaimError`` naming the field (``person.id_number``); the caller keeps
deciding the others.

Column layout: one row per claim; dates are day indexes (``days``), -1 when absent; codes index the
compiled policy's vocabularies. The ragged facts are dense slot-major matrices: insurance months
``(K, n)`` sorted ascending per claim and padded with a month no claim reaches, prior claims
``(P, n)`` padded with an empty slot.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from dte.policy import days
from dte.policy.compiled import EMPLOYMENT, LEVELS, STATUS_PAD, STATUSES, CompiledPolicy
from dte.policy.identity import IdNumberError, parse_id_number
from dte.policy.parameters import ParameterError
from dte.policy.reference import level_code
from dte.policy.retirement import GROUPS

Arr = npt.NDArray[Any]

MONTH_PAD = np.iinfo(np.int16).max
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_MONTH = re.compile(r"\d{4}-\d{2}")
_COUNTY = re.compile(r"\d{6}")


class ClaimError(ValueError):
    """A claim that cannot be decided: ``field`` names the offending fact (``person.id_number``)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass
class Row:
    """One parsed claim: facts as column codes (see ``Claims``)."""

    id: Any
    claim: int
    birth: int
    female: bool
    ret_group: int
    retired: bool
    hukou: bool
    permit: bool
    unemp_county: int
    emp_status: int
    emp_in_wz: bool
    public_staff: bool
    ins: list[tuple[int, int]]  # (month index, county code), sorted, one per month
    grad_wz: bool
    grad_date: int
    tr_inst: int
    tr_inst_name: str | None
    tr_occ: int
    tr_level: int
    tr_hours: int
    tr_cert: int
    lc_occ: int
    lc_level: int
    lc_issued: int
    prior: list[tuple[int, int, int, int]]  # (occupation, level, date, status)


# -- field parsers -------------------------------------------------------------------------------


def _get(obj: Mapping[str, Any], key: str, path: str, required: bool = False, default: Any = None) -> Any:
    if key not in obj or obj[key] is None:
        if required:
            raise ClaimError(path + key, "is required")
        return default
    return obj[key]


def _obj(v: Any, path: str) -> Mapping[str, Any]:
    if not isinstance(v, Mapping):
        raise ClaimError(path, f"must be an object, got {type(v).__name__}")
    return v


def _bool(obj: Mapping[str, Any], key: str, path: str) -> bool:
    v = _get(obj, key, path, default=False)
    if not isinstance(v, bool):
        raise ClaimError(path + key, f"must be true or false, got {v!r}")
    return v


def _date(v: Any, field: str) -> int:
    if not isinstance(v, str) or not _DATE.fullmatch(v):
        raise ClaimError(field, f"{v!r} is not a date in the form YYYY-MM-DD")
    try:
        d = date.fromisoformat(v)
    except ValueError:
        raise ClaimError(field, f"{v!r} is not a valid calendar date") from None
    if not days.INPUT_FIRST <= d <= days.INPUT_LAST:
        raise ClaimError(field, f"{v} is outside the supported range {days.INPUT_FIRST} .. {days.INPUT_LAST}")
    return days.to_index(d)


def _month(v: Any, field: str) -> int:
    if not isinstance(v, str) or not _MONTH.fullmatch(v):
        raise ClaimError(field, f"{v!r} is not a month in the form YYYY-MM")
    y, m = int(v[:4]), int(v[5:])
    if not 1 <= m <= 12:
        raise ClaimError(field, f"{v!r} is not a valid month")
    if not days.INPUT_FIRST.year <= y <= days.INPUT_LAST.year:
        raise ClaimError(field, f"{v} is outside the supported range")
    return days.month_index(y, m)


def _county(v: Any, field: str) -> int:
    if not isinstance(v, str) or not _COUNTY.fullmatch(v):
        raise ClaimError(field, f"{v!r} is not a 6-digit county code")
    return int(v)


def _level(v: Any, field: str) -> int:
    if not isinstance(v, str):
        raise ClaimError(field, f"{v!r} is not a level (junior|intermediate|senior or 初级|中级|高级)")
    try:
        return LEVELS.index(level_code(v))
    except ParameterError:
        raise ClaimError(
            field, f"unknown level {v!r} (junior|intermediate|senior or 初级|中级|高级)"
        ) from None


def _occupation(v: Any, field: str, policy: CompiledPolicy) -> int:
    k = policy.occupation_code(v) if isinstance(v, str) else -1
    if k < 0:
        raise ClaimError(field, f"unknown occupation code {v!r} (not an Annex 1 occupation)")
    return k


# -- a claim -------------------------------------------------------------------------------------


def _identity(person: Mapping[str, Any]) -> tuple[int, bool, int]:
    """Birth (day index), female, retirement group: from the ID number and the declared category."""
    try:
        ident = parse_id_number(_get(person, "id_number", "person.", required=True))
    except IdNumberError as exc:
        raise ClaimError("person.id_number", str(exc)) from None
    if not days.INPUT_FIRST <= ident.birth <= days.INPUT_LAST:
        raise ClaimError("person.id_number", f"birth date {ident.birth} is outside the supported range")
    female = ident.sex == "female"
    cat = person.get("retirement_category")
    if female:
        if cat not in ("female_cadre", "female_worker"):
            got = "missing" if cat is None else f"got {cat!r}"
            raise ClaimError(
                "person.retirement_category",
                f"required for a woman (ID number shows female): female_cadre or female_worker, {got}",
            )
    elif cat not in (None, "male"):
        raise ClaimError(
            "person.retirement_category", f"the ID number shows a man: must be null or 'male', got {cat!r}"
        )
    return days.to_index(ident.birth), female, GROUPS.index(cat) if female else 0


def _employment(person: Mapping[str, Any]) -> tuple[Mapping[str, Any], int]:
    """The employment object and its status code."""
    emp = _obj(_get(person, "employment", "person.", default={}), "person.employment")
    status = _get(emp, "status", "person.employment.", default="none")
    if status not in EMPLOYMENT:
        raise ClaimError("person.employment.status", f"{status!r} is not one of {'|'.join(EMPLOYMENT)}")
    return emp, EMPLOYMENT.index(status)


def _insurance(person: Mapping[str, Any], policy: CompiledPolicy) -> list[tuple[int, int]]:
    """The insurance months as (month index, county code), sorted, one per month (the last given)."""
    months = _get(person, "insurance_months", "person.", default=[])
    if not isinstance(months, list):
        raise ClaimError("person.insurance_months", "must be a list of {month, county}")
    by_month: dict[int, int] = {}
    for k, item in enumerate(months):
        path = f"person.insurance_months[{k}]"
        item = _obj(item, path)
        m = _month(item.get("month"), path + ".month")
        county = _county(item.get("county"), path + ".county")
        if not policy.county_names.get(str(county)) or county == 330300:
            raise ClaimError(path + ".county", f"{county} is not a Wenzhou county code")
        by_month[m] = county
    return sorted(by_month.items())


def _graduate(person: Mapping[str, Any]) -> tuple[bool, int]:
    """Studied in Wenzhou, graduation date (day index, -1 = none)."""
    grad = _get(person, "graduate", "person.")
    if grad is None:
        return False, -1
    grad = _obj(grad, "person.graduate")
    grad_wz = _bool(grad, "school_in_wenzhou", "person.graduate.")
    gd = grad.get("graduation_date")
    return grad_wz, -1 if gd is None else _date(gd, "person.graduate.graduation_date")


class _Training(NamedTuple):
    inst: int = -1
    name: str | None = None
    occ: int = -1
    level: int = -1
    hours: int = 0
    cert: int = -1


def _training(c: Mapping[str, Any], policy: CompiledPolicy) -> _Training:
    tr = _get(c, "training", "")
    if tr is None:
        return _Training()
    tr = _obj(tr, "training")
    name = tr.get("institution")
    if name is not None and not isinstance(name, str):
        raise ClaimError("training.institution", f"must be the institution's name, got {name!r}")
    inst = policy.institutions.index(name) if name in policy.institutions else -1
    occ = level = cert = -1
    if tr.get("occupation") is not None:
        occ = _occupation(tr["occupation"], "training.occupation", policy)
    if tr.get("level") is not None:
        level = _level(tr["level"], "training.level")
    h = tr.get("hours", 0) or 0
    if not isinstance(h, int) or isinstance(h, bool) or h < 0:
        raise ClaimError("training.hours", f"must be a whole number of hours ≥ 0, got {h!r}")
    if tr.get("certificate_date") is not None:
        cert = _date(tr["certificate_date"], "training.certificate_date")
    return _Training(inst, name, occ, level, h, cert)


def _level_certificate(c: Mapping[str, Any], policy: CompiledPolicy) -> tuple[int, int, int]:
    """Occupation, level, issue date (day index); all -1 without a level certificate."""
    lc = _get(c, "level_certificate", "")
    if lc is None:
        return -1, -1, -1
    lc = _obj(lc, "level_certificate")
    path = "level_certificate."
    occ = _occupation(_get(lc, "occupation", path, required=True), path + "occupation", policy)
    level = _level(_get(lc, "level", path, required=True), path + "level")
    issued = _date(_get(lc, "issued_on", path, required=True), path + "issued_on")
    return occ, level, issued


def _prior_claims(c: Mapping[str, Any], policy: CompiledPolicy) -> list[tuple[int, int, int, int]]:
    """The prior claims as (occupation, level, date, status)."""
    priors = _get(c, "prior_claims", "", default=[])
    if not isinstance(priors, list):
        raise ClaimError("prior_claims", "must be a list")
    prior = []
    for k, p in enumerate(priors):
        path = f"prior_claims[{k}]"
        p = _obj(p, path)
        st = p.get("status")
        if st not in STATUSES:
            raise ClaimError(path + ".status", f"{st!r} is not one of {'|'.join(STATUSES)}")
        prior.append(
            (
                _occupation(p.get("occupation"), path + ".occupation", policy),
                _level(p.get("level"), path + ".level"),
                _date(p.get("claim_date"), path + ".claim_date"),
                STATUSES.index(st),
            )
        )
    return prior


def parse_claim(raw: Any, policy: CompiledPolicy) -> Row:
    """Check one claim (a JSON object of the contract) and turn it into a ``Row``. The facts are
    checked in this order, and the first ill-formed one is reported: id, claim date, the person
    (ID number, retirement category, unemployment registration, employment, insurance months,
    graduate), training, level certificate, prior claims, then the person's yes/no facts."""
    c = _obj(raw, "claim")
    if "id" not in c:
        raise ClaimError("id", "is required")
    claim = _date(_get(c, "claim_date", "", required=True), "claim_date")
    person = _obj(_get(c, "person", "", required=True), "person")
    birth, female, ret_group = _identity(person)
    unemp = person.get("unemployment_registered_in")
    unemp_county = 0 if unemp is None else _county(unemp, "person.unemployment_registered_in")
    emp, emp_status = _employment(person)
    ins = _insurance(person, policy)
    grad_wz, grad_date = _graduate(person)
    tr = _training(c, policy)
    lc_occ, lc_level, lc_issued = _level_certificate(c, policy)
    prior = _prior_claims(c, policy)
    return Row(
        id=c["id"],
        claim=claim,
        birth=birth,
        female=female,
        ret_group=ret_group,
        retired=_bool(person, "retired", "person."),
        hukou=_bool(person, "wenzhou_hukou", "person."),
        permit=_bool(person, "wenzhou_residence_permit", "person."),
        unemp_county=unemp_county,
        emp_status=emp_status,
        emp_in_wz=_bool(emp, "in_wenzhou", "person.employment."),
        public_staff=_bool(emp, "public_institution_staff", "person.employment."),
        ins=ins,
        grad_wz=grad_wz,
        grad_date=grad_date,
        tr_inst=tr.inst,
        tr_inst_name=tr.name,
        tr_occ=tr.occ,
        tr_level=tr.level,
        tr_hours=tr.hours,
        tr_cert=tr.cert,
        lc_occ=lc_occ,
        lc_level=lc_level,
        lc_issued=lc_issued,
        prior=prior,
    )


# -- columns -------------------------------------------------------------------------------------


@dataclass
class Claims:
    """A batch of claims as columns (one row per claim)."""

    ids: list[Any]
    claim: Arr  # int32 day index
    birth: Arr  # int32 day index (from the ID number)
    female: Arr  # bool
    ret_group: Arr  # int32: 0 male, 1 female_cadre, 2 female_worker
    retired: Arr  # bool
    hukou: Arr  # bool
    permit: Arr  # bool
    unemp_county: Arr  # int32 county code, 0 = none
    emp_status: Arr  # int8 index in EMPLOYMENT
    emp_in_wz: Arr  # bool
    public_staff: Arr  # bool
    ins_month: Arr  # (K, n) int16 month index, ascending per claim, MONTH_PAD = empty
    ins_county: Arr  # (K, n) int32 county code
    grad_wz: Arr  # bool
    grad_date: Arr  # int32 day index, -1 = none
    tr_inst: Arr  # int32 index in policy.institutions, -1 = not a designated institution
    tr_occ: Arr  # int32 occupation code, -1 = none
    tr_level: Arr  # int32 level code, -1 = none
    tr_hours: Arr  # int32
    tr_cert: Arr  # int32 day index, -1 = no training certificate
    lc_occ: Arr  # int32 occupation code, -1 = no level certificate
    lc_level: Arr  # int32
    lc_issued: Arr  # int32 day index, -1 = none
    p_occ: Arr  # (P, n) int32
    p_level: Arr  # (P, n) int32
    p_date: Arr  # (P, n) int32 day index
    p_status: Arr  # (P, n) int32 index in STATUSES, STATUS_PAD = empty slot
    inst_names: list[str | None] | None = None  # training institutions as given (for messages)

    @property
    def n(self) -> int:
        return len(self.claim)


def build_columns(rows: Sequence[Row]) -> Claims:
    n = len(rows)
    k = max([len(r.ins) for r in rows] + [1])
    p = max([len(r.prior) for r in rows] + [1])
    ins_month = np.full((k, n), MONTH_PAD, dtype=np.int16)
    ins_county = np.zeros((k, n), dtype=np.int32)
    p_occ = np.full((p, n), -1, dtype=np.int32)
    p_level = np.full((p, n), -1, dtype=np.int32)
    p_date = np.full((p, n), -1, dtype=np.int32)
    p_status = np.full((p, n), STATUS_PAD, dtype=np.int32)
    for j, r in enumerate(rows):
        for s, (m, cty) in enumerate(r.ins):
            ins_month[s, j] = m
            ins_county[s, j] = cty
        for s, (o, lv, d, st) in enumerate(r.prior):
            p_occ[s, j], p_level[s, j], p_date[s, j], p_status[s, j] = o, lv, d, st

    def col(name: str, dtype: Any) -> Arr:
        return np.array([getattr(r, name) for r in rows], dtype=dtype)

    i32, b = np.int32, np.bool_
    return Claims(
        ids=[r.id for r in rows],
        claim=col("claim", i32),
        birth=col("birth", i32),
        female=col("female", b),
        ret_group=col("ret_group", i32),
        retired=col("retired", b),
        hukou=col("hukou", b),
        permit=col("permit", b),
        unemp_county=col("unemp_county", i32),
        emp_status=col("emp_status", np.int8),
        emp_in_wz=col("emp_in_wz", b),
        public_staff=col("public_staff", b),
        ins_month=ins_month,
        ins_county=ins_county,
        grad_wz=col("grad_wz", b),
        grad_date=col("grad_date", i32),
        tr_inst=col("tr_inst", i32),
        tr_occ=col("tr_occ", i32),
        tr_level=col("tr_level", i32),
        tr_hours=col("tr_hours", i32),
        tr_cert=col("tr_cert", i32),
        lc_occ=col("lc_occ", i32),
        lc_level=col("lc_level", i32),
        lc_issued=col("lc_issued", i32),
        p_occ=p_occ,
        p_level=p_level,
        p_date=p_date,
        p_status=p_status,
        inst_names=[r.tr_inst_name for r in rows],
    )
