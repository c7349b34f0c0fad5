"""The dashboards' rollups of the claims: ``ClaimTally`` (counts, amounts and on-time counts by county,
occupation, level, status, claim year and payment year) and ``ClaimDueTally`` (claims waiting for a
review, an approval or a payment, by county, status and due date).

They are kept in the transaction of every claim write: dte.subsidy sends ``claims_changing`` before
and ``claims_changed`` after each ORM write of claims (and its one write outside the ORM, claim
submission); here the claims' contributions are read before and after, and the difference is
added, one update per key that changed. ``rebuild``
recounts both from the claims (the migration that made them, the nightly job as a safety net, the
bench after its bulk fill); tests/reports/test_rollups.py checks that the kept rollups equal that
recount after a mix of writes through the services.

Measured (bench/oversight_dashboard.py, 1,000,000 claims; docs/deploy.md has the load): the claims'
figures of the city dashboard take 35 ms from the rollups (3,600 + 33,526 rows) against 0.82 s on
SQLite and 0.75 s on PostgreSQL for the one-pass aggregate over the claims that they replace; the
city dashboard 653 ms against 2977 ms on SQLite, 644 against 1158 ms on PostgreSQL, under load.
``rebuild`` takes 5–8 s on SQLite, 4.6 s on PostgreSQL. Each claim write costs two reads of the
claims by id and a few updates of the rollups by key (flat in the number of claims).

Readings as in the dashboards' former one-pass aggregate (``queries.claim_tallies``): drafts are
not counted; a review or approval decision is on time when its local date (``TIME_ZONE``) is on or
before its due date [A2.6.1], a payment when its date is on or before its due date [A2.6.2]."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from functools import cache
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Count

from dte.reports import queries
from dte.reports.models import ClaimDueTally, ClaimTally
from dte.subsidy.models import Claim
from dte.subsidy.models import Status as ClaimStatus
from dte.subsidy.models.claims import claims_changed, claims_changing

TALLY_KEYS = ("county", "occupation", "level", "status", "claim_year", "paid_year")
TALLY_SUMS = queries.TALLY_SUMS
DUE_KEYS = ("county", "status", "due")
# The due date of the step a claim in each status waits for, as the dashboards count it overdue.
DUE_FIELD = {
    ClaimStatus.UNDER_REVIEW: "review_due",
    ClaimStatus.REVIEWED: "approval_due",
    ClaimStatus.PAYABLE: "payment_due",
    ClaimStatus.IN_BATCH: "payment_due",
}
# The claim's fields the rollups read, in the order ``_contribution`` takes them.
READ = (
    "status",
    "county_id",
    "occupation_id",
    "level_id",
    "claim_date",
    "paid_on",
    "amount",
    "reviewed_at",
    "review_due",
    "decided_at",
    "approval_due",
    "payment_due",
)
WATCHED = frozenset(READ) | {f.removesuffix("_id") for f in READ}
CHUNK = 500  # ids per statement (SQLite's bound parameters)

Tallies = tuple[dict[tuple, list[int]], dict[tuple, int]]


@cache
def _zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _on_or_before(stamp: datetime | None, due: date | None) -> int:
    return int(stamp is not None and due is not None and stamp.astimezone(_zone()).date() <= due)


def _count(row: tuple, tally: dict[tuple, list[int]], due_tally: dict[tuple, int]) -> None:
    """Add one claim (a row of ``READ``) to the tallies."""
    status, county, occ, lvl, claim_date, paid_on, amount, rev_at, rev_due, dec_at, app_due, pay_due = row
    if status == ClaimStatus.DRAFT:
        return
    years = (claim_date.year if claim_date else 0, paid_on.year if paid_on else 0)
    key = (county or 0, occ, lvl, status, *years)
    sums = (
        1,
        amount,
        int(rev_at is not None),
        _on_or_before(rev_at, rev_due),
        int(dec_at is not None),
        _on_or_before(dec_at, app_due),
        int(paid_on is not None),
        int(paid_on is not None and pay_due is not None and paid_on <= pay_due),
    )
    acc = tally.setdefault(key, [0] * len(TALLY_SUMS))
    for i, v in enumerate(sums):
        acc[i] += v
    field = DUE_FIELD.get(status)
    if field is not None:
        due = {"review_due": rev_due, "approval_due": app_due, "payment_due": pay_due}[field]
        if due is not None:
            k = (county or 0, status, due)
            due_tally[k] = due_tally.get(k, 0) + 1


def _read(pks: list[int], *, lock: bool) -> Tallies:
    tally: dict[tuple, list[int]] = {}
    due_tally: dict[tuple, int] = {}
    for i in range(0, len(pks), CHUNK):
        qs = Claim.objects.filter(pk__in=pks[i : i + CHUNK]).exclude(status=ClaimStatus.DRAFT)
        if lock:
            qs = qs.select_for_update()
        for row in qs.values_list(*READ).order_by():
            _count(row, tally, due_tally)
    return tally, due_tally


def _bump(model, keys: tuple[str, ...], key: tuple, sums: dict[str, int]) -> None:
    """Add ``sums`` to the row of ``key``, made if missing (one upsert: ``queries.tally_add``)."""
    if any(sums.values()):
        queries.tally_add(model, keys, key, sums)


def _apply(before: Tallies, after: Tallies) -> None:
    """Add ``after`` and take off ``before``: one net change per key, in one order of keys for every
    writer (so that two writers never wait for each other's rows crosswise), none where equal."""
    for model, keys, i in ((ClaimTally, TALLY_KEYS, 0), (ClaimDueTally, DUE_KEYS, 1)):
        old, new = before[i], after[i]
        for key in sorted(old.keys() | new.keys(), key=str):
            a, b = new.get(key), old.get(key)
            if model is ClaimTally:
                a, b = a or [0] * len(TALLY_SUMS), b or [0] * len(TALLY_SUMS)
                _bump(model, keys, key, {k: x - y for k, x, y in zip(TALLY_SUMS, a, b, strict=True)})
            else:
                _bump(model, keys, key, {"n": (a or 0) - (b or 0)})


def _watched(fields: Iterable[str] | None) -> bool:
    return fields is None or not WATCHED.isdisjoint(fields)


STATE = "reports.rollups"  # this module's entry in the signals' ``state``


def claims_before(*, pks: list[int], fields=None, state: dict, drafts: bool = False, **_) -> None:
    """``claims_changing``: the claims' contributions as they are, kept for after the write (none
    when the sender knows they are drafts, read under its lock: a submission)."""
    if pks and _watched(fields):
        state[STATE] = ({}, {}) if drafts else _read(list(pks), lock=True)


def claims_after(*, pks: list[int], fields=None, state: dict, objects=None, **_) -> None:
    """``claims_changed``: the claims' contributions as they are now, less those kept before; from
    ``objects`` when the sender gives the claims as just written, every field loaded (a submission),
    else read again."""
    if pks and _watched(fields):
        now = _of(objects) if objects is not None else _read(list(pks), lock=False)
        _apply(state.pop(STATE, ({}, {})), now)


def _of(objects) -> Tallies:
    tally: dict[tuple, list[int]] = {}
    due_tally: dict[tuple, int] = {}
    for obj in objects:
        _count(tuple(getattr(obj, f) for f in READ), tally, due_tally)
    return tally, due_tally


def connect() -> None:
    claims_changing.connect(claims_before, sender=Claim, dispatch_uid="reports.rollups.before")
    claims_changed.connect(claims_after, sender=Claim, dispatch_uid="reports.rollups.after")


# --- the full recount ----------------------------------------------------------------------------------
def recount() -> Tallies:
    """Both rollups counted afresh from every claim (in the database: ``queries.claim_tallies``)."""
    tally = {tuple(r[:6]): [int(v) for v in r[6:]] for r in queries.claim_tallies()}
    due_tally: dict[tuple, int] = defaultdict(int)
    for status, field in DUE_FIELD.items():
        for county, due, n in (
            Claim.objects.filter(status=status, **{f"{field}__isnull": False})
            .values_list("county_id", field)
            .annotate(n=Count("id"))
            .order_by()
        ):
            due_tally[(county or 0, status.value, due)] += n
    return tally, dict(due_tally)


def stored() -> Tallies:
    """Both rollups as stored (rows whose figures are all zero left out)."""
    tally = {
        tuple(r[:6]): list(r[6:])
        for r in ClaimTally.objects.values_list(*TALLY_KEYS, *TALLY_SUMS)
        if any(r[6:])
    }
    due_tally = {tuple(r[:3]): r[3] for r in ClaimDueTally.objects.values_list(*DUE_KEYS, "n") if r[3]}
    return tally, due_tally


@transaction.atomic
def rebuild() -> tuple[int, int]:
    """Replace both rollups by a recount; the claims' writers wait meanwhile (PostgreSQL: the
    rollups' tables locked first, so a write's change counted after the recount is not lost).
    Idempotent. Returns the number of rows of each."""
    queries.lock_tables(ClaimTally, ClaimDueTally)
    tally, due_tally = recount()
    ClaimTally.objects.all().delete()
    ClaimDueTally.objects.all().delete()
    ClaimTally.objects.bulk_create(
        (ClaimTally(**dict(zip(TALLY_KEYS + TALLY_SUMS, (*k, *v), strict=True))) for k, v in tally.items()),
        batch_size=1000,
    )
    ClaimDueTally.objects.bulk_create(
        (ClaimDueTally(county=k[0], status=k[1], due=k[2], n=n) for k, n in due_tally.items()),
        batch_size=1000,
    )
    return len(tally), len(due_tally)
