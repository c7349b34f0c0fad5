"""A parameter change compared on recorded claims: each claim decided under two compiled policies
(the values in force, and a draft laid over them), over columns.

Recorded claims carry their certificates, training, claim date and prior claims as columns; the
facts about the person (residence, employment, insurance months, age, retirement) are not read
again: the outcomes of the three rules on them (``PERSON_RULES``) are taken as recorded with the
claim. So a draft is compared in this fast way only when it changes none of the parameters those
rules read (``PERSON_PARAMETERS``); the platform re-decides the claims from their facts otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from dte.policy.calendar import WorkCalendar
from dte.policy.claims import MONTH_PAD, Claims
from dte.policy.compiled import EMPLOYMENT, CompiledPolicy
from dte.policy.rules import RULE_IDS, decide

Arr = npt.NDArray[Any]

PERSON_RULES = ("A2.1-group", "A2.1-age", "A2.1-retirement")
PERSON_PARAMETERS = frozenset({"counties", "eligibility", "retirement"})


def needs_person_facts(names: set[str] | frozenset[str]) -> bool:
    """Whether a draft of these parameters changes what the person rules decide."""
    return bool(PERSON_PARAMETERS & set(names))


def recorded_claims(
    *,
    ids: list[Any],
    claim: Arr,
    lc_occ: Arr,
    lc_level: Arr,
    lc_issued: Arr,
    tr_inst: Arr,
    tr_occ: Arr,
    tr_level: Arr,
    tr_hours: Arr,
    tr_cert: Arr,
    grad_wz: Arr,
    grad_date: Arr,
    p_occ: Arr,
    p_level: Arr,
    p_date: Arr,
    p_status: Arr,
) -> Claims:
    """Claims as columns from recorded claims: the person's columns are neutral (the person rules'
    outcomes come from the record, ``decide_recorded``)."""
    n = len(claim)
    i32 = np.int32
    no = np.zeros(n, dtype=np.bool_)
    return Claims(
        ids=ids,
        claim=claim.astype(i32),
        birth=np.zeros(n, dtype=i32),
        female=no,
        ret_group=np.zeros(n, dtype=i32),
        retired=no,
        hukou=no,
        permit=no,
        unemp_county=np.zeros(n, dtype=i32),
        emp_status=np.full(n, EMPLOYMENT.index("none"), dtype=np.int8),
        emp_in_wz=no,
        public_staff=no,
        ins_month=np.full((1, n), MONTH_PAD, dtype=np.int16),
        ins_county=np.zeros((1, n), dtype=i32),
        grad_wz=grad_wz.astype(np.bool_),
        grad_date=grad_date.astype(i32),
        tr_inst=tr_inst.astype(i32),
        tr_occ=tr_occ.astype(i32),
        tr_level=tr_level.astype(i32),
        tr_hours=tr_hours.astype(i32),
        tr_cert=tr_cert.astype(i32),
        lc_occ=lc_occ.astype(i32),
        lc_level=lc_level.astype(i32),
        lc_issued=lc_issued.astype(i32),
        p_occ=p_occ.astype(i32),
        p_level=p_level.astype(i32),
        p_date=p_date.astype(i32),
        p_status=p_status.astype(i32),
    )


@dataclass(frozen=True)
class Outcome:
    """Each claim's eligibility and amount (integer yuan) under one policy."""

    eligible: npt.NDArray[np.bool_]
    amount: npt.NDArray[np.int64]


def decide_recorded(
    claims: Claims, policy: CompiledPolicy, calendar: WorkCalendar, recorded: Mapping[str, Arr]
) -> Outcome:
    """Every rule over the columns, except those given in ``recorded`` (rule id → passed column),
    whose outcomes are taken as given; eligible when every rule passes."""
    res = decide(claims, policy, calendar)
    eligible = np.ones(claims.n, dtype=np.bool_)
    for rid in RULE_IDS:
        eligible &= recorded[rid] if rid in recorded else res.passed[rid]
    amount = np.where(eligible, res.run.aux["amount"], 0).astype(np.int64)
    return Outcome(eligible=eligible, amount=amount)


@dataclass(frozen=True)
class Comparison:
    before: Outcome
    after: Outcome

    @property
    def changed(self) -> npt.NDArray[np.bool_]:
        out: npt.NDArray[np.bool_] = (self.before.eligible != self.after.eligible) | (
            self.before.amount != self.after.amount
        )
        return out

    @property
    def to_eligible(self) -> npt.NDArray[np.bool_]:
        out: npt.NDArray[np.bool_] = ~self.before.eligible & self.after.eligible
        return out

    @property
    def to_ineligible(self) -> npt.NDArray[np.bool_]:
        out: npt.NDArray[np.bool_] = self.before.eligible & ~self.after.eligible
        return out


def compare(
    before: tuple[Claims, CompiledPolicy],
    after: tuple[Claims, CompiledPolicy],
    calendar: WorkCalendar,
    recorded: Mapping[str, Arr],
    calendar_after: WorkCalendar | None = None,
) -> Comparison:
    """The claims decided under the policy before and under the policy after, each with the
    claims' columns coded for it (a draft may name new occupations or institutions, which moves
    the codes), the person rules as recorded; on ``calendar_after`` after, if given (a holiday
    year's draft)."""
    return Comparison(
        before=decide_recorded(*before, calendar, recorded),
        after=decide_recorded(*after, calendar_after or calendar, recorded),
    )
