"""The engine's input and decision for a claim [A2.7c]: what submission, the pre-check and the
re-decision read (nothing is written here)."""

from __future__ import annotations

from datetime import date

from dte.policy.decision import Decision, InvalidClaim
from dte.policy.engine import decide_claims
from dte.subsidy.models import ENGINE_STATUS, Claim, Status
from dte.subsidy.selectors import person_facts
from dte.subsidy.services.common import prior_claims


def engine_input(claim: Claim, on: date, priors: list[tuple] | None = None) -> dict:
    """The claim in the engine's JSON contract, with the person's facts as of ``on`` [A2.7c]."""
    person = claim.person
    priors = prior_claims(claim) if priors is None else priors
    out = {
        "id": claim.pk,
        "claim_date": on.isoformat(),
        "person": person_facts(person, on, claim.retirement_category),
        "level_certificate": {
            "occupation": claim.occupation.code,
            "level": claim.level.code,
            "issued_on": claim.level_issued_on.isoformat(),
        },
        "prior_claims": [
            {
                "occupation": occupation,
                "level": level,
                "claim_date": (claim_date or on).isoformat(),
                "status": ENGINE_STATUS[Status(status)],
            }
            for _, status, occupation, level, claim_date in priors
        ],
    }
    if claim.training_issued_on is not None:
        out["training"] = {
            "institution": claim.training_institution.name if claim.training_institution else None,
            "occupation": claim.training_occupation.code if claim.training_occupation else None,
            "level": claim.training_level.code if claim.training_level else None,
            "hours": claim.training_hours,
            "certificate_date": claim.training_issued_on.isoformat(),
        }
    return out


def decide(claim: Claim, on: date, raw: dict | None = None) -> Decision:
    """The engine's decision for the claim as of ``on``; an ill-formed input comes back as a
    decision that is not eligible, with the problem as its one finding. A claim stores it as
    ``to_json()``."""
    (result,) = decide_claims([raw or engine_input(claim, on)])
    if isinstance(result, InvalidClaim):
        message = _input_problem(result.error.field, result.error.message)
        return Decision.input_problem(claim.pk, result.error, message)
    return result


def _input_problem(field: str, message: str) -> str:
    if field == "person.retirement_category":
        return "女性申领人须申报退休类别(女干部或女工人),以确定法定退休年龄 [A2.1c]"
    return f"申领信息不完整:{field} {message}"


def precheck(claim: Claim, on: date) -> dict:
    """The engine's pre-check shown to the claimant before submitting (nothing is written), as JSON:
    the form a submitted claim keeps."""
    return decide(claim, on).to_json()
