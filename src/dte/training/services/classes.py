"""Classes of a plan on file: opened, started once the roster is approved, completed [P3.2]."""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum

from dte.audit import services as audit
from dte.training import record, rules
from dte.training.models import Mode, TrainingClass, TrainingPlan
from dte.training.services.common import check_date, local_date, lock_class


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
    mode = mode or plan.mode
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors["name"] = ["请填写班次名称"]
    _check_class_dates(errors, plan, start_date=start_date, end_date=end_date, enrol_by=enrol_by, at=at)
    _check_class_capacity(errors, plan, capacity)
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


def _check_class_dates(
    errors: dict, plan: TrainingPlan, *, start_date: date, end_date: date, enrol_by: date, at: datetime
) -> None:
    """A class runs within its plan's dates, and its enrolment closes on or before its start and not
    before today [P3.1], [P3.2]."""
    span = f"备案计划的日期范围内({plan.start_date} 至 {plan.end_date})"
    dates_ok = (
        check_date(errors, "start_date", start_date, label="开班日期")
        & check_date(errors, "end_date", end_date, label="结业日期")
        & check_date(errors, "enrol_by", enrol_by, label="报名截止日期")
    )
    if not dates_ok:
        return
    if not plan.start_date <= start_date <= plan.end_date:
        errors["start_date"] = [f"开班日期应在{span}[P3.1]"]
    if end_date < start_date:
        errors["end_date"] = ["结业日期不能早于开班日期"]
    elif end_date > plan.end_date:
        errors["end_date"] = [f"结业日期应在{span}[P3.1]"]
    if enrol_by > start_date:
        errors["enrol_by"] = ["报名截止日期不能晚于开班日期"]
    elif enrol_by < local_date(at):
        errors["enrol_by"] = [f"报名截止日期不能早于今天({local_date(at):%Y-%m-%d}),否则无法公开招生 [P3.2]"]


def _check_class_capacity(errors: dict, plan: TrainingPlan, capacity) -> None:
    """The plan's classes together enrol no more people than the plan on file declares [P3.1]."""
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


@transaction.atomic
def class_start(*, actor, klass: TrainingClass, at: datetime) -> TrainingClass:
    """A class starts only once the city has reviewed its roster [P2.3]."""
    klass = lock_class(klass)
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
    klass = lock_class(klass)
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
