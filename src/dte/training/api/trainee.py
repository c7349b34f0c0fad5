"""The trainee's own record: enrolments, certificates, continuing-education hours [P4.1]."""

from __future__ import annotations

from decimal import Decimal

from ninja import Schema

from dte.core import clock
from dte.training import selectors
from dte.training.api.certificates import CertificateOut, certificate_out
from dte.training.api.common import auth, router
from dte.training.api.enrolment import EnrolmentOut, enrolment_out


class MyTrainingOut(Schema):
    enrolments: list[EnrolmentOut]
    certificates: list[CertificateOut]
    ce_hours_by_year: dict[int, Decimal]


@router.get("/me", response=MyTrainingOut, **auth)
def me(request):
    data = selectors.my_training(actor=request.auth, now=clock.now())
    return {
        "enrolments": [enrolment_out(r["enrolment"]) for r in data["enrolments"]],
        "certificates": [certificate_out(c) for c in data["certificates"]],
        "ce_hours_by_year": dict(data["ce_years"]),
    }
