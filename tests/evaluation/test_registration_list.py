"""The registrations on the evaluation dashboard through the shared list component: filtered, sorted,
paged and exported (applicants' names: the download is audited)."""

from __future__ import annotations

import io
import re
from datetime import timedelta

from openpyxl import load_workbook

from dte.audit.models import AuditEntry
from dte.evaluation.models import Registration
from tests.evaluation.test_level_assessment import accepted, certificate, registration  # noqa: F401


def _ids(body: str) -> list[int]:
    table = body[body.index('id="registrations"') :]
    return [int(x) for x in re.findall(r'<a href="/evaluation/registrations/(\d+)/">', table)]


def _second(first: Registration, make_person) -> Registration:
    """A copy of the registration for another applicant, a day later (the list's order needs two)."""
    other = Registration.objects.get(pk=first.pk)
    other.pk = None
    other.person = make_person("王二小", seq=321)
    other.registered_at = first.registered_at + timedelta(days=1)
    other.status = Registration.Status.ACCEPTED
    other.save()
    return other


def test_the_body_filters_and_sorts_its_registrations(
    registration,  # noqa: F811
    make_person,
    evaluation_staff,
    client_as,
):
    later = _second(registration, make_person)
    client = client_as(evaluation_staff)
    assert _ids(client.get("/evaluation/").content.decode()) == [later.pk, registration.pk]
    assert _ids(client.get("/evaluation/", {"sort": "registered"}).content.decode()) == [
        registration.pk,
        later.pk,
    ]
    assert _ids(client.get("/evaluation/", {"status": "accepted"}).content.decode()) == [later.pk]
    assert _ids(client.get("/evaluation/", {"q": "王二"}).content.decode()) == [later.pk]
    day = later.registered_at.date().isoformat()
    assert _ids(client.get("/evaluation/", {"registered_from": day}).content.decode()) == [later.pk]


def test_the_registrations_export_holds_the_filter_and_is_audited(
    registration,  # noqa: F811
    make_person,
    evaluation_staff,
    client_as,
):
    later = _second(registration, make_person)
    response = client_as(evaluation_staff).get("/evaluation/", {"status": "accepted", "export": "xlsx"})
    assert re.fullmatch(
        r'attachment; filename="registrations-\d{4}-\d\d-\d\d\.xlsx"', response["Content-Disposition"]
    )
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][:2] == ("编号", "申报人") and [r[:2] for r in rows[1:]] == [(later.pk, "王二小")]
    entry = AuditEntry.objects.get(action="evaluation.registrations.export")
    assert entry.actor == evaluation_staff and entry.changes["rows"] == 1
    assert entry.changes["filters"] == {"status": "accepted"}
