"""Issue 13's inputs that broke a page or landed whole: a draft withdrawn (was a 500), page numbers
past the end or overflowing, 100,000-character reasons, notes, questions, answers and findings, a
bidi override in a contact. Each is refused with a clear message (or the page clamped) and nothing
changes: the claim, its timeline, the inbox and the audit log stay as they were."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from dte.audit.models import AuditEntry
from dte.notifications.models import Message
from dte.subsidy import services
from dte.subsidy.models import Claim, ClaimEvent, Evidence, Objection
from tests.subsidy.conftest import SUBMIT_AT, make_eligible

HUGE = "很" * 100_000


def _state(claim: Claim) -> tuple:
    """Everything a refused step must leave as it was."""
    c = Claim.objects.get(pk=claim.pk)
    return (
        c.status,
        c.rejection_reason,
        c.review_due,
        ClaimEvent.objects.filter(claim_id=claim.pk).count(),
        Objection.objects.filter(claim_id=claim.pk).count(),
        Message.objects.count(),
        AuditEntry.objects.count(),
    )


@pytest.fixture
def reviewed(submitted, county_reviewer):
    return services.review_pass(actor=county_reviewer, claim=submitted, at=SUBMIT_AT)


@pytest.fixture
def on_notice(reviewed, county_approver):
    return services.claim_approve(actor=county_approver, claim=reviewed, at=SUBMIT_AT)


# -- a draft withdrawn is discarded (was: 500 from the CHECK constraint submitted_claim_has_county) --


def test_withdrawing_a_draft_first_asks_to_confirm_and_changes_nothing(
    eligible_trainee, make_claim, client_as
):
    draft = make_claim(eligible_trainee, submit=False)
    before = _state(draft)
    resp = client_as(eligible_trainee).post(f"/subsidy/claims/{draft.pk}/withdraw/", {"reason": "不申领了"})
    page = resp.content.decode()
    assert resp.status_code == 200 and 'id="discard-confirm"' in page and "确认放弃草稿" in page
    assert _state(draft) == before


def test_withdrawing_a_draft_once_confirmed_discards_it_with_its_files(
    eligible_trainee, make_claim, client_as
):
    draft = make_claim(eligible_trainee, submit=False)
    resp = client_as(eligible_trainee).post(
        f"/subsidy/claims/{draft.pk}/withdraw/", {"confirm": "1", "reason": "不申领了"}, follow=True
    )
    assert resp.status_code == 200 and f"草稿 {draft.reference} 已放弃" in resp.content.decode()
    assert not Claim.objects.filter(pk=draft.pk).exists()
    assert not Evidence.objects.filter(claim_id=draft.pk).exists()
    entry = AuditEntry.objects.get(action="claim.discard", object_id=str(draft.pk))
    assert entry.reason == "不申领了" and entry.changes["reference"] == draft.reference
    assert len(entry.changes["evidence"]) == 2


def test_a_discarded_draft_leaves_the_certificate_free_for_a_new_claim(eligible_trainee, make_claim):
    draft = make_claim(eligible_trainee, submit=False)
    services.claim_withdraw(actor=eligible_trainee, claim=draft, at=SUBMIT_AT)
    assert not Claim.objects.filter(pk=draft.pk).exists()
    again = make_claim(eligible_trainee)
    assert again.pk != draft.pk and again.status == "under_review"


def test_a_submitted_claims_withdrawal_is_kept_as_before(submitted, client_as):
    resp = client_as(submitted.person.account).post(
        f"/subsidy/claims/{submitted.pk}/withdraw/", {"reason": "找到工作了"}, follow=True
    )
    assert "申领已撤回" in resp.content.decode()
    claim = Claim.objects.get(pk=submitted.pk)
    assert claim.status == "withdrawn" and claim.events.filter(action="withdrawn", note="找到工作了").exists()


def test_the_api_discards_a_draft_with_204_and_withdraws_a_submitted_claim(
    eligible_trainee, make_claim, client_as
):
    draft = make_claim(eligible_trainee, submit=False)
    c = client_as(eligible_trainee)
    resp = c.post(f"/api/subsidy/claims/{draft.pk}/withdraw", {}, content_type="application/json")
    assert resp.status_code == 204 and not Claim.objects.filter(pk=draft.pk).exists()
    claim = make_claim(eligible_trainee)
    resp = c.post(
        f"/api/subsidy/claims/{claim.pk}/withdraw", {"reason": "x"}, content_type="application/json"
    )
    assert resp.status_code == 200 and resp.json()["status"] == "withdrawn"


def test_another_trainee_cannot_discard_a_draft(eligible_trainee, make_claim, make_trainee):
    draft = make_claim(eligible_trainee, submit=False)
    with pytest.raises(PermissionDenied):
        services.claim_discard(actor=make_trainee(), claim=draft, at=SUBMIT_AT)
    assert Claim.objects.filter(pk=draft.pk).exists()


# -- page numbers clamp ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("page", "shown"),
    [
        ("9223372036854775807", 1),
        ("99999999999999999999999999999999999999", 1),
        ("999", 1),
        ("abc", 1),
        ("-1", 1),
        ("0", 1),
        ("", 1),
    ],
)
def test_the_queue_clamps_any_page_number_to_the_pages_there_are(
    submitted, client_as, county_reviewer, page, shown
):
    resp = client_as(county_reviewer).get("/subsidy/queue/", {"page": page})
    body = resp.content.decode()
    assert resp.status_code == 200 and f"第 {shown}/1 页" in body and submitted.reference in body


def test_a_page_past_the_end_of_a_long_queue_shows_the_last_page(
    eligible_trainee, make_trainee, make_claim, client_as, county_reviewer, monkeypatch
):
    from dte.subsidy.views import officer

    monkeypatch.setattr(officer, "QUEUE_PAGE", 1)
    make_claim(eligible_trainee)
    last = make_claim(make_trainee())
    c = client_as(county_reviewer)
    for page in ("999", "9223372036854775807"):
        body = c.get("/subsidy/queue/", {"page": page}).content.decode()
        assert "第 2/2 页" in body and last.reference in body and "上一页" in body and "下一页" not in body
    body = c.get("/subsidy/queue/", {"page": "-1"}).content.decode()
    assert "第 1/2 页" in body and last.reference not in body


# -- bounded texts -----------------------------------------------------------------------------


def test_a_100000_character_withdrawal_reason_is_refused_and_nothing_changes(submitted, client_as):
    before = _state(submitted)
    resp = client_as(submitted.person.account).post(
        f"/subsidy/claims/{submitted.pk}/withdraw/", {"reason": HUGE}, follow=True
    )
    assert resp.status_code == 200 and "撤回理由不能超过500个字" in resp.content.decode()
    assert _state(submitted) == before


def test_a_100000_character_rejection_reason_is_refused_and_nothing_changes(
    submitted, client_as, county_reviewer
):
    before = _state(submitted)
    resp = client_as(county_reviewer).post(
        f"/subsidy/claims/{submitted.pk}/reject/", {"clauses": ["A2.1-group"], "reason": HUGE}, follow=True
    )
    assert "驳回理由不能超过500个字" in resp.content.decode()
    assert _state(submitted) == before


def test_a_100000_character_question_is_refused_and_nothing_changes(submitted, client_as, county_reviewer):
    before = _state(submitted)
    resp = client_as(county_reviewer).post(
        f"/subsidy/claims/{submitted.pk}/request_info/", {"question": HUGE}, follow=True
    )
    assert "需要补充的信息不能超过500个字" in resp.content.decode()
    assert _state(submitted) == before


def test_a_100000_character_answer_is_refused_and_nothing_changes(submitted, county_reviewer, client_as):
    services.review_request_info(
        actor=county_reviewer, claim=submitted, question="请补充劳动合同", at=SUBMIT_AT
    )
    before = _state(submitted)
    resp = client_as(submitted.person.account).post(
        f"/subsidy/claims/{submitted.pk}/answer/", {"answer": HUGE}, follow=True
    )
    assert "补正说明不能超过1000个字" in resp.content.decode()
    assert _state(submitted) == before


@pytest.mark.parametrize(("action", "label"), [("pass", "审核意见"), ("approve", "审批意见")])
def test_a_100000_character_review_or_approval_note_is_refused(
    submitted, county_reviewer, county_approver, client_as, action, label
):
    if action == "approve":
        services.review_pass(actor=county_reviewer, claim=submitted, at=SUBMIT_AT)
    before = _state(submitted)
    officer = county_reviewer if action == "pass" else county_approver
    resp = client_as(officer).post(f"/subsidy/claims/{submitted.pk}/{action}/", {"note": HUGE}, follow=True)
    assert f"{label}不能超过500个字" in resp.content.decode()
    assert _state(submitted) == before


def test_a_100000_character_objection_is_refused_and_nothing_changes(on_notice, client, freeze):
    freeze(datetime(2025, 3, 12, 2, tzinfo=UTC))
    before = _state(on_notice)
    resp = client.post(
        f"/subsidy/notices/{on_notice.pk}/objection/", {"reason": HUGE, "contact": "13900001111"}
    )
    assert resp.status_code == 200 and "异议理由不能超过500个字" in resp.content.decode()
    assert _state(on_notice) == before


def test_a_contact_with_a_bidi_override_is_refused(on_notice, client, freeze):
    freeze(datetime(2025, 3, 12, 2, tzinfo=UTC))
    before = _state(on_notice)
    resp = client.post(
        f"/subsidy/notices/{on_notice.pk}/objection/",
        {"reason": "该学员并未到课参加培训", "contact": "139\u202e00001111"},
    )
    assert "联系方式含有控制字符或文字方向控制符" in resp.content.decode()
    assert _state(on_notice) == before


def test_a_100000_character_finding_is_refused_and_nothing_changes(on_notice, county_reviewer, client_as):
    obj = services.objection_file(
        claim=on_notice, reason="该学员并未到课参加培训", contact="x", client="1.1.1.1", at=SUBMIT_AT
    )
    before = _state(on_notice)
    resp = client_as(county_reviewer).post(
        f"/subsidy/objections/{obj.pk}/decide/", {"upheld": "1", "finding": HUGE}, follow=True
    )
    assert "调查结论不能超过1000个字" in resp.content.decode()
    assert _state(on_notice) == before
    assert Objection.objects.get(pk=obj.pk).status == "open"


def test_a_reason_at_the_limit_is_kept_whole(submitted):
    reason = "因" * 500
    services.claim_withdraw(actor=submitted.person.account, claim=submitted, reason=reason, at=SUBMIT_AT)
    assert ClaimEvent.objects.get(claim_id=submitted.pk, action="withdrawn").note == reason
    assert AuditEntry.objects.get(action="claim.withdraw").reason == reason


def test_a_bank_name_over_60_characters_or_with_a_bidi_override_is_refused(eligible_trainee, make_claim):
    from tests.subsidy.conftest import ACCOUNT

    draft = make_claim(eligible_trainee, submit=False)
    for name, message in (
        ("银" * 61, "开户银行不能超过60个字"),
        ("温州银行\u202e行支城鹿", "文字方向控制符"),
    ):
        with pytest.raises(ValidationError, match=message):
            services.claim_update(
                actor=eligible_trainee,
                claim=draft,
                bank_kind="designated",
                bank_account=ACCOUNT,
                bank_name=name,
                at=SUBMIT_AT,
            )
    assert Claim.objects.get(pk=draft.pk).bank_kind == "sscard"


def test_a_nul_character_in_a_reason_is_refused(submitted):
    with pytest.raises(ValidationError, match="控制字符"):
        services.claim_withdraw(
            actor=submitted.person.account, claim=submitted, reason="a\x00b", at=SUBMIT_AT
        )
    assert Claim.objects.get(pk=submitted.pk).status == "under_review"


def test_the_api_answers_an_over_long_note_with_422(submitted, client_as, county_reviewer):
    before = _state(submitted)
    resp = client_as(county_reviewer).post(
        f"/api/subsidy/claims/{submitted.pk}/review",
        {"action": "request_info", "note": HUGE},
        content_type="application/json",
    )
    assert resp.status_code == 422
    assert resp.json()["errors"] == [{"field": "question", "message": "需要补充的信息不能超过500个字"}]
    assert _state(submitted) == before


# -- W1: the request for information's deadline is marked provisional when it is set --------------

NOVEMBER = datetime(2026, 11, 30, 2, tzinfo=UTC)  # Monday 30 November 2026


@pytest.fixture
def november_claim(trainee, make_claim, tmp_path, monkeypatch):
    monkeypatch.setenv("DTE_CALENDAR_DIR", str(tmp_path / "calendar"))
    make_eligible(trainee.person, first=(2026, 3), last=(2026, 10))
    return make_claim(trainee, at=NOVEMBER, issued=date(2026, 6, 1))


def test_an_information_deadline_in_an_unpublished_year_is_provisional_as_soon_as_it_is_set(
    november_claim, county_reviewer, client_as
):
    claim = Claim.objects.get(pk=november_claim.pk)
    assert claim.dates_provisional is False  # review and approval fall in December 2026
    asked = datetime(2026, 12, 10, 2, tzinfo=UTC)
    services.review_request_info(actor=county_reviewer, claim=claim, question="请补充劳动合同", at=asked)
    claim = Claim.objects.get(pk=claim.pk)
    # 20 working days after 10 December, Monday to Friday over 2027 (W1): 7 January 2027.
    assert claim.dates_provisional is True
    assert claim.events.get(action="info_requested").due == date(2027, 1, 7)
    page = client_as(claim.person.account).get(f"/subsidy/claims/{claim.pk}/").content.decode()
    assert 'id="info-due"' in page and "2027-01-07" in page and "暂定" in page


def test_loading_the_year_moves_the_information_deadline_and_says_so(
    november_claim, county_reviewer, tmp_path
):
    from dte.policy.calendar import load_year_file
    from tests.subsidy.test_due_dates import YEAR_2027

    services.review_request_info(
        actor=county_reviewer,
        claim=november_claim,
        question="请补充劳动合同",
        at=datetime(2026, 12, 10, 2, tzinfo=UTC),
    )
    path = tmp_path / "2027.yaml"
    path.write_text(YEAR_2027, encoding="utf-8")
    load_year_file(path, tmp_path / "calendar")
    assert services.due_dates_recompute(at=datetime(2026, 12, 11, 2, tzinfo=UTC)) == 1
    claim = Claim.objects.get(pk=november_claim.pk)
    assert claim.dates_provisional is False
    event = claim.events.get(action="dues_recomputed")
    assert "补正期限:2027-01-07 → 2027-01-08" in event.note and event.due == date(2027, 1, 8)
    entry = AuditEntry.objects.get(action="claim.dues_recompute")
    assert entry.changes["info_due"] == ["2027-01-07", "2027-01-08"]
    assert services.due_dates_recompute(at=datetime(2026, 12, 12, 2, tzinfo=UTC)) == 0


def test_an_over_long_token_name_is_refused_on_the_citys_page(city_officer, client_as):
    from dte.subsidy.models import ApiToken

    before = AuditEntry.objects.count()
    resp = client_as(city_officer).post(
        "/subsidy/city/tokens/", {"name": HUGE, "county": "330302"}, follow=True
    )
    assert "令牌名称不能超过60个字" in resp.content.decode()
    assert not ApiToken.objects.exists() and AuditEntry.objects.count() == before


def test_a_certificate_number_beyond_any_integer_is_a_clear_error(eligible_trainee, client_as):
    c = client_as(eligible_trainee)
    resp = c.post("/subsidy/start/", {"certificate": "99999999999999999999"}, follow=True)
    assert resp.status_code == 200 and "未找到本人的该专业技术等级证书" in resp.content.decode()
    resp = c.post(
        "/api/subsidy/claims", {"level_certificate": 99999999999999999999}, content_type="application/json"
    )
    assert resp.status_code == 422 and not Claim.objects.exists()


def test_the_forms_say_the_limits_the_services_enforce(submitted, client_as, county_reviewer):
    page = client_as(county_reviewer).get(f"/subsidy/claims/{submitted.pk}/").content.decode()
    assert 'name="question" rows="2" maxlength="500"' in page and 'name="note" maxlength="500"' in page
