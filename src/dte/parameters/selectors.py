"""The reads of parameter versions, scoped by the actor."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Max, QuerySet

from dte.core.permissions import Cap, can
from dte.parameters.models import ChangedDecision, ParameterVersion


def published_token() -> Hashable:
    """What changes whenever a version is published: the published versions' count and latest id."""
    row = ParameterVersion.objects.filter(status=ParameterVersion.Status.PUBLISHED).aggregate(
        n=Count("id"), last=Max("id")
    )
    return (row["n"], row["last"])


def published_layer() -> dict[str, Any]:
    """The published versions as a mapping of the files' shape, in order of approval (a later
    version for the same parameter and date replaces an earlier one)."""
    out: dict[str, Any] = {}
    published = ParameterVersion.objects.filter(status=ParameterVersion.Status.PUBLISHED)
    for name, start, body in published.order_by("approved_at", "id").values_list("name", "start", "body"):
        out.setdefault(name, {"values": {}})["values"][start.isoformat()] = body
    return out


def _may_read(actor) -> None:
    if not (can(actor, Cap.CHANGE_PARAMETERS) or can(actor, Cap.SUPERVISE_CITY)):
        raise PermissionDenied("当前账号无权查看政策参数版本")


def versions(*, actor, name: str | None = None) -> QuerySet[ParameterVersion]:
    """Every version (newest first), or those of one parameter: the history."""
    _may_read(actor)
    qs = ParameterVersion.objects.select_related("proposed_by", "approved_by")
    return qs.filter(name=name) if name else qs


def version(*, actor, pk: int) -> ParameterVersion | None:
    return versions(actor=actor).filter(pk=pk).first()


def changed_decisions(*, actor) -> QuerySet[ChangedDecision]:
    """The decided claims a published version would have decided otherwise, for review: the
    county's own (its reviewers and approvers), or all of them (the city)."""
    qs = ChangedDecision.objects.select_related("version", "claim", "county")
    if can(actor, Cap.SUPERVISE_CITY):
        return qs
    if can(actor, Cap.REVIEW_CLAIMS) or can(actor, Cap.APPROVE_CLAIMS):
        return qs.filter(county_id=actor.county_id)
    raise PermissionDenied("当前账号无权查看参数调整后需复核的申领")
