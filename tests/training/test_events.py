"""Events [P2.2]: the city announces and edits competitions, forums and seminars; signed-in trainees
register interest while places remain."""

import json
from datetime import date
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from dte.audit.models import AuditEntry
from dte.training import services
from dte.training.models import EventRegistration
from tests.training import helpers as h


def announce(city, **kw):
    fields = {
        "kind": "competition",
        "title": "温州市数字技术技能大赛",
        "starts_on": date(2025, 5, 20),
        "ends_on": date(2025, 5, 21),
        "place": "温州国际会展中心",
        "organiser": "温州市人力资源和社会保障局",
        "description": "以赛促学",
        "capacity": 2,
        **kw,
    }
    return services.event_announce(actor=city, at=h.AT, **fields)


@pytest.fixture
def event(city_officer):
    return announce(city_officer)


def test_the_city_edits_an_event_and_the_change_is_audited(city_officer, event):
    ev = services.event_update(
        actor=city_officer, event=event, title="温州市数字技术技能大赛(决赛)", capacity=50, at=h.AT
    )
    assert ev.title == "温州市数字技术技能大赛(决赛)" and ev.capacity == 50
    entry = AuditEntry.objects.get(action="training.event.update", object_id=str(ev.pk))
    assert entry.changes["capacity"] == [2, 50]


def test_only_the_city_edits_events(institution_staff, trainee, event):
    for actor in (institution_staff, trainee):
        with pytest.raises(PermissionDenied):
            services.event_update(actor=actor, event=event, title="改名", at=h.AT)


def test_an_edit_cannot_end_before_it_starts_or_cut_places_below_those_taken(
    city_officer, event, trainee, outsider
):
    with pytest.raises(ValidationError, match="结束日期不能早于开始日期"):
        services.event_update(actor=city_officer, event=event, ends_on=date(2025, 5, 1), at=h.AT)
    services.event_register(actor=trainee, event=event, at=h.AT)
    services.event_register(actor=outsider, event=event, at=h.AT)
    with pytest.raises(ValidationError, match=r"报名名额应至少为 2 人\(已报名 2 人\)"):
        services.event_update(actor=city_officer, event=event, capacity=1, at=h.AT)
    assert services.event_update(actor=city_officer, event=event, capacity=None, at=h.AT).capacity is None


def test_trainees_register_interest_until_the_places_are_taken(event, trainee, outsider, make_person):
    services.event_register(actor=trainee, event=event, at=h.AT)
    with pytest.raises(ValidationError, match="您已报名该活动"):
        services.event_register(actor=trainee, event=event, at=h.AT)
    services.event_register(actor=outsider, event=event, at=h.AT)
    third = h.trainee_account(make_person, "林雅琪", 701)
    with pytest.raises(ValidationError, match=r"名额已满\(2人\)"):
        services.event_register(actor=third, event=event, at=h.AT)
    services.event_cancel_registration(actor=outsider, event=event, at=h.AT)
    assert services.event_register(actor=third, event=event, at=h.AT).active
    assert EventRegistration.objects.filter(event=event, cancelled_at__isnull=True).count() == 2


def test_a_cancelled_registration_can_be_renewed(event, trainee):
    services.event_register(actor=trainee, event=event, at=h.AT)
    services.event_cancel_registration(actor=trainee, event=event, at=h.AT)
    with pytest.raises(ValidationError, match="您没有报名该活动"):
        services.event_cancel_registration(actor=trainee, event=event, at=h.AT)
    reg = services.event_register(actor=trainee, event=event, at=h.local(2025, 3, 11, 9))
    assert reg.active and EventRegistration.objects.filter(event=event).count() == 1


def test_an_event_without_a_capacity_has_no_limit(city_officer, trainee, outsider):
    ev = announce(city_officer, capacity=None)
    for actor in (trainee, outsider):
        services.event_register(actor=actor, event=ev, at=h.AT)
    assert ev.registrations.count() == 2


def test_no_registration_after_the_start_or_for_a_withdrawn_event(city_officer, event, trainee, outsider):
    with pytest.raises(ValidationError, match="报名已结束"):
        services.event_register(actor=trainee, event=event, at=h.local(2025, 5, 21, 9))
    assert services.event_register(actor=trainee, event=event, at=h.local(2025, 5, 20, 9)).active
    services.event_withdraw(actor=city_officer, event=event, reason="场地调整", at=h.AT)
    with pytest.raises(ValidationError, match="已撤下"):
        services.event_register(actor=outsider, event=event, at=h.AT)


def test_only_signed_in_trainees_register(event, institution_staff, city_officer):
    for actor in (institution_staff, city_officer):
        with pytest.raises(PermissionDenied):
            services.event_register(actor=actor, event=event, at=h.AT)


@pytest.fixture
def march():
    now = h.local(2025, 3, 20, 10)
    with (
        mock.patch("dte.core.clock.now", return_value=now),
        mock.patch("dte.core.clock.today", return_value=now.date()),
    ):
        yield now


def test_a_trainee_registers_from_the_event_page_and_the_city_sees_the_list(
    client_as, event, trainee, city_officer, march
):
    c = client_as(trainee)
    html = c.get(f"/training/events/{event.pk}/").content.decode()
    assert "2 人,已报名 0 人,剩余 2 人" in html and "报名参加" in html
    c.post(f"/training/events/{event.pk}/register/")
    html = c.get(f"/training/events/{event.pk}/").content.decode()
    assert "您已于" in html and "剩余 1 人" in html and "event-registrations" not in html
    assert "温州市数字技术技能大赛" in c.get("/training/me/").content.decode().split('id="my-events"')[1]
    html = client_as(city_officer).get(f"/training/events/{event.pk}/").content.decode()
    assert "陈晓明" in html.split('id="event-registrations"')[1] and "修改活动" in html


def test_the_city_edits_an_event_on_its_page(client_as, event, city_officer, march):
    c = client_as(city_officer)
    r = c.get(f"/training/events/{event.pk}/edit/")
    assert r.status_code == 200 and "温州国际会展中心" in r.content.decode()
    form = {
        "kind": "seminar",
        "title": "数字人才专题研修班",
        "starts_on": "2025-05-20",
        "ends_on": "2025-05-22",
        "place": "温州市人才大厦",
        "organiser": "温州市人力资源和社会保障局",
        "description": "专题研修",
        "capacity": "",
    }
    assert c.post(f"/training/events/{event.pk}/edit/", form).status_code == 302
    event.refresh_from_db()
    assert event.kind == "seminar" and event.capacity is None and event.ends_on == date(2025, 5, 22)


def test_a_withdrawn_event_page_is_not_public(client, client_as, event, city_officer, march):
    services.event_withdraw(actor=city_officer, event=event, reason="延期", at=h.AT)
    assert client.get(f"/training/events/{event.pk}/").status_code == 404
    assert "已撤下" in client_as(city_officer).get(f"/training/events/{event.pk}/").content.decode()


def test_the_api_registers_and_cancels_and_the_city_edits(client, event, trainee, city_officer, march):
    client.force_login(trainee)
    r = client.post(f"/api/training/events/{event.pk}/registration")
    assert r.status_code == 201 and r.json()["active"] is True
    assert client.post(f"/api/training/events/{event.pk}/registration").status_code == 422
    assert client.post(f"/api/training/events/{event.pk}/registration/cancel").json()["active"] is False
    client.force_login(city_officer)
    body = {
        "kind": "forum",
        "title": "温州数字经济技术人才论坛",
        "starts_on": "2025-06-01",
        "ends_on": "2025-06-01",
        "place": "温州市人才大厦报告厅",
        "organiser": "温州市人力资源和社会保障局",
        "description": "以会促育",
        "capacity": 300,
    }
    r = client.put(f"/api/training/events/{event.pk}", json.dumps(body), content_type="application/json")
    assert r.status_code == 200 and r.json()["capacity"] == 300 and r.json()["registered"] == 0
