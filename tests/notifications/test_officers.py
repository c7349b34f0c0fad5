"""Notifications to officers: the scheduled reminders before a review or approval is due go to the
county's reviewers or approvers, escalations of overdue claims to the city [A2.6.1]; each account
gets each message once, however often the job runs; an officer reads only their own inbox."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connections, transaction
from django.urls import reverse

from dte.accounts.models import Role
from dte.accounts.services import account_create
from dte.catalog.models import County
from dte.notifications import selectors, services
from dte.notifications.models import Message, OutboxMessage
from dte.notifications.officers import notify_officers
from dte.subsidy import services as subsidy
from dte.subsidy.models import Claim


def at_day(d: date, hour: int = 2) -> datetime:
    return datetime(d.year, d.month, d.day, hour, tzinfo=UTC)


def subjects(user) -> list[str]:
    return [m.subject for m in selectors.inbox(actor=user)]


@pytest.fixture
def lucheng(reference):
    return County.objects.get(code="330302")


@pytest.fixture
def officers(county_reviewer, county_approver, other_county_reviewer, city_officer, auditor):
    return {
        "reviewer": county_reviewer,
        "approver": county_approver,
        "other": other_county_reviewer,
        "city": city_officer,
        "auditor": auditor,
    }


def test_a_review_reminder_reaches_the_countys_reviewers_only(submitted, officers, lucheng):
    second, retired = (
        account_create(
            username=name,
            password="Correct-Horse-2026",
            role=Role.COUNTY_REVIEWER,
            county=lucheng,
            at=at_day(date(2025, 3, 1)),
        )
        for name in ("second", "retired")
    )
    retired.is_active = False
    retired.save()
    claim = Claim.objects.get(pk=submitted.pk)
    assert subsidy.deadlines_check(at=at_day(claim.review_due))["reminded"] == 1
    msg = Message.objects.get(user=officers["reviewer"])
    assert claim.reference in msg.subject and f"{claim.review_due:%Y-%m-%d}" in msg.body
    assert (
        msg.link == f"/subsidy/claims/{claim.pk}/" and msg.dedupe_key == f"claim:{claim.pk}:review-reminder"
    )
    assert len(subjects(second)) == 1
    for name in ("approver", "other", "city", "auditor"):
        assert subjects(officers[name]) == [], name
    assert subjects(retired) == []


def test_an_approval_reminder_goes_to_the_countys_approvers(submitted, officers):
    subsidy.review_pass(actor=officers["reviewer"], claim=submitted, at=at_day(date(2025, 3, 12)))
    claim = Claim.objects.get(pk=submitted.pk)
    assert subsidy.deadlines_check(at=at_day(claim.approval_due))["reminded"] == 1
    msg = Message.objects.get(user__isnull=False)
    assert msg.user == officers["approver"] and "审批期限临近" in msg.subject
    assert msg.dedupe_key == f"claim:{claim.pk}:approval-reminder"


def test_a_claim_reminded_at_review_is_reminded_again_before_approval(submitted, officers):
    claim = Claim.objects.get(pk=submitted.pk)
    assert subsidy.deadlines_check(at=at_day(claim.review_due))["reminded"] == 1
    subsidy.review_pass(actor=officers["reviewer"], claim=claim, at=at_day(claim.review_due, 6))
    claim = Claim.objects.get(pk=submitted.pk)
    assert subsidy.deadlines_check(at=at_day(claim.approval_due))["reminded"] == 1
    assert subjects(officers["approver"]) == [f"申领审批期限临近:{claim.reference}"]


def test_an_overdue_claim_is_escalated_to_the_city_officers(submitted, officers):
    claim = Claim.objects.get(pk=submitted.pk)
    assert subsidy.deadlines_check(at=at_day(date(2025, 3, 25)))["escalated"] == 1
    msg = Message.objects.get(user=officers["city"])
    assert "超期督办" in msg.subject and claim.reference in msg.body and "鹿城区" in msg.body
    assert msg.link == f"/subsidy/claims/{claim.pk}/"
    # The escalation goes to the city only; the reviewers had their reminder (the same run, late).
    assert [m.dedupe_key for m in Message.objects.filter(user=officers["reviewer"])] == [
        f"claim:{claim.pk}:review-reminder"
    ]
    assert subjects(officers["auditor"]) == [] and subjects(officers["other"]) == []


def test_running_the_job_twice_sends_nothing_twice(submitted, officers):
    officers["reviewer"].email = "reviewer@lucheng.example.cn"
    officers["reviewer"].save()
    for day in (date(2025, 3, 20), date(2025, 3, 20), date(2025, 3, 25), date(2025, 3, 25)):
        subsidy.deadlines_check(at=at_day(day))
    # A run that raced past the claim's own marks (or a re-run after they were cleared) still
    # finds the messages sent.
    Claim.objects.filter(pk=submitted.pk).update(reminded_on=None, escalated_on=None)
    counts = subsidy.deadlines_check(at=at_day(date(2025, 3, 26)))
    assert counts["reminded"] == 1 and counts["escalated"] == 1
    assert Message.objects.filter(user=officers["reviewer"]).count() == 1
    assert Message.objects.filter(user=officers["city"]).count() == 1
    assert OutboxMessage.objects.filter(channel="email", recipient="reviewer@lucheng.example.cn").count() == 1


def test_a_clash_on_the_dedupe_key_keeps_the_callers_transaction_usable(county_reviewer, at, monkeypatch):
    services.notify_user(user=county_reviewer, subject="提醒", body="正文", at=at, dedupe_key="k")
    # A concurrent run passes the check before the other commits: the insert hits the constraint.
    answers = iter([False, True])
    monkeypatch.setattr(services, "_sent", lambda user, key: next(answers))
    with transaction.atomic():
        assert (
            services.notify_user(user=county_reviewer, subject="提醒", body="正文", at=at, dedupe_key="k")
            is None
        )
        assert Message.objects.filter(user=county_reviewer).count() == 1  # still usable (PostgreSQL)


def test_without_a_dedupe_key_notify_officers_refuses(county_reviewer, lucheng, at):
    with pytest.raises(ValueError):
        notify_officers(
            county=lucheng, roles=[Role.COUNTY_REVIEWER], subject="s", body="b", at=at, dedupe_key=""
        )


def test_an_officer_is_e_mailed_when_the_account_has_an_address(county_reviewer, county_approver, at):
    county_reviewer.email = "reviewer@lucheng.example.cn"
    county_reviewer.save()
    services.notify_user(user=county_reviewer, subject="提醒", body="正文", at=at)
    services.notify_user(user=county_approver, subject="提醒", body="正文", at=at)
    mail = OutboxMessage.objects.get()
    assert (mail.channel, mail.recipient) == ("email", "reviewer@lucheng.example.cn")
    assert Message.objects.filter(user=county_approver).exists()  # no address: the inbox only


def test_the_check_constraint_holds(trainee, county_reviewer, at):
    for recipients in ({}, {"person": trainee.person, "user": county_reviewer}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Message.objects.create(subject="s", body="b", created_at=at, **recipients)
    with pytest.raises(IntegrityError), transaction.atomic():
        for _ in range(2):
            Message.objects.create(user=county_reviewer, subject="s", body="b", created_at=at, dedupe_key="k")


def test_an_officer_cannot_read_anothers_message(county_reviewer, other_county_reviewer, client_as, at):
    msg = services.notify_user(
        user=county_reviewer, subject="鹿城区审核提醒", body="正文", link="/subsidy/queue/", at=at
    )
    other = client_as(other_county_reviewer)
    assert other.get(f"/notifications/{msg.pk}/").status_code == 404
    assert other.post(f"/notifications/{msg.pk}/read/").status_code == 404
    assert "鹿城区审核提醒" not in other.get("/notifications/").content.decode()
    with pytest.raises(PermissionDenied):
        services.message_read(actor=other_county_reviewer, message=msg, at=at)
    assert Message.objects.get(pk=msg.pk).read_at is None


def test_an_officer_reads_their_inbox_and_marks_messages_read(county_reviewer, client_as, at):
    first = services.notify_user(
        user=county_reviewer, subject="第一条", body="正文", link="/subsidy/queue/", at=at
    )
    services.notify_user(user=county_reviewer, subject="第二条", body="正文", at=at)
    services.notify_user(
        user=county_reviewer, subject="第三条", body="正文", link="javascript:alert(1)", at=at
    )
    client = client_as(county_reviewer)
    page = client.get("/notifications/").content.decode()
    assert "未读 3 条" in page and "第一条" in page and "javascript:" not in page
    assert client.get("/notifications/unread/").content == b"3"
    detail = client.get(f"/notifications/{first.pk}/").content.decode()
    assert 'href="/subsidy/queue/"' in detail
    assert selectors.unread_count(actor=county_reviewer) == 2
    assert "第一条" not in client.get("/notifications/?unread=1").content.decode()
    client.post("/notifications/read-all/")
    assert client.get("/notifications/unread/").content == b"0"
    assert client.get("/notifications/", headers={"HX-Request": "true"}).status_code == 200


def test_a_trainee_sees_both_their_person_messages_and_their_account_messages(trainee, client_as, at):
    services.notify(person=trainee.person, subject="申领已受理", body="正文", at=at)
    services.notify_user(user=trainee, subject="账号通知", body="正文", at=at)
    page = client_as(trainee).get("/notifications/").content.decode()
    assert "申领已受理" in page and "账号通知" in page


def test_the_inbox_asks_an_anonymous_visitor_to_sign_in(client):
    assert client.get("/notifications/").status_code == 302


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_runs_send_each_officer_one_message(reference):
    lucheng = County.objects.get(code="330302")
    people = [
        account_create(
            username=f"r{k}",
            password="Correct-Horse-2026",
            role=Role.COUNTY_REVIEWER,
            county=lucheng,
            at=at_day(date(2025, 3, 1)),
        )
        for k in range(3)
    ]
    barrier = threading.Barrier(4)
    errors: list[Exception] = []

    def run():
        try:
            barrier.wait()
            with transaction.atomic():
                notify_officers(
                    county=lucheng,
                    roles=[Role.COUNTY_REVIEWER],
                    subject="提醒",
                    body="正文",
                    at=at_day(date(2025, 3, 20)),
                    dedupe_key="claim:1:review-reminder",
                )
        except Exception as exc:  # pragma: no cover - reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(Message.objects.values_list("user_id", flat=True)) == sorted(u.pk for u in people)


def test_the_outbox_admin_shows_the_recipient_masked(county_reviewer, auditor, client_as, at):
    county_reviewer.email = "reviewer@lucheng.example.cn"
    county_reviewer.save()
    services.notify_user(user=county_reviewer, subject="提醒", body="正文", at=at)
    mail = OutboxMessage.objects.get()
    client = client_as(auditor)
    listing = client.get(reverse("admin:notifications_outboxmessage_changelist")).content.decode()
    page = client.get(reverse("admin:notifications_outboxmessage_change", args=[mail.pk])).content.decode()
    for html in (listing, page):
        assert "r***@lucheng.example.cn" in html and "reviewer@lucheng.example.cn" not in html
