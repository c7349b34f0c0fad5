"""Training plans: drafted by an institution, filed or returned by the city [P3.1]."""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from dte.audit import services as audit
from dte.catalog.models import Designation, EvaluationBody, Level, Occupation
from dte.core.bounds import REASON_MAX, clean_text
from dte.core.permissions import Cap, require
from dte.training import record, rules
from dte.training.models import Mode, TrainingPlan
from dte.training.services.common import (
    CAPACITY_MAX,
    FEE_MAX,
    HORIZON_YEARS,
    HOURS_MAX,
    check_date,
    check_int,
    horizon,
    local_date,
    snapshot,
)

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


# --- plans [P3.1] --------------------------------------------------------------------------------
def _check_plan(plan: TrainingPlan, *, at: datetime) -> None:
    errors: dict[str, list[str]] = {}
    if not Designation.objects.filter(
        institution_id=plan.institution_id, occupation_id=plan.occupation_id
    ).exists():
        _err(
            errors,
            "occupation",
            f"本机构不是「{plan.occupation.name}」的定点培训机构,不能制定该职业的培训计划 [A1]",
        )
    if not plan.title.strip():
        _err(errors, "title", "请填写计划名称")
    numbers_ok = _check_plan_numbers(errors, plan)
    dates_ok = _check_plan_dates(errors, plan, at=at)
    if numbers_ok:
        _check_plan_hours(errors, plan, dates_ok=dates_ok)
    if not plan.assessment_plan.strip():
        _err(errors, "assessment_plan", "请填写与评价机构商定的专业技术等级考核计划和方案 [P3.1]")
    if not plan.evaluation_body.active:
        _err(errors, "evaluation_body", "该评价机构已停用")
    if plan.mode in (Mode.OFFLINE, Mode.BLENDED) and not plan.place.strip():
        _err(errors, "place", "线下培训请填写培训地点")
    if errors:
        raise ValidationError(errors)


def _err(errors: dict[str, list[str]], field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def _check_plan_numbers(errors: dict[str, list[str]], plan: TrainingPlan) -> bool:
    """Hours, capacity and fee are whole numbers in range; True when the hours and the capacity are."""
    numbers_ok = all(
        [
            check_int(errors, f, getattr(plan, f), label=label, low=0, high=HOURS_MAX)
            for f, label in (
                ("hours_theory_offline", "理论学时(线下)"),
                ("hours_theory_online", "理论学时(线上)"),
                ("hours_practice_offline", "实操学时(线下)"),
                ("hours_practice_online", "实操学时(线上)"),
            )
        ]
    )
    if not check_int(errors, "capacity", plan.capacity, label="计划人数", low=1, high=CAPACITY_MAX):
        numbers_ok = False
    check_int(errors, "fee", plan.fee, label="收费标准(元/人)", low=0, high=FEE_MAX)
    return numbers_ok


def _check_plan_dates(errors: dict[str, list[str]], plan: TrainingPlan, *, at: datetime) -> bool:
    """The plan starts on or after the programme's start [P5.4] and both dates fall within the
    horizon; True when the start date can be used to look up the standard hours."""
    dates_ok = check_date(errors, "start_date", plan.start_date, label="开班日期") & check_date(
        errors, "end_date", plan.end_date, label="结束日期"
    )
    if not dates_ok:
        return False
    begins, latest = record.policy_start(), horizon(at)
    if plan.start_date < begins:
        dates_ok = False
        _err(errors, "start_date", f"开班日期不能早于实施方案施行之日 {begins:%Y-%m-%d} [P5.4]")
    elif plan.start_date > latest:
        dates_ok = False
        _err(
            errors,
            "start_date",
            f"开班日期不能晚于 {latest:%Y-%m-%d}(自今日起{HORIZON_YEARS}年内),请核对年份",
        )
    if plan.end_date < plan.start_date:
        _err(errors, "end_date", "结束日期不能早于开班日期")
    elif plan.end_date > latest:
        _err(
            errors, "end_date", f"结束日期不能晚于 {latest:%Y-%m-%d}(自今日起{HORIZON_YEARS}年内),请核对年份"
        )
    return dates_ok


def _check_plan_hours(errors: dict[str, list[str]], plan: TrainingPlan, *, dates_ok: bool) -> None:
    """Valid hours: some, both theory and practice [P3.2], and at least the occupation's standard
    hours for the level [A2.2] (when the start date says which standard is in force)."""
    if plan.total_hours <= 0:
        _err(errors, "hours_theory_offline", "请填写培训学时")
    if plan.theory_hours <= 0 or plan.practice_hours <= 0:
        _err(errors, "hours_practice_offline", "培训应包含理论和实操两部分 [P3.2]")
    needed = (
        rules.required_hours(
            occupation_code=plan.occupation.code, level_code=plan.level.code, on=plan.start_date
        )
        if dates_ok
        else None
    )
    if needed is not None and plan.total_hours < needed:
        _err(
            errors,
            "hours_theory_offline",
            f"总学时 {plan.total_hours} 少于该职业{plan.level.name}标准学时 {needed} [A2.2]",
        )


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
        actor=actor, action="training.plan.draft", obj=plan, after=snapshot(plan, PLAN_FIELDS), at=at
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
    before = snapshot(plan, PLAN_FIELDS)
    for k, v in changes.items():
        setattr(plan, k, v)
    _check_plan(plan, at=at)
    plan.save()
    audit.record(
        actor=actor,
        action="training.plan.update",
        obj=plan,
        before=before,
        after=snapshot(plan, PLAN_FIELDS),
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
    year = local_date(at).year
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
    reason = clean_text(reason, field="reason", label="退回理由", max_length=REASON_MAX)
    if not reason:
        raise ValidationError({"reason": "请填写退回理由"})
    plan.status, plan.decided_by, plan.decided_at = TrainingPlan.Status.RETURNED, actor, at
    plan.return_reason = reason
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
