from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from dte.audit.models import AuditEntry
from dte.training import services
from dte.training.models import TrainingPlan
from tests.training import helpers as h


def test_an_institution_drafts_a_plan_for_a_designated_occupation_and_the_draft_is_audited(institution_staff):
    plan = h.draft_plan(institution_staff)
    assert plan.status == TrainingPlan.Status.DRAFT
    assert plan.institution.name == "杭州电子科技大学"
    assert plan.total_hours == 5
    assert AuditEntry.objects.filter(action="training.plan.draft", object_id=str(plan.pk)).exists()


def test_an_institution_cannot_plan_an_occupation_it_is_not_designated_for(institution_staff):
    with pytest.raises(ValidationError, match=r"不是「区块链工程技术人员」的定点培训机构.*\[A1\]"):
        h.draft_plan(institution_staff, occupation="2-02-10-15")


def test_a_plan_with_fewer_hours_than_the_standard_requires_is_refused(institution_staff):
    with pytest.raises(ValidationError, match=r"少于该职业初级标准学时 128 \[A2.2\]"):
        h.draft_plan(institution_staff, occupation="2-02-10-11", theory_offline=40, practice_offline=60)
    plan = h.draft_plan(
        institution_staff, occupation="2-02-10-11", theory_offline=64, theory_online=0, practice_offline=64
    )
    assert plan.total_hours == 128


def test_a_plan_needs_the_agreed_assessment_plan_and_both_theory_and_practice(institution_staff):
    with pytest.raises(ValidationError) as exc:
        h.draft_plan(institution_staff, practice_offline=0)
    assert "理论和实操" in str(exc.value)


def test_the_city_files_a_submitted_plan_with_a_filing_number(institution_staff, city_officer):
    plan = h.draft_plan(institution_staff)
    services.plan_submit(actor=institution_staff, plan=plan, at=h.AT)
    plan = services.plan_file(actor=city_officer, plan=plan, at=h.AT)
    assert plan.status == TrainingPlan.Status.ON_FILE
    assert plan.filing_number == "温培备2025-0001"
    assert plan.decided_by == city_officer


def test_the_city_returns_a_plan_with_reasons_and_the_institution_corrects_and_resubmits(
    institution_staff, city_officer
):
    plan = h.draft_plan(institution_staff)
    services.plan_submit(actor=institution_staff, plan=plan, at=h.AT)
    with pytest.raises(ValidationError, match="请填写退回理由"):
        services.plan_return(actor=city_officer, plan=plan, reason="  ", at=h.AT)
    plan = services.plan_return(actor=city_officer, plan=plan, reason="实操学时安排过少", at=h.AT)
    assert plan.status == TrainingPlan.Status.RETURNED and plan.return_reason == "实操学时安排过少"
    plan = services.plan_update(actor=institution_staff, plan=plan, hours_practice_offline=4, at=h.AT)
    services.plan_submit(actor=institution_staff, plan=plan, at=h.AT)
    assert services.plan_file(actor=city_officer, plan=plan, at=h.AT).status == TrainingPlan.Status.ON_FILE
    entry = AuditEntry.objects.get(action="training.plan.return")
    assert entry.reason == "实操学时安排过少" and entry.actor_id == city_officer.pk


def test_a_plan_on_file_can_no_longer_be_changed(institution_staff, plan):
    with pytest.raises(ValidationError, match="已备案"):
        services.plan_update(actor=institution_staff, plan=plan, fee=1, at=h.AT)


def test_only_the_city_bureau_files_plans(institution_staff, auditor):
    plan = h.draft_plan(institution_staff)
    services.plan_submit(actor=institution_staff, plan=plan, at=h.AT)
    for actor in (institution_staff, auditor):
        with pytest.raises(PermissionDenied):
            services.plan_file(actor=actor, plan=plan, at=h.AT)


def test_another_institution_cannot_submit_or_change_the_plan(institution_staff, other_staff):
    plan = h.draft_plan(institution_staff)
    with pytest.raises(PermissionDenied, match="不能代其他培训机构操作"):
        services.plan_submit(actor=other_staff, plan=plan, at=h.AT)
    with pytest.raises(PermissionDenied):
        services.plan_update(actor=other_staff, plan=plan, fee=1, at=h.AT)


def test_a_class_on_a_plan_not_on_file_is_refused(institution_staff):
    plan = h.draft_plan(institution_staff)
    with pytest.raises(ValidationError, match=r"未经市人力社保局备案.*不能开班 \[P3.1\]"):
        h.open_class(institution_staff, plan)
    services.plan_submit(actor=institution_staff, plan=plan, at=h.AT)
    with pytest.raises(ValidationError, match=r"\[P3.1\]"):
        h.open_class(institution_staff, plan)


def test_a_class_takes_the_published_fee_of_its_plan(klass, plan):
    assert klass.fee == plan.fee == 2800


def test_another_institution_cannot_open_a_class_on_the_plan(other_staff, plan):
    with pytest.raises(PermissionDenied):
        h.open_class(other_staff, plan)


def test_a_class_must_lie_within_the_plan_and_its_capacity(institution_staff, plan):
    with pytest.raises(ValidationError, match="日期范围内"):
        h.open_class(institution_staff, plan, start=date(2025, 3, 1))
    h.open_class(institution_staff, plan, capacity=25)
    with pytest.raises(ValidationError, match="招生人数应为1至5人"):
        h.open_class(institution_staff, plan, name="第2期", capacity=6)


def test_events_are_announced_by_the_city_and_withdrawn_with_a_reason(city_officer, institution_staff):
    with pytest.raises(PermissionDenied):
        services.event_announce(
            actor=institution_staff,
            kind="forum",
            title="论坛",
            starts_on=date(2025, 5, 1),
            ends_on=date(2025, 5, 1),
            place="温州",
            organiser="市人社局",
            description="x",
            at=h.AT,
        )
    ev = services.event_announce(
        actor=city_officer,
        kind="competition",
        title="温州市数字技术技能大赛",
        starts_on=date(2025, 6, 1),
        ends_on=date(2025, 6, 2),
        place="温州国际会展中心",
        organiser="温州市人力资源和社会保障局",
        description="以赛促学 [P2.2]",
        at=h.AT,
    )
    assert ev.published
    with pytest.raises(ValidationError):
        services.event_withdraw(actor=city_officer, event=ev, reason="", at=h.AT)
    assert not services.event_withdraw(actor=city_officer, event=ev, reason="延期", at=h.AT).published
