"""The audit log records a bounded reason: a 100,000-character reason is refused with the
step it records, never stored cut; the chain stays whole."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from dte.audit import services as audit
from dte.audit.models import AuditEntry
from dte.core.bounds import AUDIT_REASON_MAX


def test_a_reason_over_the_limit_is_refused_and_nothing_is_recorded(db, at):
    with pytest.raises(ValidationError, match=f"理由不能超过{AUDIT_REASON_MAX}个字"):
        with transaction.atomic():
            audit.record(
                actor=None, action="test.step", object_type="x", object_id="1", reason="理" * 100_000, at=at
            )
    assert not AuditEntry.objects.exists()


def test_a_reason_at_the_limit_is_recorded_whole_and_the_chain_holds(db, at):
    with transaction.atomic():
        audit.record(
            actor=None,
            action="test.step",
            object_type="x",
            object_id="1",
            reason="理" * AUDIT_REASON_MAX,
            at=at,
        )
    assert len(AuditEntry.objects.get().reason) == AUDIT_REASON_MAX
    assert audit.verify().ok
