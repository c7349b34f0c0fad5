import sqlite3
import threading

import pytest
from django.db import OperationalError, connection, transaction

from dte.catalog.models import County

pytestmark = pytest.mark.skipif(connection.vendor != "sqlite", reason="the embedded SQLite backend")


def _hold_write_lock():
    """Another process's writer: a second connection to the same file holding the write lock."""
    other = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    return other


def _busy_timeout() -> int:
    with connection.cursor() as cur:
        cur.execute("PRAGMA busy_timeout")
        return cur.fetchone()[0]


def test_a_writer_waits_for_the_write_lock_and_gets_it_when_it_is_released(transactional_db):
    connection.ensure_connection()
    other = _hold_write_lock()
    release = threading.Timer(0.2, other.commit)
    release.start()
    try:
        with transaction.atomic():
            County.objects.create(code="339999", name="测试县")
    finally:
        release.join()
        other.close()
    assert County.objects.filter(code="339999").exists()
    assert _busy_timeout() == 20000  # SQLite's own busy handler is back for every other statement


def test_a_writer_gives_up_with_database_is_locked_after_the_timeout(transactional_db, monkeypatch):
    connection.ensure_connection()
    monkeypatch.setitem(connection.settings_dict["OPTIONS"], "timeout", 0.3)
    other = _hold_write_lock()
    try:
        with pytest.raises(OperationalError, match="database is locked"):
            with transaction.atomic():
                County.objects.create(code="339998", name="测试县")
    finally:
        other.rollback()
        other.close()
    assert connection.get_autocommit() and not connection.in_atomic_block
    assert _busy_timeout() == 300
    assert not County.objects.filter(code="339998").exists()
    with transaction.atomic():  # the connection is still usable once the lock is free
        County.objects.create(code="339998", name="测试县")


def test_placeholders_are_converted_once_per_statement_and_literal_percents_kept(db, monkeypatch):
    from dte.sqlite import base

    monkeypatch.setattr(base, "_QMARK", {})
    monkeypatch.setattr(base, "_QMARK_MAX", 2)
    sql = "SELECT %s || '%%', %s"
    with connection.cursor() as cur:
        cur.execute(sql, ["a", "b"])
        assert cur.fetchone() == ("a%", "b")
        assert base._QMARK == {sql: "SELECT ? || '%', ?"}
        cur.execute(sql, ["c", "d"])
        assert cur.fetchone() == ("c%", "d")
        cur.execute("SELECT %(x)s", {"x": 1})  # named parameters are not remembered
        assert cur.fetchone() == (1,)
        cur.execute("SELECT %s + 1", [1])
        cur.execute("SELECT %s + 2", [1])  # full: emptied, then remembered again
        assert cur.fetchone() == (3,)
        assert len(base._QMARK) == 1
