"""The class form on the plan page: every mistake at once beside its field, what was typed kept in
the ISO form the date inputs read; the empty choices read in Chinese."""

from __future__ import annotations

import re

from dte.training.models import TrainingClass


def _errors_of(page: str, field: str) -> str:
    match = re.search(rf'<ul class="errorlist"[^>]*data-field="{field}">(.*?)</ul>', page, re.S)
    return match.group(1) if match else ""


def test_the_plan_page_offers_the_class_form_with_the_plan_dates_in_iso(plan, institution_staff, client_as):
    page = client_as(institution_staff).get(f"/training/plans/{plan.pk}/").content.decode()
    assert 'name="start_date" value="2025-04-01"' in page
    assert 'name="end_date" value="2025-06-30"' in page


def test_a_refused_class_form_shows_every_error_and_keeps_what_was_typed(plan, institution_staff, client_as):
    resp = client_as(institution_staff).post(
        f"/training/plans/{plan.pk}/classes/new/",
        {"name": "", "start_date": "2025-04-07", "end_date": "2025-04-30", "enrol_by": "", "capacity": "0"},
    )
    assert resp.status_code == 422
    page = resp.content.decode()
    assert _errors_of(page, "name") and _errors_of(page, "enrol_by") and _errors_of(page, "capacity")
    assert _errors_of(page, "mode")
    assert 'name="start_date" value="2025-04-07"' in page and 'name="end_date" value="2025-04-30"' in page
    assert not TrainingClass.objects.exists()


def test_a_class_the_service_refuses_comes_back_with_its_reason_and_the_typed_values(
    plan, institution_staff, client_as
):
    resp = client_as(institution_staff).post(
        f"/training/plans/{plan.pk}/classes/new/",
        {
            "name": "2025年第9期",
            "start_date": "2025-04-07",
            "end_date": "2025-04-30",
            "enrol_by": "2025-05-01",
            "capacity": "20",
            "mode": "offline",
        },
    )
    assert resp.status_code == 422
    page = resp.content.decode()
    assert 'role="alert"' in page and 'value="2025年第9期"' in page and 'value="2025-05-01"' in page
    assert not TrainingClass.objects.exists()


def test_a_plan_form_offers_its_empty_choices_in_chinese(institution_staff, client_as, reference):
    page = client_as(institution_staff).get("/training/plans/new/").content.decode()
    assert '<option value="" selected>请选择</option>' in page
    assert "---------" not in page


def test_a_refused_session_keeps_what_was_typed_with_the_reason_beside_its_field(
    klass, institution_staff, client_as
):
    resp = client_as(institution_staff).post(
        f"/training/classes/{klass.pk}/sessions/new/",
        {"date": "2025-04-08", "start": "09:00", "end": "", "kind": "theory", "mode": "offline"},
    )
    assert resp.status_code == 422
    page = resp.content.decode()
    assert _errors_of(page, "end")
    assert 'name="date" value="2025-04-08"' in page and 'name="start" value="09:00"' in page
    assert not klass.sessions.exists()
