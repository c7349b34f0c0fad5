"""Several applicants of a class admitted or refused together [P2.3]: each as if alone (its checks and
audit entry), all or none."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from dte.audit.models import AuditEntry
from dte.training import services
from dte.training.models import Enrolment
from tests.training import helpers as h


@pytest.fixture
def applied(klass, make_person):
    names = ("赵一鸣", "钱二丰", "孙三立")
    return [h.apply(h.trainee_account(make_person, n, 301 + 2 * i), klass) for i, n in enumerate(names)]


def _statuses(enrolments) -> list[str]:
    return [Enrolment.objects.get(pk=e.pk).status for e in enrolments]


def test_applicants_admitted_together_are_each_admitted_and_audited(institution_staff, klass, applied):
    services.enrolments_decide(
        actor=institution_staff, klass=klass, enrolment_ids=[e.pk for e in applied], admit=True, at=h.AT
    )
    assert _statuses(applied) == ["admitted"] * 3
    assert AuditEntry.objects.filter(action="training.enrolment.admit").count() == 3


def test_applicants_refused_together_carry_the_one_reason(institution_staff, klass, applied):
    services.enrolments_decide(
        actor=institution_staff,
        klass=klass,
        enrolment_ids=[applied[0].pk, applied[2].pk],
        admit=False,
        reason="不属于本期招生对象",
        at=h.AT,
    )
    assert _statuses(applied) == ["refused", "applied", "refused"]
    assert Enrolment.objects.get(pk=applied[0].pk).reason == "不属于本期招生对象"


def test_a_class_without_seats_for_all_admits_none_and_names_who_stopped_them(
    institution_staff, klass, applied
):
    klass.capacity = 2
    klass.save(update_fields=["capacity"])
    with pytest.raises(ValidationError, match="孙三立:班次已满"):
        services.enrolments_decide(
            actor=institution_staff, klass=klass, enrolment_ids=[e.pk for e in applied], admit=True, at=h.AT
        )
    assert _statuses(applied) == ["applied"] * 3
    assert not AuditEntry.objects.filter(action="training.enrolment.admit").exists()


def test_a_refusal_without_a_reason_refuses_none(institution_staff, klass, applied):
    with pytest.raises(ValidationError, match="请填写不予录取的理由"):
        services.enrolments_decide(
            actor=institution_staff, klass=klass, enrolment_ids=[e.pk for e in applied], admit=False, at=h.AT
        )
    assert _statuses(applied) == ["applied"] * 3


def test_another_institution_cannot_decide_the_applicants(other_staff, klass, applied):
    with pytest.raises(PermissionDenied):
        services.enrolments_decide(
            actor=other_staff, klass=klass, enrolment_ids=[applied[0].pk], admit=True, at=h.AT
        )


def test_an_application_of_another_class_refuses_them_all(institution_staff, plan, klass, applied):
    second = h.open_class(institution_staff, plan, name="2025年第2期", capacity=5)
    with pytest.raises(ValidationError, match="不属于本班次"):
        services.enrolments_decide(
            actor=institution_staff, klass=second, enrolment_ids=[applied[0].pk], admit=True, at=h.AT
        )


def test_the_class_page_admits_the_ticked_applicants(
    institution_staff, klass, applied, client_as, monkeypatch
):
    monkeypatch.setattr("dte.core.clock.now", lambda: h.AT)
    client = client_as(institution_staff)
    page = client.get(f"/training/classes/{klass.pk}/manage/").content.decode()
    assert page.count('form="bulk-enrolments"') == 3
    response = client.post(
        f"/training/classes/{klass.pk}/enrolments/decide/",
        {"enrolment": [applied[0].pk, applied[1].pk], "decision": "admit"},
        follow=True,
    )
    assert "已录取 2 名报名者" in response.content.decode()
    assert _statuses(applied) == ["admitted", "admitted", "applied"]
