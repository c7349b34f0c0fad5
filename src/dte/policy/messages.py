"""The Chinese message of each rule's finding, naming the facts used: rendered on demand, for the
rows asked for, from the columns and what the rules left in ``run.aux`` — never for a million rows
at once. One message per rule id of ``rules.RULES``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import numpy as np

from dte.policy import days
from dte.policy.claims import MONTH_PAD
from dte.policy.compiled import (
    CITY_BASE,
    EMPLOYMENT,
    EMPLOYMENT_NAMES,
    LEVEL_NAMES,
    LEVELS,
    STATUS_NAMES,
    STATUSES,
)
from dte.policy.retirement import GROUP_NAMES, GROUPS, age_text
from dte.policy.run import Run

MessageFn = Callable[[Run, int, bool], str]
"""A message: the evaluation, the row, and whether the row passed the rule."""

MESSAGES: dict[str, MessageFn] = {}


def message(rule_id: str) -> Callable[[MessageFn], MessageFn]:
    def register(fn: MessageFn) -> MessageFn:
        MESSAGES[rule_id] = fn
        return fn

    return register


def _d(i: Any) -> str:
    return days.iso(int(i))


def _county(run: Run, code: int) -> str:
    name = run.p.county_names.get(str(code))
    return f"{name}({code})" if name else str(code)


def _qualification(run: Run, occ: int, level: int) -> str:
    return f"{run.p.occupation_label(occ)}{LEVEL_NAMES[LEVELS[level]]}"


def _value(run: Run, i: int, name: str) -> Any:
    return run.p.values[run.epoch_of(i)][name]


@message("P5.4")
def _in_force_message(run: Run, i: int, passed: bool) -> str:
    c = run.c
    start = _value(run, i, "in_force").value["date"]
    start_s = start.isoformat() if isinstance(start, date) else str(start)
    if passed:
        return f"申领日期{_d(c.claim[i])}不早于本方案施行日期{start_s},适用本方案 [P5.4]"
    return f"申领日期{_d(c.claim[i])}早于本方案施行日期{start_s},不属本方案补贴范围 [P5.4]"


def _run_length(months: list[int], end: int) -> int:
    have = set(months)
    n = 0
    while end - n in have:
        n += 1
    return n


@message("A2.1-group")
def _group_message(run: Run, i: int, passed: bool) -> str:
    c, a = run.c, run.aux
    need = int(run.p.min_run[run.epoch_of(i)])
    cm = int(days.YM[c.claim[i]])
    months = [int(m) for m in c.ins_month[:, i] if m != MONTH_PAD]
    run_end = cm if a["run_cm"][i] else cm - 1
    residence = "温州户籍" if c.hukou[i] else ("温州居住证" if c.permit[i] else "无温州户籍或居住证")
    unemp = int(c.unemp_county[i])
    if not unemp:
        reg = "未办理失业登记"
    elif a["unemp_registered"][i]:
        reg = f"在{_county(run, unemp)}办理失业登记"
    elif unemp == CITY_BASE:
        # The city's own code names no county: the registration cannot route the claim (G5).
        city = run.p.county_names.get(str(CITY_BASE)) or "温州市"
        reg = f"失业登记地为{city}本级代码{CITY_BASE},不是县(市、区)代码,无法确定受理地 [A2.5]"
    else:
        reg = f"失业登记地{unemp}不在温州"
    status = EMPLOYMENT_NAMES[EMPLOYMENT[int(c.emp_status[i])]]
    streak = _run_length(months, cm) or _run_length(months, cm - 1)
    run_from = cm if _run_length(months, cm) else cm - 1
    if a["g2"][i]:
        n = _run_length(months, run_end)
        return (
            f"在温就业创业人员[A2.1b]:就业状态{status},在温州就业,非机关事业单位在编人员,"
            f"截至{days.month_iso(run_end)}连续缴纳温州社会保险费{n}个月(不少于{need}个月);"
            f"按社保参保属地由{_county(run, int(a['route'][i]))}受理 [A2.5]"
        )
    if a["g1"][i]:
        return f"失业人员[A2.1a]:{residence},{reg};按失业登记地由{_county(run, unemp)}受理 [A2.5]"
    b_reasons = []
    if EMPLOYMENT[int(c.emp_status[i])] not in ("employed", "self_employed"):
        b_reasons.append(f"就业状态为{status}")
    elif not c.emp_in_wz[i]:
        b_reasons.append("不在温州就业创业")
    if c.public_staff[i]:
        b_reasons.append("系机关事业单位在编人员")
    if not a["run_ok"][i]:
        tail = f"(截至{days.month_iso(run_from)}连续{streak}个月)" if streak else "(申领当月及上月均无缴费)"
        b_reasons.append(f"申领当月或上月止连续缴纳温州社会保险费不满{need}个月{tail}")
    return (
        f"不属补贴对象:非失业人员对象[A2.1a]({residence},{reg});"
        f"非在温就业创业人员对象[A2.1b]({'、'.join(b_reasons)})"
    )


@message("A2.1-age")
def _age_message(run: Run, i: int, passed: bool) -> str:
    c = run.c
    birth, claim = days.from_index(int(c.birth[i])), days.from_index(int(c.claim[i]))
    years = claim.year - birth.year - ((claim.month, claim.day) < (birth.month, birth.day))
    need = int(run.p.min_age_months[run.epoch_of(i)]) // 12
    when = _d(run.aux["min_age_date"][i])
    if passed:
        return f"出生日期{birth}(据身份证号),申领日{claim}已满{years}周岁,年满{need}周岁(自{when}) [A2.1c]"
    return f"出生日期{birth}(据身份证号),申领日{claim}未满{need}周岁({when}方满{need}周岁) [A2.1c]"


@message("A2.1-retirement")
def _retirement_message(run: Run, i: int, passed: bool) -> str:
    c, a = run.c, run.aux
    group = GROUPS[int(c.ret_group[i])]
    e = run.epoch_of(i)
    strict = bool(run.p.strict[e])
    ret, age = _d(a["retirement_date"][i]), age_text(int(a["retirement_age"][i]))
    retired = bool(c.retired[i])
    reached = int(c.claim[i]) >= int(a["retirement_date"][i])
    facts = (
        f"{'已' if retired else '未'}办理退休手续;{GROUP_NAMES[group]}法定退休年龄{age},"
        f"法定退休日期{ret},申领日{_d(c.claim[i])}{'已' if reached else '未'}达到"
    )
    reading = "严格解读:须未退休且未达法定退休年龄" if strict else "字面解读:未退休或未达法定退休年龄之一即可"
    verdict = "符合" if passed else "不符合"
    return f"{facts};{verdict}年龄上限条件({reading},G3) [A2.1c]"


@message("A2.2-standard")
def _standard_message(run: Run, i: int, passed: bool) -> str:
    c = run.c
    if c.lc_issued[i] < 0:
        return "未提供专业技术等级证书,无法确定补贴标准 [A2.2]"
    q = _qualification(run, int(c.lc_occ[i]), int(c.lc_level[i]))
    if passed:
        return f"{q}补贴标准{int(run.aux['amount'][i])}元 [A2.2]"
    return f"{q}尚无补贴标准(其他职业的补贴标准尚未制订出台) [A2.2]"


@message("A2.2-hours")
def _hours_message(run: Run, i: int, passed: bool) -> str:
    c = run.c
    hours = int(c.tr_hours[i])
    if not run.aux["has_standard"][i]:
        return f"培训学时{hours};无适用的补贴标准,学时要求不适用 [A2.2]"
    required = int(run.aux["required_hours"][i])
    q = _qualification(run, int(c.lc_occ[i]), int(c.lc_level[i]))
    if required < 0:
        return f"培训学时{hours};{q}学时要求待确认(S1),暂不作为申领条件 [A2.2]"
    if passed:
        return f"培训学时{hours},不少于{q}要求的{required}学时 [A2.2]"
    return f"培训学时{hours},少于{q}要求的{required}学时 [A2.2]"


@message("A2.3-institution")
def _institution_message(run: Run, i: int, passed: bool) -> str:
    c, p = run.c, run.p
    names = c.inst_names
    inst = int(c.tr_inst[i])
    name = names[i] if names is not None else (p.institutions[inst] if inst >= 0 else None)
    if not name:
        return "未提供培训机构,无法确认经定点培训机构培训 [A2.3]"
    if c.tr_occ[i] < 0:
        return f"培训机构{name},未注明培训职业 [A2.3]"
    occ = p.occupation_label(int(c.tr_occ[i]))
    if passed:
        return f"{name}是{occ}的定点培训机构(附件1) [A2.3]"
    return f"{name}不是{occ}的定点培训机构(附件1) [A2.3]"


@message("A2.3-certificates")
def _certificates_message(run: Run, i: int, passed: bool) -> str:
    c = run.c
    claim = int(c.claim[i])
    parts, problems = [], []
    tc, lc = int(c.tr_cert[i]), int(c.lc_issued[i])
    tq = (
        _qualification(run, int(c.tr_occ[i]), int(c.tr_level[i]))
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
        lq = _qualification(run, int(c.lc_occ[i]), int(c.lc_level[i]))
        parts.append(f"专业技术等级证书{lq}({_d(lc)})")
        if lc > claim:
            problems.append(f"专业技术等级证书{_d(lc)}晚于申领日")
        if tc >= 0 and (c.tr_occ[i] != c.lc_occ[i] or c.tr_level[i] != c.lc_level[i]):
            problems.append("培训与等级证书的职业或等级不一致")
    held = "、".join(parts)
    if passed:
        return f"已取得{held},职业与等级一致 [A2.3]"
    return f"{held + ';' if held else ''}{'、'.join(problems)} [A2.3]"


@message("A2.4a-deadline")
def _deadline_message(run: Run, i: int, passed: bool) -> str:
    c, a = run.c, run.aux
    if c.lc_issued[i] < 0:
        return "未提供专业技术等级证书,无法确定申领期限 [A2.4a]"
    months = int(a["deadline_months"] if np.ndim(a["deadline_months"]) == 0 else a["deadline_months"][i])
    raw, end = int(a["deadline_raw"][i]), int(a["deadline"][i])
    text = f"专业技术等级证书{_d(c.lc_issued[i])}核发,申领期限{months}个月"
    if a["extended"][i]:
        text += f"(在温就读毕业生在校期间取证,延期至{months}个月,毕业日期{_d(c.grad_date[i])})"
    text += f",至{_d(raw)}"
    if raw != end:
        kind = "法定节假日" if run.cal.holiday[raw] else "休息日"
        text += f"({kind},顺延至{_d(end)})"
    if a["provisional"][i]:
        text += "(该年度节假日安排尚未公布,暂按周一至周五为工作日计算,W1)"
    verdict = "在期限内" if passed else "已超过申领期限,不再受理"
    return f"{text};申领日{_d(c.claim[i])}{verdict} [A2.4a]"


@message("A2.4b-yearly-limit")
def _yearly_message(run: Run, i: int, passed: bool) -> str:
    c = run.c
    year = days.from_index(int(c.claim[i])).year
    limit = int(run.p.limit[run.epoch_of(i)])
    n = int(run.aux["claims_this_year"][i])
    if passed:
        return f"{year}年已计入申领{n}次,本次为第{n + 1}次,未超过每人每年{limit}次 [A2.4b]"
    return f"{year}年已计入申领{n}次(待审核、已审批或已发放),已达每人每年{limit}次上限 [A2.4b]"


@message("A2.4c-no-repeat")
def _repeat_message(run: Run, i: int, passed: bool) -> str:
    c = run.c
    if c.lc_issued[i] < 0:
        return "未提供专业技术等级证书,无从比对重复申领 [A2.4c]"
    q = _qualification(run, int(c.lc_occ[i]), int(c.lc_level[i]))
    hits = np.flatnonzero(run.aux["repeat"][:, i])
    if not len(hits):
        return f"此前未申领过{q}补贴(不含未通过、已撤回、已取消的申领) [A2.4c]"
    s = int(hits[0])
    status = STATUS_NAMES[STATUSES[int(c.p_status[s, i])]]
    return f"已于{_d(c.p_date[s, i])}申领{q}补贴({status}),同一职业同一等级不得重复申领 [A2.4c]"
