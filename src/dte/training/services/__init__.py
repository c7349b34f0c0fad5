"""Writes of the training system, one module per aggregate: ``plans``, ``classes``, ``enrolment``
(enrolment and the roster), ``attendance`` (sessions, scans, corrections, online import),
``certificates`` (completion, certificates, record exceptions, CE hours) and ``events``; ``common``
holds what they share. Every service checks the actor's role and scope, refuses an illegal move with
a reason in Chinese citing its clause, and records the change in the audit log inside its own
transaction. The public names are re-exported here, so ``from dte.training import services`` and
``services.plan_draft(...)`` keep working."""

from .attendance import (
    ONLINE_COLUMNS,
    attendance_correct,
    attendance_scan,
    online_records_check,
    online_records_import,
    session_add,
)
from .bulk_enrolment import enrolments_import
from .certificates import (
    ce_hours_exported,
    certificate_issue,
    certificate_revoke,
    completion_assess,
    record_exception_grant,
    verification_code,
)
from .classes import (
    class_complete,
    class_open,
    class_start,
)
from .common import (
    CAPACITY_MAX,
    FEE_MAX,
    HORIZON_YEARS,
    HOURS_MAX,
    horizon,
)
from .enrolment import (
    birth_date_of,
    enrolment_admit,
    enrolment_apply,
    enrolment_drop,
    enrolment_on_behalf,
    enrolment_refuse,
    enrolment_withdraw,
    enrolments_decide,
    roster_review,
    roster_submit,
)
from .events import (
    EVENT_FIELDS,
    event_announce,
    event_cancel_registration,
    event_register,
    event_update,
    event_withdraw,
)
from .plans import (
    PLAN_FIELDS,
    plan_draft,
    plan_file,
    plan_return,
    plan_submit,
    plan_update,
)

__all__ = [
    "CAPACITY_MAX",
    "EVENT_FIELDS",
    "FEE_MAX",
    "HORIZON_YEARS",
    "HOURS_MAX",
    "ONLINE_COLUMNS",
    "PLAN_FIELDS",
    "attendance_correct",
    "attendance_scan",
    "birth_date_of",
    "ce_hours_exported",
    "certificate_issue",
    "certificate_revoke",
    "class_complete",
    "class_open",
    "class_start",
    "completion_assess",
    "enrolment_admit",
    "enrolment_apply",
    "enrolment_drop",
    "enrolment_on_behalf",
    "enrolment_refuse",
    "enrolment_withdraw",
    "enrolments_decide",
    "enrolments_import",
    "event_announce",
    "event_cancel_registration",
    "event_register",
    "event_update",
    "event_withdraw",
    "horizon",
    "online_records_check",
    "online_records_import",
    "plan_draft",
    "plan_file",
    "plan_return",
    "plan_submit",
    "plan_update",
    "record_exception_grant",
    "roster_review",
    "roster_submit",
    "session_add",
    "verification_code",
]
