"""Enrolment of trainees and the class roster the city reviews [P2.0], [P2.3]."""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from dte.audit import services as audit
from dte.core.bounds import REASON_MAX, clean_text
from dte.core.permissions import Cap, can, require
from dte.people.models import Person
from dte.people.services import clean_id_number, find_person, person_register
from dte.policy.identity import IdNumberError, parse_id_number
from dte.training import record, rules
from dte.training.models import Enrolment, TrainingClass, TrainingPlan
from dte.training.services.common import local_date, lock_class, lock_enrolment


# --- enrolment [P2.0], [P2.3] --------------------------------------------------------------------
def _check_enrolling(klass: TrainingClass, at: datetime) -> None:
    if klass.status != TrainingClass.Status.ENROLLING or klass.plan.status != TrainingPlan.Status.ON_FILE:
        raise ValidationError("该班次不在招生中")
    if local_date(at) > klass.enrol_by:
        raise ValidationError(f"报名已于 {klass.enrol_by:%Y年%m月%d日} 截止")


def _check_declaration(
    *, klass: TrainingClass, category: str, employer: str, job: str, school: str, expected_graduation
) -> dict[str, list[str]]:
    """Who may train [P2.0]: the declared category and what it needs."""
    errors: dict[str, list[str]] = {}
    cat = Enrolment.Category
    if category not in cat.values:
        errors["category"] = ["请选择人员类别 [P2.0]"]
    elif category == cat.IN_POST and not (employer.strip() and job.strip()):
        errors["employer"] = ["在岗人员请填写工作单位和岗位 [P2.0]"]
    elif category in (cat.GIG, cat.FREELANCER) and not job.strip():
        errors["job"] = ["请填写所从事的数字技术工作 [P2.0]"]
    elif category == cat.GRADUATE:
        if not school.strip() or expected_graduation is None:
            errors["school"] = ["毕业年度毕业生请填写学校和预计毕业日期 [P2.0]"]
        elif expected_graduation.year != klass.start_date.year:
            errors["expected_graduation"] = [
                f"预计毕业日期不在开班当年({klass.start_date.year}年),不属于毕业年度毕业生 [P2.0]"
            ]
    return errors


def birth_date_of(person: Person) -> date:
    """The birth date the person's resident ID number carries (GB 11643)."""
    try:
        return parse_id_number(person.id_number).birth
    except IdNumberError:
        return person.birth_date


def _check_age(*, birth: date, at: datetime, field: str = "__all__") -> dict[str, list[str]]:
    """Only a worker of at least 16 may enrol [A2.1] (the Labour Law's minimum working age); the age
    is that of the ID number's birth date on the day of the application."""
    on = local_date(at)
    minimum = record.min_age_years(on=on)
    age = record.age_on(birth, on)
    if age < minimum:
        return {
            field: [
                f"报名人未满{minimum}周岁(出生日期 {birth:%Y-%m-%d},现年{max(age, 0)}周岁),"
                "不能参加培训 [A2.1]"
            ]
        }
    return {}


def _declare(e: Enrolment, *, category, employer, job, school, expected_graduation) -> None:
    e.category, e.employer, e.job = category, employer.strip(), job.strip()
    e.school, e.expected_graduation = school.strip(), expected_graduation


@transaction.atomic
def enrolment_apply(
    *,
    actor,
    klass: TrainingClass,
    category: str,
    employer: str = "",
    job: str = "",
    school: str = "",
    expected_graduation: date | None = None,
    at: datetime,
) -> Enrolment:
    """A real-name trainee applies, declaring who they are [P2.0]. An application the trainee
    withdrew may be made again while the class is still enrolling."""
    require(actor, Cap.ENROL_IN_TRAINING)
    if actor.person_id is None:
        raise PermissionDenied("请先完成实名注册")
    klass = lock_class(klass)
    _check_enrolling(klass, at)
    decl = {
        "category": category,
        "employer": employer,
        "job": job,
        "school": school,
        "expected_graduation": expected_graduation,
    }
    errors = _check_declaration(klass=klass, **decl)
    errors.update(_check_age(birth=birth_date_of(Person.objects.get(pk=actor.person_id)), at=at))
    previous = Enrolment.objects.select_for_update().filter(klass=klass, person_id=actor.person_id).first()
    if previous is not None and previous.status != Enrolment.Status.WITHDRAWN:
        errors.setdefault("__all__", []).append("您已报名该班次,不能重复报名")
    if errors:
        raise ValidationError(errors)
    if previous is not None:
        e = previous
        before = {"status": e.status, "left_at": e.left_at}
        e.status, e.applied_at, e.reason, e.left_at, e.left_by = Enrolment.Status.APPLIED, at, "", None, None
        e.decided_by = e.decided_at = e.enrolled_by = None
        _declare(e, **decl)
        e.save()
        audit.record(
            actor=actor,
            action="training.enrolment.reapply",
            obj=e,
            before=before,
            after={"status": e.status, "category": category},
            at=at,
        )
        return e
    e = Enrolment(klass=klass, person_id=actor.person_id, applied_at=at)
    _declare(e, **decl)
    e.save()
    audit.record(
        actor=actor,
        action="training.enrolment.apply",
        obj=e,
        at=at,
        after={"class": klass.pk, "category": category},
    )
    return e


def _roster_open(klass: TrainingClass) -> None:
    if klass.roster_status in (TrainingClass.RosterStatus.SUBMITTED, TrainingClass.RosterStatus.APPROVED):
        raise ValidationError(f"花名册{klass.get_roster_status_display()},不能再变更录取名单 [P2.3]")


def _check_admission(e: Enrolment, klass: TrainingClass) -> None:
    """Admission needs an open roster, a seat, and no overlapping class of the same person [P2.3]."""
    _roster_open(klass)
    if klass.status == TrainingClass.Status.COMPLETED:
        raise ValidationError("班次已结业")
    admitted = klass.enrolments.filter(
        status__in=[Enrolment.Status.ADMITTED, Enrolment.Status.COMPLETED]
    ).count()
    if admitted >= klass.capacity:
        raise ValidationError(f"班次已满({klass.capacity}人)")
    clash = (
        Enrolment.objects.filter(
            person_id=e.person_id,
            status__in=[Enrolment.Status.ADMITTED, Enrolment.Status.COMPLETED],
            klass__start_date__lte=klass.end_date,
            klass__end_date__gte=klass.start_date,
        )
        .exclude(pk=e.pk)
        .select_related("klass")
        .first()
    )
    if clash is not None:
        raise ValidationError(
            f"该学员已被录取到时间重叠的班次「{clash.klass.name}」"
            f"({clash.klass.start_date} 至 {clash.klass.end_date}),不能重复录取 [P2.3]"
        )


@transaction.atomic
def enrolment_admit(*, actor, enrolment: Enrolment, at: datetime) -> Enrolment:
    """Admit an applicant. One person cannot be admitted to two overlapping classes [P2.3]."""
    e = lock_enrolment(enrolment)
    klass = lock_class(e.klass)
    rules.require_institution(actor, klass.plan.institution_id)
    if e.status != Enrolment.Status.APPLIED:
        raise ValidationError(f"报名状态为「{e.get_status_display()}」,不能录取")
    _check_admission(e, klass)
    e.status, e.decided_by, e.decided_at = Enrolment.Status.ADMITTED, actor, at
    e.save(update_fields=["status", "decided_by", "decided_at"])
    audit.record(
        actor=actor,
        action="training.enrolment.admit",
        obj=e,
        changes={"status": ["applied", "admitted"]},
        at=at,
    )
    return e


@transaction.atomic
def enrolment_on_behalf(
    *,
    actor,
    klass: TrainingClass,
    id_number: str,
    name: str = "",
    phone: str = "",
    category: str,
    employer: str = "",
    job: str = "",
    school: str = "",
    expected_graduation: date | None = None,
    at: datetime,
) -> Enrolment:
    """Institution staff enrol a real-name person on the trainee's behalf and admit them [P2.0],
    [P4.3]: the person is found by ID number, or registered with the name given. The admission rules
    still apply (open roster, seats, no overlapping class) and the city still reviews the roster
    [P2.3], where the enrolment shows who made it."""
    klass = lock_class(klass)
    rules.require_institution(actor, klass.plan.institution_id)
    _check_enrolling(klass, at)
    ident = clean_id_number(id_number, today=local_date(at))
    person = find_person(id_number=ident.number)
    decl = {
        "category": category,
        "employer": employer,
        "job": job,
        "school": school,
        "expected_graduation": expected_graduation,
    }
    errors = _check_on_behalf_name(person, name)
    errors.update(_check_declaration(klass=klass, **decl))
    errors.update(_check_age(birth=ident.birth, at=at, field="id_number"))
    errors.update(_check_not_enrolled(klass, person))
    if errors:
        raise ValidationError(errors)
    if person is None:
        require(actor, Cap.REGISTER_PEOPLE)
        person = person_register(name=name, id_number=ident.number, phone=phone, actor=actor, at=at)
    e = Enrolment.objects.select_for_update().filter(klass=klass, person=person).first()
    e = e or Enrolment(klass=klass, person=person)
    e.status, e.applied_at, e.reason, e.left_at, e.left_by = Enrolment.Status.APPLIED, at, "", None, None
    _declare(e, **decl)
    _check_admission(e, klass)
    e.status, e.enrolled_by, e.decided_by, e.decided_at = Enrolment.Status.ADMITTED, actor, actor, at
    e.save()
    audit.record(
        actor=actor,
        action="training.enrolment.on_behalf",
        obj=e,
        at=at,
        after={"class": klass.pk, "person": person.masked_name, "category": category, "status": e.status},
    )
    return e


def _check_on_behalf_name(person: Person | None, name: str) -> dict[str, list[str]]:
    """A name given agrees with the real-name record; a person not yet registered needs one [P4.3]."""
    if person is not None and name.strip() and name.strip() != person.name:
        return {"name": ["姓名与该身份证号码的实名信息不一致,请核对 [P4.3]"]}
    if person is None and not name.strip():
        return {"name": ["该身份证号码尚未实名登记,请填写姓名以登记 [P4.3]"]}
    return {}


def _check_not_enrolled(klass: TrainingClass, person: Person | None) -> dict[str, list[str]]:
    """The person has no enrolment in the class other than a withdrawn one."""
    if person is None:
        return {}
    previous = Enrolment.objects.filter(klass=klass, person=person).first()
    if previous is not None and previous.status != Enrolment.Status.WITHDRAWN:
        return {"id_number": [f"该学员已报名本班次(状态:{previous.get_status_display()})"]}
    return {}


@transaction.atomic
def enrolment_withdraw(*, actor, enrolment: Enrolment, reason: str = "", at: datetime) -> Enrolment:
    """The trainee withdraws an application, or an admission while the roster has not gone to the
    city [P2.3]; once the roster is under review or approved, leaving is a drop-out."""
    require(actor, Cap.ENROL_IN_TRAINING)
    e = lock_enrolment(enrolment)
    if e.person_id != actor.person_id:
        raise PermissionDenied("只能撤回本人的报名")
    klass = lock_class(e.klass)
    if e.status == Enrolment.Status.ADMITTED:
        if klass.status != TrainingClass.Status.ENROLLING or klass.roster_status in (
            TrainingClass.RosterStatus.SUBMITTED,
            TrainingClass.RosterStatus.APPROVED,
        ):
            raise ValidationError(
                f"花名册{klass.get_roster_status_display()},已录取的报名不能撤回;如需离开请办理退学 [P2.3]"
            )
    elif e.status != Enrolment.Status.APPLIED:
        raise ValidationError(f"报名状态为「{e.get_status_display()}」,不能撤回")
    before = e.status
    reason = clean_text(reason, field="reason", label="撤回理由", max_length=REASON_MAX)
    e.status, e.reason, e.left_at, e.left_by = Enrolment.Status.WITHDRAWN, reason, at, actor
    e.save(update_fields=["status", "reason", "left_at", "left_by"])
    audit.record(
        actor=actor,
        action="training.enrolment.withdraw",
        obj=e,
        changes={"status": [before, e.status]},
        reason=e.reason,
        at=at,
    )
    return e


@transaction.atomic
def enrolment_drop(*, actor, enrolment: Enrolment, reason: str, at: datetime) -> Enrolment:
    """A rostered trainee drops out (退学), by their own wish or recorded by the institution, with a
    reason. The attendance records stay as they were: the record is traceable [P2.3]."""
    e = lock_enrolment(enrolment)
    klass = lock_class(e.klass)
    if can(actor, Cap.ENROL_IN_TRAINING):
        if e.person_id != actor.person_id:
            raise PermissionDenied("只能办理本人的退学")
    else:
        rules.require_institution(actor, klass.plan.institution_id)
    if e.status != Enrolment.Status.ADMITTED:
        raise ValidationError(f"报名状态为「{e.get_status_display()}」,不能办理退学")
    if klass.status == TrainingClass.Status.COMPLETED:
        raise ValidationError("班次已结业,不能办理退学")
    if klass.roster_status == TrainingClass.RosterStatus.SUBMITTED:
        raise ValidationError("花名册正在市人力社保局审核中,请在审核完成后办理 [P2.3]")
    if klass.roster_status != TrainingClass.RosterStatus.APPROVED:
        raise ValidationError("花名册尚未提交市局审核,请直接撤回报名")
    reason = clean_text(reason, field="reason", label="退学理由", max_length=REASON_MAX)
    if not reason:
        raise ValidationError({"reason": "请填写退学理由"})
    e.status, e.reason, e.left_at, e.left_by = Enrolment.Status.DROPPED, reason, at, actor
    e.save(update_fields=["status", "reason", "left_at", "left_by"])
    audit.record(
        actor=actor,
        action="training.enrolment.drop",
        obj=e,
        changes={"status": ["admitted", "dropped"], "attendances_kept": e.attendances.count()},
        reason=e.reason,
        at=at,
    )
    return e


@transaction.atomic
def enrolment_refuse(*, actor, enrolment: Enrolment, reason: str, at: datetime) -> Enrolment:
    e = lock_enrolment(enrolment)
    rules.require_institution(actor, e.klass.plan.institution_id)
    if e.status != Enrolment.Status.APPLIED:
        raise ValidationError(f"报名状态为「{e.get_status_display()}」,不能不予录取")
    reason = clean_text(reason, field="reason", label="不予录取的理由", max_length=REASON_MAX)
    if not reason:
        raise ValidationError({"reason": "请填写不予录取的理由"})
    e.status, e.decided_by, e.decided_at, e.reason = Enrolment.Status.REFUSED, actor, at, reason
    e.save(update_fields=["status", "decided_by", "decided_at", "reason"])
    audit.record(
        actor=actor,
        action="training.enrolment.refuse",
        obj=e,
        changes={"status": ["applied", "refused"]},
        reason=e.reason,
        at=at,
    )
    return e


BULK_ENROLMENTS_MAX = 500


@transaction.atomic
def enrolments_decide(
    *, actor, klass: TrainingClass, enrolment_ids: list[int], admit: bool, reason: str = "", at: datetime
) -> list[Enrolment]:
    """Several applicants of one class admitted (or refused, with one reason) together [P2.3]: each
    exactly as if alone (its checks, its audit entry), all in this transaction, so that one refusal
    (a full class, an overlapping class, a decided application) leaves every application as it was;
    the message names the applicant who stopped them."""
    rules.require_institution(actor, klass.plan.institution_id)
    ids = sorted(set(enrolment_ids))
    if not ids:
        raise ValidationError({"enrolments": "请选择要处理的报名"})
    if len(ids) > BULK_ENROLMENTS_MAX:
        raise ValidationError({"enrolments": f"一次最多处理{BULK_ENROLMENTS_MAX}份报名"})
    found = {e.pk: e for e in Enrolment.objects.filter(klass=klass, pk__in=ids).select_related("person")}
    missing = [str(pk) for pk in ids if pk not in found]
    if missing:
        raise ValidationError({"enrolments": f"报名{'、'.join(missing)}不属于本班次"})
    done = []
    for pk in ids:
        e = found[pk]
        try:
            if admit:
                done.append(enrolment_admit(actor=actor, enrolment=e, at=at))
            else:
                done.append(enrolment_refuse(actor=actor, enrolment=e, reason=reason, at=at))
        except ValidationError as exc:
            raise ValidationError(f"{e.person.name}:{';'.join(exc.messages)};全部未处理") from exc
    return done


@transaction.atomic
def roster_submit(*, actor, klass: TrainingClass, at: datetime) -> TrainingClass:
    """The institution submits the class roster to the city for review [P2.3]."""
    klass = lock_class(klass)
    rules.require_institution(actor, klass.plan.institution_id)
    if klass.roster_status not in (TrainingClass.RosterStatus.OPEN, TrainingClass.RosterStatus.RETURNED):
        raise ValidationError(f"花名册{klass.get_roster_status_display()},不能重复提交")
    if klass.status != TrainingClass.Status.ENROLLING:
        raise ValidationError("只有招生中的班次可以提交花名册")
    if klass.enrolments.filter(status=Enrolment.Status.APPLIED).exists():
        raise ValidationError("仍有报名未处理(录取或不予录取)")
    n = klass.enrolments.filter(status=Enrolment.Status.ADMITTED).count()
    if n == 0:
        raise ValidationError("花名册中没有已录取的学员")
    before = klass.roster_status
    klass.roster_status = TrainingClass.RosterStatus.SUBMITTED
    klass.save(update_fields=["roster_status"])
    audit.record(
        actor=actor,
        action="training.roster.submit",
        obj=klass,
        changes={"roster_status": [before, "submitted"], "admitted": n},
        at=at,
    )
    return klass


@transaction.atomic
def roster_review(
    *, actor, klass: TrainingClass, approve: bool, note: str = "", at: datetime
) -> TrainingClass:
    """The city reviews the roster before the class starts [P2.3]; a return needs a reason."""
    require(actor, Cap.FILE_TRAINING_PLANS)
    klass = lock_class(klass)
    if klass.roster_status != TrainingClass.RosterStatus.SUBMITTED:
        raise ValidationError(f"花名册状态为「{klass.get_roster_status_display()}」,无需审核")
    if not approve and not note.strip():
        raise ValidationError({"note": "请填写退回理由"})
    status = TrainingClass.RosterStatus.APPROVED if approve else TrainingClass.RosterStatus.RETURNED
    klass.roster_status, klass.roster_note = status, note.strip()
    klass.roster_reviewed_by, klass.roster_reviewed_at = actor, at
    klass.save(update_fields=["roster_status", "roster_note", "roster_reviewed_by", "roster_reviewed_at"])
    audit.record(
        actor=actor,
        action="training.roster.approve" if approve else "training.roster.return",
        obj=klass,
        changes={"roster_status": ["submitted", status]},
        reason=klass.roster_note,
        at=at,
    )
    return klass
