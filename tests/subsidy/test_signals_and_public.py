"""Fraud signals for the reviewer [A2.7]; the public objection form and credit page; the payment
account rules [A2.6.2]; a parameter change re-decides the open claims in one batch."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings

from dte.audit.models import AuditEntry
from dte.subsidy import services
from dte.subsidy.models import Claim, Objection
from tests.subsidy.conftest import ACCOUNT, SUBMIT_AT, certificate_for


def test_a_bank_account_shared_by_two_claimants_is_flagged(eligible_trainee, make_trainee, make_claim):
    make_claim(eligible_trainee)
    other = make_claim(make_trainee("李四"))
    flags = {f["kind"]: f["message"] for f in other.fraud_flags}
    assert "收款银行账户与其他申领人共用" in flags["shared_bank_account"]


def test_claims_minutes_apart_with_identical_evidence_from_one_institution_are_flagged(
    make_trainee, make_claim
):
    first = make_claim(make_trainee("王五"), account="6222020000000000011")
    second = make_claim(make_trainee("赵六"), account="6222020000000000029")
    kinds = [f["kind"] for f in second.fraud_flags]
    assert kinds == ["identical_evidence_burst"] and first.reference in second.fraud_flags[0]["message"]


def test_one_phone_across_many_people_is_flagged(make_trainee, make_claim):
    users = [make_trainee(n) for n in ("甲一", "乙二", "丙三")]
    for u in users:
        u.person.phone = "13900000000"
        u.person.save()
    claim = make_claim(users[2], account="6222020000000000037")
    assert "shared_phone" in [f["kind"] for f in claim.fraud_flags]


def test_a_designated_account_needs_the_bank_name(eligible_trainee):
    claim = services.claim_start(actor=eligible_trainee, certificate=certificate_for(), at=SUBMIT_AT)
    with pytest.raises(ValidationError, match="开户银行"):
        services.claim_update(
            actor=eligible_trainee, claim=claim, bank_kind="designated", bank_account=ACCOUNT, at=SUBMIT_AT
        )
    with pytest.raises(ValidationError, match="12至30位数字"):
        services.claim_update(
            actor=eligible_trainee, claim=claim, bank_kind="sscard", bank_account="12ab", at=SUBMIT_AT
        )
    claim = services.claim_update(
        actor=eligible_trainee,
        claim=claim,
        bank_kind="designated",
        bank_account=ACCOUNT,
        bank_name="温州银行鹿城支行",
        at=SUBMIT_AT,
    )
    assert claim.get_bank_kind_display() == "指定银行账户" and claim.bank_name == "温州银行鹿城支行"


def test_the_public_objection_form_files_an_objection(
    submitted, county_reviewer, county_approver, client, freeze
):
    services.review_pass(actor=county_reviewer, claim=submitted, at=SUBMIT_AT)
    services.claim_approve(actor=county_approver, claim=submitted, at=SUBMIT_AT)
    freeze(datetime(2025, 3, 12, 2, tzinfo=UTC))
    bad = client.post(f"/subsidy/notices/{submitted.pk}/objection/", {"reason": "短", "contact": ""})
    assert "至少5个字" in bad.content.decode() and not Objection.objects.exists()
    ok = client.post(
        f"/subsidy/notices/{submitted.pk}/objection/",
        {"reason": "该学员并未到课参加培训", "contact": "13900001111"},
    )
    assert "异议已提交" in ok.content.decode()
    assert Claim.objects.get(pk=submitted.pk).status == "objection"


@override_settings(DTE_TRUSTED_PROXIES=["127.0.0.1"])
def test_behind_a_trusted_proxy_an_objection_is_keyed_to_the_forwarded_client(
    submitted, county_reviewer, county_approver, client, freeze
):
    services.review_pass(actor=county_reviewer, claim=submitted, at=SUBMIT_AT)
    services.claim_approve(actor=county_approver, claim=submitted, at=SUBMIT_AT)
    freeze(datetime(2025, 3, 12, 2, tzinfo=UTC))
    client.post(
        f"/subsidy/notices/{submitted.pk}/objection/",
        {"reason": "该学员并未到课参加培训", "contact": "13900001111"},
        HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.7",
    )
    assert Objection.objects.get().client_key == services.client_key("198.51.100.7")


def test_the_public_credit_page_shows_masked_entries(submitted, county_approver, client):
    services.credit_entry_create(
        actor=county_approver,
        claim=submitted,
        kind="forged_identity",
        facts="冒用他人身份",
        decided_on=date(2025, 4, 1),
        at=SUBMIT_AT,
    )
    page = client.get("/subsidy/credit/").content.decode()
    assert (
        "陈*明" in page
        and submitted.person.masked_id_number in page
        and submitted.person.id_number not in page
    )
    assert "伪造身份申领补贴" in page


def test_the_city_re_decides_all_open_claims_after_a_parameter_change(
    submitted, city_officer, client_as, monkeypatch
):
    from dte.subsidy.services import redecide as svc

    real = svc.decide_claims

    def lower(f):
        return replace(f, message=f.message.replace("3300", "3000")) if f.rule == "A2.2-standard" else f

    def with_lower_standard(claims):
        return [replace(d, amount=3000, findings=tuple(lower(f) for f in d.findings)) for d in real(claims)]

    monkeypatch.setattr(svc, "decide_claims", with_lower_standard)
    resp = client_as(city_officer).post("/subsidy/city/redecide/", follow=True)
    assert "1件结论有变化" in resp.content.decode()
    claim = Claim.objects.get(pk=submitted.pk)
    assert claim.amount == 3000 and [d["rule"] for d in claim.findings_changed] == ["A2.2-standard"]
    assert AuditEntry.objects.filter(action="claim.redecide", object_id=str(claim.pk)).exists()


def test_objection_evidence_is_checked_and_shown_only_to_the_county(
    submitted, county_reviewer, county_approver, other_county_reviewer, client_as
):
    from tests.subsidy.conftest import JPEG

    services.review_pass(actor=county_reviewer, claim=submitted, at=SUBMIT_AT)
    services.claim_approve(actor=county_approver, claim=submitted, at=SUBMIT_AT)
    with pytest.raises(ValidationError, match="仅接受"):
        services.objection_file(
            claim=submitted,
            reason="证据见附件",
            contact="x",
            client="1.1.1.1",
            files=[("a.exe", b"MZ..")],
            at=SUBMIT_AT,
        )
    obj = services.objection_file(
        claim=submitted,
        reason="证据见附件",
        contact="x",
        client="1.1.1.1",
        files=[("photo.jpg", JPEG)],
        at=SUBMIT_AT,
    )
    ev = obj.evidence.get()
    page = client_as(county_reviewer).get("/subsidy/objections/").content.decode()
    assert f"/subsidy/objections/{obj.pk}/evidence/{ev.pk}/" in page
    assert client_as(county_reviewer).get(f"/subsidy/objections/{obj.pk}/evidence/{ev.pk}/").content == JPEG
    viewed = AuditEntry.objects.get(action="subsidy.evidence.view", object_id=str(ev.pk))
    assert viewed.actor_id == county_reviewer.pk and viewed.changes["claim"] == obj.claim.reference
    assert (
        client_as(other_county_reviewer).get(f"/subsidy/objections/{obj.pk}/evidence/{ev.pk}/").status_code
        == 404
    )


def test_the_reviewer_sees_the_training_classes_attendance_anomalies(
    submitted, trainee, institution_staff, city_officer, county_reviewer, client_as
):
    from datetime import timedelta

    from dte.training.models import Attendance
    from tests.training import helpers as h

    klass = h.open_class(institution_staff, h.filed_plan(institution_staff, city_officer))
    enrolment = h.admit(institution_staff, klass, trainee)
    s1, _s2, _s3 = h.add_sessions(institution_staff, klass)
    h.start(institution_staff, city_officer, klass)
    # A check-in outside the session, kept from before the attendance time rules (a correction
    # like it is refused now [P2.3]).
    Attendance.objects.create(
        session=s1,
        enrolment=enrolment,
        check_in=s1.starts_at + timedelta(hours=3),
        source=Attendance.Source.MANUAL,
        correction_reason="补录",
        updated_at=s1.ends_at + timedelta(hours=4),
    )
    Claim.objects.filter(pk=submitted.pk).update(training_class_id=klass.pk)
    page = client_as(county_reviewer).get(f"/subsidy/claims/{submitted.pk}/").content.decode()
    assert 'id="class-anomalies"' in page and "签到时间不在课次时间内 1 条" in page
    # The claimant is not shown the reviewer's risk hints.
    mine = client_as(trainee).get(f"/subsidy/claims/{submitted.pk}/").content.decode()
    assert 'id="class-anomalies"' not in mine
