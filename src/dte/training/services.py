"""Writes of the training system. Every service checks the actor's role and scope, refuses an
illegal move with a reason in Chinese citing its clause, and records the change in the audit log
inside its own transaction."""

from __future__ import annotations

import secrets
from datetime import date, datetime, time, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from dte.accounts.permissions import Cap, can, require
from dte.audit import services as audit
from dte.catalog.models import Designation, EvaluationBody, Level, Occupation
from dte.people.models import Person
from dte.people.services import clean_id_number, find_person, person_register
from dte.policy.identity import IdNumberError, parse_id_number
from dte.training import checkin, record, rules
from dte.training.models import (
    Attendance,
    ContinuingEducationCredit,
    Enrolment,
    Event,
    EventRegistration,
    Mode,
    RecordException,
    Session,
    TrainingCertificate,
    TrainingClass,
    TrainingPlan,
)
from dte.training.tables import ImportReport, Row, parse_datetime

PLAN_FIELDS = [
    "title",
    "direction",
    "hours_theory_offline",
    "hours_theory_online",
    "hours_practice_offline",
    "hours_practice_online",
    "start_date",
    "end_date",
    "schedule",
    "place",
    "mode",
    "capacity",
    "fee",
    "evaluation_body_id",
    "assessment_plan",
]


def _snapshot(obj, fields) -> dict:
    return {f: getattr(obj, f) for f in fields}


def _local_date(at: datetime) -> date:
    return timezone.localtime(at).date()


# --- bounds on what a person types -------------------------------------------------------------
# Dates: nothing later than this many years ahead (a typing error such as 9999, or 2205 for 2025).
HORIZON_YEARS = 5
# Integers: far above any real plan, and far below the database's 2147483647.
HOURS_MAX = 2000  # 学时 per kind and mode
CAPACITY_MAX = 10000  # people in one plan, class or event
FEE_MAX = 100000  # yuan per person


def horizon(at: datetime) -> date:
    """The latest date a person may type for a plan, class or event entered at ``at``."""
    return _local_date(at) + timedelta(days=365 * HORIZON_YEARS + 1)


def _check_int(errors: dict, field: str, value, *, label: str, low: int, high: int) -> bool:
    """A whole number within [low, high]; otherwise a field error (and False)."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        errors.setdefault(field, []).append(f"{label}应为{low}至{high}之间的整数")
        return False
    return True


def _check_date(errors: dict, field: str, value, *, label: str) -> bool:
    if not isinstance(value, date) or isinstance(value, datetime):
        errors.setdefault(field, []).append(f"请填写{label}(年-月-日)")
        return False
    return True


# --- plans [P3.1] --------------------------------------------------------------------------------
def _check_plan(plan: TrainingPlan, *, at: datetime) -> None:
    errors: dict[str, list[str]] = {}

    def err(f, m):
        errors.setdefault(f, []).append(m)

    if not Designation.objects.filter(
        institution_id=plan.institution_id, occupation_id=plan.occupation_id
    ).exists():
        err("occupation", f"本机构不是「{plan.occupation.name}」的定点培训机构,不能制定该职业的培训计划 [A1]")
    if not plan.title.strip():
        err("title", "请填写计划名称")
    numbers_ok = all(
        [
            _check_int(errors, f, getattr(plan, f), label=label, low=0, high=HOURS_MAX)
            for f, label in (
                ("hours_theory_offline", "理论学时(线下)"),
                ("hours_theory_online", "理论学时(线上)"),
                ("hours_practice_offline", "实操学时(线下)"),
                ("hours_practice_online", "实操学时(线上)"),
            )
        ]
    )
    if not _check_int(errors, "capacity", plan.capacity, label="计划人数", low=1, high=CAPACITY_MAX):
        numbers_ok = False
    _check_int(errors, "fee", plan.fee, label="收费标准(元/人)", low=0, high=FEE_MAX)
    dates_ok = _check_date(errors, "start_date", plan.start_date, label="开班日期") & _check_date(
        errors, "end_date", plan.end_date, label="结束日期"
    )
    if dates_ok:
        begins, latest = record.policy_start(), horizon(at)
        if plan.start_date < begins:
            dates_ok = False
            err("start_date", f"开班日期不能早于实施方案施行之日 {begins:%Y-%m-%d} [P5.4]")
        elif plan.start_date > latest:
            dates_ok = False
            err("start_date", f"开班日期不能晚于 {latest:%Y-%m-%d}(自今日起{HORIZON_YEARS}年内),请核对年份")
        if plan.end_date < plan.start_date:
            err("end_date", "结束日期不能早于开班日期")
        elif plan.end_date > latest:
            err("end_date", f"结束日期不能晚于 {latest:%Y-%m-%d}(自今日起{HORIZON_YEARS}年内),请核对年份")
    if numbers_ok and plan.total_hours <= 0:
        err("hours_theory_offline", "请填写培训学时")
    if numbers_ok and (plan.theory_hours <= 0 or plan.practice_hours <= 0):
        err("hours_practice_offline", "培训应包含理论和实操两部分 [P3.2]")
    needed = (
        rules.required_hours(
            occupation_code=plan.occupation.code, level_code=plan.level.code, on=plan.start_date
        )
        if dates_ok
        else None
    )
    if numbers_ok and needed is not None and plan.total_hours < needed:
        err(
            "hours_theory_offline",
            f"总学时 {plan.total_hours} 少于该职业{plan.level.name}标准学时 {needed} [A2.2]",
        )
    if not plan.assessment_plan.strip():
        err("assessment_plan", "请填写与评价机构商定的专业技术等级考核计划和方案 [P3.1]")
    if not plan.evaluation_body.active:
        err("evaluation_body", "该评价机构已停用")
    if plan.mode in (Mode.OFFLINE, Mode.BLENDED) and not plan.place.strip():
        err("place", "线下培训请填写培训地点")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def plan_draft(
    *,
    actor,
    occupation: Occupation,
    level: Level,
    evaluation_body: EvaluationBody,
    title: str,
    start_date: date,
    end_date: date,
    capacity: int,
    fee: int,
    assessment_plan: str,
    hours_theory_offline: int = 0,
    hours_theory_online: int = 0,
    hours_practice_offline: int = 0,
    hours_practice_online: int = 0,
    direction: str = "",
    schedule: str = "",
    place: str = "",
    mode: str = Mode.BLENDED,
    at: datetime,
) -> TrainingPlan:
    """An institution drafts a plan for one of its designated occupations [P3.1], [A1]."""
    require(actor, Cap.MANAGE_INSTITUTION)
    plan = TrainingPlan(
        institution_id=actor.institution_id,
        occupation=occupation,
        level=level,
        evaluation_body=evaluation_body,
        title=title.strip(),
        direction=direction.strip(),
        start_date=start_date,
        end_date=end_date,
        capacity=capacity,
        fee=fee,
        assessment_plan=assessment_plan,
        schedule=schedule,
        place=place.strip(),
        mode=mode,
        hours_theory_offline=hours_theory_offline,
        hours_theory_online=hours_theory_online,
        hours_practice_offline=hours_practice_offline,
        hours_practice_online=hours_practice_online,
        created_by=actor,
        created_at=at,
    )
    _check_plan(plan, at=at)
    plan.save()
    audit.record(
        actor=actor, action="training.plan.draft", obj=plan, after=_snapshot(plan, PLAN_FIELDS), at=at
    )
    return plan


@transaction.atomic
def plan_update(*, actor, plan: TrainingPlan, at: datetime, **changes) -> TrainingPlan:
    """Change a draft or a returned plan; a plan submitted or on file cannot change [P3.1]."""
    plan = TrainingPlan.objects.select_for_update().get(pk=plan.pk)
    rules.require_institution(actor, plan.institution_id)
    if plan.status not in (TrainingPlan.Status.DRAFT, TrainingPlan.Status.RETURNED):
        raise ValidationError(f"计划状态为「{plan.get_status_display()}」,不能修改 [P3.1]")
    unknown = set(changes) - set(PLAN_FIELDS) - {"evaluation_body"}
    if unknown:
        raise ValidationError(f"不能修改的字段:{', '.join(sorted(unknown))}")
    before = _snapshot(plan, PLAN_FIELDS)
    for k, v in changes.items():
        setattr(plan, k, v)
    _check_plan(plan, at=at)
    plan.save()
    audit.record(
        actor=actor,
        action="training.plan.update",
        obj=plan,
        before=before,
        after=_snapshot(plan, PLAN_FIELDS),
        at=at,
    )
    return plan


@transaction.atomic
def plan_submit(*, actor, plan: TrainingPlan, at: datetime) -> TrainingPlan:
    plan = TrainingPlan.objects.select_for_update().get(pk=plan.pk)
    rules.require_institution(actor, plan.institution_id)
    if plan.status not in (TrainingPlan.Status.DRAFT, TrainingPlan.Status.RETURNED):
        raise ValidationError(f"计划状态为「{plan.get_status_display()}」,不能提交备案")
    _check_plan(plan, at=at)
    before = plan.status
    plan.status, plan.submitted_at = TrainingPlan.Status.SUBMITTED, at
    plan.save(update_fields=["status", "submitted_at"])
    audit.record(
        actor=actor, action="training.plan.submit", obj=plan, changes={"status": [before, plan.status]}, at=at
    )
    return plan


@transaction.atomic
def plan_file(*, actor, plan: TrainingPlan, at: datetime) -> TrainingPlan:
    """The city bureau puts a submitted plan on file (备案) [P3.1]."""
    require(actor, Cap.FILE_TRAINING_PLANS)
    plan = TrainingPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.status != TrainingPlan.Status.SUBMITTED:
        raise ValidationError(f"只有已提交的计划可以备案(当前:{plan.get_status_display()})[P3.1]")
    _check_plan(plan, at=at)
    year = _local_date(at).year
    seq = TrainingPlan.objects.filter(filing_number__startswith=f"温培备{year}-").count() + 1
    plan.status, plan.decided_by, plan.decided_at = TrainingPlan.Status.ON_FILE, actor, at
    plan.filing_number, plan.return_reason = f"温培备{year}-{seq:04d}", ""
    plan.save(update_fields=["status", "decided_by", "decided_at", "filing_number", "return_reason"])
    audit.record(
        actor=actor,
        action="training.plan.file",
        obj=plan,
        changes={"status": ["submitted", "on_file"], "filing_number": [None, plan.filing_number]},
        at=at,
    )
    return plan


@transaction.atomic
def plan_return(*, actor, plan: TrainingPlan, reason: str, at: datetime) -> TrainingPlan:
    """The city bureau returns a submitted plan with its reasons [P3.1]."""
    require(actor, Cap.FILE_TRAINING_PLANS)
    plan = TrainingPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.status != TrainingPlan.Status.SUBMITTED:
        raise ValidationError(f"只有已提交的计划可以退回(当前:{plan.get_status_display()})")
    if not reason.strip():
        raise ValidationError({"reason": "请填写退回理由"})
    plan.status, plan.decided_by, plan.decided_at = TrainingPlan.Status.RETURNED, actor, at
    plan.return_reason = reason.strip()
    plan.save(update_fields=["status", "decided_by", "decided_at", "return_reason"])
    audit.record(
        actor=actor,
        action="training.plan.return",
        obj=plan,
        changes={"status": ["submitted", "returned"]},
        reason=plan.return_reason,
        at=at,
    )
    return plan


# --- classes [P3.2] ------------------------------------------------------------------------------
@transaction.atomic
def class_open(
    *,
    actor,
    plan: TrainingPlan,
    name: str,
    start_date: date,
    end_date: date,
    enrol_by: date,
    capacity: int,
    place: str = "",
    mode: str | None = None,
    at: datetime,
) -> TrainingClass:
    """Open and announce a class of a plan on file; its fee is the plan's published fee [P3.1],
    [P3.2], [P5.3b]."""
    plan = TrainingPlan.objects.select_for_update().get(pk=plan.pk)
    rules.require_institution(actor, plan.institution_id)
    if plan.status != TrainingPlan.Status.ON_FILE:
        raise ValidationError(
            f"培训计划未经市人力社保局备案(当前:{plan.get_status_display()}),不能开班 [P3.1]"
        )
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors["name"] = ["请填写班次名称"]
    span = f"备案计划的日期范围内({plan.start_date} 至 {plan.end_date})"
    dates_ok = (
        _check_date(errors, "start_date", start_date, label="开班日期")
        & _check_date(errors, "end_date", end_date, label="结业日期")
        & _check_date(errors, "enrol_by", enrol_by, label="报名截止日期")
    )
    if dates_ok:
        if not plan.start_date <= start_date <= plan.end_date:
            errors["start_date"] = [f"开班日期应在{span}[P3.1]"]
        if end_date < start_date:
            errors["end_date"] = ["结业日期不能早于开班日期"]
        elif end_date > plan.end_date:
            errors["end_date"] = [f"结业日期应在{span}[P3.1]"]
        if enrol_by > start_date:
            errors["enrol_by"] = ["报名截止日期不能晚于开班日期"]
        elif enrol_by < _local_date(at):
            errors["enrol_by"] = [
                f"报名截止日期不能早于今天({_local_date(at):%Y-%m-%d}),否则无法公开招生 [P3.2]"
            ]
    used = plan.classes.aggregate(n=Sum("capacity"))["n"] or 0
    if (
        isinstance(capacity, bool)
        or not isinstance(capacity, int)
        or capacity < 1
        or used + capacity > plan.capacity
    ):
        errors["capacity"] = [
            f"招生人数应为1至{plan.capacity - used}人(备案计划人数 {plan.capacity},已开班 {used})"
        ]
    mode = mode or plan.mode
    if mode in (Mode.OFFLINE, Mode.BLENDED) and not (place or plan.place).strip():
        errors["place"] = ["线下培训请填写培训地点"]
    if errors:
        raise ValidationError(errors)
    klass = TrainingClass.objects.create(
        plan=plan,
        name=name.strip(),
        start_date=start_date,
        end_date=end_date,
        enrol_by=enrol_by,
        capacity=capacity,
        place=(place or plan.place).strip(),
        mode=mode,
        fee=plan.fee,
        created_at=at,
    )
    audit.record(
        actor=actor,
        action="training.class.open",
        obj=klass,
        at=at,
        after={
            "plan": plan.pk,
            "name": klass.name,
            "start_date": start_date,
            "end_date": end_date,
            "capacity": capacity,
            "fee": klass.fee,
        },
    )
    return klass


def _lock_class(klass) -> TrainingClass:
    return TrainingClass.objects.select_for_update().select_related("plan").get(pk=klass.pk)


@transaction.atomic
def class_start(*, actor, klass: TrainingClass, at: datetime) -> TrainingClass:
    """A class starts only once the city has reviewed its roster [P2.3]."""
    klass = _lock_class(klass)
    rules.require_institution(actor, klass.plan.institution_id)
    if klass.status != TrainingClass.Status.ENROLLING:
        raise ValidationError(f"班次状态为「{klass.get_status_display()}」,不能开始培训")
    if klass.roster_status != TrainingClass.RosterStatus.APPROVED:
        raise ValidationError("学员花名册尚未经市人力社保局审核,不能开始培训 [P2.3]")
    klass.status = TrainingClass.Status.RUNNING
    klass.save(update_fields=["status"])
    audit.record(
        actor=actor,
        action="training.class.start",
        obj=klass,
        changes={"status": ["enrolling", "running"]},
        at=at,
    )
    return klass


@transaction.atomic
def class_complete(*, actor, klass: TrainingClass, at: datetime) -> TrainingClass:
    """A running class is completed only once its last session has ended [P3.2]."""
    klass = _lock_class(klass)
    rules.require_institution(actor, klass.plan.institution_id)
    if klass.status != TrainingClass.Status.RUNNING:
        raise ValidationError(f"班次状态为「{klass.get_status_display()}」,不能结业")
    missing = record.teaching_missing(klass, at=at)
    if missing:
        raise ValidationError(f"{missing},不能结业 [P3.2]")
    klass.status = TrainingClass.Status.COMPLETED
    klass.save(update_fields=["status"])
    audit.record(
        actor=actor,
        action="training.class.complete",
        obj=klass,
        changes={"status": ["running", "completed"]},
        at=at,
    )
    return klass


# --- enrolment [P2.0], [P2.3] --------------------------------------------------------------------
def _check_enrolling(klass: TrainingClass, at: datetime) -> None:
    if klass.status != TrainingClass.Status.ENROLLING or klass.plan.status != TrainingPlan.Status.ON_FILE:
        raise ValidationError("该班次不在招生中")
    if _local_date(at) > klass.enrol_by:
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
    on = _local_date(at)
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
    klass = _lock_class(klass)
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


def _lock_enrolment(enrolment) -> Enrolment:
    return Enrolment.objects.select_for_update().select_related("klass__plan", "person").get(pk=enrolment.pk)


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
    e = _lock_enrolment(enrolment)
    klass = _lock_class(e.klass)
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
    klass = _lock_class(klass)
    rules.require_institution(actor, klass.plan.institution_id)
    _check_enrolling(klass, at)
    errors: dict[str, list[str]] = {}
    ident = clean_id_number(id_number)
    person = find_person(id_number=ident.number)
    if person is not None and name.strip() and name.strip() != person.name:
        errors["name"] = ["姓名与该身份证号码的实名信息不一致,请核对 [P4.3]"]
    if person is None and not name.strip():
        errors["name"] = ["该身份证号码尚未实名登记,请填写姓名以登记 [P4.3]"]
    decl = {
        "category": category,
        "employer": employer,
        "job": job,
        "school": school,
        "expected_graduation": expected_graduation,
    }
    errors.update(_check_declaration(klass=klass, **decl))
    errors.update(_check_age(birth=ident.birth, at=at, field="id_number"))
    if person is not None:
        previous = Enrolment.objects.filter(klass=klass, person=person).first()
        if previous is not None and previous.status != Enrolment.Status.WITHDRAWN:
            errors["id_number"] = [f"该学员已报名本班次(状态:{previous.get_status_display()})"]
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


@transaction.atomic
def enrolment_withdraw(*, actor, enrolment: Enrolment, reason: str = "", at: datetime) -> Enrolment:
    """The trainee withdraws an application, or an admission while the roster has not gone to the
    city [P2.3]; once the roster is under review or approved, leaving is a drop-out."""
    require(actor, Cap.ENROL_IN_TRAINING)
    e = _lock_enrolment(enrolment)
    if e.person_id != actor.person_id:
        raise PermissionDenied("只能撤回本人的报名")
    klass = _lock_class(e.klass)
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
    e.status, e.reason, e.left_at, e.left_by = Enrolment.Status.WITHDRAWN, reason.strip(), at, actor
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
    e = _lock_enrolment(enrolment)
    klass = _lock_class(e.klass)
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
    if not reason.strip():
        raise ValidationError({"reason": "请填写退学理由"})
    e.status, e.reason, e.left_at, e.left_by = Enrolment.Status.DROPPED, reason.strip(), at, actor
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
    e = _lock_enrolment(enrolment)
    rules.require_institution(actor, e.klass.plan.institution_id)
    if e.status != Enrolment.Status.APPLIED:
        raise ValidationError(f"报名状态为「{e.get_status_display()}」,不能不予录取")
    if not reason.strip():
        raise ValidationError({"reason": "请填写不予录取的理由"})
    e.status, e.decided_by, e.decided_at, e.reason = Enrolment.Status.REFUSED, actor, at, reason.strip()
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


@transaction.atomic
def roster_submit(*, actor, klass: TrainingClass, at: datetime) -> TrainingClass:
    """The institution submits the class roster to the city for review [P2.3]."""
    klass = _lock_class(klass)
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
    klass = _lock_class(klass)
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


# --- sessions and attendance [P2.3] --------------------------------------------------------------
@transaction.atomic
def session_add(
    *,
    actor,
    klass: TrainingClass,
    date: date,
    start: time,
    end: time,
    kind: str,
    mode: str,
    topic: str = "",
    place: str = "",
    backfill_reason: str = "",
    at: datetime,
) -> Session:
    """Schedule a session within the class dates, of a kind and mode the plan on file has hours for
    [P3.1], [P3.2]. Scheduling more hours of a kind and mode than the plan declares is allowed (a
    make-up session) but shows as a warning: ``rules.schedule_warnings``.

    A plausible session only [P2.3] (attendance.yaml): inside the daily window, no longer than the
    maximum session length, and no more class hours on one class day than the daily maximum. A
    session is scheduled before it starts; one whose start has passed is back-filled (补录): allowed
    only with a reason, recorded, and flagged to the city (anomaly ``backfilled_session``)."""
    klass = _lock_class(klass)
    rules.require_institution(actor, klass.plan.institution_id)
    if klass.status == TrainingClass.Status.COMPLETED:
        raise ValidationError("班次已结业,不能再安排课次")
    errors: dict[str, list[str]] = {}
    if not (klass.start_date <= date <= klass.end_date):
        errors["date"] = [f"课次日期应在班次日期内({klass.start_date} 至 {klass.end_date})"]
    if end <= start:
        errors["end"] = ["结束时间应晚于开始时间"]
    if kind not in Session.Kind.values:
        errors["kind"] = ["请选择理论或实操"]
    if mode not in Session.SessionMode.values:
        errors["mode"] = ["请选择线上或线下"]
    elif mode == Session.SessionMode.OFFLINE and klass.mode == Mode.ONLINE:
        errors["mode"] = ["线上班次不能安排线下课次"]
    elif mode == Session.SessionMode.ONLINE and klass.mode == Mode.OFFLINE:
        errors["mode"] = ["线下班次不能安排线上课次"]
    if (
        "kind" not in errors
        and "mode" not in errors
        and not rules.planned_hours(klass.plan, kind=kind, mode=mode)
    ):
        label = f"{rules.KIND_LABEL[kind]}{rules.MODE_LABEL[mode]}"
        errors["kind"] = [f"备案的培训计划没有{label}学时,不能安排{label}课次 [P3.1] [P3.2]"]
    if not errors and klass.sessions.filter(date=date, start__lt=end, end__gt=start).exists():
        errors["start"] = ["与本班次已有课次时间重叠"]
    backfilled, reason = False, (backfill_reason or "").strip()
    if not errors:
        backfilled = _check_session_time(
            klass, date=date, start=start, end=end, reason=reason, at=at, errors=errors
        )
    if errors:
        raise ValidationError(errors)
    s = Session.objects.create(
        klass=klass,
        date=date,
        start=start,
        end=end,
        kind=kind,
        mode=mode,
        topic=topic.strip(),
        place=(place or (klass.place if mode == "offline" else "")).strip(),
        created_at=at,
        backfilled=backfilled,
        backfill_reason=reason if backfilled else "",
    )
    audit.record(
        actor=actor,
        action="training.session.backfill" if backfilled else "training.session.add",
        obj=s,
        at=at,
        after={
            "class": klass.pk,
            "date": date,
            "start": start.isoformat(),
            "end": end.isoformat(),
            "kind": kind,
            "mode": mode,
            **({"backfilled": True} if backfilled else {}),
        },
        reason=reason if backfilled else "",
    )
    return s


def _check_session_time(
    klass: TrainingClass, *, date: date, start: time, end: time, reason: str, at: datetime, errors: dict
) -> bool:
    """The plausibility and back-fill rules of a new session [P2.3]; True when it is back-filled."""
    r = rules.attendance_rules(on=date)
    per_hour = rules.minutes_per_hour(on=klass.start_date)
    if start < r.day_start or end > r.day_end:
        errors["start"] = [
            f"课次应安排在每日 {r.day_start:%H:%M} 至 {r.day_end:%H:%M} 之间"
            f"(开始 {start:%H:%M},结束 {end:%H:%M})[P2.3]"
        ]
        return False
    minutes = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
    if minutes > r.max_session_hours * per_hour:
        errors["end"] = [
            f"单个课次最长 {r.max_session_hours} 学时({r.max_session_hours * per_hour} 分钟),"
            f"本课次 {minutes} 分钟 [P2.3]"
        ]
        return False
    that_day = sum(s.minutes for s in klass.sessions.filter(date=date))
    if that_day + minutes > r.max_daily_hours * per_hour:
        errors["date"] = [
            f"本班次 {date:%Y-%m-%d} 已排 {rules.hours(that_day, per_hour)} 学时,加上本课次共"
            f" {rules.hours(that_day + minutes, per_hour)} 学时,超过每日 {r.max_daily_hours} 学时上限 [P2.3]"
        ]
        return False
    starts_at = rules.local_at(date, start)
    if len(reason) > r.session_reason_max:
        errors["backfill_reason"] = [f"补录理由不超过 {r.session_reason_max} 字"]
        return False
    if at < starts_at:
        return False
    if not reason:
        errors["backfill_reason"] = [
            f"课次开始时间 {starts_at:%Y-%m-%d %H:%M} 已过:课次应在开始前安排。补录课次须填写补录理由,"
            "补录的课次将标记并报市人力社保局 [P2.3]"
        ]
    return True


def _roster_enrolment(session: Session, person_id: int) -> Enrolment:
    e = Enrolment.objects.filter(
        klass_id=session.klass_id,
        person_id=person_id,
        status__in=[Enrolment.Status.ADMITTED, Enrolment.Status.COMPLETED],
    ).first()
    if e is None:
        raise ValidationError("不在该班次已审核的学员花名册中,不能记录考勤 [P2.3]")
    return e


def _class_running(klass: TrainingClass) -> None:
    if klass.roster_status != TrainingClass.RosterStatus.APPROVED:
        raise ValidationError("学员花名册尚未经市人力社保局审核,不能记录考勤 [P2.3]")
    if klass.status != TrainingClass.Status.RUNNING:
        raise ValidationError(f"班次状态为「{klass.get_status_display()}」,不能记录考勤")


@transaction.atomic
def attendance_scan(*, actor, session: Session, action: str, token: str, at: datetime) -> Attendance:
    """A trainee scans the rotating QR code shown in class: check-in or check-out [P2.3]."""
    require(actor, Cap.ENROL_IN_TRAINING)
    session = Session.objects.select_related("klass").get(pk=session.pk)
    if not checkin.token_valid(session_id=session.pk, action=action, token=token, at=at):
        raise ValidationError("二维码已过期或无效,请扫描课堂上当前显示的二维码")
    if session.mode != Session.SessionMode.OFFLINE:
        raise ValidationError("线上课次不使用扫码签到")
    _class_running(session.klass)
    e = _roster_enrolment(session, actor.person_id)
    a = Attendance.objects.select_for_update().filter(session=session, enrolment=e).first()
    tol = rules.attendance_rules(on=session.date).tolerance_minutes
    if action == "in":
        lo, hi = rules.check_in_window(session)
        if not (lo <= at <= hi):
            raise ValidationError(f"不在签到时间内(课次 {session},可提前{tol}分钟签到)[P2.3]")
        if a is not None and a.check_in is not None:
            raise ValidationError(f"已于 {timezone.localtime(a.check_in):%H:%M:%S} 签到,无需重复签到")
        if a is None:
            a = Attendance(session=session, enrolment=e)
        a.check_in, a.source, a.updated_at = at, Attendance.Source.QR, at
        a.save()
        audit.record(actor=actor, action="training.attendance.check_in", obj=a, after={"check_in": at}, at=at)
    else:
        if a is None or a.check_in is None:
            raise ValidationError("尚未签到,不能签退")
        if a.check_out is not None:
            raise ValidationError(f"已于 {timezone.localtime(a.check_out):%H:%M:%S} 签退")
        lo, hi = rules.check_out_window(session)
        if not (lo <= at <= hi):
            raise ValidationError(f"不在签退时间内(课次 {session},可在结束后{tol}分钟内签退)[P2.3]")
        a.check_out, a.updated_at = at, at
        a.save(update_fields=["check_out", "updated_at"])
        audit.record(
            actor=actor, action="training.attendance.check_out", obj=a, after={"check_out": at}, at=at
        )
    return a


@transaction.atomic
def attendance_correct(
    *,
    actor,
    session: Session,
    enrolment: Enrolment,
    check_in: datetime | None,
    check_out: datetime | None,
    reason: str,
    at: datetime,
) -> Attendance:
    """Staff correct a record by hand [P2.3]: only once the session has ended, with a reason, with
    times inside the session's check-in/out windows and not later than now, within the trainee's
    daily maximum of class hours, and at most the set number of corrections per trainee and class
    (attendance.yaml). Who, when and why are recorded; the city sees corrections made long after
    the session and sessions or classes with many corrections (``rules.anomalies``)."""
    session = Session.objects.select_related("klass__plan").get(pk=session.pk)
    rules.require_institution(actor, session.klass.plan.institution_id)
    r = rules.attendance_rules(on=session.date)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "人工更正须填写理由 [P2.3]"})
    if len(reason) > r.reason_max:
        raise ValidationError({"reason": f"更正理由不超过 {r.reason_max} 字(现 {len(reason)} 字)"})
    if enrolment.klass_id != session.klass_id:
        raise ValidationError("该学员不在本班次花名册中,不能记录考勤 [P2.3]")
    e = _roster_enrolment(session, enrolment.person_id)
    _class_running(session.klass)
    if at < session.ends_at:
        raise ValidationError(f"课次 {session} 尚未结束,不能人工更正考勤;课次结束后方可更正 [P2.3]")
    _check_correction_times(session, check_in=check_in, check_out=check_out, at=at, rules_=r)
    a = Attendance.objects.select_for_update().filter(session=session, enrolment=e).first()
    used = Attendance.objects.filter(enrolment=e).aggregate(n=Sum("corrections"))["n"] or 0
    if used >= r.max_corrections:
        raise ValidationError(
            f"{e.person.name} 在本班次的考勤已人工更正 {used} 次,"
            f"已达每名学员每个班次 {r.max_corrections} 次的上限,不能再更正 [P2.3]"
        )
    _check_daily_maximum(session, e, check_in=check_in, check_out=check_out, exclude=a)
    before = {"check_in": a.check_in, "check_out": a.check_out} if a else {}
    if a is None:
        a = Attendance(session=session, enrolment=e)
    a.check_in, a.check_out, a.source = check_in, check_out, Attendance.Source.MANUAL
    a.corrected_by, a.correction_reason, a.updated_at = actor, reason, at
    a.corrections, a.corrected_at = a.corrections + 1, at
    a.save()
    audit.record(
        actor=actor,
        action="training.attendance.correct",
        obj=a,
        before=before,
        after={"check_in": check_in, "check_out": check_out},
        reason=a.correction_reason,
        at=at,
    )
    return a


def _check_correction_times(
    session: Session, *, check_in: datetime | None, check_out: datetime | None, at: datetime, rules_
) -> None:
    """A corrected time lies in the session's check-in/out window and not after ``at`` [P2.3]."""
    errors: dict[str, str] = {}
    tol = rules_.tolerance_minutes
    lo, hi = rules.check_in_window(session)
    if check_in is not None and not (lo <= check_in <= hi):
        errors["check_in"] = (
            f"签到时间应在 {_hm(lo)} 至 {_hm(hi)} 之间(课次 {session},可提前{tol}分钟签到)[P2.3]"
        )
    lo, hi = rules.check_out_window(session)
    if check_out is not None and not (lo <= check_out <= hi):
        errors["check_out"] = (
            f"签退时间应在 {_hm(lo)} 至 {_hm(hi)} 之间(课次 {session},可在结束后{tol}分钟内签退)[P2.3]"
        )
    for f, t, label in (("check_in", check_in, "签到"), ("check_out", check_out, "签退")):
        if f not in errors and t is not None and t > at:
            errors[f] = f"{label}时间 {_hm(t)} 晚于当前时间,不能录入尚未发生的考勤 [P2.3]"
    if not errors and check_in is not None and check_out is not None and check_out <= check_in:
        errors["check_out"] = "签退时间应晚于签到时间"
    if errors:
        raise ValidationError(errors)


def _hm(t: datetime) -> str:
    return f"{timezone.localtime(t):%Y-%m-%d %H:%M}"


def _check_daily_maximum(
    session: Session, e: Enrolment, *, check_in: datetime | None, check_out: datetime | None, exclude
) -> None:
    """A correction may not credit a trainee more class hours on one day, over all classes, than
    the daily maximum [P2.3]."""
    r = rules.attendance_rules(on=session.date)
    per_hour = rules.minutes_per_hour(on=session.date)
    cap = r.max_daily_hours * per_hour
    others = Attendance.objects.filter(
        enrolment__person_id=e.person_id, session__date=session.date
    ).select_related("session")
    if exclude is not None:
        others = others.exclude(pk=exclude.pk)
    total = sum(a.minutes for a in others) + rules.credited_minutes(session, check_in, check_out)
    if total > cap:
        raise ValidationError(
            {
                "check_out": f"{e.person.name} 在 {session.date:%Y-%m-%d} 将计入"
                f" {rules.hours(total, per_hour)} 学时,超过每日 {r.max_daily_hours} 学时上限 [P2.3]"
            }
        )


ONLINE_COLUMNS = ["身份证号", "姓名", "课次编号", "开始时间", "结束时间"]


@transaction.atomic
def online_records_import(
    *,
    actor,
    klass: TrainingClass,
    rows: list[Row],
    source: str = Attendance.Source.IMPORT,
    filename: str = "",
    at: datetime,
) -> ImportReport:
    """Online learning time from the online platform [P2.3]: all rows are checked first; one bad row
    and nothing is written. A row already recorded with the same times is left unchanged, so a
    re-run duplicates nothing. Times outside the session's check-in/out windows or later than ``at``
    are refused; rows that overlap the same person's offline attendance, exceed the daily maximum
    of class hours, arrive in implausible bursts or long after the session are kept but listed in
    the report's warnings, and flagged in the anomaly list (``rules.anomalies``)."""
    klass = _lock_class(klass)
    rules.require_institution(actor, klass.plan.institution_id)
    report = ImportReport()
    try:
        _class_running(klass)
    except ValidationError as exc:
        report.error(0, exc.messages[0])
        return report
    sessions = {s.pk: s for s in klass.sessions.all()}
    roster = {
        e.person_id: e
        for e in klass.enrolments.filter(
            status__in=[Enrolment.Status.ADMITTED, Enrolment.Status.COMPLETED]
        ).select_related("person")
    }
    tz = timezone.get_current_timezone()
    seen: dict[tuple[int, int], int] = {}
    planned: list[tuple[Row, Session, Enrolment, datetime, datetime]] = []
    for row in rows:
        number, name, sid = row.text("身份证号"), row.text("姓名"), row.text("课次编号")
        try:
            clean_id_number(number)
        except ValidationError:
            report.error(row.line, f"身份证号「{number}」无效")
            continue
        person = Person.objects.filter(id_number_hash=Person.hash_id_number(number)).first()
        e = roster.get(person.pk) if person else None
        if e is None:
            report.error(row.line, "该人员不在本班次已审核的学员花名册中 [P2.3]")
            continue
        if name != e.person.name:
            report.error(row.line, f"姓名「{name}」与实名信息不一致")
            continue
        session = sessions.get(int(sid)) if sid.isdigit() else None
        if session is None:
            report.error(row.line, f"课次编号「{sid}」不是本班次的课次")
            continue
        if session.mode != Session.SessionMode.ONLINE:
            report.error(row.line, f"课次 {sid} 为线下课次,线下考勤须扫码签到")
            continue
        start, end = (
            parse_datetime(row.values.get("开始时间"), tz),
            parse_datetime(row.values.get("结束时间"), tz),
        )
        if start is None or end is None:
            report.error(row.line, "开始时间或结束时间格式应为 YYYY-MM-DD HH:MM[:SS]")
            continue
        if end <= start:
            report.error(row.line, "结束时间应晚于开始时间")
            continue
        in_lo, in_hi = rules.check_in_window(session)
        out_lo, out_hi = rules.check_out_window(session)
        if not (in_lo <= start <= in_hi and out_lo <= end <= out_hi):
            report.error(row.line, f"学习时间不在课次 {session} 的时间内 [P2.3]")
            continue
        if end > at:
            report.error(row.line, f"结束时间 {_hm(end)} 晚于当前时间,不能导入尚未发生的学习记录 [P2.3]")
            continue
        key = (session.pk, e.pk)
        if key in seen:
            report.error(row.line, f"与第 {seen[key]} 行重复(同一学员同一课次)")
            continue
        seen[key] = row.line
        planned.append((row, session, e, start, end))
    if not report.ok:
        return report
    _online_warnings(report, planned, at=at)
    changed = []
    for row, session, e, start, end in planned:
        a = Attendance.objects.select_for_update().filter(session=session, enrolment=e).first()
        if a is not None and a.check_in == start and a.check_out == end:
            report.unchanged += 1
            continue
        if a is None:
            a = Attendance(session=session, enrolment=e)
            report.created += 1
        else:
            report.updated += 1
        a.check_in, a.check_out, a.source, a.updated_at = start, end, source, at
        a.corrected_by, a.correction_reason = None, ""
        a.save()
        changed.append({"line": row.line, "attendance": a.pk, "check_in": start, "check_out": end})
    audit.record(
        actor=actor,
        action="training.attendance.import",
        obj=klass,
        at=at,
        changes={
            "file": filename,
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "rows": changed,
            "warnings": [{"line": line, "reason": reason} for line, reason in report.warnings],
        },
    )
    return report


def _online_warnings(report: ImportReport, planned: list, *, at: datetime) -> None:
    """Flag (never refuse) online rows that overlap the same person's offline attendance, that
    take a trainee past the daily maximum of class hours, that share their start and end to the
    second with many others of the session, that are much shorter than the session, or that are
    imported long after it [P2.3]. The anomaly list shows the same records once written."""
    people = {e.person_id for _, _, e, _, _ in planned}
    days = {s.date for _, s, _, _, _ in planned}
    replaced = {(s.pk, e.pk) for _, s, e, _, _ in planned}
    existing = [
        a
        for a in Attendance.objects.filter(
            enrolment__person_id__in=people, session__date__in=days
        ).select_related("session__klass", "enrolment")
        if (a.session_id, a.enrolment_id) not in replaced
    ]
    offline: dict[int, list[Attendance]] = {}
    day_minutes: dict[tuple[int, date], int] = {}
    for a in existing:
        key = (a.enrolment.person_id, a.session.date)
        day_minutes[key] = day_minutes.get(key, 0) + a.minutes
        if a.session.mode == Session.SessionMode.OFFLINE and a.check_in is not None:
            offline.setdefault(a.enrolment.person_id, []).append(a)
    identical: dict[tuple[int, datetime, datetime], int] = {}
    for _, s, e, start, end in planned:
        key = (e.person_id, s.date)
        day_minutes[key] = day_minutes.get(key, 0) + rules.credited_minutes(s, start, end)
        identical[(s.pk, start, end)] = identical.get((s.pk, start, end), 0) + 1
    for row, s, e, start, end in planned:
        r = rules.attendance_rules(on=s.date)
        for b in offline.get(e.person_id, []):
            b_end = b.check_out or max(b.check_in, b.session.ends_at)
            if start < b_end and b.check_in < end:
                report.warn(
                    row.line,
                    f"与 {b.session.klass.name} {b.session} 的线下出勤时间重叠,已标记为考勤异常 [P2.3]",
                )
                break
        per_hour = rules.minutes_per_hour(on=s.date)
        total = day_minutes[(e.person_id, s.date)]
        if total > r.max_daily_hours * per_hour:
            report.warn(
                row.line,
                f"{e.person.name} 在 {s.date:%Y-%m-%d} 计入 {rules.hours(total, per_hour)} 学时,"
                f"超过每日 {r.max_daily_hours} 学时上限,已标记为考勤异常 [P2.3]",
            )
        n = identical[(s.pk, start, end)]
        if n >= r.burst_identical_min:
            report.warn(row.line, f"本课次 {n} 名学员的起止时间完全相同(到秒),已标记为考勤异常 [P2.3]")
        took = int((end - start).total_seconds() // 60)
        if took * 100 < s.minutes * r.burst_fast_percent:
            report.warn(
                row.line,
                f"学习用时 {took} 分钟,不足课次时长 {s.minutes} 分钟的 {r.burst_fast_percent}%,"
                "已标记为考勤异常 [P2.3]",
            )
        if at - s.ends_at > r.late_import:
            report.warn(row.line, f"距课次结束已超过 {r.late_import.days} 天才导入,已标记为考勤异常 [P2.3]")


# --- completion and the training certificate [P3.2] ----------------------------------------------
def _record_order_missing(e: Enrolment, *, at: datetime, until_class_end: bool) -> tuple[list[str], object]:
    """What the order of the record still lacks for this trainee [P3.2]: the class's last session
    (or, for the certificate, the class's end) and the required hours, theory and practice each
    against the plan; each waived only by the city's exception of that kind. Also the progress."""
    missing: list[str] = []
    if record.exception(e, RecordException.Kind.EARLY) is None:
        m = (
            record.class_end_missing(e.klass, at=at)
            if until_class_end
            else record.teaching_missing(e.klass, at=at)
        )
        if m:
            missing.append(m)
    p = rules.progress([e], now=at)[0]
    if record.exception(e, RecordException.Kind.HOURS_SHORT) is None:
        short = record.hours_missing(p)
        if short:
            missing.append(f"未完成规定学时({short})")
    return missing, p


@transaction.atomic
def completion_assess(
    *, actor, enrolment: Enrolment, passed: bool, note: str = "", at: datetime
) -> Enrolment:
    """Record the completion assessment (结业考核) [P3.2]: only after the class's last session has
    ended and the trainee's theory and practice hours are each met (or the city's exception)."""
    e = _lock_enrolment(enrolment)
    rules.require_institution(actor, e.klass.plan.institution_id)
    if e.status != Enrolment.Status.ADMITTED:
        raise ValidationError(f"报名状态为「{e.get_status_display()}」,不能记录结业考核")
    if e.klass.status == TrainingClass.Status.ENROLLING:
        raise ValidationError("班次尚未开始培训")
    if len(note.strip()) > 200:
        raise ValidationError({"note": "结业考核说明不能超过200个字"})
    missing, _ = _record_order_missing(e, at=at, until_class_end=False)
    if missing:
        raise ValidationError(f"{';'.join(missing)},不能记录结业考核 [P3.2]")
    before = e.completion_passed
    e.completion_passed, e.completion_note, e.completion_assessed_at = passed, note.strip(), at
    e.save(update_fields=["completion_passed", "completion_note", "completion_assessed_at"])
    audit.record(
        actor=actor,
        action="training.completion.assess",
        obj=e,
        changes={"completion_passed": [before, passed]},
        reason=e.completion_note,
        at=at,
    )
    return e


def _next_number(model, prefix: str) -> str:
    n = model.objects.filter(number__startswith=prefix).count() + 1
    while model.objects.filter(number=f"{prefix}{n:06d}").exists():
        n += 1
    return f"{prefix}{n:06d}"


def verification_code() -> str:
    return secrets.token_urlsafe(12)


@transaction.atomic
def certificate_issue(*, actor, enrolment: Enrolment, at: datetime) -> TrainingCertificate:
    """Issue the 培训合格证书 once the required hours are met and the completion assessment is passed
    [P3.2]; the hours are credited as continuing education for that year [P4.1]."""
    e = _lock_enrolment(enrolment)
    plan = e.klass.plan
    rules.require_institution(actor, plan.institution_id)
    if TrainingCertificate.objects.filter(enrolment=e).exists():
        raise ValidationError("该学员已取得本班次的培训合格证书")
    if e.status != Enrolment.Status.ADMITTED:
        raise ValidationError(f"报名状态为「{e.get_status_display()}」,不能发证")
    missing, p = _record_order_missing(e, at=at, until_class_end=True)
    if e.completion_passed is not True:
        missing.insert(0, "结业考核未通过或尚未考核")
    if missing:
        raise ValidationError(f"{';'.join(missing)},不能颁发培训合格证书 [P3.2]")
    exceptions = list(e.record_exceptions.all())
    today = _local_date(at)
    cert = TrainingCertificate.objects.create(
        enrolment=e,
        person=e.person,
        institution=plan.institution,
        occupation=plan.occupation,
        level=plan.level,
        number=_next_number(TrainingCertificate, f"WZPX{today.year}"),
        code=verification_code(),
        theory_hours=p.attended_hours(Session.Kind.THEORY),
        practice_hours=p.attended_hours(Session.Kind.PRACTICE),
        issued_on=today,
        issued_at=at,
        issued_by=actor,
    )
    e.status = Enrolment.Status.COMPLETED
    e.save(update_fields=["status"])
    credit = ContinuingEducationCredit.objects.create(
        person=e.person,
        certificate=cert,
        year=today.year,
        hours=cert.total_hours,
        credited_on=today,
        subject=f"{plan.occupation.name}({plan.level.name})",
    )
    audit.record(
        actor=actor,
        action="training.certificate.issue",
        obj=cert,
        at=at,
        after={
            "number": cert.number,
            "person": e.person.masked_name,
            "hours": cert.total_hours,
            "exceptions": [{"id": x.pk, "kind": x.kind} for x in exceptions],
        },
    )
    audit.record(
        actor=actor,
        action="training.ce_credit.add",
        obj=credit,
        at=at,
        after={"year": credit.year, "hours": credit.hours, "subject": credit.subject},
    )
    return cert


@transaction.atomic
def record_exception_grant(
    *, actor, enrolment: Enrolment, kind: str, reason: str, at: datetime
) -> RecordException:
    """The city bureau allows an exception to the order of the record for one trainee, with its
    documented reason [P3.2]: ``hours_short`` (completion despite missing hours) or ``early``
    (completion assessment and certificate before the class's end). Institutions cannot grant it;
    it is audited, shown on the certificate's record and listed for supervision [P2.3]."""
    require(actor, Cap.FILE_TRAINING_PLANS)
    e = _lock_enrolment(enrolment)
    errors: dict[str, list[str]] = {}
    if kind not in RecordException.Kind.values:
        errors["kind"] = ["请选择例外类型"]
    text = (reason or "").strip()
    if not text:
        errors["reason"] = ["请填写例外理由及所依据的证明材料"]
    elif len(text) > RecordException.REASON_MAX:
        errors["reason"] = [f"理由不能超过{RecordException.REASON_MAX}个字"]
    if errors:
        raise ValidationError(errors)
    if e.status != Enrolment.Status.ADMITTED or TrainingCertificate.objects.filter(enrolment=e).exists():
        raise ValidationError(f"报名状态为「{e.get_status_display()}」,只能为在训学员办理例外")
    if RecordException.objects.filter(enrolment=e, kind=kind).exists():
        raise ValidationError(f"该学员已有「{RecordException.Kind(kind).label}」例外")
    x = RecordException.objects.create(enrolment=e, kind=kind, reason=text, granted_by=actor, granted_at=at)
    audit.record(
        actor=actor,
        action="training.record_exception.grant",
        obj=x,
        after={"enrolment": e.pk, "class": e.klass_id, "person": e.person.masked_name, "kind": kind},
        reason=text,
        at=at,
    )
    return x


@transaction.atomic
def certificate_revoke(
    *, actor, certificate: TrainingCertificate, reason: str, at: datetime
) -> TrainingCertificate:
    """Revoke with a reason: the record stays and verification shows "revoked"; the continuing-
    education credit it gave is voided [P3.2], [P4.1]."""
    cert = TrainingCertificate.objects.select_for_update().get(pk=certificate.pk)
    if not can(actor, Cap.FILE_TRAINING_PLANS):
        rules.require_institution(actor, cert.institution_id)
    if cert.status == TrainingCertificate.Status.REVOKED:
        raise ValidationError("该证书已撤销")
    if not reason.strip():
        raise ValidationError({"reason": "请填写撤销理由"})
    cert.status, cert.revoked_at, cert.revoked_by, cert.revoke_reason = (
        TrainingCertificate.Status.REVOKED,
        at,
        actor,
        reason.strip(),
    )
    cert.save(update_fields=["status", "revoked_at", "revoked_by", "revoke_reason"])
    ContinuingEducationCredit.objects.filter(certificate=cert).update(
        void=True, void_reason=f"证书撤销:{reason}"[:200]
    )
    audit.record(
        actor=actor,
        action="training.certificate.revoke",
        obj=cert,
        changes={"status": ["valid", "revoked"]},
        reason=cert.revoke_reason,
        at=at,
    )
    return cert


@transaction.atomic
def ce_hours_exported(*, actor, year: int, occupation: str, fmt: str, rows: int, at: datetime) -> None:
    """Record that the city exported CE hours with full ID numbers: who, which filter, how many rows
    [P4.1]. Personal data leaving the platform is traceable."""
    require(actor, Cap.SUPERVISE_CITY)
    audit.record(
        actor=actor,
        action="training.ce_credit.export",
        object_type="training.ContinuingEducationCredit",
        object_id=str(year),
        changes={"year": year, "occupation": occupation or "全部", "format": fmt, "rows": rows},
        at=at,
    )


# --- events [P2.2] -------------------------------------------------------------------------------
EVENT_FIELDS = ["kind", "title", "starts_on", "ends_on", "place", "organiser", "description", "capacity"]


def _active_registrations(ev: Event) -> int:
    return ev.registrations.filter(cancelled_at__isnull=True).count()


def _check_event(
    ev: Event, *, at: datetime, dates_changed: tuple[str, ...] = ("starts_on", "ends_on")
) -> None:
    """An event's fields [P2.2]. The dates typed (all of them when announcing, the changed ones when
    editing) may not lie in the past nor beyond the horizon; the end is not before the start."""
    errors: dict[str, list[str]] = {}
    if ev.kind not in Event.Kind.values:
        errors["kind"] = ["请选择活动类型"]
    for f in ("title", "place", "organiser", "description"):
        if not getattr(ev, f).strip():
            errors[f] = ["必填"]
    labels = {"starts_on": "开始日期", "ends_on": "结束日期"}
    dates_ok = all([_check_date(errors, f, getattr(ev, f), label=labels[f]) for f in labels])
    if dates_ok:
        today, latest = _local_date(at), horizon(at)
        for f in dates_changed:
            value = getattr(ev, f)
            if value < today:
                errors.setdefault(f, []).append(
                    f"{labels[f]}不能早于今天({today:%Y-%m-%d}),不能发布过去的活动 [P2.2]"
                )
            elif value > latest:
                errors.setdefault(f, []).append(
                    f"{labels[f]}不能晚于 {latest:%Y-%m-%d}(自今日起{HORIZON_YEARS}年内),请核对年份"
                )
        if ev.ends_on < ev.starts_on:
            errors.setdefault("ends_on", []).append("结束日期不能早于开始日期")
    if ev.capacity is not None:
        taken = _active_registrations(ev) if ev.pk else 0
        if (
            isinstance(ev.capacity, bool)
            or not isinstance(ev.capacity, int)
            or ev.capacity < max(1, taken)
            or ev.capacity > CAPACITY_MAX
        ):
            errors["capacity"] = [
                f"报名名额应至少为 {max(1, taken)} 人(已报名 {taken} 人),至多 {CAPACITY_MAX} 人;"
                "不限名额请留空"
            ]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def event_announce(
    *,
    actor,
    kind: str,
    title: str,
    starts_on: date,
    ends_on: date,
    place: str,
    organiser: str,
    description: str,
    capacity: int | None = None,
    at: datetime,
) -> Event:
    """The city announces a competition, forum or seminar on the public site, with the number of
    places (none: no limit) [P2.2]."""
    require(actor, Cap.PUBLISH_EVENTS)
    ev = Event(
        kind=kind,
        title=title.strip(),
        starts_on=starts_on,
        ends_on=ends_on,
        place=place.strip(),
        organiser=organiser.strip(),
        description=description.strip(),
        capacity=capacity,
        published=True,
        created_by=actor,
        created_at=at,
    )
    _check_event(ev, at=at)
    ev.save()
    audit.record(
        actor=actor,
        action="training.event.announce",
        obj=ev,
        at=at,
        after={"kind": kind, "title": ev.title, "starts_on": starts_on, "capacity": capacity},
    )
    return ev


@transaction.atomic
def event_update(*, actor, event: Event, at: datetime, **changes) -> Event:
    """The city edits an event [P2.2]; the places cannot drop below those already taken."""
    require(actor, Cap.PUBLISH_EVENTS)
    ev = Event.objects.select_for_update().get(pk=event.pk)
    unknown = set(changes) - set(EVENT_FIELDS)
    if unknown:
        raise ValidationError(f"不能修改的字段:{', '.join(sorted(unknown))}")
    before = _snapshot(ev, EVENT_FIELDS)
    for k, v in changes.items():
        setattr(ev, k, v.strip() if isinstance(v, str) else v)
    _check_event(
        ev, at=at, dates_changed=tuple(f for f in ("starts_on", "ends_on") if getattr(ev, f) != before[f])
    )
    ev.save()
    audit.record(
        actor=actor,
        action="training.event.update",
        obj=ev,
        before=before,
        after=_snapshot(ev, EVENT_FIELDS),
        at=at,
    )
    return ev


@transaction.atomic
def event_withdraw(*, actor, event: Event, reason: str, at: datetime) -> Event:
    require(actor, Cap.PUBLISH_EVENTS)
    ev = Event.objects.select_for_update().get(pk=event.pk)
    if not ev.published:
        raise ValidationError("该活动已撤下")
    if not reason.strip():
        raise ValidationError({"reason": "请填写撤下理由"})
    ev.published = False
    ev.save(update_fields=["published"])
    audit.record(
        actor=actor,
        action="training.event.withdraw",
        obj=ev,
        changes={"published": [True, False]},
        reason=reason.strip(),
        at=at,
    )
    return ev


@transaction.atomic
def event_register(*, actor, event: Event, at: datetime) -> EventRegistration:
    """A signed-in, real-name trainee registers interest in a published event, until the day it
    starts and while places remain [P2.2]. The event row is locked, so the last place goes once."""
    require(actor, Cap.ENROL_IN_TRAINING)
    if actor.person_id is None:
        raise PermissionDenied("请先完成实名注册")
    ev = Event.objects.select_for_update().get(pk=event.pk)
    if not ev.published:
        raise ValidationError("该活动已撤下,不能报名")
    if _local_date(at) > ev.starts_on:
        raise ValidationError(f"活动已于 {ev.starts_on:%Y年%m月%d日} 开始,报名已结束")
    reg = EventRegistration.objects.select_for_update().filter(event=ev, person_id=actor.person_id).first()
    if reg is not None and reg.active:
        raise ValidationError("您已报名该活动")
    if ev.capacity is not None and _active_registrations(ev) >= ev.capacity:
        raise ValidationError(f"名额已满({ev.capacity}人)")
    if reg is None:
        reg = EventRegistration(event=ev, person_id=actor.person_id)
    reg.registered_at, reg.cancelled_at = at, None
    reg.save()
    audit.record(actor=actor, action="training.event.register", obj=reg, after={"event": ev.pk}, at=at)
    return reg


@transaction.atomic
def event_cancel_registration(*, actor, event: Event, at: datetime) -> EventRegistration:
    """The trainee cancels a registration; the place becomes free [P2.2]."""
    require(actor, Cap.ENROL_IN_TRAINING)
    ev = Event.objects.select_for_update().get(pk=event.pk)
    reg = EventRegistration.objects.select_for_update().filter(event=ev, person_id=actor.person_id).first()
    if reg is None or not reg.active:
        raise ValidationError("您没有报名该活动")
    if _local_date(at) > ev.ends_on:
        raise ValidationError("活动已结束,不能取消报名")
    reg.cancelled_at = at
    reg.save(update_fields=["cancelled_at"])
    audit.record(
        actor=actor,
        action="training.event.cancel_registration",
        obj=reg,
        changes={"cancelled_at": [None, at]},
        at=at,
    )
    return reg
