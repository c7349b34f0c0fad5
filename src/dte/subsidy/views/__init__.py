"""Pages of the claim lifecycle, one module per audience: ``claimant`` (the trainee's list and the
start of a claim), ``claim`` (the claim page and its actions, dispatched by the lifecycle table),
``officer`` (the county queue, objections, fact imports, the city's pages), ``payments`` (fund
accounts, batches, the bank's results), ``public`` (the notice, objections, the credit list);
``common`` holds what they share. Thin: parse the request, call one selector or service, render."""

from __future__ import annotations

from dte.subsidy.views.claim import claim_act, claim_detail, evidence_file
from dte.subsidy.views.claimant import claim_start, my_claims
from dte.subsidy.views.officer import (
    city,
    credit_export,
    fact_imports,
    objection_decide,
    objection_evidence,
    objections,
    objections_decide,
    queue,
    redecide_all,
    token_issue,
)
from dte.subsidy.views.payments import (
    batch_create,
    batch_detail,
    batch_file,
    batch_results,
    fund_budget,
    line_return,
    payments_home,
)
from dte.subsidy.views.public import credit_list, notices, objection_new

__all__ = [
    "batch_create",
    "batch_detail",
    "batch_file",
    "batch_results",
    "city",
    "claim_act",
    "claim_detail",
    "claim_start",
    "credit_export",
    "credit_list",
    "evidence_file",
    "fact_imports",
    "fund_budget",
    "line_return",
    "my_claims",
    "notices",
    "objection_decide",
    "objection_evidence",
    "objection_new",
    "objections",
    "objections_decide",
    "payments_home",
    "queue",
    "redecide_all",
    "token_issue",
]
