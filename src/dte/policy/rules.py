"""The claim rules of 温人社发〔2024〕5号 Annex 2, each a named function citing its clause.

Every rule is written once, over columns: it takes a ``Run`` (the claims as NumPy columns, the
compiled dated parameters, the working-day calendar) and returns a boolean column, *passed*, one
value per claim. One claim and a million claims go through the same code. What a rule learns on
the way (a deadline, a retirement date, a county) it leaves in ``run.aux`` for the decision and for
the message.

``decide`` runs them all and returns the decisions as columns (``Results``); ``Results.decision(i)``
renders one row as a typed ``Decision`` with its messages (``messages``), for the rows asked for.

Readings adopted (policy-facts.md): F1, G1–G5, S1, D1, D2, L1, L2, W1; see docs/policy.md.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from dte.policy import days
from dte.policy.calendar import WorkCalendar, get_calendar
from dte.policy.claims import Claims
from dte.policy.compiled import CITY_BASE, EMPLOYMENT, CompiledPolicy, get_policy
from dte.policy.decision import Decision, Finding
from dte.policy.messages import MESSAGES
from dte.policy.periods import month_period_end_idx
from dte.policy.run import Arr, Run

RuleFn = Callable[[Run], Arr]


@dataclass(frozen=True)
class Rule:
    id: str
    clause: str
    fn: RuleFn


RULES: list[Rule] = []


def rule(rule_id: str, clause: str) -> Callable[[RuleFn], RuleFn]:
    def register(fn: RuleFn) -> RuleFn:
        RULES.append(Rule(rule_id, clause, fn))
        return fn

    return register


# -- the rules -----------------------------------------------------------------------------------


@rule("P5.4", "五")
def in_force(r: Run) -> Arr:
    """[P5.4] 本实施方案自2024年2月1日起施行: the claim is dated on or after the in-force date (F1)."""
    out: Arr = r.c.claim >= r.pe(r.p.in_force)
    return out


@rule("A2.1-group", "附件2 一")
def claimant_group(r: Run) -> Arr:
    """[A2.1a] Wenzhou hukou or residence permit and unemployment registered in a Wenzhou county (G1),
    or [A2.1b] employed or self-employed in Wenzhou, not on a public establishment, with a run of at
    least 6 consecutive months of Wenzhou contributions ending in the claim month or the month
    before (G2). Also routes the claim [A2.5] (G5): group (b) → the county of the run's latest
    month; group (a) → the county of the unemployment registration; (b) first when both hold."""
    c, p = r.c, r.p
    # county code - 330300, clipped into the table: entries 0 (the city) and 99 are never counties
    registered = r.pek(p.wenzhou_county, np.clip(c.unemp_county - CITY_BASE, 0, 99))
    g1 = (c.hukou | c.permit) & registered

    # Months are ascending and unique per claim, so the run ending at month m is made of the last
    # entries up to m: with cnt = number of months ≤ the claim month, a run of L ending at the claim
    # month means entry cnt-1 is the claim month and entry cnt-L is L-1 months earlier.
    cm = np.take(days.YM, c.claim)
    months = c.ins_month
    k, n = months.shape
    cnt = np.add.reduce(months <= cm, axis=0, dtype=np.uint8 if k < 256 else np.int32).astype(np.int32)
    length = r.pe(p.min_run)
    length = int(length) if np.ndim(length) == 0 else length
    flat = months.ravel()
    cols = np.arange(n, dtype=np.int32)
    top = cnt * n + cols  # flat position of entry cnt (one past the last month ≤ claim month)

    def entry(pos: Arr, back: Any) -> Arr:
        """Month at entry (position's entry - back); entries before the first read the first."""
        out: Arr = np.take(flat, np.maximum(pos - back * n, cols))
        return out

    at_cm = entry(top, 1) == cm  # cnt == 0 reads the first month, which is after the claim month
    run_cm = at_cm & (cnt >= length) & (entry(top, length) == cm - (length - 1))
    top2 = np.where(at_cm, top - n, top)  # one past the last month ≤ the month before
    cnt2 = cnt - at_cm
    run_prev = (cnt2 >= length) & (entry(top2, 1) == cm - 1) & (entry(top2, length) == cm - length)
    run_ok = run_cm | run_prev
    run_county = np.take(c.ins_county.ravel(), np.maximum(np.where(run_cm, top, top2) - n, cols))

    s = c.emp_status
    working = ((s == EMPLOYMENT.index("employed")) | (s == EMPLOYMENT.index("self_employed"))) & c.emp_in_wz
    g2 = working & ~c.public_staff & run_ok
    r.aux.update(
        g1=g1,
        g2=g2,
        run_ok=run_ok,
        run_cm=run_cm,
        unemp_registered=registered,
        route=np.where(g2, run_county, np.where(g1, c.unemp_county, 0)),
    )
    out: Arr = g1 | g2
    return out


@rule("A2.1-age", "附件2 一")
def minimum_age(r: Run) -> Arr:
    """[A2.1c] 劳动者应年满16周岁: 16 or older on the claim date (the 16th birthday counts; born
    on 29 February → the birthday is 28 February in a common year)."""
    birthday = days.add_months(r.c.birth, r.pe(r.p.min_age_months))
    r.aux["min_age_date"] = birthday
    return r.c.claim >= birthday


@rule("A2.1-retirement", "附件2 一")
def not_retired(r: Run) -> Arr:
    """[A2.1c] 未办理退休手续或未达到国家法定退休年龄 (G3): strict reading (default) — not retired
    AND the claim is dated before the statutory retirement date (§1); the literal "either" reading
    (not retired OR below the age) is a parameter switch (eligibility.retirement_reading)."""
    c, p = r.c, r.p
    ym = np.take(days.YM, c.birth).astype(np.int32)
    age = r.pek(p.ret_age, c.ret_group * days.N_MONTHS + ym)
    ret = days.add_months(c.birth, age, ym)
    below = c.claim < ret
    not_ret = ~c.retired
    r.aux.update(retirement_date=ret, retirement_age=age)
    strict = r.pe(p.strict)
    if np.ndim(strict) == 0:
        return not_ret & below if strict else not_ret | below
    return np.where(strict, not_ret & below, not_ret | below)


@rule("A2.2-standard", "附件2 二")
def subsidy_standard(r: Run) -> Arr:
    """[A2.2] A subsidy standard exists for the level certificate's occupation and level
    (其他职业的补贴标准尚未制订出台); it gives the amount in integer yuan."""
    c = r.c
    has_lc = c.lc_issued >= 0
    key = np.where(has_lc, c.lc_occ * 3 + c.lc_level, 0)
    amount = r.pek(r.p.amount, key)
    ok = has_lc & (amount >= 0)
    r.aux.update(has_lc=has_lc, standard_key=key, has_standard=ok, amount=np.where(ok, amount, 0))
    out: Arr = ok
    return out


@rule("A2.2-hours", "附件2 二")
def training_hours(r: Run) -> Arr:
    """[A2.2] Training hours at least the hours the standard requires; while the required hours are
    unset (区块链, 智能制造: reading S1) the rule passes with the note 学时要求待确认."""
    required = r.pek(r.p.hours, r.aux["standard_key"])
    r.aux["required_hours"] = required
    out: Arr = ~(r.aux["has_standard"] & (required >= 0) & (r.c.tr_hours < required))
    return out


@rule("A2.3-institution", "附件2 三")
def designated_institution(r: Run) -> Arr:
    """[A2.3] 经定点培训机构培训: trained by an institution designated in Annex 1 [A1] for the
    training's occupation."""
    c, p = r.c, r.p
    known = (c.tr_inst >= 0) & (c.tr_occ >= 0)
    key = np.where(known, c.tr_inst * len(p.occupations) + c.tr_occ, 0)
    out: Arr = known & r.pek(p.designated, key)
    return out


@rule("A2.3-certificates", "附件2 三")
def certificates(r: Run) -> Arr:
    """[A2.3] 取得培训合格证书和相应专业技术等级证书: a training certificate and a level certificate,
    both held on the claim date (G4), for the same occupation and level."""
    c = r.c
    training = (c.tr_cert >= 0) & (c.tr_cert <= c.claim)
    level = (c.lc_issued >= 0) & (c.lc_issued <= c.claim)
    same = (c.tr_occ == c.lc_occ) & (c.tr_level == c.lc_level)
    out: Arr = training & level & same
    return out


@rule("A2.4a-deadline", "附件2 四")
def claim_deadline(r: Run) -> Arr:
    """[A2.4a] 须在专业技术等级证书核发之日起12个月内进行补贴申领 (在温就读的毕业年度毕业生在校期间
    取证的,可延期6个月): deadline = issue date + 12 months (+6 when the claimant studied in Wenzhou
    and the certificate was issued on or before graduation, D2), same day of month or month end,
    rolled forward to the next working day (D1); provisional when a year without schedule is used (W1)."""
    c = r.c
    has_lc = r.aux["has_lc"]
    extended = c.grad_wz & (c.lc_issued <= c.grad_date)
    months = r.pe(r.p.window) + extended * r.pe(r.p.graduate_extension)
    raw, end, prov = month_period_end_idx(np.where(has_lc, c.lc_issued, c.claim), months, r.cal)
    r.aux.update(
        deadline_raw=raw,
        deadline=np.where(has_lc, end, -1),
        deadline_months=months,
        extended=extended,
        provisional=has_lc & prov,
    )
    out: Arr = has_lc & (c.claim <= end)
    return out


@rule("A2.4b-yearly-limit", "附件2 四")
def yearly_limit(r: Run) -> Arr:
    """[A2.4b] 每人每年最多可申领补贴3次: with this claim, at most 3 counted claims in the calendar
    year of the claim date; prior claims count unless rejected, withdrawn or cancelled (L1), and only
    those dated on or before this claim."""
    c = r.c
    counted = (np.left_shift(1, c.p_status) & r.pe(r.p.counted_mask)) != 0
    prior = counted & (c.p_date <= c.claim)
    this_year = prior & (c.p_date >= np.take(days.YSTART, c.claim))
    n_year = np.add.reduce(this_year, axis=0, dtype=np.uint8)
    r.aux.update(prior_counted=prior, claims_this_year=n_year)
    out: Arr = n_year < r.pe(r.p.limit)
    return out


@rule("A2.4c-no-repeat", "附件2 四")
def no_repeat(r: Run) -> Arr:
    """[A2.4c] 同一职业同一等级不得重复申领: no counted prior claim for the level certificate's
    occupation and level, ever (L2)."""
    c = r.c
    same = r.aux["prior_counted"] & (c.p_occ == c.lc_occ) & (c.p_level == c.lc_level)
    r.aux["repeat"] = same
    out: Arr = ~np.logical_or.reduce(same, axis=0)
    return out


RULE_IDS = tuple(x.id for x in RULES)
RULE_BY_ID = {x.id: x for x in RULES}


# -- decisions -----------------------------------------------------------------------------------


@dataclass
class Results:
    """The decisions of a batch, as columns; ``decision(i)`` renders one row with its messages."""

    run: Run
    passed: dict[str, Arr]
    eligible: Arr
    amount: Arr
    deadline: Arr
    route: Arr
    provisional: Arr
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def claims(self) -> Claims:
        return self.run.c

    def failed(self, i: int) -> tuple[str, ...]:
        return tuple(sorted(rid for rid in RULE_IDS if not self.passed[rid][i]))

    def decision(self, i: int) -> Decision:
        d = int(self.deadline[i])
        route = int(self.route[i])
        return Decision(
            id=self.claims.ids[i],
            eligible=bool(self.eligible[i]),
            amount=int(self.amount[i]),
            claim_deadline=None if d < 0 else days.from_index(d),
            route_to=str(route) if route else None,
            failed=self.failed(i),
            provisional=bool(self.provisional[i]),
            findings=tuple(self.finding(x, i) for x in RULES),
        )

    def finding(self, x: Rule, i: int) -> Finding:
        passed = bool(self.passed[x.id][i])
        return Finding(x.id, x.clause, passed, MESSAGES[x.id](self.run, i, passed))

    def decisions(self) -> Iterator[Decision]:
        for i in range(self.claims.n):
            yield self.decision(i)


def decide(
    claims: Claims,
    policy: CompiledPolicy | None = None,
    calendar: WorkCalendar | None = None,
    timings: bool = False,
) -> Results:
    """Run every rule over the columns and combine them into decisions (columns)."""
    run = Run(claims, policy or get_policy(), calendar or get_calendar())
    passed: dict[str, Arr] = {}
    spent: dict[str, float] = {}
    for x in RULES:
        t0 = time.perf_counter() if timings else 0.0
        passed[x.id] = x.fn(run)
        if timings:
            spent[x.id] = time.perf_counter() - t0
    t0 = time.perf_counter() if timings else 0.0
    eligible = passed[RULES[0].id].copy()
    for x in RULES[1:]:
        eligible &= passed[x.id]
    amount = np.where(eligible, run.aux["amount"], 0)
    if timings:
        spent["decision"] = time.perf_counter() - t0
    return Results(
        run=run,
        passed=passed,
        eligible=eligible,
        amount=amount,
        deadline=run.aux["deadline"],
        route=run.aux["route"],
        provisional=run.aux["provisional"],
        timings=spent,
    )
