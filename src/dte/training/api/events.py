"""Events: the public list, publishing and editing, registration [P2.2]."""

from __future__ import annotations

from datetime import date, datetime

from ninja import Schema, Status

from dte.core import clock
from dte.training import selectors, services
from dte.training.api.common import auth, router
from dte.training.models import Event


class EventIn(Schema):
    kind: str
    title: str
    starts_on: date
    ends_on: date
    place: str
    organiser: str
    description: str
    capacity: int | None = None  # places; none: no limit [P2.2]


class EventOut(EventIn):
    id: int
    published: bool
    registered: int


def _event_out(ev: Event) -> dict:
    return {
        "id": ev.pk,
        "kind": ev.kind,
        "title": ev.title,
        "starts_on": ev.starts_on,
        "ends_on": ev.ends_on,
        "place": ev.place,
        "organiser": ev.organiser,
        "description": ev.description,
        "capacity": ev.capacity,
        "published": ev.published,
        "registered": ev.registrations.filter(cancelled_at__isnull=True).count(),
    }


@router.get("/events", response=list[EventOut])
def list_events(request):
    return [_event_out(ev) for ev in selectors.published_events(today=clock.today())["upcoming"]]


@router.post("/events", response={201: EventOut}, **auth)
def announce_event(request, payload: EventIn):
    return Status(
        201, _event_out(services.event_announce(actor=request.auth, at=clock.now(), **payload.dict()))
    )


@router.put("/events/{pk}", response=EventOut, **auth)
def update_event(request, pk: int, payload: EventIn):
    ev = selectors.event_for(actor=request.auth, pk=pk)
    return _event_out(services.event_update(actor=request.auth, event=ev, at=clock.now(), **payload.dict()))


class EventRegistrationOut(Schema):
    event_id: int
    registered_at: datetime
    active: bool


def _registration_out(r) -> dict:
    return {"event_id": r.event_id, "registered_at": r.registered_at, "active": r.active}


@router.post("/events/{pk}/registration", response={201: EventRegistrationOut}, **auth)
def register_for_event(request, pk: int):
    ev = selectors.event_for(actor=request.auth, pk=pk)
    return Status(
        201, _registration_out(services.event_register(actor=request.auth, event=ev, at=clock.now()))
    )


@router.post(
    "/events/{pk}/registration/cancel",
    response=EventRegistrationOut,
    **auth,
)
def cancel_event_registration(request, pk: int):
    ev = selectors.event_for(actor=request.auth, pk=pk)
    return _registration_out(services.event_cancel_registration(actor=request.auth, event=ev, at=clock.now()))
