"""The hand-written statement of dte.audit.queries gives what its ORM equivalent gives."""

from __future__ import annotations

from django.db import transaction

from dte.audit import queries
from dte.audit import services as audit
from dte.audit.models import AuditEntry


def orm_chain_tail() -> str | None:
    return AuditEntry.objects.order_by("-id").values_list("hash", flat=True).first()


def test_the_chain_tail_equals_the_orms(db, at):
    AuditEntry.objects.all().delete()  # the reference data writes entries of its own
    with transaction.atomic():
        assert queries.chain_tail() is None and orm_chain_tail() is None
    for i in range(3):
        with transaction.atomic():
            entry = audit.record(actor=None, action="test.write", object_type="t", object_id=str(i), at=at)
            assert queries.chain_tail() == orm_chain_tail() == entry.hash
