"""Reads of claims. Every selector takes the actor and returns only what the actor's role and
county allow (DESIGN.md §5): a trainee their own claims, a county officer their county's, the city
and the auditor all."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from django.db.models import Case, Count, DateField, F, Min, Q, QuerySet, Value, When

from dte.core.permissions import Cap, can
from dte.people.models import Person
from dte.policy.calendar import get_calendar
from dte.subsidy import queries
from dte.subsidy.models import (
    OPEN_FOR_REVIEW,
    OPEN_STATES,
    STEP_DUE_FIELD,
    Claim,
    FundAccount,
    Objection,
    PaymentBatch,
    Residence,
    Status,
)

# "Due soon" in the queue, and the county's reminder: this many working days before the due date.
DUE_SOON_WORKING_DAYS = 2


def claims_visible(*, actor) -> QuerySet[Claim]:
    qs = Claim.objects.select_related("person", "county", "occupation", "level")
    if actor is None or not actor.is_authenticated:
        return qs.none()
    if can(actor, Cap.SUPERVISE_CITY):
        return qs.exclude(status=Status.DRAFT)
    if can(actor, Cap.REVIEW_CLAIMS) or can(actor, Cap.APPROVE_CLAIMS):
        return qs.filter(county_id=actor.county_id).exclude(status=Status.DRAFT)
    if can(actor, Cap.CLAIM_SUBSIDY):
        return qs.filter(person_id=actor.person_id)
    return qs.none()


def claim_for(*, actor, pk: int) -> Claim | None:
    return claims_visible(actor=actor).filter(pk=pk).first()


def my_claims(*, actor) -> QuerySet[Claim]:
    return claims_visible(actor=actor).filter(person_id=actor.person_id)


def review_queue(
    *, actor, today: date | None = None, status: str = "", flag: str = "", q: str = "", occupation: str = ""
) -> QuerySet[Claim]:
    """The county's open claims, sorted by the due date of their next step."""
    # Open claims are never drafts: the index (county, in_queue, review_due) answers alone.
    qs = Claim.objects.select_related("person", "county", "occupation", "level").filter(in_queue=True)
    if actor is None or not actor.is_authenticated:
        return qs.none()
    if not can(actor, Cap.SUPERVISE_CITY):
        if not (can(actor, Cap.REVIEW_CLAIMS) or can(actor, Cap.APPROVE_CLAIMS)):
            return qs.none()
        qs = qs.filter(county_id=actor.county_id)
    if status:
        qs = qs.filter(status=status)
    if occupation:
        qs = qs.filter(occupation__code=occupation)
    if q:
        qs = qs.filter(Q(reference__icontains=q) | Q(person__name__icontains=q))
    if flag and today is not None:
        soon = get_calendar().add_workdays(today, DUE_SOON_WORKING_DAYS).value
        if flag == "overdue":
            qs = qs.filter(next_due_q(lt=today))
        elif flag == "due_soon":
            qs = qs.filter(next_due_q(gte=today, lte=soon))
    return qs.order_by("review_due", "pk")


QUEUE_FIELDS = (
    "pk",
    "reference",
    "status",
    "person__name",
    "occupation__name",
    "level__name",
    "amount",
    "eligible",
    "findings_changed",
    "fraud_flags",
    "review_due",
    "approval_due",
)


class QueueRow:
    """One line of the queue page, read as values (100,000 claims: no model instances)."""

    __slots__ = (
        "amount",
        "approval_due",
        "eligible",
        "findings_changed",
        "fraud_flags",
        "href",
        "level",
        "occupation",
        "person",
        "pk",
        "reference",
        "review_due",
        "status",
        "status_label",
    )

    def __init__(self, row: dict) -> None:
        self.pk, self.reference, self.status = row["pk"], row["reference"], row["status"]
        self.person, self.occupation, self.level = (
            row["person__name"],
            row["occupation__name"],
            row["level__name"],
        )
        self.amount, self.eligible = row["amount"], row["eligible"]
        self.findings_changed, self.fraud_flags = row["findings_changed"], row["fraud_flags"]
        self.review_due, self.approval_due = row["review_due"], row["approval_due"]
        self.status_label = Status(self.status).label
        self.href = f"/subsidy/claims/{self.pk}/"


def queue_page(qs: QuerySet[Claim], limit: int = 50, offset: int = 0) -> list[QueueRow]:
    return [QueueRow(r) for r in qs.values(*QUEUE_FIELDS)[offset : offset + limit]]


def next_due_q(**cmp) -> Q:
    review = {f"review_due__{k}": v for k, v in cmp.items()}
    approval = {f"approval_due__{k}": v for k, v in cmp.items()}
    # Awaiting the claimant's information, the clock is paused (D3): never overdue nor due soon.
    return Q(status=Status.UNDER_REVIEW, **review) | Q(status=Status.REVIEWED, **approval)


def next_due(claim: Claim) -> date | None:
    """The due date of the officers' step the claim waits for (review or approval, as ``next_due_q``);
    None once it waits for no such step (withdrawn, rejected, approved, paid …), so that a closed
    claim is never shown as overdue."""
    if claim.status == Status.UNDER_REVIEW:
        return claim.review_due
    if claim.status == Status.REVIEWED:
        return claim.approval_due
    return None


def due_soon_limit(today: date) -> date:
    return get_calendar().add_workdays(today, DUE_SOON_WORKING_DAYS).value


def due_flag(claim: Claim, today: date, soon: date | None = None) -> str:
    """'overdue', 'due_soon' (within 2 working days) or ''; the clock is paused while awaiting info."""
    due = next_due(claim)
    if due is None or claim.status == Status.AWAITING_INFO:
        return ""
    if due < today:
        return "overdue"
    if due <= (soon or due_soon_limit(today)):
        return "due_soon"
    return ""


# -- the officers' queue of every open claim, and the workbench's counts ----------------------------

# OPEN_STATES (every status in which a claim waits for someone) and STEP_DUE_FIELD (the due date of
# the step each waits for) live with the model, whose generated columns keep the queue's order.
# The statuses whose due date is an officer's: only these are ever overdue or due soon.
OFFICER_DUE_FIELD = {s: f for s, f in STEP_DUE_FIELD.items() if s not in (Status.ON_NOTICE, Status.OBJECTION)}


def step_due() -> Case:
    """The due date of the step a claim waits for, as an expression (none when awaiting information)."""
    return Case(
        *(When(status=s, then=F(field)) for s, field in STEP_DUE_FIELD.items()),
        default=Value(None),
        output_field=DateField(),
    )


def officer_due_q(**cmp) -> Q:
    """Claims whose officer's due date compares so (``lt=today``: overdue), whatever the step."""
    q = Q(pk__in=[])
    for status, field in OFFICER_DUE_FIELD.items():
        q |= Q(status=status, **{f"{field}__{k}": v for k, v in cmp.items()})
    return q


def open_claims_queue(
    *, actor, today: date, status: str = "", flag: str = "", q: str = "", occupation: str = ""
) -> QuerySet[Claim]:
    """Every open claim of the actor's county (the city: all), ordered by the due date of the step it
    waits for (none last; those awaiting information by the day it was asked for), then by id."""
    qs = Claim.objects.filter(queue_due__isnull=False)  # exactly the claims of OPEN_STATES
    if actor is None or not actor.is_authenticated:
        return qs.none()
    if not can(actor, Cap.SUPERVISE_CITY):
        if not (can(actor, Cap.REVIEW_CLAIMS) or can(actor, Cap.APPROVE_CLAIMS)):
            return qs.none()
        qs = qs.filter(county_id=actor.county_id)
    if status in OPEN_STATES:
        qs = qs.filter(status=status)
    elif status:
        return qs.none()
    if occupation:
        qs = qs.filter(occupation__code=occupation)
    if q:
        qs = qs.filter(Q(reference__icontains=q) | Q(person__name__icontains=q))
    if flag == "overdue":
        qs = qs.filter(officer_due_q(lt=today))
    elif flag == "due_soon":
        qs = qs.filter(officer_due_q(gte=today, lte=due_soon_limit(today)))
    # The step's due date (none last), then the day information was asked for (never last): the
    # generated columns queue_due and queue_asked, read in order from the index claims_open_by_step_due.
    return qs.order_by("queue_due", "queue_asked", "pk")


class OpenRow(QueueRow):
    """A line of the officers' queue: a queue row with the due date of its step and the day
    information was asked for (the claimant's due date is reckoned from it)."""

    __slots__ = ("info_requested_on", "step_due", "submitted_at")

    def __init__(self, row: dict) -> None:
        super().__init__(row)
        self.step_due, self.info_requested_on = row["step_due"], row["info_requested_on"]
        self.submitted_at = row["submitted_at"]


def open_queue_page(qs: QuerySet[Claim], limit: int = 50, offset: int = 0) -> list[OpenRow]:
    """The page's claims in the queue's order: their ids sorted on the claims table alone, then their
    lines read with the names they join (sorting the joined rows of a county costs a third more)."""
    return _open_rows(list(qs.values_list("pk", flat=True)[offset : offset + limit]))


def _open_rows(pks: list[int]) -> list[OpenRow]:
    fields = (*QUEUE_FIELDS, "step_due", "info_requested_on", "submitted_at")
    rows = Claim.objects.filter(pk__in=pks).annotate(step_due=step_due()).order_by().values(*fields)
    by_pk = {r["pk"]: r for r in rows}
    return [OpenRow(by_pk[pk]) for pk in pks]


def open_queue_lines(qs: QuerySet[Claim], cap: int) -> Iterator[OpenRow]:
    """The first ``cap`` claims of the queue in its order (the export), their lines read 1,000 at a
    time (a statement's bound parameters stay few on SQLite)."""
    pks = list(qs.values_list("pk", flat=True)[:cap])
    for i in range(0, len(pks), 1000):
        yield from _open_rows(pks[i : i + 1000])


def step_flag(status: str, due: date | None, today: date, soon: date) -> str:
    """'overdue', 'due_soon' or '' for a due date of an officer's step (never on notice, never
    awaiting information: the clock is paused)."""
    if due is None or status not in OFFICER_DUE_FIELD:
        return ""
    if due < today:
        return "overdue"
    return "due_soon" if due <= soon else ""


def claim_workload(*, actor, today: date, statuses=(Status.DRAFT, *OPEN_STATES)) -> dict[str, dict[str, Any]]:
    """For each of ``statuses`` (open ones, and drafts for the claimant): how many of the actor's claims
    are in it, how many of those are overdue and due soon, and the nearest due date to come. One
    aggregate query over those statuses only (read from the county's status index)."""
    soon = due_soon_limit(today)
    aggregates: dict[str, Any] = {}
    for s in statuses:
        aggregates[f"{s}__count"] = Count("pk", filter=Q(status=s))
        field = OFFICER_DUE_FIELD.get(s)
        if field is not None:
            aggregates[f"{s}__overdue"] = Count("pk", filter=Q(status=s, **{f"{field}__lt": today}))
            aggregates[f"{s}__due_soon"] = Count(
                "pk", filter=Q(status=s, **{f"{field}__gte": today, f"{field}__lte": soon})
            )
            aggregates[f"{s}__next_due"] = Min(field, filter=Q(status=s, **{f"{field}__gte": today}))
    qs = claims_visible(actor=actor).select_related(None).order_by().filter(status__in=statuses)
    out: dict[str, dict[str, Any]] = {str(s): {} for s in statuses}
    for key, value in qs.aggregate(**aggregates).items():
        status, what = key.split("__")
        out[status][what] = value
    return out


def open_objection_count(*, actor) -> int:
    """Objections still under investigation on the claims of the actor's county (the city: all)
    [A2.6.2]; read from the objections, which are few, not from the claims."""
    qs = Objection.objects.filter(status=Objection.Status.OPEN)
    if can(actor, Cap.SUPERVISE_CITY):
        return qs.count()
    if can(actor, Cap.REVIEW_CLAIMS) or can(actor, Cap.APPROVE_CLAIMS):
        return qs.filter(claim__county_id=actor.county_id).count()
    return 0


def public_notices(*, today: date) -> QuerySet[Claim]:
    """Claims on public notice today (public page, masked) [A2.6.2]."""
    return (
        Claim.objects.filter(status__in=[Status.ON_NOTICE, Status.OBJECTION], notice_last_day__gte=today)
        .select_related("person", "county", "occupation", "level")
        .order_by("county__code", "notice_first_day", "pk")
    )


def escalated(*, actor) -> QuerySet[Claim]:
    return claims_visible(actor=actor).filter(escalated_on__isnull=False, status__in=OPEN_FOR_REVIEW)


def payable(*, actor) -> QuerySet[Claim]:
    return claims_visible(actor=actor).filter(status=Status.PAYABLE).order_by("payment_due", "pk")


def fund_accounts(*, actor) -> QuerySet[FundAccount]:
    qs = FundAccount.objects.select_related("county")
    if can(actor, Cap.SUPERVISE_CITY):
        return qs
    if can(actor, Cap.PAY_CLAIMS):
        return qs.filter(county_id=actor.county_id)
    return qs.none()


def batches(*, actor) -> QuerySet[PaymentBatch]:
    qs = PaymentBatch.objects.select_related("account__county")
    if can(actor, Cap.SUPERVISE_CITY):
        return qs
    if can(actor, Cap.PAY_CLAIMS):
        return qs.filter(account__county_id=actor.county_id)
    return qs.none()


# -- facts as of a date, in the engine's shape [A2.7c] ---------------------------------------------


def _active(start: date | None, end: date | None, on: date) -> bool:
    return (start is None or start <= on) and (end is None or end >= on)


def person_facts(person: Person, on: date, retirement_category: str = "") -> dict[str, Any]:
    """The ``person`` object of the engine's claim contract, as the facts stood on ``on`` (G4).

    The five kinds of fact are read in one statement (claim submission reads them on every
    request): ``dte.subsidy.queries.person_fact_rows``."""
    month_end = date(on.year, on.month, 1)
    residences, unemp, emps, months, status = [], [], [], [], None
    for src, text, text2, d1, d2, flag, flag2 in queries.person_fact_rows(person.pk, month_end):
        if src == "r" and _active(d1, d2, on):
            residences.append(text)
        elif src == "u" and _active(d1, d2, on):
            unemp.append((d1, text))
        elif src == "e" and _active(d1, d2, on):
            emps.append((d1, text, text2, bool(flag), bool(flag2)))
        elif src == "s":
            status = {"category": text, "graduation_date": d1, "retired_on": d2, "school": bool(flag)}
        elif src == "i":
            months.append((d1, text))
    unemp.sort()
    emps.sort(key=lambda row: row[0])
    months.sort()
    out: dict[str, Any] = {
        "id_number": person.id_number,
        "wenzhou_hukou": Residence.Kind.HUKOU in residences,
        "wenzhou_residence_permit": Residence.Kind.PERMIT in residences,
        "unemployment_registered_in": unemp[-1][1] if unemp else None,
        "retired": bool(status and status["retired_on"] and status["retired_on"] <= on),
        "insurance_months": [{"month": f"{m:%Y-%m}", "county": code} for m, code in months],
    }
    if emps:
        _, emp_status, employer, in_wenzhou, public_staff = emps[-1]
        out["employment"] = {
            "status": emp_status,
            "employer": employer,
            "in_wenzhou": in_wenzhou,
            "public_institution_staff": public_staff,
        }
    else:
        out["employment"] = {"status": "unemployed" if unemp else "none"}
    if status and status["graduation_date"]:
        out["graduate"] = {
            "school_in_wenzhou": status["school"],
            "graduation_date": status["graduation_date"].isoformat(),
        }
    category = retirement_category or (status["category"] if status else "")
    if person.sex == Person.Sex.FEMALE:
        out["retirement_category"] = category or None
    return out
