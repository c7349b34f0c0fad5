"""Rows read and written by plain statements (dte.core.rows) convert every column as the ORM does:
dates and datetimes, JSON, booleans and foreign keys, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import UTC, date, datetime

from django.db import transaction

from dte.core import rows
from dte.subsidy.models import Claim, ClaimEvent
from tests.subsidy.conftest import SUBMIT_AT


def test_an_inserted_event_reads_back_through_the_orm_unchanged(submitted, county_reviewer):
    at = datetime(2025, 3, 5, 1, 2, 3, 456789, tzinfo=UTC)
    with transaction.atomic():
        event = rows.insert(
            ClaimEvent(
                claim=submitted,
                at=at,
                action="note",
                label="说明",
                actor=county_reviewer,
                due=date(2025, 3, 19),
                note="备注",
            ),
            ("claim", "at", "action", "label", "actor", "due", "note"),
        )
    back = ClaimEvent.objects.get(pk=event.pk)
    assert (back.at, back.due, back.actor_id, back.claim_id, back.note) == (
        at,
        date(2025, 3, 19),
        county_reviewer.pk,
        submitted.pk,
        "备注",
    )
    assert event._state.adding is False


def test_a_loaded_claim_equals_the_orms_field_by_field(submitted):
    loader = rows.Loader(Claim, "c")
    loaded = loader.one(loader.select("c", "c.id = %s"), [submitted.pk])
    orm = Claim.objects.get(pk=submitted.pk)
    for f in Claim._meta.concrete_fields:
        assert getattr(loaded, f.attname) == getattr(orm, f.attname), f.name
    assert isinstance(loaded.decision, dict) and loaded.submitted_at.tzinfo is not None
    assert loaded.submitted_at == SUBMIT_AT
    assert loader.one(loader.select("c", "c.id = %s"), [-1]) is None


def test_fields_read_under_the_lock_equal_the_orms(submitted):
    from dte.subsidy import sql

    fields = ("person_id", "status", "level_issued_on", "training_issued_on", "training_hours")
    with transaction.atomic():
        now = sql.claim_fields_for_update(submitted.pk, fields)
        assert sql.claim_fields_for_update(-1, fields) is None
    orm = Claim.objects.get(pk=submitted.pk)
    assert now == {f: getattr(orm, f) for f in fields}
    assert isinstance(now["level_issued_on"], date)
