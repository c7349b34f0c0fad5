from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from dte.training import services
from dte.training.models import Enrolment, TrainingClass
from tests.training import helpers as h


def test_a_trainee_applies_declaring_who_they_are(klass, trainee):
    e = h.apply(trainee, klass)
    assert e.status == Enrolment.Status.APPLIED
    assert e.person == trainee.person and e.employer == "温州某数字科技有限公司"


def test_an_in_post_applicant_must_name_employer_and_job(klass, trainee):
    with pytest.raises(ValidationError, match=r"工作单位和岗位 \[P2.0\]"):
        h.apply(trainee, klass, employer="", job="")


def test_a_graduate_must_graduate_in_the_year_of_the_class(klass, trainee):
    with pytest.raises(ValidationError, match="不属于毕业年度毕业生"):
        h.apply(trainee, klass, category="graduate", school="温州大学", expected_graduation=date(2026, 6, 30))
    e = h.apply(trainee, klass, category="graduate", school="温州大学", expected_graduation=date(2025, 6, 30))
    assert e.get_category_display() == "毕业年度毕业生"


def test_a_trainee_cannot_apply_twice_to_the_same_class(klass, trainee):
    h.apply(trainee, klass)
    with pytest.raises(ValidationError, match="不能重复报名"):
        h.apply(trainee, klass)


def test_staff_cannot_apply_as_a_trainee(klass, institution_staff):
    with pytest.raises(PermissionDenied):
        h.apply(institution_staff, klass)


def test_the_institution_admits_or_refuses_with_a_reason(institution_staff, klass, trainee, make_person):
    e = h.admit(institution_staff, klass, trainee)
    assert e.status == Enrolment.Status.ADMITTED and e.decided_by == institution_staff
    other = h.apply(h.trainee_account(make_person, "林雅琪", 301), klass)
    with pytest.raises(ValidationError, match="理由"):
        services.enrolment_refuse(actor=institution_staff, enrolment=other, reason="", at=h.AT)
    other = services.enrolment_refuse(
        actor=institution_staff, enrolment=other, reason="不属于培训对象", at=h.AT
    )
    assert other.status == Enrolment.Status.REFUSED


def test_another_institution_cannot_admit_our_applicants(other_staff, klass, trainee):
    e = h.apply(trainee, klass)
    with pytest.raises(PermissionDenied, match="不能代其他培训机构操作"):
        services.enrolment_admit(actor=other_staff, enrolment=e, at=h.AT)


def test_one_person_cannot_be_admitted_to_two_overlapping_classes(institution_staff, plan, klass, trainee):
    h.admit(institution_staff, klass, trainee)
    overlapping = h.open_class(
        institution_staff,
        plan,
        name="2025年第2期",
        start=date(2025, 4, 20),
        end=date(2025, 5, 10),
        capacity=5,
    )
    e = h.apply(trainee, overlapping)
    with pytest.raises(ValidationError, match=r"时间重叠的班次「2025年第1期」.*\[P2.3\]"):
        services.enrolment_admit(actor=institution_staff, enrolment=e, at=h.AT)
    later = h.open_class(
        institution_staff,
        plan,
        name="2025年第3期",
        start=date(2025, 5, 12),
        end=date(2025, 5, 30),
        enrol_by=date(2025, 5, 10),
        capacity=5,
    )
    assert h.admit(institution_staff, later, trainee).status == Enrolment.Status.ADMITTED


def test_the_class_cannot_start_before_the_city_has_reviewed_the_roster(
    institution_staff, city_officer, klass, trainee
):
    h.admit(institution_staff, klass, trainee)
    with pytest.raises(ValidationError, match=r"花名册尚未经市人力社保局审核.*\[P2.3\]"):
        services.class_start(actor=institution_staff, klass=klass, at=h.AT)
    services.roster_submit(actor=institution_staff, klass=klass, at=h.AT)
    with pytest.raises(ValidationError, match="退回理由"):
        services.roster_review(actor=city_officer, klass=klass, approve=False, at=h.AT)
    services.roster_review(actor=city_officer, klass=klass, approve=False, note="请核对学员身份", at=h.AT)
    services.roster_submit(actor=institution_staff, klass=klass, at=h.AT)
    services.roster_review(actor=city_officer, klass=klass, approve=True, at=h.AT)
    assert (
        services.class_start(actor=institution_staff, klass=klass, at=h.AT).status
        == TrainingClass.Status.RUNNING
    )


def test_only_the_city_reviews_rosters(institution_staff, auditor, klass, trainee):
    h.admit(institution_staff, klass, trainee)
    services.roster_submit(actor=institution_staff, klass=klass, at=h.AT)
    for actor in (institution_staff, auditor):
        with pytest.raises(PermissionDenied):
            services.roster_review(actor=actor, klass=klass, approve=True, at=h.AT)


def test_the_roster_cannot_change_once_submitted(institution_staff, klass, trainee, make_person):
    h.admit(institution_staff, klass, trainee)
    services.roster_submit(actor=institution_staff, klass=klass, at=h.AT)
    late = h.apply(h.trainee_account(make_person, "张伟", 302), klass)
    with pytest.raises(ValidationError, match="不能再变更录取名单"):
        services.enrolment_admit(actor=institution_staff, enrolment=late, at=h.AT)


def test_applications_close_at_the_deadline(klass, trainee):
    with pytest.raises(ValidationError, match="报名已于"):
        services.enrolment_apply(
            actor=trainee, klass=klass, category="gig", job="外卖平台数据标注", at=h.local(2025, 4, 6, 9)
        )
