"""The preview of a draft on the real records [issue 18 §2]: every recorded claim (every status
but draft and withdrawn) dated in the draft's effective period, decided under the draft and under
the values in force, with its recorded facts; and the pipeline, the valid level certificates not
yet claimed whose claim window is open, decided as if claimed on the day of the preview.

The claims are read in one statement (``queries.claim_columns``) and decided over columns
(``dte.policy.reform``). The facts about the person are the recorded ones: the outcomes of the
person rules as the claim's decision recorded them. A draft of a parameter those rules read
(``reform.PERSON_PARAMETERS``) re-decides each claim from the person's facts as of its claim date
instead (slower: one read per claim)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np

from dte.catalog.models import County, Institution, Level, Occupation
from dte.parameters import queries
from dte.policy import calendar, days, parameters, reform
from dte.policy.calendar import WorkCalendar, get_calendar
from dte.policy.claims import Claims
from dte.policy.compiled import (
    LEVELS,
    STATUS_PAD,
    STATUSES,
    CompiledPolicy,
    compile_draft,
    get_policy,
    holiday_year,
)
from dte.policy.engine import decide_claims
from dte.policy.rules import RULE_IDS, decide
from dte.subsidy.models import COUNTED, ENGINE_STATUS, Claim, Status
from dte.subsidy.services.decision import engine_input

I64 = np.int64
NOT_CONSIDERED = (Status.DRAFT, Status.WITHDRAWN)


@dataclass
class Preview:
    """The figures (``summary``: the CLI's JSON object) and, for applying a published version, the
    considered claims' ids with their outcomes before and after."""

    summary: dict[str, Any]
    ids: np.ndarray
    status: np.ndarray  # index in queries.STATUSES
    comparison: reform.Comparison


def effective_period(parsed: Mapping[str, tuple[parameters.DatedValue, ...]]) -> tuple[date, date | None]:
    """From the draft's first date to the first later date on which one of its parameters already
    takes another value (None: open-ended)."""
    start = min(v.start for vals in parsed.values() for v in vals)
    last = max(v.start for vals in parsed.values() for v in vals)
    # (A holiday year is not replaced by a later year's schedule: each year is its own.)
    later = [
        v.start
        for name in parsed
        if name != calendar.HOLIDAYS
        for v in parameters.get(name).values
        if v.start > last
    ]
    return start, min(later) if later else None


def calendars(parsed: Mapping[str, tuple[parameters.DatedValue, ...]]) -> tuple[WorkCalendar, WorkCalendar]:
    """The working-day calendar in force, and as it would be with the draft's holiday years."""
    now = get_calendar()
    years = parsed.get(calendar.HOLIDAYS, ())
    return now, (calendar.with_years(holiday_year(v) for v in years) if years else now)


class Codes:
    """Catalogue ids → the column codes of one compiled policy (lookup arrays, 0 = none → -1)."""

    def __init__(self, policy: CompiledPolicy) -> None:
        occ = dict(Occupation.objects.values_list("id", "code"))
        self.occupation = _lookup({k: policy.occupation_code(c) for k, c in occ.items()})
        lvl = dict(Level.objects.values_list("id", "code"))
        self.level = _lookup({k: LEVELS.index(c) if c in LEVELS else -1 for k, c in lvl.items()})
        inst = dict(Institution.objects.values_list("id", "name"))
        self.institution = _lookup(
            {k: policy.institutions.index(n) if n in policy.institutions else -1 for k, n in inst.items()}
        )


def _lookup(mapping: dict[int, int]) -> np.ndarray:
    out = np.full(max(mapping, default=0) + 1, -1, dtype=np.int32)
    for k, v in mapping.items():
        out[k] = v
    return out


def _engine_status() -> np.ndarray:
    """queries.STATUSES index → compiled.STATUSES index (a draft: an empty slot)."""
    return np.array(
        [
            STATUSES.index(ENGINE_STATUS[Status(s)]) if s != Status.DRAFT else STATUS_PAD
            for s in queries.STATUSES
        ],
        dtype=np.int32,
    )


def priors(person: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each claim, the rows of the same person's other claims: (slots, valid), both (G, n),
    G the largest number of claims of one person."""
    n = len(ids)
    if n == 0:
        return np.zeros((1, 0), dtype=I64), np.zeros((1, 0), dtype=np.bool_)
    order = np.lexsort((ids, person))
    ps = person[order]
    starts = np.flatnonzero(np.r_[True, ps[1:] != ps[:-1]])
    sizes = np.diff(np.r_[starts, n])
    group = np.repeat(np.arange(len(starts)), sizes)
    g = int(sizes.max())
    slot = np.arange(g)[:, None]
    pos = starts[group][None, :] + slot  # positions in sorted order
    valid = (slot < sizes[group][None, :]) & (pos != np.arange(n)[None, :])
    rows = np.where(valid, order[np.minimum(pos, n - 1)], 0)
    out_rows = np.empty_like(rows)
    out_valid = np.empty_like(valid)
    out_rows[:, order] = rows
    out_valid[:, order] = valid
    return out_rows, out_valid


def claim_columns(
    v: dict[str, np.ndarray], codes: Codes, sel: np.ndarray, slots: tuple[np.ndarray, np.ndarray]
) -> Claims:
    """The loaded claims of rows ``sel`` as the engine's columns for one policy's codes; their prior
    claims (``slots``: rows of the loaded claims, for the rows of ``sel``) among all loaded."""

    def col(name: str) -> np.ndarray:
        return v[name][sel]

    occ = codes.occupation[col("occupation")]
    has_tr = col("training_issued_on") >= 0
    rows, valid = slots
    all_occ = codes.occupation[v["occupation"]]
    all_level = codes.level[v["level"]]
    return reform.recorded_claims(
        ids=[],
        claim=col("claim_date"),
        lc_occ=occ,
        lc_level=codes.level[col("level")],
        lc_issued=np.where(occ >= 0, col("level_issued_on"), -1),
        tr_inst=np.where(has_tr, codes.institution[col("training_institution")], -1),
        tr_occ=np.where(has_tr, codes.occupation[col("training_occupation")], -1),
        tr_level=np.where(has_tr, codes.level[col("training_level")], -1),
        tr_hours=np.where(has_tr, col("training_hours"), 0),
        tr_cert=np.where(has_tr, col("training_issued_on"), -1),
        grad_wz=col("grad_wz"),
        grad_date=col("grad_date"),
        p_occ=np.where(valid, all_occ[rows], -1),
        p_level=np.where(valid, all_level[rows], -1),
        p_date=np.where(valid, v["claim_date"][rows], -1),
        p_status=np.where(valid, _engine_status()[v["status"][rows]], STATUS_PAD),
    )


def preview_draft(draft: Mapping[str, Any], *, today: date) -> Preview:
    """The draft (the files' shape) checked and compared on the records; raises ParameterError."""
    parsed, after = compile_draft(draft)
    return compare(parsed, get_policy(), after, today=today)


def compare(
    parsed: Mapping[str, tuple[parameters.DatedValue, ...]],
    before: CompiledPolicy,
    after: CompiledPolicy,
    *,
    today: date,
) -> Preview:
    start, end = effective_period(parsed)
    v = queries.claim_columns().values
    dated = (v["claim_date"] >= days.to_index(start)) & (
        v["claim_date"] < (days.to_index(end) if end else days.N_DAYS)
    )
    considered = dated & ~np.isin(v["status"], [queries.STATUSES.index(s) for s in NOT_CONSIDERED])
    sel = np.flatnonzero(considered)
    cal_before, cal_after = calendars(parsed)
    if reform.needs_person_facts(set(parsed)):
        comparison = _from_facts(v["id"][sel], (before, cal_before), (after, cal_after))
    else:
        rows, valid = priors(v["person"], v["id"])
        slots = (rows[:, sel], valid[:, sel])
        recorded = {rid: v[rid][sel] for rid in reform.PERSON_RULES}
        comparison = reform.compare(
            (claim_columns(v, Codes(before), sel, slots), before),
            (claim_columns(v, Codes(after), sel, slots), after),
            cal_before,
            recorded,
            cal_after,
        )
    sub = {k: v[k][sel] for k in ("id", "status", "county", "occupation", "level", "claim_date")}
    summary = summarise(sub, comparison)
    summary["pipeline"] = pipeline(v, before, after, today=today, calendars=(cal_before, cal_after))
    return Preview(summary=summary, ids=sub["id"], status=sub["status"], comparison=comparison)


def _from_facts(
    ids: np.ndarray,
    before: tuple[CompiledPolicy, WorkCalendar],
    after: tuple[CompiledPolicy, WorkCalendar],
) -> reform.Comparison:
    """Each claim decided from the person's facts as of its claim date (the slow path)."""
    claims = {
        c.pk: c
        for c in Claim.objects.filter(pk__in=ids.tolist()).select_related(
            "person", "occupation", "level", "training_institution", "training_occupation", "training_level"
        )
    }
    raw = [engine_input(claims[int(pk)], claims[int(pk)].claim_date) for pk in ids]

    def outcome(policy: CompiledPolicy, cal: WorkCalendar) -> reform.Outcome:
        res = decide_claims(raw, policy, cal)
        eligible = np.array([getattr(r, "eligible", False) for r in res], dtype=np.bool_)
        amount = np.array([getattr(r, "amount", 0) for r in res], dtype=I64)
        return reform.Outcome(eligible=eligible, amount=amount)

    return reform.Comparison(before=outcome(*before), after=outcome(*after))


def _groups(keys: np.ndarray, comparison: reform.Comparison, label) -> dict[str, dict[str, int]]:
    delta = comparison.after.amount - comparison.before.amount
    changed = comparison.changed
    out: dict[str, dict[str, int]] = {}
    uniq, inv = np.unique(keys, return_inverse=True)
    n = np.bincount(inv, minlength=len(uniq))
    ch = np.bincount(inv, weights=changed, minlength=len(uniq))
    dl = np.bincount(inv, weights=delta, minlength=len(uniq))
    for k, key in enumerate(uniq):
        out[label(int(key))] = {"claims": int(n[k]), "changed": int(ch[k]), "amount_delta": int(dl[k])}
    return out


def summarise(v: dict[str, np.ndarray], comparison: reform.Comparison) -> dict[str, Any]:
    before, after = int(comparison.before.amount.sum()), int(comparison.after.amount.sum())
    counties = dict(County.objects.values_list("id", "code"))
    occupations = dict(Occupation.objects.values_list("id", "code"))
    levels = dict(Level.objects.values_list("id", "code"))
    n_levels = max(levels, default=0) + 1
    years = np.take(days.YEAR, np.maximum(v["claim_date"], 0))
    return {
        "claims": len(v["id"]),
        "changed": int(comparison.changed.sum()),
        "to_eligible": int(comparison.to_eligible.sum()),
        "to_ineligible": int(comparison.to_ineligible.sum()),
        "amount_before": before,
        "amount_after": after,
        "amount_delta": after - before,
        "by_county": _groups(v["county"], comparison, lambda k: counties.get(k, "")),
        "by_occupation_level": _groups(
            v["occupation"] * n_levels + v["level"],
            comparison,
            lambda k: f"{occupations.get(k // n_levels, '')}/{levels.get(k % n_levels, '')}",
        ),
        "by_year": _groups(years, comparison, str),
    }


def _keys(*triples: tuple[np.ndarray, np.ndarray, np.ndarray]) -> list[np.ndarray]:
    """(person, occupation, level) ids as one integer each, comparable across the triples: the
    catalogue ids ranked among those present, so that the key fits 64 bits whatever the ids."""
    sizes = np.cumsum([len(t[0]) for t in triples])[:-1]
    person, occ, lvl = (np.concatenate([t[k] for t in triples]).astype(I64) for k in range(3))
    occ_rank, occ_inv = np.unique(occ, return_inverse=True)
    lvl_rank, lvl_inv = np.unique(lvl, return_inverse=True)
    keys = (person * len(occ_rank) + occ_inv) * len(lvl_rank) + lvl_inv
    return np.split(keys, sizes)


def pipeline(
    v: dict[str, np.ndarray],
    before: CompiledPolicy,
    after: CompiledPolicy,
    *,
    today: date,
    calendars: tuple[WorkCalendar, WorkCalendar] | None = None,
) -> dict:
    """The valid level certificates not yet claimed (no counted claim of the person for the same
    occupation and level) whose claim window is open today under either policy, decided as claims
    dated today (the person rules assumed passed: no claim records them yet); the amounts are
    those of the certificates eligible under each policy (a window closed is not eligible)."""
    window = max(int(p.window.max() + p.graduate_extension.max()) for p in (before, after))
    cert = queries.valid_certificates(today - timedelta(days=31 * window + 31))
    # the counted claims of the certificates' holders (few people, read from a million claims)
    counted = np.isin(v["status"], [queries.STATUSES.index(s) for s in COUNTED])
    counted &= np.isin(v["person"], cert["person"])
    held, claimed = _keys(
        (cert["person"], cert["occupation"], cert["level"]),
        (v["person"][counted], v["occupation"][counted], v["level"][counted]),
    )
    open_ = ~np.isin(held, claimed)
    cert = {k: a[open_] for k, a in cert.items()}
    n = len(cert["id"])
    out: dict[str, np.ndarray] = {}
    cal_before, cal_after = calendars or (get_calendar(), get_calendar())
    today_idx = days.to_index(today)
    for name, policy, cal in (("before", before, cal_before), ("after", after, cal_after)):
        codes = Codes(policy)
        occ = codes.occupation[cert["occupation"]]
        has_tr = cert["tr_issued"] >= 0
        claims = reform.recorded_claims(
            ids=[],
            claim=np.full(n, today_idx, dtype=np.int32),
            lc_occ=occ,
            lc_level=codes.level[cert["level"]],
            lc_issued=np.where(occ >= 0, cert["issued"], -1),
            tr_inst=np.where(has_tr, codes.institution[cert["tr_institution"]], -1),
            tr_occ=np.where(has_tr, codes.occupation[cert["tr_occupation"]], -1),
            tr_level=np.where(has_tr, codes.level[cert["tr_level"]], -1),
            tr_hours=np.where(has_tr, cert["tr_hours"], 0),
            tr_cert=cert["tr_issued"],
            grad_wz=np.zeros(n, dtype=np.bool_),
            grad_date=np.full(n, -1, dtype=np.int32),
            p_occ=np.full((1, n), -1, dtype=np.int32),
            p_level=np.full((1, n), -1, dtype=np.int32),
            p_date=np.full((1, n), -1, dtype=np.int32),
            p_status=np.full((1, n), STATUS_PAD, dtype=np.int32),
        )
        res = decide(claims, policy, cal)
        eligible = np.ones(n, dtype=np.bool_)
        for rid in RULE_IDS:
            if rid not in reform.PERSON_RULES:  # no claim records them yet: assumed passed
                eligible &= res.passed[rid]
        out[name] = np.where(eligible, res.run.aux["amount"], 0)
        out[name + "_open"] = np.asarray(res.passed["A2.4a-deadline"], dtype=np.bool_)
    in_window = out["before_open"] | out["after_open"]
    return {
        "certificates": int(in_window.sum()),
        "amount_before": int(out["before"].sum()),
        "amount_after": int(out["after"].sum()),
    }
