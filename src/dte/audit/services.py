"""Writes to the audit log. Every service that writes calls ``record`` inside its own transaction,
so the entry and the change it describes are committed together or not at all."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from dte.audit import queries
from dte.audit.models import AuditEntry
from dte.core import rows
from dte.core.bounds import AUDIT_REASON_MAX

GENESIS = "0" * 64


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    return value


def entry_hash(
    *,
    prev_hash: str,
    at: datetime,
    actor_id: int | None,
    actor_label: str,
    action: str,
    object_type: str,
    object_id: str,
    changes: dict,
    reason: str,
) -> str:
    payload = json.dumps(
        {
            "prev": prev_hash,
            "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
            "actor": actor_id,
            "actor_label": actor_label,
            "action": action,
            "object": [object_type, object_id],
            "changes": changes,
            "reason": reason,
        },
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def diff(before: dict[str, Any] | None, after: dict[str, Any] | None) -> dict[str, Any]:
    """The fields that changed, as {field: [before, after]}."""
    before, after = before or {}, after or {}
    out = {}
    for key in sorted(set(before) | set(after)):
        b, a = _jsonable(before.get(key)), _jsonable(after.get(key))
        if b != a:
            out[key] = [b, a]
    return out


_FIELDS = (
    "at",
    "actor",
    "actor_label",
    "action",
    "object_type",
    "object_id",
    "changes",
    "reason",
    "prev_hash",
    "hash",
)


def _chain_tail() -> str:
    """The hash of the last entry, the chain held for the caller's transaction (plain SQL:
    dte.audit.queries, which says why)."""
    return queries.chain_tail() or GENESIS


def _actor_label(actor) -> str:
    label = str(actor) if actor is not None else "system"
    return getattr(actor, "username", None) or label


def record(
    *,
    actor,
    action: str,
    obj=None,
    object_type: str = "",
    object_id: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    changes: dict[str, Any] | None = None,
    reason: str = "",
    at: datetime,
) -> AuditEntry:
    """Append one entry. Must run inside the caller's transaction (``transaction.atomic``)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record must be called inside the writing transaction")
    if len(reason) > AUDIT_REASON_MAX:
        # A last line behind the services' own bounds (dte.core.bounds): refused, never cut, so
        # the step it records is refused with it.
        raise ValidationError({"reason": f"理由不能超过{AUDIT_REASON_MAX}个字"})
    if obj is not None:
        object_type = object_type or obj._meta.label
        object_id = object_id or str(obj.pk)
    if changes is None:
        changes = diff(before, after)
    changes = _jsonable(changes)
    prev_hash = _chain_tail()
    actor_id = getattr(actor, "pk", None)
    actor_label = _actor_label(actor)
    h = entry_hash(
        prev_hash=prev_hash,
        at=at,
        actor_id=actor_id,
        actor_label=actor_label,
        action=action,
        object_type=object_type,
        object_id=object_id,
        changes=changes,
        reason=reason,
    )
    entry = AuditEntry(
        at=at,
        actor_id=actor_id,
        actor_label=actor_label,
        action=action,
        object_type=object_type,
        object_id=object_id,
        changes=changes,
        reason=reason,
        prev_hash=prev_hash,
        hash=h,
    )
    return rows.insert(entry, _FIELDS)


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    first_broken: int | None = None
    problem: str = ""


def verify(*, chunk: int = 2000) -> VerifyResult:
    """Recompute the chain. Names the first entry whose content, link or order does not hold."""
    prev = GENESIS
    checked = 0
    last_id = 0
    while True:
        rows = list(AuditEntry.objects.filter(id__gt=last_id).order_by("id")[:chunk])
        if not rows:
            return VerifyResult(ok=True, checked=checked)
        for e in rows:
            if e.prev_hash != prev:
                return VerifyResult(False, checked, e.pk, "上一条哈希不符(条目被删除或插入)")
            h = entry_hash(
                prev_hash=e.prev_hash,
                at=e.at,
                actor_id=e.actor_id,
                actor_label=e.actor_label,
                action=e.action,
                object_type=e.object_type,
                object_id=e.object_id,
                changes=e.changes,
                reason=e.reason,
            )
            if h != e.hash:
                return VerifyResult(False, checked, e.pk, "内容哈希不符(条目被修改)")
            prev = e.hash
            checked += 1
            last_id = e.pk


@transaction.atomic
def audited_save(
    *,
    obj,
    actor,
    action: str,
    at: datetime,
    values: Mapping[str, Any] | None = None,
    changed_fields: Iterable[str] | None = None,
    audited: Iterable[str] | None = None,
    noted: Mapping[str, Any] | None = None,
    reason: str = "",
    clean: bool = False,
):
    """Save one row and record the change with its audit entry, in the same transaction.

    Either ``values`` (field: new value) are set here, the before-values read from the object first
    and only those fields saved; or the caller has already set ``changed_fields`` (an admin form),
    the before-values are read from the database and the whole row is saved. The entry records
    ``audited`` (by default every changed field) before and after, plus ``noted`` (values that are
    no field of their own, or did not change) in the after-values; ``clean`` runs ``full_clean``
    before saving. Returns the object."""
    creating = obj.pk is None
    fields = list(values) if values is not None else list(changed_fields or ())
    audited = list(audited) if audited is not None else fields
    if creating:
        before: dict[str, Any] = {}
    elif values is None:
        before = dict(type(obj)._base_manager.filter(pk=obj.pk).values(*audited).first() or {})
    else:
        before = _field_values(obj, audited)
    for name, value in (values or {}).items():
        setattr(obj, name, value)
    if clean:
        obj.full_clean()
    if creating or values is None:
        obj.save()
    else:
        obj.save(update_fields=fields)
    after = {**_field_values(obj, audited), **(noted or {})}
    record(actor=actor, action=action, obj=obj, before=before, after=after, reason=reason, at=at)
    return obj


def _field_values(obj, names: Iterable[str]) -> dict[str, Any]:
    return {name: getattr(obj, obj._meta.get_field(name).attname) for name in names}


def admin_save(*, obj, actor, changed_fields: list[str], at: datetime) -> None:
    """Save a row edited in the admin (catalogues by the city bureau), with its audit entry in the
    same transaction."""
    audited_save(
        obj=obj,
        actor=actor,
        action="catalog.change" if obj.pk is not None else "catalog.create",
        at=at,
        changed_fields=changed_fields,
        clean=True,
    )
