"""The claim rules of 温人社发〔2024〕5号 Annex 2, each a named function citing its clause.

Every rule is written once, over columns: it takes a ``Run`` (the claims as NumPy columns, the
compiled dated parameters, the working-day calendar) and returns a boolean column, *passed*, one
value per claim. One claim and a million claims go through the same code. What a rule learns on
the way (a deadline, a retirement date, a county) it leaves in ``run.aux`` for the decision and for
the message.

Messages (Chinese, naming the facts used) are rendered on demand, for the rows asked for, from the
columns — never for a million rows at once.

Readings adopted (policy-facts.md): F1, G1–G5, S1, D1, D2, L1, L2, W1; see docs/policy.md.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt

from dte.policy import POLICY, days
from dte.policy.calendar import WorkCalendar, get_calendar
from dte.policy.claims import MONTH_PAD, Claims
from dte.policy.compiled import (
    CITY_BASE,
    EMPLOYMENT,
    EMPLOYMENT_NAMES,
    LEVEL_NAMES,
    LEVELS,
    STATUS_NAMES,
    STATUSES,
    CompiledPolicy,
    get_policy,
)
from dte.policy.periods import month_period_end_idx
from dte.policy.retirement import GROUP_NAMES, GROUPS, age_text

Arr = npt.NDArray[Any]


class Run:
    """One evaluation: claims, compiled policy, calendar, each row's epoch, and the rules' findings."""

    def __init__(self, claims: Claims, policy: CompiledPolicy, calendar: WorkCalendar) -> None:
        self.c, self.p, self.cal = claims, policy, calendar
        self.aux: dict[str, Any] = {}
        self.epoch: Arr | None = None
        self.e0 = 0
        if policy.n_epochs > 1 and claims.n:
            e = (claims.claim >= policy.start_idx[1]).astype(np.int32)
            for s in policy.start_idx[2:]:
                e += claims.claim >= s
            lo, hi = int(e.min()), int(e.max())
            if lo == hi:
                self.e0 = lo
            else:
                self.epoch = e

    def pe(self, table: Arr) -> Any:
        """Each row's value of a per-epoch parameter: a scalar when all rows share one epoch or the
        parameter has the same value in every epoch, else a column."""
        if self.epoch is None:
            return table[self.e0]
        if (table == table[0]).all():
            return table[0]
        return np.take(table, self.epoch)

    def pek(self, table: Arr, key: Any) -> Any:
        """Each row's entry ``key`` of a per-epoch table of shape (epochs, width)."""
        if self.epoch is None:
            return np.take(table[self.e0], key)
        if (table == table[0]).all():
            return np.take(table[0], key)
        return np.take(table, self.epoch * table.shape[1] + key)

    def epoch_of(self, i: int) -> int:
        return self.e0 if self.epoch is None else int(self.epoch[i])


RuleFn = Callable[[Run], Arr]
MessageFn = Callable[["Results", int], str]


@dataclass(frozen=True)
class Rule:
    id: str
    clause: str
    fn: RuleFn


RULES: list[Rule] = []
MESSAGES: dict[str, MessageFn] = {}


def rule(rule_id: str, clause: str) -> Callable[[RuleFn], RuleFn]:
    def register(fn: RuleFn) -> RuleFn:
        RULES.append(Rule(rule_id, clause, fn))
        return fn

    return register


def message(rule_id: str) -> Callable[[MessageFn], MessageFn]:
    def register(fn: MessageFn) -> MessageFn:
        MESSAGES[rule_id] = fn
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


@dataclass(frozen=True)
class Finding:
    rule: str
    clause: str
    passed: bool
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "clause": self.clause, "passed": self.passed, "message": self.message}


@dataclass(frozen=True)
class Decision:
    id: Any
    eligible: bool
    amount: int
    claim_deadline: date | None
    route_to: str | None
    failed: list[str]
    provisional: bool
    findings: list[Finding]
    policy: str = POLICY

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "eligible": self.eligible,
            "amount": self.amount,
            "claim_deadline": None if self.claim_deadline is None else self.claim_deadline.isoformat(),
            "route_to": self.route_to,
            "failed": self.failed,
            "provisional": self.provisional,
            "policy": self.policy,
            "findings": [f.to_dict() for f in self.findings],
        }


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

    def failed(self, i: int) -> list[str]:
        return sorted(rid for rid in RULE_IDS if not self.passed[rid][i])

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
            findings=[
                Finding(x.id, x.clause, bool(self.passed[x.id][i]), MESSAGES[x.id](self, i)) for x in RULES
            ],
        )

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


# -- messages ------------------------------------------------------------------------------------


def _d(i: Any) -> str:
    return days.iso(int(i))


def _county(res: Results, code: int) -> str:
    name = res.run.p.county_names.get(str(code))
    return f"{name}({code})" if name else str(code)


def _qualification(res: Results, occ: int, level: int) -> str:
    return f"{res.run.p.occupation_label(occ)}{LEVEL_NAMES[LEVELS[level]]}"


def _value(res: Results, i: int, name: str) -> Any:
    return res.run.p.values[res.run.epoch_of(i)][name]


@message("P5.4")
def _in_force_message(res: Results, i: int) -> str:
    c = res.claims
    start = _value(res, i, "in_force").value["date"]
    start_s = start.isoformat() if isinstance(start, date) else str(start)
    if res.passed["P5.4"][i]:
        return f"申领日期{_d(c.claim[i])}不早于本方案施行日期{start_s},适用本方案 [P5.4]"
    return f"申领日期{_d(c.claim[i])}早于本方案施行日期{start_s},不属本方案补贴范围 [P5.4]"


def _run_length(months: list[int], end: int) -> int:
    have = set(months)
    n = 0
    while end - n in have:
        n += 1
    return n


@message("A2.1-group")
def _group_message(res: Results, i: int) -> str:
    c, a = res.claims, res.run.aux
    need = int(res.run.p.min_run[res.run.epoch_of(i)])
    cm = int(days.YM[c.claim[i]])
    months = [int(m) for m in c.ins_month[:, i] if m != MONTH_PAD]
    run_end = cm if a["run_cm"][i] else cm - 1
    residence = "温州户籍" if c.hukou[i] else ("温州居住证" if c.permit[i] else "无温州户籍或居住证")
    unemp = int(c.unemp_county[i])
    if not unemp:
        reg = "未办理失业登记"
    elif a["unemp_registered"][i]:
        reg = f"在{_county(res, unemp)}办理失业登记"
    elif unemp == CITY_BASE:
        # The city's own code names no county: the registration cannot route the claim (G5).
        city = res.run.p.county_names.get(str(CITY_BASE)) or "温州市"
        reg = f"失业登记地为{city}本级代码{CITY_BASE},不是县(市、区)代码,无法确定受理地 [A2.5]"
    else:
        reg = f"失业登记地{unemp}不在温州"
    status = EMPLOYMENT_NAMES[EMPLOYMENT[int(c.emp_status[i])]]
    run = _run_length(months, cm) or _run_length(months, cm - 1)
    run_from = cm if _run_length(months, cm) else cm - 1
    if a["g2"][i]:
        n = _run_length(months, run_end)
        return (
            f"在温就业创业人员[A2.1b]:就业状态{status},在温州就业,非机关事业单位在编人员,"
            f"截至{days.month_iso(run_end)}连续缴纳温州社会保险费{n}个月(不少于{need}个月);"
            f"按社保参保属地由{_county(res, int(res.route[i]))}受理 [A2.5]"
        )
    if a["g1"][i]:
        return f"失业人员[A2.1a]:{residence},{reg};按失业登记地由{_county(res, unemp)}受理 [A2.5]"
    b_reasons = []
    if EMPLOYMENT[int(c.emp_status[i])] not in ("employed", "self_employed"):
        b_reasons.append(f"就业状态为{status}")
    elif not c.emp_in_wz[i]:
        b_reasons.append("不在温州就业创业")
    if c.public_staff[i]:
        b_reasons.append("系机关事业单位在编人员")
    if not a["run_ok"][i]:
        tail = f"(截至{days.month_iso(run_from)}连续{run}个月)" if run else "(申领当月及上月均无缴费)"
        b_reasons.append(f"申领当月或上月止连续缴纳温州社会保险费不满{need}个月{tail}")
    return (
        f"不属补贴对象:非失业人员对象[A2.1a]({residence},{reg});"
        f"非在温就业创业人员对象[A2.1b]({'、'.join(b_reasons)})"
    )


@message("A2.1-age")
def _age_message(res: Results, i: int) -> str:
    c = res.claims
    birth, claim = days.from_index(int(c.birth[i])), days.from_index(int(c.claim[i]))
    years = claim.year - birth.year - ((claim.month, claim.day) < (birth.month, birth.day))
    need = int(res.run.p.min_age_months[res.run.epoch_of(i)]) // 12
    when = _d(res.run.aux["min_age_date"][i])
    if res.passed["A2.1-age"][i]:
        return f"出生日期{birth}(据身份证号),申领日{claim}已满{years}周岁,年满{need}周岁(自{when}) [A2.1c]"
    return f"出生日期{birth}(据身份证号),申领日{claim}未满{need}周岁({when}方满{need}周岁) [A2.1c]"


@message("A2.1-retirement")
def _retirement_message(res: Results, i: int) -> str:
    c, a = res.claims, res.run.aux
    group = GROUPS[int(c.ret_group[i])]
    e = res.run.epoch_of(i)
    strict = bool(res.run.p.strict[e])
    ret, age = _d(a["retirement_date"][i]), age_text(int(a["retirement_age"][i]))
    retired = bool(c.retired[i])
    reached = int(c.claim[i]) >= int(a["retirement_date"][i])
    facts = (
        f"{'已' if retired else '未'}办理退休手续;{GROUP_NAMES[group]}法定退休年龄{age},"
        f"法定退休日期{ret},申领日{_d(c.claim[i])}{'已' if reached else '未'}达到"
    )
    reading = "严格解读:须未退休且未达法定退休年龄" if strict else "字面解读:未退休或未达法定退休年龄之一即可"
    verdict = "符合" if res.passed["A2.1-retirement"][i] else "不符合"
    return f"{facts};{verdict}年龄上限条件({reading},G3) [A2.1c]"


@message("A2.2-standard")
def _standard_message(res: Results, i: int) -> str:
    c = res.claims
    if c.lc_issued[i] < 0:
        return "未提供专业技术等级证书,无法确定补贴标准 [A2.2]"
    q = _qualification(res, int(c.lc_occ[i]), int(c.lc_level[i]))
    if res.passed["A2.2-standard"][i]:
        return f"{q}补贴标准{int(res.run.aux['amount'][i])}元 [A2.2]"
    return f"{q}尚无补贴标准(其他职业的补贴标准尚未制订出台) [A2.2]"


@message("A2.2-hours")
def _hours_message(res: Results, i: int) -> str:
    c = res.claims
    hours = int(c.tr_hours[i])
    if not res.run.aux["has_standard"][i]:
        return f"培训学时{hours};无适用的补贴标准,学时要求不适用 [A2.2]"
    required = int(res.run.aux["required_hours"][i])
    q = _qualification(res, int(c.lc_occ[i]), int(c.lc_level[i]))
    if required < 0:
        return f"培训学时{hours};{q}学时要求待确认(S1),暂不作为申领条件 [A2.2]"
    if res.passed["A2.2-hours"][i]:
        return f"培训学时{hours},不少于{q}要求的{required}学时 [A2.2]"
    return f"培训学时{hours},少于{q}要求的{required}学时 [A2.2]"


@message("A2.3-institution")
def _institution_message(res: Results, i: int) -> str:
    c, p = res.claims, res.run.p
    names = c.inst_names
    inst = int(c.tr_inst[i])
    name = names[i] if names is not None else (p.institutions[inst] if inst >= 0 else None)
    if not name:
        return "未提供培训机构,无法确认经定点培训机构培训 [A2.3]"
    if c.tr_occ[i] < 0:
        return f"培训机构{name},未注明培训职业 [A2.3]"
    occ = p.occupation_label(int(c.tr_occ[i]))
    if res.passed["A2.3-institution"][i]:
        return f"{name}是{occ}的定点培训机构(附件1) [A2.3]"
    return f"{name}不是{occ}的定点培训机构(附件1) [A2.3]"


@message("A2.3-certificates")
def _certificates_message(res: Results, i: int) -> str:
    c = res.claims
    claim = int(c.claim[i])
    parts, problems = [], []
    tc, lc = int(c.tr_cert[i]), int(c.lc_issued[i])
    tq = (
        _qualification(res, int(c.tr_occ[i]), int(c.tr_level[i]))
        if c.tr_occ[i] >= 0 and c.tr_level[i] >= 0
        else "(未注明职业等级)"
    )
    if tc < 0:
        problems.append("无培训合格证书")
    else:
        parts.append(f"培训合格证书{tq}({_d(tc)})")
        if tc > claim:
            problems.append(f"培训合格证书{_d(tc)}晚于申领日")
    if lc < 0:
        problems.append("无专业技术等级证书")
    else:
        lq = _qualification(res, int(c.lc_occ[i]), int(c.lc_level[i]))
        parts.append(f"专业技术等级证书{lq}({_d(lc)})")
        if lc > claim:
            problems.append(f"专业技术等级证书{_d(lc)}晚于申领日")
        if tc >= 0 and (c.tr_occ[i] != c.lc_occ[i] or c.tr_level[i] != c.lc_level[i]):
            problems.append("培训与等级证书的职业或等级不一致")
    held = "、".join(parts)
    if res.passed["A2.3-certificates"][i]:
        return f"已取得{held},职业与等级一致 [A2.3]"
    return f"{held + ';' if held else ''}{'、'.join(problems)} [A2.3]"


@message("A2.4a-deadline")
def _deadline_message(res: Results, i: int) -> str:
    c, a = res.claims, res.run.aux
    if c.lc_issued[i] < 0:
        return "未提供专业技术等级证书,无法确定申领期限 [A2.4a]"
    months = int(a["deadline_months"] if np.ndim(a["deadline_months"]) == 0 else a["deadline_months"][i])
    raw, end = int(a["deadline_raw"][i]), int(a["deadline"][i])
    text = f"专业技术等级证书{_d(c.lc_issued[i])}核发,申领期限{months}个月"
    if a["extended"][i]:
        text += f"(在温就读毕业生在校期间取证,延期至{months}个月,毕业日期{_d(c.grad_date[i])})"
    text += f",至{_d(raw)}"
    if raw != end:
        kind = "法定节假日" if res.run.cal.holiday[raw] else "休息日"
        text += f"({kind},顺延至{_d(end)})"
    if a["provisional"][i]:
        text += "(该年度节假日安排尚未公布,暂按周一至周五为工作日计算,W1)"
    verdict = "在期限内" if res.passed["A2.4a-deadline"][i] else "已超过申领期限,不再受理"
    return f"{text};申领日{_d(c.claim[i])}{verdict} [A2.4a]"


@message("A2.4b-yearly-limit")
def _yearly_message(res: Results, i: int) -> str:
    c = res.claims
    year = days.from_index(int(c.claim[i])).year
    limit = int(res.run.p.limit[res.run.epoch_of(i)])
    n = int(res.run.aux["claims_this_year"][i])
    if res.passed["A2.4b-yearly-limit"][i]:
        return f"{year}年已计入申领{n}次,本次为第{n + 1}次,未超过每人每年{limit}次 [A2.4b]"
    return f"{year}年已计入申领{n}次(待审核、已审批或已发放),已达每人每年{limit}次上限 [A2.4b]"


@message("A2.4c-no-repeat")
def _repeat_message(res: Results, i: int) -> str:
    c = res.claims
    if c.lc_issued[i] < 0:
        return "未提供专业技术等级证书,无从比对重复申领 [A2.4c]"
    q = _qualification(res, int(c.lc_occ[i]), int(c.lc_level[i]))
    hits = np.flatnonzero(res.run.aux["repeat"][:, i])
    if not len(hits):
        return f"此前未申领过{q}补贴(不含未通过、已撤回、已取消的申领) [A2.4c]"
    s = int(hits[0])
    status = STATUS_NAMES[STATUSES[int(c.p_status[s, i])]]
    return f"已于{_d(c.p_date[s, i])}申领{q}补贴({status}),同一职业同一等级不得重复申领 [A2.4c]"
