"""Fraud signals for the reviewer [A2.7], [A2.7a] (issue 5 §7). Signals are hints, never
decisions: each names what was seen so that the reviewer can look.

They are computed on every submission, so each is one indexed statement in plain SQL
(see dte.subsidy.sql for why)."""

from __future__ import annotations

from datetime import datetime, timedelta

from dte.core import rows
from dte.subsidy import sources
from dte.subsidy.models import Claim, Status

SHARED_PHONE_PEOPLE = 3
BURST_MINUTES = 10

# Other claimants' submitted claims paid into the same account (newest first).
_SHARED_ACCOUNT = """
SELECT reference FROM subsidy_claim
 WHERE bank_account_hash = %s AND person_id <> %s AND status <> %s
 ORDER BY created_at DESC, id DESC LIMIT 10"""
# The people a phone number is known for: on their person record or on a submitted claim.
_PHONE_PEOPLE = """
SELECT id FROM people_person WHERE phone = %s
 UNION SELECT person_id FROM subsidy_claim WHERE phone = %s AND status <> %s"""
# Other people's claims through the same institution, submitted within the window, with a file
# identical to one of this claim's.
_BURST = """
SELECT DISTINCT c.reference FROM subsidy_evidence e JOIN subsidy_claim c ON c.id = e.claim_id
 WHERE e.sha256 IN ({hashes}) AND c.training_institution_id = %s
   AND c.submitted_at >= %s AND c.submitted_at <= %s AND c.person_id <> %s
 ORDER BY c.reference LIMIT 10"""


def _column(sql: str, params: list) -> list:
    with rows.db().cursor() as cur:
        cur.execute(sql, params)
        return [row[0] for row in cur.fetchall()]


def signals(claim: Claim, *, at: datetime, hashes: list[str] | None = None) -> list[dict]:
    out: list[dict] = []
    draft = Status.DRAFT.value
    if claim.bank_account_hash:
        others = _column(_SHARED_ACCOUNT, [claim.bank_account_hash, claim.person_id, draft])
        if others:
            out.append(
                {
                    "kind": "shared_bank_account",
                    "message": f"收款银行账户与其他申领人共用:{'、'.join(others)}",
                }
            )
    phone = claim.phone or claim.person.phone
    if phone:
        people = set(_column(_PHONE_PEOPLE, [phone, phone, draft]))
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
            ops = rows.db().ops
            burst = _column(
                _BURST.format(hashes=", ".join(["%s"] * len(hashes))),
                [
                    *hashes,
                    claim.training_institution_id,
                    ops.adapt_datetimefield_value(at - timedelta(minutes=BURST_MINUTES)),
                    ops.adapt_datetimefield_value(at + timedelta(minutes=BURST_MINUTES)),
                    claim.person_id,
                ],
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
