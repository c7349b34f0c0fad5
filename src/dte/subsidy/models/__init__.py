"""Subsidy claims (Annex 2 of 温人社发〔2024〕5号) and the person facts they are decided on.

Rows are written only by the services of this app (``facts``, ``services``, ``payments``); every
transition is audited with who, when, why and the engine's decision trace. One module per part:
``person_facts`` (the facts [A2.1] and their imports), ``claims`` (the claim, its statuses, evidence,
timeline and objections), ``payments`` (fund accounts, batches, recovery, the credit list). Every
model is re-exported here: ``dte.subsidy.models.X`` is the name the platform and the migrations use."""

from __future__ import annotations

from dte.subsidy.models.claims import (
    BANK_CONTEXT,
    COUNTED,
    ENGINE_STATUS,
    OPEN_FOR_REVIEW,
    OPEN_STATES,
    STEP_DUE_FIELD,
    WITHDRAWABLE,
    Claim,
    ClaimEvent,
    Evidence,
    Objection,
    Status,
)
from dte.subsidy.models.payments import (
    CreditEntry,
    FundAccount,
    LedgerEntry,
    PaymentBatch,
    PaymentLine,
    Recovery,
    Repayment,
)
from dte.subsidy.models.person_facts import (
    ApiToken,
    Employment,
    FactImport,
    InsuranceMonth,
    PersonStatus,
    Residence,
    Unemployment,
)

__all__ = [
    "BANK_CONTEXT",
    "COUNTED",
    "ENGINE_STATUS",
    "OPEN_FOR_REVIEW",
    "OPEN_STATES",
    "STEP_DUE_FIELD",
    "WITHDRAWABLE",
    "ApiToken",
    "Claim",
    "ClaimEvent",
    "CreditEntry",
    "Employment",
    "Evidence",
    "FactImport",
    "FundAccount",
    "InsuranceMonth",
    "LedgerEntry",
    "Objection",
    "PaymentBatch",
    "PaymentLine",
    "PersonStatus",
    "Recovery",
    "Repayment",
    "Residence",
    "Status",
    "Unemployment",
]
