from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from dte.audit.models import AuditEntry
from dte.demo.accounts import demo_id_number
from dte.people.services import find_person
from dte.training import selectors, services
from dte.training.models import Attendance, Enrolment, TrainingClass
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


# --- withdrawal and drop-out [P2.3] ---------------------------------------------------------------
def test_a_trainee_withdraws_an_application_and_may_apply_again_while_enrolling(klass, trainee):
    e = h.apply(trainee, klass)
    e = services.enrolment_withdraw(actor=trainee, enrolment=e, reason="时间冲突", at=h.AT)
    assert e.status == Enrolment.Status.WITHDRAWN and e.left_by == trainee and e.reason == "时间冲突"
    assert AuditEntry.objects.filter(action="training.enrolment.withdraw", object_id=str(e.pk)).exists()
    again = h.apply(trainee, klass, category="gig", job="平台数据运营")
    assert again.pk == e.pk and again.status == Enrolment.Status.APPLIED and again.category == "gig"
    assert again.left_at is None and again.reason == ""


def test_an_admitted_trainee_may_withdraw_only_until_the_roster_goes_to_the_city(
    institution_staff, klass, trainee, make_person
):
    e = h.admit(institution_staff, klass, trainee)
    assert services.enrolment_withdraw(actor=trainee, enrolment=e, at=h.AT).status == "withdrawn"
    other = h.trainee_account(make_person, "林雅琪", 303)
    e2 = h.admit(institution_staff, klass, other)
    services.roster_submit(actor=institution_staff, klass=klass, at=h.AT)
    with pytest.raises(ValidationError, match=r"不能撤回;如需离开请办理退学 \[P2.3\]"):
        services.enrolment_withdraw(actor=other, enrolment=e2, at=h.AT)


def test_a_trainee_cannot_withdraw_someone_elses_application(klass, trainee, outsider, institution_staff):
    e = h.apply(trainee, klass)
    for actor in (outsider, institution_staff):
        with pytest.raises(PermissionDenied):
            services.enrolment_withdraw(actor=actor, enrolment=e, at=h.AT)


def test_a_refused_application_cannot_be_withdrawn(institution_staff, klass, trainee):
    e = h.apply(trainee, klass)
    services.enrolment_refuse(actor=institution_staff, enrolment=e, reason="名额已满", at=h.AT)
    with pytest.raises(ValidationError, match="「未录取」,不能撤回"):
        services.enrolment_withdraw(actor=trainee, enrolment=e, at=h.AT)


def test_a_rostered_trainee_drops_out_with_a_reason_and_keeps_the_attendance_records(
    running, trainee, institution_staff
):
    klass, enrolment, (s1, s2, _) = running
    h.attend_fully(institution_staff, s1, enrolment)
    with pytest.raises(ValidationError, match="请填写退学理由"):
        services.enrolment_drop(actor=trainee, enrolment=enrolment, reason=" ", at=h.AT)
    e = services.enrolment_drop(actor=trainee, enrolment=enrolment, reason="工作调动,无法继续参训", at=h.AT)
    assert e.status == Enrolment.Status.DROPPED and e.left_by == trainee
    assert Attendance.objects.filter(enrolment=e).count() == 1  # kept
    row = selectors.roster(actor=institution_staff, klass=klass, now=h.local(2025, 5, 1))[0]
    assert row["progress"].attended_hours("theory") == Decimal("2.0")
    entry = AuditEntry.objects.get(action="training.enrolment.drop", object_id=str(e.pk))
    assert entry.reason == "工作调动,无法继续参训" and entry.changes["attendances_kept"] == 1
    # A drop-out is off the roster: no more attendance, no certificate.
    with pytest.raises(ValidationError, match="不在该班次已审核的学员花名册中"):
        h.attend_fully(institution_staff, s2, e)
    with pytest.raises(ValidationError, match="「已退学」,不能发证"):
        services.certificate_issue(actor=institution_staff, enrolment=e, at=h.AT)


def test_a_drop_out_needs_a_reviewed_roster(institution_staff, city_officer, klass, trainee):
    e = h.admit(institution_staff, klass, trainee)
    with pytest.raises(ValidationError, match="请直接撤回报名"):
        services.enrolment_drop(actor=trainee, enrolment=e, reason="个人原因", at=h.AT)
    services.roster_submit(actor=institution_staff, klass=klass, at=h.AT)
    with pytest.raises(ValidationError, match=r"正在市人力社保局审核中.*\[P2.3\]"):
        services.enrolment_drop(actor=trainee, enrolment=e, reason="个人原因", at=h.AT)
    services.roster_review(actor=city_officer, klass=klass, approve=True, at=h.AT)
    assert services.enrolment_drop(actor=trainee, enrolment=e, reason="个人原因", at=h.AT).status == "dropped"


def test_staff_record_a_drop_out_for_their_own_institution_only(
    running, institution_staff, other_staff, outsider
):
    _, enrolment, _ = running
    for actor in (other_staff, outsider):
        with pytest.raises(PermissionDenied):
            services.enrolment_drop(actor=actor, enrolment=enrolment, reason="连续缺勤", at=h.AT)
    e = services.enrolment_drop(actor=institution_staff, enrolment=enrolment, reason="连续缺勤三次", at=h.AT)
    assert e.status == Enrolment.Status.DROPPED and e.left_by == institution_staff


# --- enrolment on the trainee's behalf [P4.3], [P2.3] ---------------------------------------------
def on_behalf(staff, klass, id_number, **kw):
    decl = {"category": "in_post", "employer": "温州某智能制造有限公司", "job": "设备数据工程师", **kw}
    return services.enrolment_on_behalf(actor=staff, klass=klass, id_number=id_number, at=h.AT, **decl)


def test_staff_enrol_a_registered_person_found_by_id_number(institution_staff, klass, make_person):
    person = make_person("王建国", seq=401)
    e = on_behalf(institution_staff, klass, person.id_number)
    assert e.person == person and e.status == Enrolment.Status.ADMITTED
    assert e.enrolled_by == institution_staff and e.decided_by == institution_staff
    assert AuditEntry.objects.filter(action="training.enrolment.on_behalf", object_id=str(e.pk)).exists()


def test_staff_register_a_person_not_yet_on_record_when_enrolling_them(institution_staff, klass):
    number = demo_id_number("330303", "19950308", 402)
    with pytest.raises(ValidationError, match=r"请填写姓名以登记 \[P4.3\]"):
        on_behalf(institution_staff, klass, number)
    assert find_person(id_number=number) is None
    e = on_behalf(institution_staff, klass, number, name="周丽华", phone="13905770123")
    person = find_person(id_number=number)
    assert e.person == person and person.name == "周丽华"
    assert AuditEntry.objects.filter(action="person.register", actor=institution_staff).exists()


def test_an_enrolment_on_behalf_refuses_a_bad_id_number_or_a_name_that_does_not_match(
    institution_staff, klass, make_person
):
    with pytest.raises(ValidationError, match="身份证号码无效"):
        on_behalf(institution_staff, klass, "330302199005121235", name="王建国")
    person = make_person("王建国", seq=403)
    with pytest.raises(ValidationError, match=r"姓名与该身份证号码的实名信息不一致"):
        on_behalf(institution_staff, klass, person.id_number, name="王建军")


def test_an_enrolment_on_behalf_obeys_the_no_overlap_rule_and_the_citys_roster_review(
    institution_staff, city_officer, plan, klass, trainee
):
    h.admit(institution_staff, klass, trainee)
    overlapping = h.open_class(
        institution_staff,
        plan,
        name="2025年第2期",
        start=date(2025, 4, 20),
        end=date(2025, 5, 10),
        capacity=5,
    )
    with pytest.raises(ValidationError, match=r"时间重叠的班次「2025年第1期」.*\[P2.3\]"):
        on_behalf(institution_staff, overlapping, trainee.person.id_number)
    assert not Enrolment.objects.filter(klass=overlapping).exists()
    services.roster_submit(actor=institution_staff, klass=klass, at=h.AT)
    with pytest.raises(ValidationError, match=r"不能再变更录取名单 \[P2.3\]"):
        on_behalf(institution_staff, klass, demo_id_number("330302", "19880101", 404), name="赵敏")


def test_an_enrolment_on_behalf_refuses_someone_already_enrolled(institution_staff, klass, trainee):
    h.apply(trainee, klass)
    with pytest.raises(ValidationError, match=r"该学员已报名本班次\(状态:已报名\)"):
        on_behalf(institution_staff, klass, trainee.person.id_number)


def test_another_institution_cannot_enrol_people_into_our_class(other_staff, klass, trainee):
    with pytest.raises(PermissionDenied, match="不能代其他培训机构操作"):
        on_behalf(other_staff, klass, trainee.person.id_number)


def test_a_trainee_cannot_enrol_someone_else(trainee, klass, make_person):
    with pytest.raises(PermissionDenied):
        on_behalf(trainee, klass, make_person("王建国", seq=405).id_number)
