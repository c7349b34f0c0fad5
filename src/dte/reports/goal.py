"""The programme goal [P1] on the dashboards: people holding a level certificate issued under the
programme [P5.4], by the year of their first, with the projection to the goal date; and the two
helpers the report figures share with it (the programme's start, percentages)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Min, Q

from dte.catalog.models import County
from dte.evaluation.models import LevelCertificate
from dte.policy import parameters
from dte.policy.reference import goal


def programme_start() -> date:
    """[P5.4] The policy applies from this date; certificates issued earlier are not counted."""
    return parameters.get("in_force").latest().value["date"]


def pct(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(100) * part / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def goal_progress(*, county: County | None, today: date) -> dict:
    """Distinct people holding a valid level certificate issued under the programme ([P1], [P5.4]),
    by the year of their first; a projection to the goal date from the pace of the last 365 days, and
    the pace still needed."""
    qs = LevelCertificate.objects.filter(
        status=LevelCertificate.Status.VALID, issued_on__gte=programme_start(), issued_on__lte=today
    )
    if county is not None:
        qs = qs.filter(person__region_code=county.code)
    # The first certificate of each person, counted by its year and within the last 365 days in the
    # database (one row back, an aggregate over the grouped firsts): reading every person's first
    # date into Python took 100 ms a request with 60,000 holders (bench/oversight_dashboard.py).
    firsts = qs.values("person").annotate(first=Min("issued_on")).order_by()
    since = today - timedelta(days=365)
    start_year = programme_start().year
    years = list(range(start_year, max(today.year, start_year) + 1))
    counts = firsts.aggregate(
        recent=Count("person", filter=Q(first__gt=since)),
        **{
            f"y{y}": Count("person", filter=Q(first__gte=date(y, 1, 1), first__lte=date(y, 12, 31)))
            for y in years
        },
    )
    by_year = {y: counts[f"y{y}"] for y in years}
    recent = counts["recent"]
    cumulative, running = [], 0
    for y in years:
        running += by_year.get(y, 0)
        cumulative.append(running)
    current = running
    target = goal(today)  # [P1], a dated policy parameter
    days_left = max((target.by - today).days, 0)
    years_left = Decimal(days_left) / Decimal("365.25")
    projected = current + int((Decimal(recent) * years_left).to_integral_value(rounding=ROUND_HALF_UP))
    remaining = max(target.people - current, 0)
    needed = (
        (Decimal(remaining) / years_left).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        if years_left
        else None
    )
    # The projection line, year by year to 2030, at the recent pace.
    projection = []
    for y in range(today.year, target.by.year + 1):
        end = min(date(y, 12, 31), target.by)
        left = Decimal(max((end - today).days, 0)) / Decimal("365.25")
        projection.append(
            (y, current + int((Decimal(recent) * left).to_integral_value(rounding=ROUND_HALF_UP)))
        )
    return {
        "goal": target.people,
        "goal_date": target.by,
        "current": current,
        "share": pct(current, target.people),
        "years": years,
        "new_by_year": [by_year.get(y, 0) for y in years],
        "cumulative": cumulative,
        "pace": recent,
        "needed_pace": needed,
        "projected": projected,
        "on_track": projected >= target.people,
        "projection": projection,
        "city_goal": county is None,
    }
