import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from dte.audit import services as audit
from dte.audit.models import AuditEntry


def _write(n, at):
    for i in range(n):
        with transaction.atomic():
            audit.record(
                actor=None,
                action="test.write",
                object_type="thing",
                object_id=str(i),
                before={"v": i},
                after={"v": i + 1},
                at=at,
            )


def test_each_entry_carries_the_hash_of_the_previous_one(db, at):
    _write(3, at)
    a, b, c = AuditEntry.objects.order_by("id")
    assert a.prev_hash == audit.GENESIS
    assert b.prev_hash == a.hash and c.prev_hash == b.hash
    assert a.changes == {"v": [0, 1]}


def test_an_intact_chain_verifies(db, at):
    _write(5, at)
    r = audit.verify()
    assert r.ok and r.checked == 5


def _drop_guard(cur):
    """What a database owner bent on tampering would do first."""
    if connection.vendor == "postgresql":
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no deferred checks may be pending for ALTER TABLE
        cur.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER audit_append_only")
    else:
        cur.execute("DROP TRIGGER audit_append_only")


def test_the_database_itself_refuses_to_update_the_log(db, at):
    _write(1, at)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cur:
        cur.execute("UPDATE audit_auditentry SET action = 'tampered'")
    assert AuditEntry.objects.get().action == "test.write"


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite guards updates only (see migration 0002)"
)
def test_postgresql_refuses_to_delete_from_the_log(db, at):
    _write(1, at)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cur:
        cur.execute("DELETE FROM audit_auditentry")


def test_a_row_edited_behind_the_logs_back_is_named_by_verify(db, at):
    _write(5, at)
    third = AuditEntry.objects.order_by("id")[2]
    with connection.cursor() as cur:
        _drop_guard(cur)
        cur.execute("UPDATE audit_auditentry SET changes = %s WHERE id = %s", ['{"v": [0, 999]}', third.pk])
    r = audit.verify()
    assert not r.ok
    assert r.first_broken == third.pk
    assert r.checked == 2
    with pytest.raises(CommandError, match=f"#{third.pk}"):
        call_command("audit", "verify")


def test_a_deleted_row_breaks_the_chain_at_the_next_entry(db, at):
    _write(4, at)
    rows = list(AuditEntry.objects.order_by("id"))
    with connection.cursor() as cur:
        _drop_guard(cur)
        cur.execute("DELETE FROM audit_auditentry WHERE id = %s", [rows[1].pk])
    assert audit.verify().first_broken == rows[2].pk


def test_the_log_refuses_updates_and_deletes_through_the_orm(db, at):
    _write(1, at)
    e = AuditEntry.objects.get()
    e.action = "tampered"
    with pytest.raises(PermissionError):
        e.save()
    with pytest.raises(PermissionError):
        e.delete()


def test_recording_outside_a_transaction_is_a_programming_error(transactional_db, at):
    with pytest.raises(RuntimeError):
        audit.record(actor=None, action="x", object_type="t", object_id="1", at=at)
