"""The training and evaluation records a claim is pre-filled from [A2.3], [A2.5]: the trainee's
专业技术等级证书 (evaluation app) and the 培训合格证书 it was registered with (training app).

Those apps own their records and are read through their selectors (``dte.evaluation.selectors``,
``dte.training.selectors``); what a claim keeps is a frozen copy of the facts (``CertificateFacts``),
as of the day the claim starts."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date

from django.core.exceptions import ValidationError

from dte.evaluation import selectors as evaluation
from dte.training import rules as training_rules
from dte.training import selectors as training


@dataclass(frozen=True)
class CertificateFacts:
    level_certificate_id: int | None
    level_number: str
    occupation_id: int
    level_id: int
    level_issued_on: date
    training_certificate_id: int | None = None
    training_number: str = ""
    institution_id: int | None = None
    training_occupation_id: int | None = None
    training_level_id: int | None = None
    training_hours: int = 0
    training_issued_on: date | None = None
    class_id: int | None = None

    def as_dict(self) -> dict:
        return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in asdict(self).items()}


def level_certificates(person) -> list:
    """The person's valid level certificates, newest first."""
    return evaluation.valid_level_certificates(person=person)


def certificate_facts(*, person, level_certificate_id: int) -> CertificateFacts:
    """The facts of one of the person's valid level certificates and of its training certificate."""
    lc = evaluation.level_certificate_of(person=person, pk=level_certificate_id)
    if lc is None:
        raise ValidationError({"level_certificate": "未找到本人的该专业技术等级证书"})
    if lc.status != "valid":
        raise ValidationError({"level_certificate": "该专业技术等级证书已撤销,不能申领补贴"})
    tc = lc.registration.training_certificate if lc.registration_id else None
    tc_valid = tc is not None and tc.status == "valid"
    return CertificateFacts(
        level_certificate_id=lc.pk,
        level_number=lc.number,
        occupation_id=lc.occupation_id,
        level_id=lc.level_id,
        level_issued_on=lc.issued_on,
        training_certificate_id=tc.pk if tc_valid else None,
        training_number=tc.number if tc_valid else "",
        institution_id=tc.institution_id if tc_valid else None,
        training_occupation_id=tc.occupation_id if tc_valid else None,
        training_level_id=tc.level_id if tc_valid else None,
        training_hours=int(tc.total_hours) if tc_valid else 0,
        training_issued_on=tc.issued_on if tc_valid else None,
        class_id=tc.enrolment.klass_id if tc_valid else None,
    )


def class_anomalies(class_id: int | None) -> list[str]:
    """[P2.3] The attendance anomalies of the claimant's training class, by the same check the
    institution and the city see on the training pages (two places at once, check-in outside the
    session, a roster signing in within one second): one line per kind, with its count. Read live
    for the reviewer's page rather than at submission, where it would cost every claim a pass over
    the class's attendance."""
    if class_id is None:
        return []
    counts = training.class_anomaly_counts(class_id=class_id)
    return [f"{training_rules.ANOMALY_KINDS[k]} {n} 条" for k, n in counts.items()]


def class_attendance_anomaly(class_id: int | None) -> str:
    """[P2.3] A class whose attendance was largely entered by hand rather than checked in: at least
    30% of its attendance records are manual corrections. Returns a description, or ''."""
    if class_id is None:
        return ""
    total, manual = training.class_attendance_counts(class_id=class_id)
    if total < 10:
        return ""
    if manual * 10 >= total * 3:
        return f"所属班次考勤记录{total}条中人工更正{manual}条(≥30%)"
    return ""
