"""Load the reference catalogues from the policy parameters (one source of truth)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction

from dte.audit import services as audit
from dte.catalog.models import County, Designation, EvaluationBody, Institution, Level, Occupation
from dte.policy.reference import Reference, load_reference


@dataclass
class LoadReport:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)

    @property
    def unchanged(self) -> bool:
        return not self.added and not self.changed

    def lines(self) -> list[str]:
        if self.unchanged:
            return ["参考数据无变化 (reference data unchanged)"]
        return [f"新增 added: {a}" for a in self.added] + [f"更新 changed: {c}" for c in self.changed]


def _upsert(report: LoadReport, model, lookup: dict, values: dict, label: str):
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model.objects.create(**lookup, **values)
        report.added.append(label)
        return obj
    changed = {k: (getattr(obj, k), v) for k, v in values.items() if getattr(obj, k) != v}
    if changed:
        for k, (_, v) in changed.items():
            setattr(obj, k, v)
        obj.save(update_fields=list(changed))
        report.changed.append(f"{label} " + ", ".join(f"{k}: {a!r} → {b!r}" for k, (a, b) in changed.items()))
    return obj


@transaction.atomic
def reference_load(*, actor=None, at: datetime, reference: Reference | None = None) -> LoadReport:
    """Create or update the catalogues from the parameters. Idempotent: a second run changes nothing.
    Designations are only ever added here; withdrawing one is the city's decision, made in the admin."""
    ref = reference or load_reference()
    report = LoadReport()
    occupations = {}
    for pos, occ in enumerate(ref.occupations.values()):
        occupations[occ.code] = _upsert(
            report,
            Occupation,
            {"code": occ.code},
            {"name": occ.name, "field": occ.field, "position": pos},
            f"职业 {occ.code} {occ.name}",
        )
    for lvl in ref.levels.values():
        _upsert(
            report,
            Level,
            {"code": lvl.code},
            {"name": lvl.name, "rank": lvl.rank, "title": lvl.title},
            f"等级 {lvl.name}",
        )
    for county in ref.counties.values():
        _upsert(
            report,
            County,
            {"code": county.code},
            {"name": county.name},
            f"县(市、区) {county.code} {county.name}",
        )
    institutions = {}
    for pos, name in enumerate(ref.institutions):
        institutions[name] = _upsert(
            report, Institution, {"name": name}, {"position": pos}, f"培训机构 {name}"
        )
    since = ref.at
    for pos, (inst, code) in enumerate(
        sorted(ref.designations, key=lambda d: (d[1], ref.institutions.index(d[0])))
    ):
        _upsert(
            report,
            Designation,
            {"institution": institutions[inst], "occupation": occupations[code]},
            {"since": since, "reference": ref.citation["designations"][:200], "position": pos},
            f"定点 {inst} · {code}",
        )
    for body in ref.evaluation_bodies.values():
        _upsert(report, EvaluationBody, {"code": body.code}, {"name": body.name}, f"评价机构 {body.name}")
    if not report.unchanged:
        audit.record(
            actor=actor,
            action="reference.load",
            object_type="catalog",
            object_id="reference",
            changes={"added": report.added, "changed": report.changed},
            at=at,
        )
    return report
