"""The one permission helper every view and API endpoint uses.

A capability names what an actor wants to do; ``ROLE_CAPABILITIES`` says which roles hold it.
Scope (county, institution, evaluation body) is applied by the selectors, which always take the
actor. ``matrix()`` is what the permission tests check page by page."""

from __future__ import annotations

from enum import StrEnum
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from dte.core.roles import Role


class Cap(StrEnum):
    SIGNED_IN = "signed_in"  # any account: own home, own password
    VIEW_OWN_RECORDS = "view_own_records"  # a trainee's own person record
    MANAGE_INSTITUTION = "manage_institution"
    MANAGE_EVALUATION = "manage_evaluation"
    REVIEW_CLAIMS = "review_claims"
    APPROVE_CLAIMS = "approve_claims"
    LOOK_UP_PEOPLE = "look_up_people"  # find a real-name person by ID number (officers)
    REGISTER_PEOPLE = "register_people"  # register a person on someone's behalf
    SUPERVISE_CITY = "supervise_city"  # all counties
    INSPECT_INSTITUTIONS = "inspect_institutions"  # spot checks, document requests, follow-ups [P2.3]
    VIEW_COUNTY_DASHBOARD = "view_county_dashboard"  # the own county's dashboard and queue health
    PREPARE_COUNTY_REPORT = "prepare_county_report"  # generate and review the year-end report [P5.3a]
    SUBMIT_COUNTY_REPORT = "submit_county_report"  # submit it to the city, which locks it [P5.3a]
    VIEW_AUDIT_LOG = "view_audit_log"
    EDIT_CATALOG = "edit_catalog"
    MANAGE_ACCOUNTS = "manage_accounts"  # create staff accounts, deactivate, reset passwords
    ENROL_IN_TRAINING = "enrol_in_training"  # a trainee applies to classes, checks in [P2.3]
    FILE_TRAINING_PLANS = "file_training_plans"  # the city files plans and reviews rosters [P3.1], [P2.3]
    PUBLISH_EVENTS = "publish_events"  # the city announces competitions, forums, seminars [P2.2]
    CLAIM_SUBSIDY = "claim_subsidy"  # a trainee claims the training subsidy [A2.5]
    IMPORT_FACTS = "import_facts"  # load person facts for the own county [A2.1]
    IMPORT_FACTS_CITY = "import_facts_city"  # load person facts for any county; API tokens
    PAY_CLAIMS = "pay_claims"  # the county's fund account, payment batches, bank files [A2.6.2]
    MANAGE_CREDIT_LIST = "manage_credit_list"  # the city's credit list export [A2.7a]
    CHANGE_PARAMETERS = "change_parameters"  # propose, preview and approve policy parameter versions


R = Role
ROLE_CAPABILITIES: dict[Role, frozenset[Cap]] = {
    R.TRAINEE: frozenset({Cap.SIGNED_IN, Cap.VIEW_OWN_RECORDS, Cap.ENROL_IN_TRAINING, Cap.CLAIM_SUBSIDY}),
    R.INSTITUTION_STAFF: frozenset({Cap.SIGNED_IN, Cap.MANAGE_INSTITUTION, Cap.REGISTER_PEOPLE}),
    R.EVALUATION_STAFF: frozenset({Cap.SIGNED_IN, Cap.MANAGE_EVALUATION}),
    R.COUNTY_REVIEWER: frozenset(
        {Cap.SIGNED_IN, Cap.REVIEW_CLAIMS, Cap.LOOK_UP_PEOPLE, Cap.REGISTER_PEOPLE, Cap.IMPORT_FACTS}
    ),
    R.COUNTY_APPROVER: frozenset(
        {Cap.SIGNED_IN, Cap.APPROVE_CLAIMS, Cap.LOOK_UP_PEOPLE, Cap.IMPORT_FACTS, Cap.PAY_CLAIMS}
    ),
    R.CITY_OFFICER: frozenset(
        {
            Cap.SIGNED_IN,
            Cap.SUPERVISE_CITY,
            Cap.LOOK_UP_PEOPLE,
            Cap.REGISTER_PEOPLE,
            Cap.EDIT_CATALOG,
            Cap.VIEW_AUDIT_LOG,
            Cap.FILE_TRAINING_PLANS,
            Cap.PUBLISH_EVENTS,
            Cap.IMPORT_FACTS_CITY,
            Cap.MANAGE_CREDIT_LIST,
            Cap.MANAGE_ACCOUNTS,
            Cap.CHANGE_PARAMETERS,
        }
    ),
    R.AUDITOR: frozenset({Cap.SIGNED_IN, Cap.SUPERVISE_CITY, Cap.LOOK_UP_PEOPLE, Cap.VIEW_AUDIT_LOG}),
    R.ADMINISTRATOR: frozenset({Cap.SIGNED_IN, Cap.EDIT_CATALOG, Cap.VIEW_AUDIT_LOG, Cap.MANAGE_ACCOUNTS}),
}

# Oversight: dashboards, the year-end county report [P5.3a] and the supervision of institutions [P2.3].
_OVERSIGHT: dict[Role, frozenset[Cap]] = {
    R.COUNTY_REVIEWER: frozenset({Cap.VIEW_COUNTY_DASHBOARD, Cap.PREPARE_COUNTY_REPORT}),
    R.COUNTY_APPROVER: frozenset(
        {Cap.VIEW_COUNTY_DASHBOARD, Cap.PREPARE_COUNTY_REPORT, Cap.SUBMIT_COUNTY_REPORT}
    ),
    R.CITY_OFFICER: frozenset({Cap.INSPECT_INSTITUTIONS}),
}
ROLE_CAPABILITIES = {
    role: caps | _OVERSIGHT.get(role, frozenset()) for role, caps in ROLE_CAPABILITIES.items()
}


def can(user, cap: Cap) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    try:
        role = Role(user.role)
    except ValueError:
        return False
    return cap in ROLE_CAPABILITIES[role]


def require(user, cap: Cap) -> None:
    """Raise PermissionDenied unless ``user`` holds ``cap``. Services call this too."""
    if not can(user, cap):
        raise PermissionDenied(f"当前账号无权执行此操作({cap})")


def allows(cap: Cap):
    """View decorator: anonymous → login page; signed in without ``cap`` → 403."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            require(request.user, cap)
            return view(request, *args, **kwargs)

        wrapper.capability = cap  # type: ignore[attr-defined]
        return wrapper

    return decorate
