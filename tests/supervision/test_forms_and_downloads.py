"""The city's supervision forms show every error beside its field and keep what was typed; a document
an institution provides downloads under the name it was uploaded with, extension included (RFC 5987
for a Chinese name), not as "document-request-<id>"."""

from __future__ import annotations

from datetime import UTC, date, datetime
from urllib.parse import quote

from dte.supervision import services

NOW = datetime(2025, 6, 2, 2, 0, tzinfo=UTC)


def test_a_provided_document_downloads_under_its_own_name(city_officer, institution_staff, client_as):
    req = services.document_request(
        actor=city_officer,
        institution=institution_staff.institution,
        items="签到表",
        due_on=date(2025, 6, 10),
        at=NOW,
    )
    services.document_provide(
        actor=institution_staff,
        request=req,
        note="见附件",
        filename="签到表.pdf",
        content=b"%PDF-1.7 ...",
        at=NOW,
    )
    resp = client_as(city_officer).get(f"/supervision/documents/{req.pk}/file/")
    assert resp.status_code == 200 and resp.content == b"%PDF-1.7 ..."
    assert resp["Content-Disposition"] == f"attachment; filename*=utf-8''{quote('签到表.pdf')}"


def _errors_of(page: str, field: str) -> str:
    import re

    match = re.search(rf'<ul class="errorlist"[^>]*data-field="{field}">(.*?)</ul>', page, re.S)
    return match.group(1) if match else ""


def test_a_refused_draw_shows_every_error_beside_its_field_and_keeps_the_dates(city_officer, client_as):
    resp = client_as(city_officer).post(
        "/supervision/plans/draw/",
        {"title": "", "period_start": "2025-04-01", "period_end": "2025-06-30", "sample_size": "0"},
    )
    assert resp.status_code == 422
    page = resp.content.decode()
    assert _errors_of(page, "title") and _errors_of(page, "sample_size")
    assert 'name="period_start" value="2025-04-01"' in page and 'name="period_end" value="2025-06-30"' in page


def test_a_refused_document_request_keeps_what_was_typed(city_officer, institution_staff, client_as):
    resp = client_as(city_officer).post(
        "/supervision/documents/request/",
        {"institution": institution_staff.institution_id, "items": "2025年第1期签到表", "due_on": ""},
    )
    assert resp.status_code == 422
    page = resp.content.decode()
    assert _errors_of(page, "due_on") and "2025年第1期签到表</textarea>" in page
    assert f'<option value="{institution_staff.institution_id}" selected>' in page


def test_a_refused_follow_up_comes_back_beside_its_field_with_the_text_typed(
    city_officer, institution_staff, client_as, monkeypatch
):
    from dte.training.models import TrainingClass
    from tests.training import helpers as h

    plan = h.filed_plan(institution_staff, city_officer)
    klass = h.open_class(institution_staff, plan)
    monkeypatch.setattr("dte.core.clock.now", lambda: NOW)
    inspection = services.inspection_open(
        actor=city_officer, klass=TrainingClass.objects.get(pk=klass.pk), at=NOW
    )
    resp = client_as(city_officer).post(
        f"/supervision/inspections/{inspection.pk}/follow-up/",
        {"action": "补齐收费公示", "due_on": "2025-01-01"},
    )
    assert resp.status_code == 422
    page = resp.content.decode()
    assert _errors_of(page, "due_on") and "补齐收费公示</textarea>" in page
    assert 'name="due_on" value="2025-01-01"' in page
    assert not inspection.follow_ups.exists()
