"""The continuing-education statement carries a number and a QR code to its public check, as the
certificates do [P4.1]; the training certificate shows the training period [P3.2]."""

from __future__ import annotations

import re

import pytest

from dte.training import ce_check, services
from tests.training import helpers as h
from tests.training.test_ce_hours import pdf_text


@pytest.fixture
def certified(running, institution_staff):
    klass, enrolment, sessions = running
    return h.certified(institution_staff, klass, enrolment, sessions)


def test_the_statement_pdf_carries_its_number_and_a_qr_check(client_as, trainee, certified):
    number = ce_check.statement_number(person_id=trainee.person_id, year=2025)
    assert re.fullmatch(r"CE2025-\d{6}-[0-9A-F]{10}", number)
    resp = client_as(trainee).get("/training/me/ce/2025/pdf/")
    text = pdf_text(resp.content)
    assert f"证明编号:{number}" in text and "扫码核验本证明" in text
    assert b"/Subtype /Image" in resp.content
    assert f'filename="{number}.pdf"' in resp["Content-Disposition"]
    assert number in client_as(trainee).get("/training/me/ce/2025/").content.decode()


def test_anyone_checks_a_statement_by_its_number_and_sees_the_hours_registered_now(
    client, trainee, certified, institution_staff
):
    number = ce_check.statement_number(person_id=trainee.person_id, year=2025)
    page = client.get(f"/training/ce/verify/{number}/").content.decode()
    assert "✔ 本平台出具的证明" in page and "5.0 学时" in page and certified.number in page
    assert trainee.person.masked_name in page and "陈晓明" not in page
    services.certificate_revoke(actor=institution_staff, certificate=certified, reason="学时造假", at=h.AT)
    page = client.get(f"/training/ce/verify/{number}/").content.decode()
    assert certified.number not in page and 'id="total">0 学时' in page


def test_a_forged_or_altered_statement_number_is_not_found(client, trainee, certified):
    number = ce_check.statement_number(person_id=trainee.person_id, year=2025)
    other_year = number.replace("CE2025", "CE2024")
    assert client.get(f"/training/ce/verify/{other_year}/").status_code == 404
    forged = number[:-1] + ("0" if number[-1] != "0" else "1")
    resp = client.get(f"/training/ce/verify/{forged}/")
    assert resp.status_code == 404 and "可能为伪造" in resp.content.decode()


def test_the_training_certificate_pdf_shows_the_training_period(client_as, trainee, certified):
    text = pdf_text(client_as(trainee).get(f"/training/certificates/{certified.pk}/pdf/").content)
    assert "培训期间" in text and "2025年4月7日至2025年4月30日" in text.replace("\n", "")
    page = client_as(trainee).get(f"/training/verify/{certified.code}/").content.decode()
    assert "2025年4月7日至2025年4月30日" in page
