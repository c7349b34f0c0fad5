"""Model instances from hand-written SQL, for the few hot paths where building the query through
the ORM costs more than the database's answer (claim submission, session and user loading).

``Loader`` takes a model's concrete columns from its metadata, so a renamed field cannot silently
drift from the statement, and applies the converters the ORM itself would (dates, datetimes and
JSON come back as text on SQLite, booleans as integers)."""

from __future__ import annotations

from functools import cache

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model


def db() -> BaseDatabaseWrapper:
    """The default database's connection object itself: ``django.db.connection`` is a proxy that
    looks the connection up again on every attribute (about 1.5 µs each, some 70 a submission)."""
    return connections[DEFAULT_DB_ALIAS]


@cache
def quote(name: str) -> str:
    # SQLite and PostgreSQL, the two databases the platform runs on, quote names alike.
    return connection.ops.quote_name(name)


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
        with db().cursor() as cur:
            cur.execute(sql, params)
            row = cur.fetchone()
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
