"""The operations' hand-written SQL, on the connection ``dte.core.rows`` gives: the database's own
catalogue (every table and its row count, the migrations applied) and PostgreSQL's exported
snapshot, which backup and restore need and the ORM does not reach (no model describes the
catalogue). Not a hot path: no benchmark figure applies; tested by tests/ops.

Table names come from the database's catalogue and are quoted as identifiers; nothing else is
interpolated."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from dte.core import rows

Facts = tuple[dict[str, int], list[str]]  # rows per table, migrations applied ("app.name")


def kind() -> str:
    """The database the instance runs on: ``sqlite`` or ``postgresql``."""
    return rows.vendor()


def database() -> dict[str, Any]:
    """The connection's settings (NAME, HOST, PORT, USER, PASSWORD)."""
    return rows.db().settings_dict


def close() -> None:
    """Close the platform's connection (before the database is replaced underneath it)."""
    rows.db().close()


def _quoted(name: str) -> str:
    """A table name read from the database's own catalogue, as an SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def sqlite_facts(conn: sqlite3.Connection) -> Facts:
    """The facts of the SQLite database file open as ``conn`` (a copy, or the live file)."""
    tables = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    counts = {t: conn.execute(f"SELECT COUNT(*) FROM {_quoted(t)}").fetchone()[0] for t in tables}
    migrations = []
    if "django_migrations" in tables:
        found = conn.execute("SELECT app, name FROM django_migrations ORDER BY id")
        migrations = [f"{a}.{n}" for a, n in found]
    return counts, migrations


def _pg_facts(cursor: Any) -> Facts:
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename")
    tables = [r[0] for r in cursor.fetchall()]
    counts = {}
    for t in tables:
        cursor.execute(f"SELECT COUNT(*) FROM {_quoted(t)}")
        counts[t] = cursor.fetchone()[0]
    migrations = []
    if "django_migrations" in tables:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY id")
        migrations = [f"{a}.{n}" for a, n in cursor.fetchall()]
    return counts, migrations


def pg_facts() -> Facts:
    """The facts of the PostgreSQL database, as the platform's connection sees it now."""
    with rows.db().cursor() as cursor:
        return _pg_facts(cursor)


@contextmanager
def pg_snapshot() -> Iterator[tuple[str, Facts]]:
    """A read-only REPEATABLE READ transaction held open while the block runs: its exported
    snapshot's name (``pg_dump --snapshot``) and the facts as of that snapshot, so a dump of it
    and the counts agree."""
    with rows.db().cursor() as cursor:
        cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        try:
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            yield snapshot, _pg_facts(cursor)
        finally:
            cursor.execute("ROLLBACK")


# -- encrypted files, by the key version of their stored bytes (dte keys rotate) ------------------
# The ORM reads an EncryptedBinaryField decrypted; rotation needs the stored bytes and their
# version prefix (``v<N>:``), compared in SQL (substr works on SQLite blobs and PostgreSQL bytea).


def _blob(model: Any, field: str) -> tuple[str, str, str]:
    return rows.table(model), rows.column(model, field), rows.column(model, "id")


def blob_count(model: Any, field: str, *, prefix: bytes | None = None, behind: bool = False) -> int:
    """Stored files of ``model.field``: all, those whose bytes begin with ``prefix``, or (``behind``)
    those that do not."""
    table, col, _ = _blob(model, field)
    sql = f"SELECT COUNT(*) FROM {table} WHERE {col} IS NOT NULL"
    params: list = []
    if prefix is not None:
        sql += f" AND substr({col}, 1, {len(prefix)}) {'<>' if behind else '='} %s"
        params.append(prefix)
    return rows.fetchone(sql, params)[0]


def blob_ids_behind(model: Any, field: str, prefix: bytes, size: int) -> list[int]:
    """Up to ``size`` ids of files of ``model.field`` whose bytes do not begin with ``prefix``."""
    table, col, pk = _blob(model, field)
    sql = (
        f"SELECT {pk} FROM {table} WHERE {col} IS NOT NULL AND substr({col}, 1, {len(prefix)}) <> %s "
        f"ORDER BY {pk} LIMIT %s"
    )
    return rows.values(sql, [prefix, size])


def blob_read(model: Any, field: str, pk: int) -> bytes | None:
    """The stored (encrypted) bytes of one file."""
    table, col, pk_col = _blob(model, field)
    row = rows.fetchone(f"SELECT {col} FROM {table} WHERE {pk_col} = %s", [pk])
    return bytes(row[0]) if row and row[0] is not None else None


def blob_replace(model: Any, field: str, pk: int, old: bytes, new: bytes) -> None:
    """Replace one file's stored bytes, only if they are still ``old`` (a concurrent write wins)."""
    table, col, pk_col = _blob(model, field)
    sql = f"UPDATE {table} SET {col} = %s WHERE {pk_col} = %s AND {col} = %s"
    with rows.db().cursor() as cur:
        cur.execute(sql, [new, pk, old])
