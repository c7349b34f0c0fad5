"""Every date and number a person types for plans, classes and events is range-checked with a
Chinese field error, and nothing is written; none reaches a server error."""

import json
from datetime import date

import pytest
from django.core.exceptions import ValidationError

from dte.catalog.models import EvaluationBody, Level, Occupation
from dte.training import services
from dte.training.models import Event, TrainingClass, TrainingPlan
from tests.training import helpers as h


def refused(field: str, fragment: str, call, *args, **kwargs) -> None:
    with pytest.raises(ValidationError) as exc:
        call(*args, **kwargs)
    errors = exc.value.message_dict
    assert field in errors, errors
    assert any(fragment in m for m in errors[field]), errors[field]


# --- plans -----------------------------------------------------------------------------------------
def test_a_plan_starting_before_the_policy_took_effect_is_a_field_error(institution_staff):
    refused(
        "start_date",
        "开班日期不能早于实施方案施行之日 2024-02-01 [P5.4]",
        h.draft_plan,
        institution_staff,
        start=date(2024, 1, 15),
        end=date(2024, 3, 1),
    )
    assert not TrainingPlan.objects.exists()


@pytest.mark.parametrize(
    ("start", "end", "field", "fragment"),
    [
        (date(1, 1, 1), date(2025, 6, 30), "start_date", "不能早于实施方案施行之日"),
        (date(2025, 4, 1), date(9999, 12, 31), "end_date", "自今日起5年内"),
        (date(9999, 1, 1), date(9999, 12, 31), "start_date", "自今日起5年内"),
        (date(2025, 4, 1), date(2025, 3, 31), "end_date", "结束日期不能早于开班日期"),
    ],
)
def test_absurd_plan_dates_are_field_errors(institution_staff, start, end, field, fragment):
    refused(field, fragment, h.draft_plan, institution_staff, start=start, end=end)
    assert not TrainingPlan.objects.exists()


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("capacity", {"capacity": 2147483648}),
        ("fee", {"fee": 10**12}),
        ("fee", {"fee": -1}),
        ("hours_theory_offline", {"theory_offline": 10**10}),
    ],
)
def test_huge_plan_numbers_are_field_errors(institution_staff, field, kwargs):
    refused(field, "之间的整数", h.draft_plan, institution_staff, **kwargs)
    assert not TrainingPlan.objects.exists()


def test_an_update_cannot_move_a_plan_before_the_policy(institution_staff):
    plan = h.draft_plan(institution_staff)
    refused(
        "start_date",
        "2024-02-01",
        services.plan_update,
        actor=institution_staff,
        plan=plan,
        start_date=date(2023, 12, 1),
        at=h.AT,
    )
    plan.refresh_from_db()
    assert plan.start_date == date(2025, 4, 1)


def plan_form(reference, **changes) -> dict:
    data = {
        "occupation": Occupation.objects.get(code="2-02-10-09").pk,
        "level": Level.objects.get(code="junior").pk,
        "title": "人工智能初级培训计划",
        "direction": "",
        "hours_theory_offline": "2",
        "hours_theory_online": "1",
        "hours_practice_offline": "2",
        "hours_practice_online": "0",
        "start_date": "2024-01-15",
        "end_date": "2024-03-01",
        "schedule": "",
        "mode": "blended",
        "place": "温州市鹿城区学院中路",
        "capacity": "30",
        "fee": "2800",
        "evaluation_body": EvaluationBody.objects.get(code="DEMO-EVAL-01").pk,
        "assessment_plan": "理论考试与实操考核",
    }
    return {**data, **changes}


def test_the_plan_form_shows_a_start_before_2024_02_01_as_a_field_error_not_a_server_error(
    institution_staff, client_as, reference
):
    r = client_as(institution_staff).post("/training/plans/new/", plan_form(reference))
    assert r.status_code == 200
    html = r.content.decode()
    assert "开班日期不能早于实施方案施行之日 2024-02-01 [P5.4]" in html
    assert not TrainingPlan.objects.exists()


@pytest.mark.parametrize(
    "changes",
    [
        {"start_date": "0001-01-01", "end_date": "9999-12-31"},
        {"start_date": "2025-04-01", "end_date": "9999-12-31"},
        {"start_date": "2025-04-01", "end_date": "2025-06-30", "capacity": "99999999999999999999"},
        {"start_date": "2025-04-01", "end_date": "2025-06-30", "hours_theory_offline": "2147483648"},
        {"start_date": "2025-04-01", "end_date": "2025-06-30", "fee": "-5"},
    ],
)
def test_the_plan_form_refuses_absurd_values_without_a_server_error(
    institution_staff, client_as, reference, changes
):
    r = client_as(institution_staff).post("/training/plans/new/", plan_form(reference, **changes))
    assert r.status_code == 200
    assert 'class="errorlist' in r.content.decode()
    assert not TrainingPlan.objects.exists()


# --- classes ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kwargs", "field", "fragment"),
    [
        ({"start": date(2025, 3, 1)}, "start_date", "备案计划的日期范围内"),
        ({"end": date(2025, 7, 31)}, "end_date", "备案计划的日期范围内"),
        ({"end": date(9999, 12, 31)}, "end_date", "备案计划的日期范围内"),
        ({"start": date(1, 1, 1), "enrol_by": date(1, 1, 1)}, "start_date", "备案计划的日期范围内"),
        ({"end": date(2025, 4, 6)}, "end_date", "结业日期不能早于开班日期"),
        ({"enrol_by": date(2025, 3, 1)}, "enrol_by", "报名截止日期不能早于今天(2025-03-10)"),
        ({"enrol_by": date(2025, 4, 8)}, "enrol_by", "报名截止日期不能晚于开班日期"),
        ({"capacity": 2147483648}, "capacity", "招生人数应为1至30人"),
    ],
)
def test_a_class_outside_its_plan_or_with_absurd_values_is_a_field_error(
    institution_staff, plan, kwargs, field, fragment
):
    refused(field, fragment, h.open_class, institution_staff, plan, **kwargs)
    assert not TrainingClass.objects.exists()


# --- events ----------------------------------------------------------------------------------------
def announce(city, **kw):
    fields = {
        "kind": "forum",
        "title": "温州数字经济技术人才论坛",
        "starts_on": date(2025, 5, 1),
        "ends_on": date(2025, 5, 1),
        "place": "温州市人才大厦",
        "organiser": "温州市人力资源和社会保障局",
        "description": "以会促育",
        **kw,
    }
    return services.event_announce(actor=city, at=h.AT, **fields)


@pytest.mark.parametrize(
    ("kw", "field", "fragment"),
    [
        (
            {"starts_on": date(2020, 5, 1), "ends_on": date(2020, 5, 2)},
            "starts_on",
            "不能发布过去的活动 [P2.2]",
        ),
        ({"starts_on": date(2025, 3, 9)}, "starts_on", "开始日期不能早于今天(2025-03-10)"),
        ({"ends_on": date(2025, 4, 30)}, "ends_on", "结束日期不能早于开始日期"),
        ({"ends_on": date(9999, 12, 31)}, "ends_on", "自今日起5年内"),
        ({"starts_on": date(1, 1, 1)}, "starts_on", "不能早于今天"),
        ({"capacity": 2147483648}, "capacity", "至多 10000 人"),
        ({"capacity": 0}, "capacity", "报名名额应至少为 1 人"),
    ],
)
def test_an_event_in_the_past_or_with_absurd_values_does_not_publish(city_officer, kw, field, fragment):
    refused(field, fragment, announce, city_officer, **kw)
    assert not Event.objects.exists()


def test_an_event_announced_for_today_publishes(city_officer):
    assert announce(city_officer, starts_on=date(2025, 3, 10), ends_on=date(2025, 3, 10)).published


def test_a_past_events_text_can_still_be_edited_but_not_moved_into_the_past(city_officer):
    ev = announce(city_officer)
    later = h.local(2025, 6, 1, 10)
    edited = services.event_update(actor=city_officer, event=ev, description="会后资料已上传", at=later)
    assert edited.description == "会后资料已上传"
    refused(
        "ends_on",
        "不能早于今天(2025-06-01)",
        services.event_update,
        actor=city_officer,
        event=ev,
        ends_on=date(2025, 5, 2),
        at=later,
    )
    ev.refresh_from_db()
    assert ev.ends_on == date(2025, 5, 1)


def test_the_event_form_refuses_a_2020_event_without_a_server_error(city_officer, client_as):
    r = client_as(city_officer).post(
        "/training/events/new/",
        {
            "kind": "forum",
            "title": "论坛",
            "starts_on": "2020-05-01",
            "ends_on": "2020-05-01",
            "place": "温州",
            "organiser": "市人社局",
            "description": "以会促育",
            "capacity": "99999999999999",
        },
    )
    assert r.status_code == 200
    assert "errorlist" in r.content.decode()
    assert not Event.objects.exists()


def test_the_api_refuses_absurd_plan_values_with_field_errors(client, institution_staff):
    client.force_login(institution_staff)
    body = {
        "occupation": "2-02-10-09",
        "level": "junior",
        "evaluation_body": "DEMO-EVAL-01",
        "title": "AI 初级",
        "hours_theory_offline": 4,
        "hours_practice_offline": 4,
        "start_date": "2024-01-15",
        "end_date": "9999-12-31",
        "place": "温州",
        "capacity": 2**40,
        "fee": 1000,
        "assessment_plan": "机考",
    }
    r = client.post("/api/training/plans", json.dumps(body), content_type="application/json")
    assert r.status_code == 422, r.content
    errors = {e["field"]: e["message"] for e in r.json()["errors"]}
    assert "2024-02-01" in errors["start_date"] and "计划人数" in errors["capacity"]
    assert not TrainingPlan.objects.exists()
