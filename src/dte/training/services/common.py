"""What the training services share: snapshots for the audit log, the local date of a moment,
the bounds on what a person types, and the row locks on a class or an enrolment."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.utils import timezone

from dte.training.models import Enrolment, TrainingClass


def snapshot(obj, fields) -> dict:
    return {f: getattr(obj, f) for f in fields}


def local_date(at: datetime) -> date:
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
    return local_date(at) + timedelta(days=365 * HORIZON_YEARS + 1)


def check_int(errors: dict, field: str, value, *, label: str, low: int, high: int) -> bool:
    """A whole number within [low, high]; otherwise a field error (and False)."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        errors.setdefault(field, []).append(f"{label}应为{low}至{high}之间的整数")
        return False
    return True


def check_date(errors: dict, field: str, value, *, label: str) -> bool:
    if not isinstance(value, date) or isinstance(value, datetime):
        errors.setdefault(field, []).append(f"请填写{label}(年-月-日)")
        return False
    return True


def lock_class(klass) -> TrainingClass:
    return TrainingClass.objects.select_for_update().select_related("plan").get(pk=klass.pk)


def lock_enrolment(enrolment) -> Enrolment:
    return Enrolment.objects.select_for_update().select_related("klass__plan", "person").get(pk=enrolment.pk)
