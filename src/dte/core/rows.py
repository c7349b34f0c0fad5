"""The one helper of the platform's hand-written SQL: every cursor, every quoted name and every
difference between the two databases the platform runs on (SQLite and PostgreSQL) is here. The
statements themselves live in each app's ``queries.py``, which says why each one is not the ORM and
the measured figure that justifies it; ruff's banned-api rule (TID251) keeps ``django.db.connection``
and ``RawSQL`` out of every other module.

``Loader`` takes a model's concrete columns from its metadata, so a renamed field cannot silently
drift from the statement, and applies the converters the ORM itself would (dates, datetimes and
JSON come back as text on SQLite, booleans as integers). ``table`` and ``column`` quote names read
from the models' metadata; values are always bound parameters."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model


def db() -> BaseDatabaseWrapper:
    """The default database's connection object itself: ``django.db.connection`` is a proxy that
    looks the connection up again on every attribute (about 1.5 µs each, some 70 a submission)."""
    return connections[DEFAULT_DB_ALIAS]


def vendor() -> str:
    """``"sqlite"`` or ``"postgresql"``: the cache key of statements built once per database."""
    return db().vendor


@cache
def quote(name: str) -> str:
    # SQLite and PostgreSQL, the two databases the platform runs on, quote names alike.
    return connection.ops.quote_name(name)


def table(model: type[Model]) -> str:
    """The model's table name, quoted."""
    return quote(model._meta.db_table)


def column(model: type[Model], field: str) -> str:
    """The column of one of the model's fields (a name or an attname), quoted."""
    return quote(model._meta.get_field(field).column)


# -- running statements --------------------------------------------------------------------------


def fetchall(sql: str, params: list | tuple = ()) -> list[tuple]:
    with db().cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


def fetchone(sql: str, params: list | tuple = ()) -> tuple | None:
    with db().cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchone()


def values(sql: str, params: list | tuple = ()) -> list:
    """The first column of every row."""
    return [row[0] for row in fetchall(sql, params)]


def datetime_param(value: datetime) -> Any:
    """A datetime as the database compares it with a stored one (UTC text on SQLite)."""
    return db().ops.adapt_datetimefield_value(value)


def as_date(value: Any) -> date | None:
    """A date column read outside a model: SQLite gives text (from a compound select, a
    subquery or an aggregate), PostgreSQL a date."""
    return date.fromisoformat(value[:10]) if isinstance(value, str) else value


# -- where SQLite and PostgreSQL differ -----------------------------------------------------------


def row_lock() -> str:
    """The clause that locks the rows a SELECT reads: ``FOR UPDATE`` on PostgreSQL; SQLite's
    IMMEDIATE transaction already holds the write lock."""
    return " FOR UPDATE" if vendor() == "postgresql" else ""


def as_int(condition: str) -> str:
    """SQL: ``condition`` as 1 or 0 (NULL when unknown), to be summed."""
    return f"({condition})::int" if vendor() == "postgresql" else f"({condition})"


def year_of(expression: str) -> str:
    """SQL: the year of a date expression, as an integer."""
    if vendor() == "postgresql":
        return f"EXTRACT(YEAR FROM {expression})::int"
    return f"CAST(substr({expression}, 1, 4) AS integer)"


def local_date_on_or_before(stamp: str, due: str) -> tuple[str, list]:
    """SQL and its parameters: 1 when the local date (``TIME_ZONE``) of timestamp column ``stamp``
    is on or before date column ``due``, 0 when after, NULL when either is missing. On SQLite,
    timestamps are UTC text: the local date is on or before ``due`` exactly when the UTC time is
    before ``due`` + (24 h − UTC offset), a plain text comparison (no date function per row)."""
    if vendor() == "postgresql":
        return f"(({stamp} AT TIME ZONE %s)::date <= {due})::int", [settings.TIME_ZONE]
    hours = int(datetime(2000, 1, 1, tzinfo=ZoneInfo(settings.TIME_ZONE)).utcoffset().total_seconds() // 3600)
    return f"({stamp} < {due} || ' {24 - hours:02d}:00:00')", []


def advisory_lock(key: int) -> None:
    """Serialise the writers of one resource until the transaction ends: a PostgreSQL advisory
    lock; nothing on SQLite, whose IMMEDIATE transactions already serialise every writer."""
    if vendor() == "postgresql":
        with db().cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", [key])


@contextmanager
def scan_cursor() -> Iterator[Any]:
    """A cursor for one large read. On SQLite it reads the file through memory-mapped I/O (a third
    faster on the dashboard's million claims, bench/oversight_dashboard.py); this changes only how
    this connection reads the file."""
    conn = db()
    with conn.cursor() as cur:
        if conn.vendor == "sqlite":
            cur.execute("PRAGMA mmap_size=268435456")
        yield cur


# -- model rows ----------------------------------------------------------------------------------


class Loader:
    """The concrete columns of one model under a table alias, and how to turn a row of them into an
    instance. Build one per database vendor (quoting and converters depend on it)."""

    def __init__(self, model: type[Model], alias: str, only: tuple[str, ...] = ()) -> None:
        """``only``: these fields (names or attnames) instead of every concrete one; such a loader
        gives converted values (``convert``), not instances."""
        self.model = model
        self.alias = connection.alias
        fields = [model._meta.get_field(name) for name in only] if only else model._meta.concrete_fields
        self.columns = ", ".join(f"{alias}.{quote(f.column)}" for f in fields)
        self.width = len(fields)
        self.converters = []
        for i, f in enumerate(fields):
            col = f.get_col(alias)
            convs = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
            if convs:
                self.converters.append((i, col, convs))

    def convert(self, row: tuple | list) -> list:
        """The row's values as the ORM would give them."""
        values = list(row)
        for i, col, convs in self.converters:
            v = values[i]
            for conv in convs:
                v = conv(v, col, connection)
            values[i] = v
        return values

    def build(self, row: tuple | list) -> Model:
        return self.model.from_db(self.alias, None, self.convert(row))

    def select(self, alias: str, where: str) -> str:
        """``SELECT <columns> FROM <table> <alias> WHERE <where>``."""
        return f"SELECT {self.columns} FROM {quote(self.model._meta.db_table)} {alias} WHERE {where}"

    def one(self, sql: str, params: list) -> Model | None:
        row = fetchone(sql, params)
        return self.build(row) if row is not None else None


@cache
def _insert_sql(model: type[Model], fields: tuple[str, ...], vendor: str) -> tuple[str, list]:
    del vendor  # the cache key: quoting depends on the database
    meta = model._meta
    columns = [meta.get_field(name) for name in fields]
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in columns)}) "
        f"VALUES ({', '.join(['%s'] * len(columns))}) RETURNING {quote(meta.pk.column)}"
    )
    return sql, columns


def insert(obj: Model, fields: tuple[str, ...]) -> Model:
    """Insert an unsaved instance's ``fields`` in one statement (no signals, no ORM compiler) and
    give it its primary key. Values go through each field's own preparation for the database, as
    ``save()`` would; database defaults and ``pre_save`` hooks (auto_now) are not applied, so pass
    every column that needs a value."""
    conn = db()
    sql, columns = _insert_sql(type(obj), fields, conn.vendor)
    params = [f.get_db_prep_save(getattr(obj, f.attname), conn) for f in columns]
    with conn.cursor() as cur:
        cur.execute(sql, params)
        obj.pk = cur.fetchone()[0]
    obj._state.adding = False
    obj._state.db = conn.alias
    return obj


@cache
def _update_sql(model: type[Model], fields: tuple[str, ...], vendor: str) -> tuple[str, list]:
    del vendor  # the cache key: quoting depends on the database
    meta = model._meta
    columns = [meta.get_field(name) for name in fields]
    sets = ", ".join(f"{quote(f.column)} = %s" for f in columns)
    return f"UPDATE {quote(meta.db_table)} SET {sets} WHERE {quote(meta.pk.column)} = %s", columns


def update(obj: Model, fields: tuple[str, ...]) -> None:
    """Write a saved instance's ``fields`` (and only those) in one statement, each value prepared
    by its field as ``save(update_fields=…)`` would; no signals, no ``pre_save`` hooks."""
    conn = db()
    sql, columns = _update_sql(type(obj), fields, conn.vendor)
    params = [f.get_db_prep_save(getattr(obj, f.attname), conn) for f in columns]
    with conn.cursor() as cur:
        cur.execute(sql, [*params, obj.pk])


# -- what a piece of work reads (tests and benches: the cost of a request, flat in the data) -------


class ReadCost:
    """What the statements run inside ``read_cost()`` read: on PostgreSQL the rows and index
    entries returned by scans and the buffer pages requested (the statistics of the current
    transaction); on SQLite the virtual machine's steps (every row visited costs steps; a seek
    in an index is one step whatever the depth of the tree). ``units`` is the figure to compare."""

    def __init__(self, vendor_name: str) -> None:
        self.vendor = vendor_name
        self.rows = 0  # PostgreSQL: tuples returned by sequential and index scans
        self.blocks = 0  # PostgreSQL: buffer pages requested (hits and reads)
        self.steps = 0  # SQLite: virtual machine steps

    @property
    def units(self) -> int:
        return self.rows if self.vendor == "postgresql" else self.steps

    def __repr__(self) -> str:
        if self.vendor == "postgresql":
            return f"ReadCost(rows={self.rows}, blocks={self.blocks})"
        return f"ReadCost(steps={self.steps})"


_PG_READ_COST = (
    "SELECT COALESCE(SUM(pg_stat_get_xact_tuples_returned(c.oid)), 0)::bigint, "
    "COALESCE(SUM(pg_stat_get_xact_blocks_fetched(c.oid)), 0)::bigint "
    "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'i')"
)


@contextmanager
def read_cost(*, as_if_large: bool = False) -> Iterator[ReadCost]:
    """Measure what the database reads for the work done inside the block, which runs in one
    transaction (on PostgreSQL the counters are the current transaction's; inner ``atomic`` blocks
    become savepoints). For tests and benchmarks, never in a request.

    ``as_if_large``: on PostgreSQL, plan as for large tables (``enable_seqscan`` off for the block),
    so that a test's small tables are read through the indexes a large database would use; a
    statement that no index bounds still scans its table and shows in the figure. SQLite plans
    without table statistics: it always takes a usable index."""
    conn = db()
    cost = ReadCost(conn.vendor)
    with transaction.atomic():
        if conn.vendor == "postgresql":
            if as_if_large:
                with conn.cursor() as cur:
                    cur.execute("SET LOCAL enable_seqscan = off")
            before = fetchone(_PG_READ_COST)
            yield cost
            after = fetchone(_PG_READ_COST)
            cost.rows, cost.blocks = after[0] - before[0], after[1] - before[1]
            return
        raw = conn.connection

        def step() -> int:
            cost.steps += 1
            return 0

        raw.set_progress_handler(step, 1)
        try:
            yield cost
        finally:
            raw.set_progress_handler(None, 1)
