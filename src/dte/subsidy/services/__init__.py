"""The subsidy app's writers, one module per aggregate (DESIGN.md §4, Annex 2 [A2.5]–[A2.7]):

- ``claims``: start, the claimant's form and evidence, submission [A2.5], withdrawal, discarding;
- ``decision``: the engine's input and decision for a claim [A2.7c] (read only);
- ``review``: request for information and answer, review opinion, rejection, approval [A2.6.1];
- ``notice``: the public notice, objections and their investigation, the end of the notice [A2.6.2];
- ``deadlines``: the working-day clock: due dates, their reckoning again (W1), reminders, escalation,
  lapse [A2.6.1];
- ``redecide``: re-decision of the open claims in one engine batch [A2.7c];
- ``payment``: the fund account, payment batches and the bank file [A2.6.2], [A2.6.3];
- ``bank_results``: the bank's result file and the reversal of a returned payment (银行退票);
- ``recovery``: recovery of wrong or excess payments [A2.7b];
- ``credit``: the credit list [A2.7a];
- ``access``: an official's view of evidence (personal data), recorded for the auditors;
- ``common``: what they share (the claim row lock, the timeline event, the audit entry with the
  decision trace, the message to the claimant, the officers' scope).

Every transition runs in one transaction, locks the claim row, checks the state it starts from
against the lifecycle table (``dte.subsidy.lifecycle.require``),
records a timeline event and an audit entry carrying the engine's decision trace, and tells the
claimant (inbox + SMS backend).

The public names are re-exported here, so that ``from dte.subsidy import services`` keeps working;
code inside the platform imports from the defining module."""

from __future__ import annotations

from dte.subsidy.services.access import evidence_viewed, queue_exported
from dte.subsidy.services.bank_results import (
    BANK_REASON_MAX,
    RESULT_FAILED,
    RESULT_LABEL,
    RESULT_PAID,
    RESULT_RETURNED,
    ResultRow,
    payment_return,
    results_import,
)
from dte.subsidy.services.claims import (
    REFUSE_ON,
    REQUIRED_EVIDENCE,
    claim_counted,
    claim_discard,
    claim_start,
    claim_submit,
    claim_update,
    claim_withdraw,
    evidence_add,
)
from dte.subsidy.services.common import (
    REMEDIES,
    local_date,
)
from dte.subsidy.services.credit import (
    DEFAULT_PUBLICATION_YEARS,
    EXPORT_FIELDS,
    LEGAL_BASIS,
    credit_entries_for,
    credit_entry_create,
    credit_entry_revoke,
    credit_export,
    credit_export_rows,
    credit_public,
    credit_publish_until,
)
from dte.subsidy.services.deadlines import (
    DUE_FIELDS,
    INFO_DUE,
    INFO_DUE_LABEL,
    INFO_LAPSE_WORKING_DAYS,
    INFO_REMIND_WORKING_DAYS,
    deadlines_check,
    due_dates_recompute,
    info_due,
)
from dte.subsidy.services.decision import (
    decide,
    engine_input,
    precheck,
)
from dte.subsidy.services.notice import (
    OBJECTIONS_PER_HOUR,
    client_key,
    notices_expire,
    objection_decide,
    objection_file,
    objections_decide,
)
from dte.subsidy.services.payment import (
    BANK_COLUMNS,
    BUDGET_MAX,
    BUDGET_YEARS_BACK,
    LEFT_OUT_SHOWN,
    balance,
    bank_file,
    bank_rows,
    batch_create,
    fund_budget,
    left_out_messages,
    payment_details_problem,
)
from dte.subsidy.services.recovery import (
    recovery_close,
    recovery_open,
    repayment_record,
)
from dte.subsidy.services.redecide import (
    claims_redecide,
)
from dte.subsidy.services.review import (
    claim_answer,
    claim_approve,
    claim_reject,
    review_pass,
    review_request_info,
)

__all__ = [
    "BANK_COLUMNS",
    "BANK_REASON_MAX",
    "BUDGET_MAX",
    "BUDGET_YEARS_BACK",
    "DEFAULT_PUBLICATION_YEARS",
    "DUE_FIELDS",
    "EXPORT_FIELDS",
    "INFO_DUE",
    "INFO_DUE_LABEL",
    "INFO_LAPSE_WORKING_DAYS",
    "INFO_REMIND_WORKING_DAYS",
    "LEFT_OUT_SHOWN",
    "LEGAL_BASIS",
    "OBJECTIONS_PER_HOUR",
    "REFUSE_ON",
    "REMEDIES",
    "REQUIRED_EVIDENCE",
    "RESULT_FAILED",
    "RESULT_LABEL",
    "RESULT_PAID",
    "RESULT_RETURNED",
    "ResultRow",
    "balance",
    "bank_file",
    "bank_rows",
    "batch_create",
    "claim_answer",
    "claim_approve",
    "claim_counted",
    "claim_discard",
    "claim_reject",
    "claim_start",
    "claim_submit",
    "claim_update",
    "claim_withdraw",
    "claims_redecide",
    "client_key",
    "credit_entries_for",
    "credit_entry_create",
    "credit_entry_revoke",
    "credit_export",
    "credit_export_rows",
    "credit_public",
    "credit_publish_until",
    "deadlines_check",
    "decide",
    "due_dates_recompute",
    "engine_input",
    "evidence_add",
    "evidence_viewed",
    "fund_budget",
    "info_due",
    "left_out_messages",
    "local_date",
    "notices_expire",
    "objection_decide",
    "objection_file",
    "objections_decide",
    "payment_details_problem",
    "payment_return",
    "precheck",
    "queue_exported",
    "recovery_close",
    "recovery_open",
    "repayment_record",
    "results_import",
    "review_pass",
    "review_request_info",
]
