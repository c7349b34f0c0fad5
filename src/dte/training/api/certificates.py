"""Training certificates: issue, revocation, public verification [P3.2]."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from ninja import Schema, Status

from dte.core import clock
from dte.training import selectors, services
from dte.training.api.common import ReasonIn, auth, enrolment_in_scope, router


class CertificateOut(Schema):
    id: int
    number: str
    code: str
    holder: str  # masked name
    institution: str
    occupation: str
    level: str
    theory_hours: Decimal
    practice_hours: Decimal
    issued_on: date
    status: str


def certificate_out(c) -> dict:
    return {
        "id": c.pk,
        "number": c.number,
        "code": c.code,
        "holder": c.person.masked_name,
        "institution": c.institution.name,
        "occupation": c.occupation.code,
        "level": c.level.code,
        "theory_hours": c.theory_hours,
        "practice_hours": c.practice_hours,
        "issued_on": c.issued_on,
        "status": c.status,
    }


@router.post("/enrolments/{pk}/certificate", response={201: CertificateOut}, **auth)
def issue_certificate(request, pk: int):
    cert = services.certificate_issue(
        actor=request.auth, enrolment=enrolment_in_scope(request, pk), at=clock.now()
    )
    return Status(201, certificate_out(cert))


@router.post("/certificates/{pk}/revoke", response=CertificateOut, **auth)
def revoke_certificate(request, pk: int, payload: ReasonIn):
    cert = selectors.certificate_for(actor=request.auth, pk=pk)
    return certificate_out(
        services.certificate_revoke(
            actor=request.auth, certificate=cert, reason=payload.reason, at=clock.now()
        )
    )


class TrainingCertificateVerifyOut(Schema):
    number: str
    status: str
    holder: str
    institution: str
    occupation: str
    level: str
    issued_on: date


@router.get("/verify/{code}", response=TrainingCertificateVerifyOut)
def verify(request, code: str):
    """Public verification: status and the holder's masked name only."""
    c = selectors.certificate_by_code(code=code)
    return {
        "number": c.number,
        "status": c.status,
        "holder": c.person.masked_name,
        "institution": c.institution.name,
        "occupation": c.occupation.name,
        "level": c.level.name,
        "issued_on": c.issued_on,
    }
