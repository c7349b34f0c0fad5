"""The audited save: a row and its audit entry written together, the entry naming the fields that
changed before and after."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dte.audit import services as audit
from dte.audit.models import AuditEntry
from dte.catalog.models import County


@pytest.fixture
def county(db):
    return County.objects.create(code="330399", name="试验区")


def test_values_are_set_saved_alone_and_recorded_before_and_after(county, at):
    with CaptureQueriesContext(connection) as queries:
        audit.audited_save(
            obj=county,
            actor=None,
            action="test.rename",
            at=at,
            values={"name": "新区"},
            noted={"why": "merger"},
            reason="区划调整",
        )
    update = next(q["sql"] for q in queries if q["sql"].startswith("UPDATE"))
    assert '"name"' in update and '"code"' not in update  # only the fields set here
    county.refresh_from_db()
    assert county.name == "新区"
    entry = AuditEntry.objects.get()
    assert entry.action == "test.rename" and entry.object_id == str(county.pk)
    assert entry.changes == {"name": ["试验区", "新区"], "why": [None, "merger"]}
    assert entry.reason == "区划调整"


def test_only_the_audited_fields_enter_the_entry(county, at):
    audit.audited_save(
        obj=county,
        actor=None,
        action="test.edit",
        at=at,
        values={"name": "新区", "code": "330398"},
        audited=["code"],
    )
    assert AuditEntry.objects.get().changes == {"code": ["330399", "330398"]}


def test_fields_the_caller_changed_are_read_back_from_the_database(county, at):
    county.name = "改名区"  # as an admin form leaves it
    audit.audited_save(obj=county, actor=None, action="test.edit", at=at, changed_fields=["name"], clean=True)
    assert AuditEntry.objects.get().changes == {"name": ["试验区", "改名区"]}


def test_a_row_that_fails_its_validation_is_neither_saved_nor_recorded(county, at):
    county.name = "名" * 21
    with pytest.raises(ValidationError):
        audit.audited_save(
            obj=county, actor=None, action="test.edit", at=at, changed_fields=["name"], clean=True
        )
    county.refresh_from_db()
    assert county.name == "试验区" and not AuditEntry.objects.exists()


def test_a_new_row_is_recorded_with_its_values(db, at):
    audit.admin_save(
        obj=County(code="330397", name="新设区"), actor=None, changed_fields=["code", "name"], at=at
    )
    entry = AuditEntry.objects.get()
    assert entry.action == "catalog.create"
    assert entry.changes == {"code": [None, "330397"], "name": [None, "新设区"]}
