"""The engine's decision on one claim, typed: what ``engine.decide_claims`` returns and what the
platform stores (as JSON, ``Decision.to_json``) on a claim.

The JSON is the contract of ``dte policy evaluate`` and the form kept in the database, key for key
and in this order::

    {"id", "eligible", "amount", "claim_deadline", "route_to", "failed", "provisional", "policy",
     "findings": [{"rule", "clause", "passed", "message"}, …]}

A claim that cannot be decided is an ``InvalidClaim`` (``{"id", "error": {"field", "message"}}``).
The platform turns one into a decision that is not eligible, with the problem as its one finding
(``Decision.input_problem``): that decision names no policy and carries the ``error``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from dte.policy import POLICY

INPUT_RULE = "input"  # the rule id of the one finding of a claim that could not be decided


@dataclass(frozen=True, slots=True)
class Finding:
    """One rule's outcome for a claim: the rule, its clause, pass or fail, and the message (Chinese,
    naming the facts used)."""

    rule: str
    clause: str
    passed: bool
    message: str

    def to_json(self) -> dict[str, Any]:
        return {"rule": self.rule, "clause": self.clause, "passed": self.passed, "message": self.message}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Finding:
        return cls(rule=data["rule"], clause=data["clause"], passed=data["passed"], message=data["message"])


@dataclass(frozen=True, slots=True)
class FieldError:
    """Why a claim could not be decided: the offending fact (``person.id_number``) and the problem."""

    field: str
    message: str

    def to_json(self) -> dict[str, Any]:
        return {"field": self.field, "message": self.message}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FieldError:
        return cls(field=data["field"], message=data["message"])


@dataclass(frozen=True, slots=True)
class InvalidClaim:
    """The engine's answer for an ill-formed claim (no decision)."""

    id: Any
    error: FieldError

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "error": self.error.to_json()}


@dataclass(frozen=True, slots=True)
class Decision:
    """The decision on one claim. ``failed`` lists the ids of the failed rules, sorted; ``findings``
    has one finding per rule, in rule order. ``policy`` is None and ``error`` set only for the
    decision made of an input problem (``input_problem``)."""

    id: Any
    eligible: bool
    amount: int  # integer yuan, 0 unless eligible
    claim_deadline: date | None
    route_to: str | None  # the county code that receives the claim [A2.5]
    failed: tuple[str, ...]
    provisional: bool
    findings: tuple[Finding, ...]
    policy: str | None = POLICY
    error: FieldError | None = None

    @classmethod
    def input_problem(cls, id: Any, error: FieldError, message: str) -> Decision:
        """A claim the engine could not decide, as a decision: not eligible, with ``message`` (the
        problem told to a person) as its one finding."""
        return cls(
            id=id,
            eligible=False,
            amount=0,
            claim_deadline=None,
            route_to=None,
            failed=(INPUT_RULE,),
            provisional=False,
            findings=(Finding(INPUT_RULE, "", False, message),),
            policy=None,
            error=error,
        )

    def finding(self, rule: str) -> Finding | None:
        return next((f for f in self.findings if f.rule == rule), None)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "eligible": self.eligible,
            "amount": self.amount,
            "claim_deadline": None if self.claim_deadline is None else self.claim_deadline.isoformat(),
            "route_to": self.route_to,
            "failed": list(self.failed),
            "provisional": self.provisional,
        }
        if self.policy is not None:
            out["policy"] = self.policy
        out["findings"] = [f.to_json() for f in self.findings]
        if self.error is not None:
            out["error"] = self.error.to_json()
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Decision:
        """The decision stored as ``to_json`` made it (a claim's ``decision`` field)."""
        deadline = data["claim_deadline"]
        error = data.get("error")
        return cls(
            id=data["id"],
            eligible=data["eligible"],
            amount=data["amount"],
            claim_deadline=None if deadline is None else date.fromisoformat(deadline),
            route_to=data["route_to"],
            failed=tuple(data["failed"]),
            provisional=data["provisional"],
            findings=tuple(Finding.from_json(f) for f in data["findings"]),
            policy=data.get("policy"),
            error=None if error is None else FieldError.from_json(error),
        )
