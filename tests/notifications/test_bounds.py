"""The inbox is bounded: an over-long message is refused, not stored cut, and the inbox's
page numbers clamp to the pages there are."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from dte.core.bounds import MESSAGE_BODY_MAX, MESSAGE_SUBJECT_MAX
from dte.notifications import services
from dte.notifications.models import Message, OutboxMessage


def test_a_message_body_over_the_limit_is_refused_and_nothing_is_sent(trainee, at):
    trainee.person.phone = "13805770011"
    trainee.person.save()
    with pytest.raises(ValidationError, match=f"站内信内容不能超过{MESSAGE_BODY_MAX}个字"):
        with transaction.atomic():  # notify joins the caller's transaction: the caller's step fails
            services.notify(person=trainee.person, subject="通知", body="很" * 100_000, at=at)
    assert not Message.objects.exists() and not OutboxMessage.objects.exists()


def test_a_subject_over_the_limit_is_refused(county_reviewer, at):
    with pytest.raises(ValidationError, match=f"站内信标题不能超过{MESSAGE_SUBJECT_MAX}个字"):
        with transaction.atomic():
            services.notify_user(user=county_reviewer, subject="题" * 121, body="正文", at=at)
    assert not Message.objects.exists()


def test_a_body_at_the_limit_is_kept_whole(trainee, at):
    services.notify(person=trainee.person, subject="通知", body="字" * MESSAGE_BODY_MAX, at=at)
    assert len(Message.objects.get().body) == MESSAGE_BODY_MAX


@pytest.fixture
def sixty_messages(trainee, at):
    for i in range(60):
        services.notify(person=trainee.person, subject=f"通知{i}", body="正文", at=at)


@pytest.mark.parametrize(
    ("page", "shown"),
    [("9223372036854775807", 2), ("999", 2), ("2", 2), ("abc", 1), ("-1", 1), ("0", 1), ("", 1)],
)
def test_the_inbox_clamps_any_page_number(sixty_messages, trainee, client_as, page, shown):
    resp = client_as(trainee).get("/notifications/", {"page": page})
    assert resp.status_code == 200 and f"第 {shown}/2 页" in resp.content.decode()
