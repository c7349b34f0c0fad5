"""An objection's filer gets a receipt number, the officers find the objection again by it; an
evidence file downloads under its own name with the extension of its content."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import quote

import pytest

from dte.subsidy import services
from dte.subsidy.evidence import download_name
from dte.subsidy.models import Objection
from dte.subsidy.receipts import objection_by_receipt, objection_receipt
from tests.subsidy.conftest import JPEG, PDF, PNG, SUBMIT_AT

NOTICE_DAY = datetime(2025, 3, 12, 2, tzinfo=UTC)


@pytest.fixture
def on_notice(submitted, county_reviewer, county_approver, freeze):
    services.review_pass(actor=county_reviewer, claim=submitted, at=SUBMIT_AT)
    services.claim_approve(actor=county_approver, claim=submitted, at=SUBMIT_AT)
    freeze(NOTICE_DAY)
    return submitted


def test_the_filer_of_an_objection_is_given_its_receipt_number(on_notice, client):
    resp = client.post(
        f"/subsidy/notices/{on_notice.pk}/objection/",
        {"reason": "该学员并未到课参加培训", "contact": "13900001111"},
    )
    obj = Objection.objects.get()
    assert objection_receipt(obj) == f"25-330302-{obj.pk:06d}"
    assert f'<strong id="receipt-number">25-330302-{obj.pk:06d}</strong>' in resp.content.decode()


def test_a_refused_objection_keeps_what_was_typed(on_notice, client):
    resp = client.post(f"/subsidy/notices/{on_notice.pk}/objection/", {"reason": "短", "contact": "139"})
    page = resp.content.decode()
    assert "至少5个字" in page
    assert ">短</textarea>" in page and 'value="139"' in page


def test_the_county_finds_an_objection_by_its_receipt_and_no_other_county_does(
    on_notice, client_as, county_reviewer, other_county_reviewer
):
    obj = services.objection_file(
        claim=on_notice,
        reason="该学员并未到课参加培训",
        contact="x",
        client="1.1.1.1",
        files=[],
        at=NOTICE_DAY,
    )
    receipt = objection_receipt(obj)
    page = client_as(county_reviewer).get("/subsidy/objections/", {"receipt": receipt}).content.decode()
    assert f'data-receipt="{receipt}"' in page
    other = client_as(other_county_reviewer).get("/subsidy/objections/", {"receipt": receipt})
    assert f'data-receipt="{receipt}"' not in other.content.decode()
    wrong_year = "24" + receipt[2:]
    assert objection_by_receipt(wrong_year, Objection.objects.all()) is None
    assert objection_by_receipt(receipt, Objection.objects.all()) == obj


@pytest.mark.parametrize(
    ("filename", "ctype", "saved"),
    [
        ("申领表", "application/pdf", "申领表.pdf"),
        ("scan.PDF", "application/pdf", "scan.PDF"),
        ("photo.jpeg", "image/jpeg", "photo.jpeg"),
        ("scan.pdf", "image/png", "scan.pdf.png"),
        ("", "image/jpeg", "fallback.jpg"),
    ],
)
def test_a_download_name_carries_the_extension_of_its_content(filename, ctype, saved):
    assert download_name(filename, ctype, "fallback") == saved


def test_the_claimants_evidence_downloads_with_its_chinese_name_and_extension(
    eligible_trainee, make_claim, client_as
):
    claim = make_claim(eligible_trainee, submit=False)
    ev = services.evidence_add(
        actor=eligible_trainee, claim=claim, kind="other", filename="培训合格证书", content=PDF, at=SUBMIT_AT
    )
    resp = client_as(eligible_trainee).get(f"/subsidy/claims/{claim.pk}/evidence/{ev.pk}/")
    disposition = resp["Content-Disposition"]
    assert disposition.startswith(f'inline; filename="evidence-{ev.pk}.pdf"')
    assert f"filename*=UTF-8''{quote('培训合格证书.pdf')}" in disposition
    png = claim.evidence.get(filename="l.png")
    resp = client_as(eligible_trainee).get(f"/subsidy/claims/{claim.pk}/evidence/{png.pk}/")
    assert resp["Content-Disposition"].startswith('inline; filename="l.png"') and resp.content == PNG


def test_an_objections_evidence_downloads_with_its_extension(on_notice, client_as, county_reviewer):
    obj = services.objection_file(
        claim=on_notice,
        reason="证据见附件",
        contact="x",
        client="1.1.1.1",
        files=[("现场", JPEG)],
        at=NOTICE_DAY,
    )
    ev = obj.evidence.get()
    resp = client_as(county_reviewer).get(f"/subsidy/objections/{obj.pk}/evidence/{ev.pk}/")
    assert f"filename*=UTF-8''{quote('现场.jpg')}" in resp["Content-Disposition"]
