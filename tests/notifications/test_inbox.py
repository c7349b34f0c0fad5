"""Notifications (issue 5 §9): every message goes to the person's inbox and through the pluggable
SMS/e-mail backend; the default backend writes to the outbox the administrator reads."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.test import override_settings

from dte.notifications import selectors, services
from dte.notifications.models import Message, OutboxMessage

SENT: list[str] = []


class RecordingBackend:
    def deliver(self, message):
        SENT.append(message.subject)
        return []


def test_a_message_reaches_the_inbox_and_the_outbox(trainee, at):
    trainee.person.phone = "13805770011"
    trainee.person.save()
    services.notify(person=trainee.person, subject="申领已受理", body="正文", at=at)
    assert [m.subject for m in selectors.inbox(actor=trainee)] == ["申领已受理"]
    sms = OutboxMessage.objects.get()
    assert sms.recipient == "13805770011" and "申领已受理" in sms.body


def test_no_phone_means_no_sms_but_the_inbox_still_has_it(trainee, at):
    services.notify(person=trainee.person, subject="通知", body="正文", at=at)
    assert Message.objects.count() == 1 and not OutboxMessage.objects.exists()


@override_settings(DTE_NOTIFICATION_BACKEND="tests.notifications.test_inbox.RecordingBackend")
def test_the_backend_is_pluggable(trainee, at):
    services.notify(person=trainee.person, subject="插件通道", body="正文", at=at)
    assert SENT[-1] == "插件通道" and not OutboxMessage.objects.exists()


def test_a_person_reads_only_their_own_messages(trainee, outsider, client_as, at):
    msg = services.notify(person=trainee.person, subject="私人消息", body="正文", at=at)
    assert selectors.inbox(actor=outsider).count() == 0
    with pytest.raises(PermissionDenied):
        services.message_read(actor=outsider, message=msg, at=at)
    assert "私人消息" not in client_as(outsider).get("/notifications/").content.decode()
    page = client_as(trainee).get("/notifications/").content.decode()
    assert "私人消息" in page
    assert Message.objects.get(pk=msg.pk).read_at is None
    client_as(trainee).get(f"/notifications/{msg.pk}/")
    assert Message.objects.get(pk=msg.pk).read_at is not None
    assert selectors.unread_count(actor=trainee) == 0


def test_every_home_page_links_to_the_inbox_with_the_unread_count(trainee, client_as, at):
    services.notify(person=trainee.person, subject="提醒", body="正文", at=at)
    page = client_as(trainee).get("/accounts/home/").content.decode()
    assert 'href="/notifications/"' in page and "1条未读" in page
