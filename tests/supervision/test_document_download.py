"""A document an institution provides downloads under the name it was uploaded with, extension
included (RFC 5987 for a Chinese name), not as "document-request-<id>"."""

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
