"""Competitions, forums and seminars the city announces, and the registrations for them [P2.2]."""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from dte.audit import services as audit
from dte.core.bounds import REASON_MAX, clean_text
from dte.core.permissions import Cap, require
from dte.training.models import Event, EventRegistration
from dte.training.services.common import (
    CAPACITY_MAX,
    HORIZON_YEARS,
    check_date,
    horizon,
    local_date,
    snapshot,
)

# --- events [P2.2] -------------------------------------------------------------------------------
EVENT_FIELDS = ["kind", "title", "starts_on", "ends_on", "place", "organiser", "description", "capacity"]


def _active_registrations(ev: Event) -> int:
    return ev.registrations.filter(cancelled_at__isnull=True).count()


def _check_event(
    ev: Event, *, at: datetime, dates_changed: tuple[str, ...] = ("starts_on", "ends_on")
) -> None:
    """An event's fields [P2.2]. The dates typed (all of them when announcing, the changed ones when
    editing) may not lie in the past nor beyond the horizon; the end is not before the start."""
    errors: dict[str, list[str]] = {}
    if ev.kind not in Event.Kind.values:
        errors["kind"] = ["请选择活动类型"]
    for f in ("title", "place", "organiser", "description"):
        if not getattr(ev, f).strip():
            errors[f] = ["必填"]
    labels = {"starts_on": "开始日期", "ends_on": "结束日期"}
    dates_ok = all([check_date(errors, f, getattr(ev, f), label=labels[f]) for f in labels])
    if dates_ok:
        today, latest = local_date(at), horizon(at)
        for f in dates_changed:
            value = getattr(ev, f)
            if value < today:
                errors.setdefault(f, []).append(
                    f"{labels[f]}不能早于今天({today:%Y-%m-%d}),不能发布过去的活动 [P2.2]"
                )
            elif value > latest:
                errors.setdefault(f, []).append(
                    f"{labels[f]}不能晚于 {latest:%Y-%m-%d}(自今日起{HORIZON_YEARS}年内),请核对年份"
                )
        if ev.ends_on < ev.starts_on:
            errors.setdefault("ends_on", []).append("结束日期不能早于开始日期")
    if ev.capacity is not None:
        taken = _active_registrations(ev) if ev.pk else 0
        if (
            isinstance(ev.capacity, bool)
            or not isinstance(ev.capacity, int)
            or ev.capacity < max(1, taken)
            or ev.capacity > CAPACITY_MAX
        ):
            errors["capacity"] = [
                f"报名名额应至少为 {max(1, taken)} 人(已报名 {taken} 人),至多 {CAPACITY_MAX} 人;"
                "不限名额请留空"
            ]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def event_announce(
    *,
    actor,
    kind: str,
    title: str,
    starts_on: date,
    ends_on: date,
    place: str,
    organiser: str,
    description: str,
    capacity: int | None = None,
    at: datetime,
) -> Event:
    """The city announces a competition, forum or seminar on the public site, with the number of
    places (none: no limit) [P2.2]."""
    require(actor, Cap.PUBLISH_EVENTS)
    ev = Event(
        kind=kind,
        title=title.strip(),
        starts_on=starts_on,
        ends_on=ends_on,
        place=place.strip(),
        organiser=organiser.strip(),
        description=description.strip(),
        capacity=capacity,
        published=True,
        created_by=actor,
        created_at=at,
    )
    _check_event(ev, at=at)
    ev.save()
    audit.record(
        actor=actor,
        action="training.event.announce",
        obj=ev,
        at=at,
        after={"kind": kind, "title": ev.title, "starts_on": starts_on, "capacity": capacity},
    )
    return ev


@transaction.atomic
def event_update(*, actor, event: Event, at: datetime, **changes) -> Event:
    """The city edits an event [P2.2]; the places cannot drop below those already taken."""
    require(actor, Cap.PUBLISH_EVENTS)
    ev = Event.objects.select_for_update().get(pk=event.pk)
    unknown = set(changes) - set(EVENT_FIELDS)
    if unknown:
        raise ValidationError(f"不能修改的字段:{', '.join(sorted(unknown))}")
    before = snapshot(ev, EVENT_FIELDS)
    for k, v in changes.items():
        setattr(ev, k, v.strip() if isinstance(v, str) else v)
    _check_event(
        ev, at=at, dates_changed=tuple(f for f in ("starts_on", "ends_on") if getattr(ev, f) != before[f])
    )
    ev.save()
    audit.record(
        actor=actor,
        action="training.event.update",
        obj=ev,
        before=before,
        after=snapshot(ev, EVENT_FIELDS),
        at=at,
    )
    return ev


@transaction.atomic
def event_withdraw(*, actor, event: Event, reason: str, at: datetime) -> Event:
    require(actor, Cap.PUBLISH_EVENTS)
    ev = Event.objects.select_for_update().get(pk=event.pk)
    if not ev.published:
        raise ValidationError("该活动已撤下")
    reason = clean_text(reason, field="reason", label="撤下理由", max_length=REASON_MAX)
    if not reason:
        raise ValidationError({"reason": "请填写撤下理由"})
    ev.published = False
    ev.save(update_fields=["published"])
    audit.record(
        actor=actor,
        action="training.event.withdraw",
        obj=ev,
        changes={"published": [True, False]},
        reason=reason,
        at=at,
    )
    return ev


@transaction.atomic
def event_register(*, actor, event: Event, at: datetime) -> EventRegistration:
    """A signed-in, real-name trainee registers interest in a published event, until the day it
    starts and while places remain [P2.2]. The event row is locked, so the last place goes once."""
    require(actor, Cap.ENROL_IN_TRAINING)
    if actor.person_id is None:
        raise PermissionDenied("请先完成实名注册")
    ev = Event.objects.select_for_update().get(pk=event.pk)
    if not ev.published:
        raise ValidationError("该活动已撤下,不能报名")
    if local_date(at) > ev.starts_on:
        raise ValidationError(f"活动已于 {ev.starts_on:%Y年%m月%d日} 开始,报名已结束")
    reg = EventRegistration.objects.select_for_update().filter(event=ev, person_id=actor.person_id).first()
    if reg is not None and reg.active:
        raise ValidationError("您已报名该活动")
    if ev.capacity is not None and _active_registrations(ev) >= ev.capacity:
        raise ValidationError(f"名额已满({ev.capacity}人)")
    if reg is None:
        reg = EventRegistration(event=ev, person_id=actor.person_id)
    reg.registered_at, reg.cancelled_at = at, None
    reg.save()
    audit.record(actor=actor, action="training.event.register", obj=reg, after={"event": ev.pk}, at=at)
    return reg


@transaction.atomic
def event_cancel_registration(*, actor, event: Event, at: datetime) -> EventRegistration:
    """The trainee cancels a registration; the place becomes free [P2.2]."""
    require(actor, Cap.ENROL_IN_TRAINING)
    ev = Event.objects.select_for_update().get(pk=event.pk)
    reg = EventRegistration.objects.select_for_update().filter(event=ev, person_id=actor.person_id).first()
    if reg is None or not reg.active:
        raise ValidationError("您没有报名该活动")
    if local_date(at) > ev.ends_on:
        raise ValidationError("活动已结束,不能取消报名")
    reg.cancelled_at = at
    reg.save(update_fields=["cancelled_at"])
    audit.record(
        actor=actor,
        action="training.event.cancel_registration",
        obj=reg,
        changes={"cancelled_at": [None, at]},
        at=at,
    )
    return reg
