"""Hand-written SQL for claim submission, the platform's busiest write (issue 5: 500 claims/s).

Building a query through the ORM costs about 0.35 ms of Python each time, more than the database
takes to answer it; submission runs about twenty. The statements here are written once, from the
models' own metadata (table and column names, and the converters Django applies to each column),
so that a renamed field breaks them loudly rather than silently, and rows come back as ordinary
model instances. Only fixed-shape statements with scalar parameters live here; everything else
stays in the ORM."""

from __future__ import annotations

from datetime import date
from functools import cache
from typing import Any

from dte.catalog.models import County, Institution, Level, Occupation
from dte.core import rows
from dte.core.rows import Loader, db, quote
from dte.people.models import Person
from dte.subsidy.models import Claim, Evidence, Status


def _row_lock(vendor: str) -> str:
    """Lock the rows read: on PostgreSQL; SQLite's IMMEDIATE transaction already holds the write lock."""
    return " FOR UPDATE" if vendor == "postgresql" else ""


@cache
def _loaders(vendor: str) -> dict[str, Any]:
    # Cached per vendor: converters and quoting depend on the database.
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
        f"{join} {quote(m._meta.db_table)} {alias} ON {alias}.{quote(m._meta.pk.column)} = c.{quote(fk)}"
        for _, _, join, m, alias, fk in parts
    )
    table = quote(Claim._meta.db_table)
    related_columns = ", ".join(p[1].columns for p in parts)
    with_related = f"SELECT {claim.columns}, {related_columns} FROM {table} c {joins} WHERE c.id = %s"
    person = Loader(Person, "p")
    return {
        "claim": claim,
        "related": [(name, loader) for name, loader, *_ in parts],
        "with_related": with_related,
        "person": person,
        "person_for_update": person.select("p", "p.id = %s") + _row_lock(vendor),
    }


def claim_with_related(pk: int) -> Claim | None:
    """The claim with its person, occupation, level and training references (one query)."""
    conn = db()
    ld = _loaders(conn.vendor)
    with conn.cursor() as cur:
        cur.execute(ld["with_related"], [pk])
        row = cur.fetchone()
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
    ld = _loaders(db().vendor)
    return ld["person"].one(ld["person_for_update"], [pk])


def evidence_of(claim_id: int) -> list[dict]:
    """(kind, filename, sha256, size) of the claim's evidence, in upload order."""
    with db().cursor() as cur:
        cur.execute(
            f"SELECT kind, filename, sha256, size FROM {quote(Evidence._meta.db_table)} "
            "WHERE claim_id = %s ORDER BY id",
            [claim_id],
        )
        return [{"kind": k, "filename": f, "sha256": h, "size": s} for k, f, h, s in cur.fetchall()]


def _as_date(v: Any) -> date | None:
    return date.fromisoformat(v) if isinstance(v, str) else v


def priors(person_id: int, exclude_pk: int | None) -> list[tuple]:
    """The person's submitted claims other than ``exclude_pk``: (pk, status, occupation code,
    level code, claim date), in id order."""
    with db().cursor() as cur:
        cur.execute(
            f"SELECT c.id, c.status, o.code, l.code, c.claim_date FROM {quote(Claim._meta.db_table)} c "
            f"JOIN {quote(Occupation._meta.db_table)} o ON o.id = c.occupation_id "
            f"JOIN {quote(Level._meta.db_table)} l ON l.id = c.level_id "
            "WHERE c.person_id = %s AND c.status <> %s AND c.id <> %s ORDER BY c.id",
            [person_id, Status.DRAFT.value, exclude_pk if exclude_pk is not None else -1],
        )
        return [(pk, st, occ, lvl, _as_date(d)) for pk, st, occ, lvl, d in cur.fetchall()]


@cache
def _state_loader(vendor: str, fields: tuple[str, ...]) -> tuple[Loader, str]:
    loader = Loader(Claim, "c", only=fields)
    return loader, loader.select("c", "c.id = %s") + _row_lock(vendor)


def claim_fields_for_update(pk: int, fields: tuple[str, ...]) -> dict[str, Any] | None:
    """Some of the claim's fields (attnames), from the row locked on PostgreSQL (SQLite's IMMEDIATE
    transaction already holds the write lock)."""
    conn = db()
    loader, sql = _state_loader(conn.vendor, fields)
    with conn.cursor() as cur:
        cur.execute(sql, [pk])
        row = cur.fetchone()
    return dict(zip(fields, loader.convert(row), strict=True)) if row is not None else None


def county_by_code(code: str) -> County | None:
    conn = db()
    with conn.cursor() as cur:
        cur.execute(f"SELECT id, code, name FROM {quote(County._meta.db_table)} WHERE code = %s", [code])
        row = cur.fetchone()
    return County.from_db(conn.alias, ["id", "code", "name"], row) if row else None


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
    """Write the fields that submission sets (and only those)."""
    rows.update(claim, SUBMITTED_FIELDS)
