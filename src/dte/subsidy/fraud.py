"""Fraud signals for the reviewer [A2.7], [A2.7a] (issue 5 §7). Signals are hints, never
decisions: each names what was seen so that the reviewer can look.

They are computed on every submission, so each is one indexed statement in plain SQL
(dte.subsidy.queries, which says why)."""

from __future__ import annotations

from datetime import datetime, timedelta

from dte.subsidy import queries, sources
from dte.subsidy.models import Claim

SHARED_PHONE_PEOPLE = 3
BURST_MINUTES = 10


def signals(claim: Claim, *, at: datetime, hashes: list[str] | None = None) -> list[dict]:
    out: list[dict] = []
    if claim.bank_account_hash:
        others = queries.shared_account_references(claim.bank_account_hash, claim.person_id)
        if others:
            out.append(
                {
                    "kind": "shared_bank_account",
                    "message": f"收款银行账户与其他申领人共用:{'、'.join(others)}",
                }
            )
    phone = claim.phone_hash or claim.person.phone_hash
    if phone:
        people = queries.phone_people(phone)
        people.add(claim.person_id)
        if len(people) >= SHARED_PHONE_PEOPLE:
            out.append({"kind": "shared_phone", "message": f"同一手机号关联{len(people)}名人员"})
    anomaly = sources.class_attendance_anomaly(claim.training_class_id)
    if anomaly:
        out.append({"kind": "attendance_anomaly", "message": f"培训班次考勤异常:{anomaly}"})
    if claim.training_institution_id:
        if hashes is None:
            hashes = list(claim.evidence.values_list("sha256", flat=True))
        if hashes:
            burst = queries.identical_evidence_references(
                hashes,
                institution_id=claim.training_institution_id,
                start=at - timedelta(minutes=BURST_MINUTES),
                end=at + timedelta(minutes=BURST_MINUTES),
                person_id=claim.person_id,
            )
            if burst:
                out.append(
                    {
                        "kind": "identical_evidence_burst",
                        "message": f"同一培训机构学员在{BURST_MINUTES}分钟内提交、佐证材料完全相同:"
                        + "、".join(burst),
                    }
                )
    return out
