"""Parameter versions: proposed by a city officer, published when a second one approves (four
eyes), then applied to the claims. Every step audited."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import numpy as np
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from dte.audit import services as audit
from dte.core.bounds import REASON_MAX, clean_text
from dte.core.permissions import Cap, require
from dte.parameters import layer, preview, queries, selectors
from dte.parameters.models import ChangedDecision, ParameterVersion
from dte.policy import calendar, parameters
from dte.policy.compiled import compile_draft, get_policy
from dte.reports import services as reports
from dte.subsidy.models import OPEN_FOR_REVIEW, Claim
from dte.subsidy.services import claims_redecide, deadlines

DOCUMENT_MAX = 80
V = ParameterVersion.Status


def check_draft(draft: Any) -> dict[str, tuple[parameters.DatedValue, ...]]:
    """A draft (the files' shape) checked as the YAML loader checks the files, then compiled with
    the values in force; the error names the parameter and date (ValidationError ``draft``)."""
    try:
        parsed, _ = compile_draft(draft)
    except parameters.ParameterError as exc:
        raise ValidationError({"draft": f"参数草案有误:{exc}"}) from exc
    return parsed


def diff_in_force(name: str, value: parameters.DatedValue) -> list[dict[str, Any]]:
    """What the value changes against the value in force on its date (none before the first)."""
    p = parameters.get(name)
    values = p.values
    if name == calendar.HOLIDAYS:  # each year is its own: against the same year's schedule
        year = value.value.get("year") if isinstance(value.value, Mapping) else None
        values = tuple(v for v in values if isinstance(v.value, Mapping) and v.value.get("year") == year)
    earlier = [v for v in values if v.start <= value.start]
    return parameters.diff(earlier[-1] if earlier else None, value)


def _body(value: parameters.DatedValue) -> dict[str, Any]:
    """The dated value as its file has it, dates as ISO text (JSON)."""
    if isinstance(value.value, Mapping):
        return _plain({"reference": value.reference, **value.value})
    return _plain({"reference": value.reference, "value": value.value})


def _plain(v: Any) -> Any:
    if isinstance(v, Mapping):
        return {str(k.isoformat() if isinstance(k, date) else k): _plain(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_plain(x) for x in v]
    return v.isoformat() if isinstance(v, date) else v


@transaction.atomic
def propose(
    *, actor, draft: Mapping[str, Any], document: str, reason: str, at: datetime
) -> list[ParameterVersion]:
    """One version per dated value of the draft, awaiting a second officer's approval."""
    require(actor, Cap.CHANGE_PARAMETERS)
    document = clean_text(document, field="document", label="文号", max_length=DOCUMENT_MAX, line=True)
    reason = clean_text(reason, field="reason", label="调整理由", max_length=REASON_MAX)
    if not document:
        raise ValidationError({"document": "请填写依据文件的文号"})
    if not reason:
        raise ValidationError({"reason": "请填写调整理由"})
    parsed = check_draft(draft)
    out = []
    for name, values in sorted(parsed.items()):
        for value in values:
            if name == calendar.HOLIDAYS:
                _one_year_per_publication_date(value)
            v = ParameterVersion.objects.create(
                name=name,
                start=value.start,
                body=_body(value),
                document=document,
                reason=reason,
                diff=_plain(diff_in_force(name, value)),
                proposed_by=actor,
                proposed_at=at,
            )
            audit.record(
                actor=actor,
                action="parameters.propose",
                obj=v,
                at=at,
                reason=reason,
                changes={"name": name, "start": value.start, "document": document, "diff": v.diff},
            )
            out.append(v)
    return out


def _one_year_per_publication_date(value: parameters.DatedValue) -> None:
    """Holiday years are dated by their publication: two years on one date would be one value of
    the parameter, the later hiding the earlier. A revision of the same year on the same date is a
    replacement and allowed."""
    year = value.value.get("year") if isinstance(value.value, Mapping) else None
    others = ParameterVersion.objects.filter(
        name=calendar.HOLIDAYS, start=value.start, status__in=(V.DRAFT, V.PUBLISHED)
    ).values_list("body", flat=True)
    if any(b.get("year") != year for b in others):
        raise ValidationError(
            {"start": f"{value.start:%Y-%m-%d} 已有另一年度的节假日安排版本;请以该年度安排的实际发布日期区分"}
        )


def _decide_step(actor, version: ParameterVersion) -> ParameterVersion:
    require(actor, Cap.CHANGE_PARAMETERS)
    v = ParameterVersion.objects.select_for_update().get(pk=version.pk)
    if v.status != V.DRAFT:
        raise ValidationError({"status": f"该参数版本{v.get_status_display()},不能再审批"})
    return v


def approve(*, actor, version: ParameterVersion, at: datetime, note: str = "") -> ParameterVersion:
    """Publish the version: a city officer other than the proposer (four eyes). The version is
    checked again against the values now in force and previewed on the records before the write
    lock is taken (the preview of a million claims takes seconds, and writers would wait); then it
    is published, with the decided claims it would decide otherwise listed for their counties, in
    one transaction; after the commit the open claims are re-decided, each in its own (should that
    stop half-way, ``dte subsidy redecide`` finishes it: re-deciding is idempotent)."""
    require(actor, Cap.CHANGE_PARAMETERS)
    note = clean_text(note, field="note", label="审批意见", max_length=REASON_MAX)
    token = selectors.published_token()
    parsed, after = _checked(version)
    shown = preview.compare(parsed, get_policy(), after, today=at.date())
    v = _publish(actor=actor, version=version, shown=shown, token=token, note=note, at=at)
    claims_redecide(reason=f"政策参数调整({v.document})", at=at, actor=actor)
    if v.name in DUE_DATE_PARAMETERS:
        label, reason = DUE_DATE_PARAMETERS[v.name]
        deadlines.due_dates_recompute(
            at=at, every_open=True, label=label, reason=f"{reason}({v.document})", actor=actor
        )
    if v.name == PROGRAMME_START:
        reports.stages_rebuild()  # the dashboards count level certificates from the new date at once
    return v


PROGRAMME_START = "in_force"  # [P5.4] the date the dashboards count level certificates from


# The parameters the claims' due dates are reckoned with [A2.6.1]: once one is published, the due
# dates of every claim that carries them are reckoned again (a timeline and an audit entry for
# each claim whose dates move; idempotent, like the re-decision above).
DUE_DATE_PARAMETERS = {
    calendar.HOLIDAYS: (deadlines.HOLIDAYS_LABEL, "节假日安排已发布,期限按工作日重新计算"),
    "sla": ("按调整后的办理时限重新计算期限", "办理时限调整,期限重新计算"),
}


@transaction.atomic
def _publish(*, actor, version, shown: preview.Preview, token, note: str, at: datetime) -> ParameterVersion:
    v = _decide_step(actor, version)
    if v.proposed_by_id == actor.pk:
        raise PermissionDenied("参数调整须由提出人以外的另一名市局工作人员审批(双人复核)")
    if selectors.published_token() != token:
        raise ValidationError({"status": "审批期间另有参数版本发布,请刷新后重新审批"})
    v.status = V.PUBLISHED
    v.approved_by, v.approved_at, v.decision_note = actor, at, note
    v.effect = {
        k: shown.summary[k] for k in ("claims", "changed", "to_eligible", "to_ineligible", "amount_delta")
    }
    v.save()
    audit.record(
        actor=actor,
        action="parameters.approve",
        obj=v,
        at=at,
        reason=note,
        changes={"name": v.name, "start": v.start, "document": v.document, "effect": v.effect},
    )
    _list_changed_decisions(v, shown, actor=actor, at=at)
    # The next read of a parameter in this process takes the layer again: with this version once
    # committed (the open claims are re-decided under it), without it if rolled back.
    layer.SOURCE.forget()
    return v


def _checked(v: ParameterVersion):
    try:
        return compile_draft(v.as_layer())
    except parameters.ParameterError as exc:
        raise ValidationError({"draft": f"参数版本与现行参数不符:{exc}"}) from exc


def _list_changed_decisions(v: ParameterVersion, shown: preview.Preview, *, actor, at: datetime) -> int:
    """The decided claims (not open for review) the preview showed as changed: kept as decided,
    listed for the county to review (one audit entry with their ids)."""
    open_ = np.isin(shown.status, [queries.STATUSES.index(s) for s in OPEN_FOR_REVIEW])
    pick = shown.comparison.changed & ~open_
    rows = []
    counties = dict(Claim.objects.filter(pk__in=shown.ids[pick].tolist()).values_list("pk", "county_id"))
    b, a = shown.comparison.before, shown.comparison.after
    for i in np.flatnonzero(pick):
        pk = int(shown.ids[i])
        rows.append(
            ChangedDecision(
                version=v,
                claim_id=pk,
                county_id=counties[pk],
                eligible_before=bool(b.eligible[i]),
                eligible_after=bool(a.eligible[i]),
                amount_before=int(b.amount[i]),
                amount_after=int(a.amount[i]),
                created_at=at,
            )
        )
    ChangedDecision.objects.bulk_create(rows, batch_size=1000)
    if rows:
        audit.record(
            actor=actor,
            action="parameters.changed_decisions",
            obj=v,
            at=at,
            changes={"claims": [r.claim_id for r in rows[:1000]], "count": len(rows)},
        )
    return len(rows)


@transaction.atomic
def reject(*, actor, version: ParameterVersion, reason: str, at: datetime) -> ParameterVersion:
    """A second officer refuses the version (with the reason); the proposer may not."""
    v = _decide_step(actor, version)
    if v.proposed_by_id == actor.pk:
        raise PermissionDenied("提出人不能审批自己的参数调整;可撤回")
    reason = clean_text(reason, field="reason", label="驳回理由", max_length=REASON_MAX)
    if not reason:
        raise ValidationError({"reason": "请填写驳回理由"})
    v.status = V.REJECTED
    v.approved_by, v.approved_at, v.decision_note = actor, at, reason
    v.save()
    audit.record(
        actor=actor, action="parameters.reject", obj=v, at=at, reason=reason, changes={"status": "rejected"}
    )
    return v


@transaction.atomic
def withdraw(*, actor, version: ParameterVersion, at: datetime) -> ParameterVersion:
    """The proposer takes back a version not yet decided."""
    v = _decide_step(actor, version)
    if v.proposed_by_id != actor.pk:
        raise PermissionDenied("只有提出人可以撤回参数调整")
    v.status = V.WITHDRAWN
    v.save()
    audit.record(actor=actor, action="parameters.withdraw", obj=v, at=at, changes={"status": "withdrawn"})
    return v
