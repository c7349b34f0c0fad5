"""The subsidy app's hand-written SQL: the fixed statements of claim submission, the platform's
busiest write (500 claims/s asked for), on the one helper ``dte.core.rows``.

Why not the ORM: building a query through the ORM costs about 0.35 ms of Python each time, more
than the database takes to answer these; a submission runs about twenty. With these statements
(and the plain reads and inserts of accounts and audit) the in-process CPU per submission went from
about 7 to 4.5 ms (bench/claims_submit.py). Each function's docstring gives its own figure: the
ORM equivalent's time per call against this statement's, on SQLite with the records of
tests/subsidy/test_queries.py, on the development machine.

Every statement is built once per database from the models' metadata (table and column names,
and the converters Django applies to each column), so a renamed field breaks it loudly rather
than silently; values are always bound parameters. Each is tested against its ORM equivalent in
tests/subsidy/test_queries.py."""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from typing import Any

from dte.catalog.models import County, Institution, Level, Occupation
from dte.core import rows
from dte.core.rows import Loader, column, quote, table
from dte.people.models import Person
from dte.subsidy.models import (
    Claim,
    Employment,
    Evidence,
    InsuranceMonth,
    PersonStatus,
    Residence,
    Status,
    Unemployment,
)
from dte.subsidy.models.claims import claims_changed, claims_changing

# -- the claim and its person ------------------------------------------------------------------------


@cache
def _loaders(vendor: str) -> dict[str, Any]:
    del vendor  # the cache key: converters and quoting depend on the database
    related = [
        ("person", Person, "p", "JOIN", "person_id"),
        ("occupation", Occupation, "o", "JOIN", "occupation_id"),
        ("level", Level, "l", "JOIN", "level_id"),
        ("training_institution", Institution, "ti", "LEFT JOIN", "training_institution_id"),
        ("training_occupation", Occupation, "tocc", "LEFT JOIN", "training_occupation_id"),
        ("training_level", Level, "tl", "LEFT JOIN", "training_level_id"),
    ]
    claim = Loader(Claim, "c")
    parts = [(name, Loader(model, alias), join, model, alias, fk) for name, model, alias, join, fk in related]
    joins = " ".join(
        f"{join} {table(m)} {alias} ON {alias}.{quote(m._meta.pk.column)} = c.{column(Claim, fk)}"
        for _, _, join, m, alias, fk in parts
    )
    related_columns = ", ".join(p[1].columns for p in parts)
    person = Loader(Person, "p")
    return {
        "claim": claim,
        "related": [(name, loader) for name, loader, *_ in parts],
        "with_related": (
            f"SELECT {claim.columns}, {related_columns} FROM {table(Claim)} c {joins} "
            f"WHERE c.{column(Claim, 'id')} = %s"
        ),
        "person": person,
        "person_for_update": person.select("p", f"p.{column(Person, 'id')} = %s") + rows.row_lock(),
    }


def claim_with_related(pk: int) -> Claim | None:
    """The claim with its person, occupation, level and training references, in one statement.
    ORM equivalent: ``select_related`` of the six (measured: 1.2 ms by the ORM, 134 µs here)."""
    ld = _loaders(rows.vendor())
    row = rows.fetchone(ld["with_related"], [pk])
    if row is None:
        return None
    claim = ld["claim"].build(row[: ld["claim"].width])
    at = ld["claim"].width
    for name, loader in ld["related"]:
        part = row[at : at + loader.width]
        at += loader.width
        setattr(claim, name, loader.build(part) if part[0] is not None else None)
    return claim


def person_for_update(pk: int) -> Person | None:
    """The person, row locked on PostgreSQL. ORM equivalent: ``select_for_update().filter(pk=…)
    .first()`` (measured: 214 µs by the ORM, 18 µs here)."""
    ld = _loaders(rows.vendor())
    return ld["person"].one(ld["person_for_update"], [pk])


@cache
def _state_loader(vendor: str, fields: tuple[str, ...]) -> tuple[Loader, str]:
    del vendor  # the cache key
    loader = Loader(Claim, "c", only=fields)
    return loader, loader.select("c", "c.id = %s") + rows.row_lock()


def claim_fields_for_update(pk: int, fields: tuple[str, ...]) -> dict[str, Any] | None:
    """Some of the claim's fields (attnames), from the row locked on PostgreSQL (SQLite's IMMEDIATE
    transaction already holds the write lock). ORM equivalent: ``select_for_update().filter(pk=…)
    .values(*fields).first()`` (measured: 282 µs by the ORM, 12 µs here)."""
    loader, sql = _state_loader(rows.vendor(), fields)
    row = rows.fetchone(sql, [pk])
    return dict(zip(fields, loader.convert(row), strict=True)) if row is not None else None


@cache
def _evidence_sql(vendor: str) -> str:
    del vendor  # the cache key
    e = Evidence
    cols = ", ".join(column(e, f) for f in ("kind", "filename", "sha256", "size"))
    return f"SELECT {cols} FROM {table(e)} WHERE {column(e, 'claim')} = %s ORDER BY {column(e, 'id')}"


def evidence_of(claim_id: int) -> list[dict]:
    """(kind, filename, sha256, size) of the claim's evidence, in upload order. ORM equivalent:
    ``Evidence.objects.filter(claim_id=…).order_by("id").values(…)``
    (measured: 211 µs by the ORM, 11 µs here)."""
    found = rows.fetchall(_evidence_sql(rows.vendor()), [claim_id])
    return [{"kind": k, "filename": f, "sha256": h, "size": s} for k, f, h, s in found]


@cache
def _priors_sql(vendor: str) -> str:
    del vendor  # the cache key
    c = Claim
    return (
        f"SELECT c.{column(c, 'id')}, c.{column(c, 'status')}, o.{column(Occupation, 'code')}, "
        f"l.{column(Level, 'code')}, c.{column(c, 'claim_date')} FROM {table(c)} c "
        f"JOIN {table(Occupation)} o ON o.{column(Occupation, 'id')} = c.{column(c, 'occupation')} "
        f"JOIN {table(Level)} l ON l.{column(Level, 'id')} = c.{column(c, 'level')} "
        f"WHERE c.{column(c, 'person')} = %s AND c.{column(c, 'status')} <> %s AND c.{column(c, 'id')} <> %s "
        f"ORDER BY c.{column(c, 'id')}"
    )


def priors(person_id: int, exclude_pk: int | None) -> list[tuple]:
    """The person's submitted claims other than ``exclude_pk``: (pk, status, occupation code,
    level code, claim date), in id order. ORM equivalent: ``values_list`` over the two joins
    (measured: 406 µs by the ORM, 10 µs here)."""
    found = rows.fetchall(
        _priors_sql(rows.vendor()),
        [person_id, Status.DRAFT.value, exclude_pk if exclude_pk is not None else -1],
    )
    return [(pk, st, occ, lvl, rows.as_date(d)) for pk, st, occ, lvl, d in found]


@cache
def _county_sql(vendor: str) -> str:
    del vendor  # the cache key
    cols = ", ".join(column(County, f) for f in ("id", "code", "name"))
    return f"SELECT {cols} FROM {table(County)} WHERE {column(County, 'code')} = %s"


def county_by_code(code: str) -> County | None:
    """The county a claim is routed to. ORM equivalent: ``County.objects.filter(code=…).first()``
    (measured: 171 µs by the ORM, 13 µs here)."""
    row = rows.fetchone(_county_sql(rows.vendor()), [code])
    return County.from_db(rows.db().alias, ["id", "code", "name"], row) if row else None


# The columns claim submission sets.
SUBMITTED_FIELDS = (
    "status",
    "county_id",
    "claim_date",
    "submitted_at",
    "received_on",
    "decision",
    "eligible",
    "amount",
    "failed_rules",
    "fraud_flags",
    "snapshot",
    "review_due",
    "approval_due",
    "dates_provisional",
)


def claim_save_submitted(claim: Claim) -> None:
    """Write the fields that submission sets (and only those). ORM equivalent:
    ``claim.save(update_fields=SUBMITTED_FIELDS)`` (measured: 264 µs by the ORM, 85 µs here). Sends
    ``claims_changing`` and ``claims_changed`` around the write, as the ORM's writes of claims do,
    saying that the claim was a draft (checked under the submission's lock) and giving it as written
    (every field loaded), so that no listener needs to read it again."""
    fields, state = list(SUBMITTED_FIELDS), {}
    claims_changing.send(sender=Claim, pks=[claim.pk], fields=fields, state=state, drafts=True)
    rows.update(claim, SUBMITTED_FIELDS)
    claims_changed.send(sender=Claim, pks=[claim.pk], fields=fields, state=state, objects=[claim])


# -- fraud signals [A2.7], [A2.7a]: computed on every submission ---------------------------------------


@cache
def _fraud_sql(vendor: str) -> dict[str, str]:
    del vendor  # the cache key
    c, e, p = Claim, Evidence, Person
    person, status = column(c, "person"), column(c, "status")
    return {
        # Other claimants' submitted claims paid into the same account (newest first).
        "account": (
            f"SELECT {column(c, 'reference')} FROM {table(c)} WHERE {column(c, 'bank_account_hash')} = %s "
            f"AND {person} <> %s AND {status} <> %s "
            f"ORDER BY {column(c, 'created_at')} DESC, {column(c, 'id')} DESC LIMIT 10"
        ),
        # The people a phone number is known for (by its keyed hash: numbers are encrypted at
        # rest): on their person record or on a submitted claim.
        "phone": (
            f"SELECT {column(p, 'id')} FROM {table(p)} WHERE {column(p, 'phone_hash')} = %s "
            f"UNION SELECT {person} FROM {table(c)} WHERE {column(c, 'phone_hash')} = %s AND {status} <> %s"
        ),
        # Other people's claims through the same institution, submitted within the window, with a
        # file identical to one of this claim's ({hashes}: one placeholder per hash). The window is
        # read on the evidence's copies of the claim's institution and submission time, so that
        # the index evidence_identical bounds the rows to those of the window.
        "burst": (
            f"SELECT DISTINCT c.{column(c, 'reference')} FROM {table(e)} e "
            f"JOIN {table(c)} c ON c.{column(c, 'id')} = e.{column(e, 'claim')} "
            f"WHERE e.{column(e, 'sha256')} IN ({{hashes}}) AND e.{column(e, 'claim_institution')} = %s "
            f"AND e.{column(e, 'claim_submitted_at')} >= %s AND e.{column(e, 'claim_submitted_at')} <= %s "
            f"AND c.{person} <> %s ORDER BY c.{column(c, 'reference')} LIMIT 10"
        ),
    }


def shared_account_references(account_hash: str, person_id: int) -> list[str]:
    """References of other people's submitted claims paid into this account, newest first (ten at
    most). ORM equivalent: ``filter(…).exclude(…).order_by(…).values_list("reference")[:10]``
    (measured: 350 µs by the ORM, 13 µs here)."""
    sql = _fraud_sql(rows.vendor())["account"]
    return rows.values(sql, [account_hash, person_id, Status.DRAFT.value])


def phone_people(phone_hash: str) -> set[int]:
    """The people a phone number (its keyed hash) is known for: on their person record or on a
    submitted claim.
    ORM equivalent: the union of two ``values_list`` (measured: 407 µs by the ORM, 12 µs here)."""
    sql = _fraud_sql(rows.vendor())["phone"]
    return set(rows.values(sql, [phone_hash, phone_hash, Status.DRAFT.value]))


def identical_evidence_references(
    hashes: list[str], *, institution_id: int, start: datetime, end: datetime, person_id: int
) -> list[str]:
    """References of other people's claims through the same institution, submitted between
    ``start`` and ``end``, with a file whose SHA-256 is one of ``hashes`` (ten at most, by
    reference). ORM equivalent: a ``distinct`` ``values_list`` over evidence and claim
    (measured: 462 µs by the ORM, 25 µs here). The rows read are those of the window, whatever the
    institution's history (tests/subsidy/test_flat_cost.py): joined on the claim's own columns, the
    statement read every claim of the institution on PostgreSQL (about 4,150 rows a submission after
    3,000 submissions, bench/claims_submit.py)."""
    if not hashes:
        return []
    sql = _fraud_sql(rows.vendor())["burst"].format(hashes=", ".join(["%s"] * len(hashes)))
    params = [*hashes, institution_id, rows.datetime_param(start), rows.datetime_param(end), person_id]
    return rows.values(sql, params)


# -- a person's facts, read on every submission -------------------------------------------------------


@cache
def _facts_sql(vendor: str) -> str:
    del vendor  # the cache key
    county = table(County)
    code, pk = column(County, "code"), column(County, "id")

    def of(model) -> str:
        return f"{table(model)} WHERE {column(model, 'person')} = %s"

    def col(model, name: str) -> str:
        return column(model, name)

    r, u, e, s, i = Residence, Unemployment, Employment, PersonStatus, InsuranceMonth
    # The first branch names the column types (PostgreSQL resolves a UNION's types from left to right).
    return (
        f"SELECT 'r', {col(r, 'kind')}, CAST(NULL AS TEXT), {col(r, 'valid_from')}, {col(r, 'valid_to')}, "
        f"CAST(NULL AS BOOLEAN), CAST(NULL AS BOOLEAN) FROM {of(r)} "
        f"UNION ALL SELECT 'u', cu.{code}, NULL, {col(u, 'registered_on')}, {col(u, 'ended_on')}, NULL, NULL "
        f"FROM {table(u)} JOIN {county} cu ON cu.{pk} = {col(u, 'county')} WHERE {col(u, 'person')} = %s "
        f"UNION ALL SELECT 'e', {col(e, 'status')}, {col(e, 'employer')}, {col(e, 'started_on')}, "
        f"{col(e, 'ended_on')}, {col(e, 'in_wenzhou')}, {col(e, 'public_institution_staff')} FROM {of(e)} "
        f"UNION ALL SELECT 's', {col(s, 'retirement_category')}, NULL, {col(s, 'graduation_date')}, "
        f"{col(s, 'retired_on')}, {col(s, 'school_in_wenzhou')}, NULL FROM {of(s)} "
        f"UNION ALL SELECT 'i', ci.{code}, NULL, {col(i, 'month')}, NULL, NULL, NULL "
        f"FROM {table(i)} JOIN {county} ci ON ci.{pk} = {col(i, 'county')} "
        f"WHERE {col(i, 'person')} = %s AND {col(i, 'month')} <= %s"
    )


def person_fact_rows(person_id: int, month_end: date) -> list[tuple]:
    """The five kinds of a person's facts in one statement: rows of (kind, text, text, date, date,
    flag, flag), kind one of r(esidence), u(nemployment), e(mployment), s(tatus), i(nsurance month,
    up to ``month_end``). Dates and flags come back normalised (SQLite gives text and integers from
    a compound select). ORM equivalent: five reads, one per model
    (measured: 1.3 ms by the ORM, 33 µs here)."""
    found = rows.fetchall(_facts_sql(rows.vendor()), [person_id] * 5 + [month_end])
    return [
        (kind, text, text2, rows.as_date(d1), rows.as_date(d2), _flag(f1), _flag(f2))
        for kind, text, text2, d1, d2, f1, f2 in found
    ]


def _flag(value: Any) -> bool | None:
    return None if value is None else bool(value)
