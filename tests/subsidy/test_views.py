"""The pages: a trainee fills in and submits a claim, the county sees its queue (and only its own),
officers act, the public sees the masked notice; bad input shows a message and changes nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime

from django.core.files.uploadedfile import SimpleUploadedFile

from dte.audit.models import AuditEntry
from dte.subsidy import services
from dte.subsidy.models import Claim
from tests.subsidy.conftest import ACCOUNT, PDF, PNG, SUBMIT_AT, certificate_for


def test_a_trainee_fills_in_uploads_and_submits_through_the_pages(eligible_trainee, client_as, freeze):
    freeze(SUBMIT_AT)
    claim = services.claim_start(actor=eligible_trainee, certificate=certificate_for(), at=SUBMIT_AT)
    c = client_as(eligible_trainee)
    page = c.get(f"/subsidy/claims/{claim.pk}/").content.decode()
    assert "预审结果" in page and "申领期限" in page and "2026-01-15" in page
    c.post(f"/subsidy/claims/{claim.pk}/update/", {"bank_kind": "sscard", "bank_account": ACCOUNT})
    bad = c.post(
        f"/subsidy/claims/{claim.pk}/evidence/",
        {"kind": "other", "file": SimpleUploadedFile("fake.pdf", b"GIF89a....")},
        follow=True,
    )
    assert "仅接受 PDF、JPEG、PNG" in bad.content.decode()
    for kind, content in (("training_certificate", PDF), ("level_certificate", PNG)):
        c.post(
            f"/subsidy/claims/{claim.pk}/evidence/", {"kind": kind, "file": SimpleUploadedFile("x", content)}
        )
    c.post(f"/subsidy/claims/{claim.pk}/submit/")
    claim.refresh_from_db()
    assert claim.status == "under_review" and claim.evidence.count() == 2
    timeline = c.get(f"/subsidy/claims/{claim.pk}/").content.decode()
    assert "已提交,由鹿城区受理" in timeline and "2025-03-24" in timeline


def test_the_reviewer_sees_the_frozen_facts_evidence_and_findings(submitted, client_as, county_reviewer):
    page = client_as(county_reviewer).get(f"/subsidy/claims/{submitted.pk}/").content.decode()
    assert "事实快照" in page and "2024-06(330302)" in page and "2025-02(330302)" in page
    assert "A2.1-group" in page and "t.pdf" in page and 'id="review-pass"' in page


def test_the_county_queue_shows_its_own_claims_only(
    submitted, client_as, county_reviewer, other_county_reviewer, freeze
):
    freeze(datetime(2025, 3, 25, 2, tzinfo=UTC))
    page = client_as(county_reviewer).get("/subsidy/queue/").content.decode()
    assert submitted.reference in page and "已逾期" in page
    other = client_as(other_county_reviewer)
    assert submitted.reference not in other.get("/subsidy/queue/").content.decode()
    assert other.get(f"/subsidy/claims/{submitted.pk}/").status_code == 404
    assert other.post(f"/subsidy/claims/{submitted.pk}/pass/").status_code == 404


def test_the_queue_answers_htmx_with_the_results_partial(submitted, client_as, county_reviewer):
    resp = client_as(county_reviewer).get("/subsidy/queue/?flag=overdue", headers={"HX-Request": "true"})
    body = resp.content.decode()
    assert body.lstrip().startswith('<div id="results">') and "<html" not in body


def test_a_rejection_without_clauses_changes_nothing(submitted, client_as, county_reviewer):
    resp = client_as(county_reviewer).post(
        f"/subsidy/claims/{submitted.pk}/reject/", {"reason": "不符合"}, follow=True
    )
    assert "请选择驳回所依据的条款" in resp.content.decode()
    assert Claim.objects.get(pk=submitted.pk).status == "under_review"


def test_review_and_approval_pages_move_the_claim(submitted, client_as, county_reviewer, county_approver):
    client_as(county_reviewer).post(f"/subsidy/claims/{submitted.pk}/pass/", {"note": "材料齐全"})
    assert Claim.objects.get(pk=submitted.pk).status == "reviewed"
    client_as(county_approver).post(f"/subsidy/claims/{submitted.pk}/approve/")
    assert Claim.objects.get(pk=submitted.pk).status == "on_notice"


def test_evidence_is_served_only_within_scope(submitted, client_as, outsider, county_reviewer):
    ev = submitted.evidence.first()
    assert client_as(county_reviewer).get(f"/subsidy/claims/{submitted.pk}/evidence/{ev.pk}/").content == PDF
    assert client_as(outsider).get(f"/subsidy/claims/{submitted.pk}/evidence/{ev.pk}/").status_code == 404


def test_an_officer_opening_evidence_is_recorded_for_the_auditors_and_the_claimant_is_not(
    submitted, client_as, county_reviewer, eligible_trainee
):
    ev = submitted.evidence.first()
    url = f"/subsidy/claims/{submitted.pk}/evidence/{ev.pk}/"
    assert client_as(eligible_trainee).get(url).content == PDF
    assert not AuditEntry.objects.filter(action="subsidy.evidence.view").exists()
    assert client_as(county_reviewer).get(url).content == PDF
    entry = AuditEntry.objects.get(action="subsidy.evidence.view")
    assert (entry.actor_id, entry.object_type, entry.object_id) == (
        county_reviewer.pk,
        "subsidy.Evidence",
        str(ev.pk),
    )
    assert entry.changes["claim"] == [None, submitted.reference] or submitted.reference in str(entry.changes)


def test_pages_by_role(client_as, trainee, county_reviewer, county_approver, city_officer, auditor, outsider):
    assert client_as(trainee).get("/subsidy/").status_code == 200
    assert client_as(county_reviewer).get("/subsidy/queue/").status_code == 200
    assert client_as(county_reviewer).get("/subsidy/facts/").status_code == 200
    assert client_as(county_reviewer).get("/subsidy/payments/").status_code == 403
    assert client_as(county_approver).get("/subsidy/payments/").status_code == 200
    assert client_as(city_officer).get("/subsidy/city/").status_code == 200
    assert client_as(auditor).get("/subsidy/city/").status_code == 200
    assert client_as(auditor).get("/subsidy/city/credit.json").status_code == 403
    assert client_as(outsider).get("/subsidy/queue/").status_code == 403


def test_public_pages_need_no_account(client, db):
    assert client.get("/subsidy/notices/").status_code == 200
    assert client.get("/subsidy/credit/").status_code == 200


def test_an_import_uploaded_on_the_page_runs_and_reports(client_as, county_reviewer, trainee):
    content = f"id_number,month,county\n{trainee.person.id_number},2025-01,330302\n".encode()
    c = client_as(county_reviewer)
    c.post("/subsidy/facts/", {"kind": "insurance", "file": SimpleUploadedFile("i.csv", content)})
    page = c.get("/subsidy/facts/").content.decode()
    assert "已导入" in page and "1/0/0" in page
    assert date(2025, 1, 1) in list(trainee.person.insurance_months.values_list("month", flat=True))
