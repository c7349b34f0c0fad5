"""Fraud signals for the reviewer [A2.7], [A2.7a] (issue 5 §7). Signals are hints, never
decisions: each names what was seen so that the reviewer can look."""

from __future__ import annotations

from datetime import datetime, timedelta

from dte.people.models import Person
from dte.subsidy import sources
from dte.subsidy.models import Claim, Evidence, Status

SHARED_PHONE_PEOPLE = 3
BURST_MINUTES = 10


def signals(claim: Claim, *, at: datetime, hashes: list[str] | None = None) -> list[dict]:
    out: list[dict] = []
    if claim.bank_account_hash:
        others = (
            Claim.objects.filter(bank_account_hash=claim.bank_account_hash)
            .exclude(person_id=claim.person_id)
            .exclude(status=Status.DRAFT)
            .values_list("reference", flat=True)[:10]
        )
        if others:
            out.append(
                {
                    "kind": "shared_bank_account",
                    "message": f"收款银行账户与其他申领人共用:{'、'.join(others)}",
                }
            )
    phone = claim.phone or claim.person.phone
    if phone:
        people = set(Person.objects.filter(phone=phone).values_list("pk", flat=True)) | set(
            Claim.objects.filter(phone=phone).exclude(status=Status.DRAFT).values_list("person_id", flat=True)
        )
        people.add(claim.person_id)
        if len(people) >= SHARED_PHONE_PEOPLE:
            out.append({"kind": "shared_phone", "message": f"同一手机号关联{len(people)}名人员"})
    anomaly = sources.class_attendance_anomaly(claim.training_class_id)
    if anomaly:
        out.append({"kind": "attendance_anomaly", "message": f"培训班次考勤异常:{anomaly}"})
    if claim.training_institution_id:
        if hashes is None:
            hashes = list(claim.evidence.values_list("sha256", flat=True))
        burst = (
            Evidence.objects.filter(
                sha256__in=hashes,
                claim__training_institution_id=claim.training_institution_id,
                claim__submitted_at__gte=at - timedelta(minutes=BURST_MINUTES),
                claim__submitted_at__lte=at + timedelta(minutes=BURST_MINUTES),
            )
            .exclude(claim__person_id=claim.person_id)
            .values_list("claim__reference", flat=True)
            .distinct()[:10]
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
