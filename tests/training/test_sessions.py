"""Sessions follow the plan's hours split: theory/practice × offline/online [P3.1], [P3.2]."""

import json
from datetime import date, time
from unittest import mock

import pytest
from django.core.exceptions import ValidationError

from dte.training import rules, services
from tests.training import helpers as h

# The plan of the fixtures: theory 2 offline + 1 online, practice 2 offline + 0 online.


@pytest.fixture
def planning():
    """The clock a month before the class: sessions are scheduled before they start [P2.3]."""
    with (
        mock.patch("dte.core.clock.now", return_value=h.AT),
        mock.patch("dte.core.clock.today", return_value=h.AT.date()),
    ):
        yield h.AT


def add(staff, klass, *, day, kind, mode, start=time(9), end=time(10)):
    return services.session_add(
        actor=staff, klass=klass, date=day, start=start, end=end, kind=kind, mode=mode, at=h.AT
    )


def test_a_session_of_a_kind_and_mode_the_plan_has_no_hours_for_is_refused(institution_staff, klass):
    with pytest.raises(
        ValidationError, match=r"备案的培训计划没有实操线上学时,不能安排实操线上课次 \[P3.1\]"
    ):
        add(institution_staff, klass, day=date(2025, 4, 7), kind="practice", mode="online")
    assert not klass.sessions.exists()


def test_hours_scheduled_beyond_the_plan_are_allowed_with_a_warning(institution_staff, klass):
    add(institution_staff, klass, day=date(2025, 4, 7), kind="theory", mode="online")
    assert rules.schedule_warnings(klass) == []
    add(institution_staff, klass, day=date(2025, 4, 8), kind="theory", mode="online", end=time(10, 30))
    assert rules.schedule_warnings(klass) == ["理论(线上)课次已排 2.5 学时,超过备案计划的 1 学时 [P3.1]"]
    split = {(line.kind, line.mode): line for line in rules.schedule_split(klass)}
    assert split[("theory", "online")].scheduled_minutes == 150 and split[("theory", "online")].over
    assert split[("theory", "offline")].planned == 2 and not split[("theory", "offline")].over


def test_the_fixture_schedule_matches_the_plan_exactly(running):
    klass, _, _ = running
    assert rules.schedule_warnings(klass) == []
    assert [line.scheduled for line in rules.schedule_split(klass)] == [2, 1, 2, 0]


def test_the_class_page_shows_the_split_and_the_warning_after_adding_a_session(
    client_as, institution_staff, klass, planning
):
    add(institution_staff, klass, day=date(2025, 4, 7), kind="theory", mode="online")
    c = client_as(institution_staff)
    form = {"date": "2025-04-08", "start": "19:00", "end": "20:00", "kind": "theory", "mode": "online"}
    r = c.post(f"/training/classes/{klass.pk}/sessions/new/", form, follow=True)
    html = r.content.decode()
    assert "课次已添加" in html and "理论(线上)课次已排 2.0 学时,超过备案计划的 1 学时" in html
    row = html.split('data-split="theory-online"')[1].split("</tr>")[0]
    assert "超出计划" in row
    r = c.post(
        f"/training/classes/{klass.pk}/sessions/new/",
        {**form, "kind": "practice", "date": "2025-04-09"},
        follow=True,
    )
    assert "没有实操线上学时" in r.content.decode()


def test_the_api_returns_the_warning_with_the_new_session(client, institution_staff, klass, planning):
    client.force_login(institution_staff)
    url = f"/api/training/classes/{klass.pk}/sessions"
    body = {"date": "2025-04-07", "start": "09:00", "end": "12:00", "kind": "theory", "mode": "offline"}
    r = client.post(url, json.dumps(body), content_type="application/json")
    assert r.status_code == 201 and r.json()["warnings"] == [
        "理论(线下)课次已排 3.0 学时,超过备案计划的 2 学时 [P3.1]"
    ]
    r = client.post(
        url, json.dumps({**body, "kind": "practice", "mode": "online"}), content_type="application/json"
    )
    assert r.status_code == 422
