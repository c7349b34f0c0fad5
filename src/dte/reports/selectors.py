"""Figures of the city and county dashboards, the year-end county report [P5.3a] and the open
statistics, computed in the database by aggregate queries (no loop over records in Python; the
loops here run over the few hundred groups the database returns).

Readings adopted here (ours, shown on the pages):
- R1 A trainee counts for the county of the household-registration region in the ID number
  (``Person.region_code``); people from outside Wenzhou form the row "市外户籍". A claim counts for
  the county it was routed to ([A2.5], reading G5): the county that reviews and pays it.
- R2 Funnel stages count records (人次: enrolments, certificates, claims): one record stands for one
  person in one occupation and level. The goal [P1] and the report's "people" columns count
  distinct people.
- R3 A record belongs to a year by: enrolment — the class's start date; completion — the class's
  end date; certificates — the issue date; claims received — the claim date; approved — the date of
  the approval decision; paid — the payment date; recovered — the date the repayment was received.
  On a dashboard filtered by year, the claim stages and on-time shares follow the claims made that
  year (by claim date, a cohort); the queue, overdue items and the fund are always as of today."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, IntegerField, Min, Q, Sum
from django.db.models.functions import Coalesce

from dte.catalog.models import County, Level, Occupation
from dte.core.permissions import Cap, can
from dte.evaluation.models import LevelCertificate
from dte.policy import parameters
from dte.policy.reference import goal
from dte.reports.models import CountyReport
from dte.subsidy.models import COUNTED, Claim, FundAccount, Repayment
from dte.subsidy.models import Status as ClaimStatus
from dte.training.models import Enrolment, TrainingCertificate

OUTSIDE = "外地"  # key of the "市外户籍" row (reading R1)
OUTSIDE_LABEL = "市外户籍"

APPROVED = [
    ClaimStatus.ON_NOTICE,
    ClaimStatus.OBJECTION,
    ClaimStatus.PAYABLE,
    ClaimStatus.IN_BATCH,
    ClaimStatus.PAID,
]
OPEN_STATUSES = [ClaimStatus.UNDER_REVIEW, ClaimStatus.AWAITING_INFO, ClaimStatus.REVIEWED]
COMMITTED = [ClaimStatus.ON_NOTICE, ClaimStatus.OBJECTION, ClaimStatus.PAYABLE, ClaimStatus.IN_BATCH]
ENROLLED = [Enrolment.Status.ADMITTED, Enrolment.Status.COMPLETED, Enrolment.Status.DROPPED]

STAGES = [
    ("enrolled", "报名录取"),
    ("trained", "完成培训"),
    ("training_certified", "取得培训合格证书"),
    ("level_certified", "取得等级证书"),
    ("claimed", "申领补贴"),
    ("paid", "补贴已拨付"),
]


def programme_start() -> date:
    """[P5.4] The policy applies from this date; certificates issued earlier are not counted."""
    return parameters.get("in_force").latest().value["date"]


def tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def year_bounds(year: int) -> tuple[datetime, datetime]:
    return (
        datetime.combine(date(year, 1, 1), time(0), tzinfo=tz()),
        datetime.combine(date(year + 1, 1, 1), time(0), tzinfo=tz()),
    )


# --- scope --------------------------------------------------------------------------------------------
def scope_for(actor, county_code: str | None = None) -> County | None:
    """The county the actor may see: the city (None) or one county. A county sees only its own
    (DESIGN.md §5): asking for another is refused."""
    if can(actor, Cap.SUPERVISE_CITY):
        if county_code:
            county = County.objects.filter(code=county_code).first()
            if county is None:
                raise PermissionDenied("没有这个县(市、区)")
            return county
        return None
    if can(actor, Cap.VIEW_COUNTY_DASHBOARD) and actor.county_id:
        if county_code and county_code != actor.county.code:
            raise PermissionDenied("只能查看本县(市、区)的数据")
        return actor.county
    raise PermissionDenied("无权查看统计数据")


# --- labels ---------------------------------------------------------------------------------------------
@dataclass
class Labels:
    counties: dict[str, str]
    occupations: dict[int, tuple[str, str]]  # id → (code, name)
    levels: dict[int, tuple[str, str, int]]  # id → (code, name, rank)

    @classmethod
    def load(cls) -> Labels:
        return cls(
            counties=dict(County.objects.values_list("code", "name")),
            occupations={o.pk: (o.code, o.name) for o in Occupation.objects.order_by("position", "code")},
            levels={lv.pk: (lv.code, lv.name, lv.rank) for lv in Level.objects.order_by("rank")},
        )

    def county(self, code: str) -> str:
        return self.counties.get(code, OUTSIDE_LABEL)


def _county_key(code: str | None, labels: Labels) -> str:
    return code if code in labels.counties else OUTSIDE


def _in_year(field_name: str, year: int | None) -> Q:
    if year is None:
        return Q()
    return Q(**{f"{field_name}__year": year})


def _in_year_dt(field_name: str, year: int | None) -> Q:
    if year is None:
        return Q()
    lo, hi = year_bounds(year)
    return Q(**{f"{field_name}__gte": lo, f"{field_name}__lt": hi})


def _date_range(field_name: str, year: int | None) -> Q:
    """Index-friendly: a date column between 1 January and 31 December."""
    if year is None:
        return Q()
    return Q(**{f"{field_name}__gte": date(year, 1, 1), f"{field_name}__lte": date(year, 12, 31)})


# --- training stages -------------------------------------------------------------------------------------
def _training_groups(county: County | None, year: int | None) -> dict[str, list[dict]]:
    """Records of each training stage grouped by (county code, occupation, level)."""
    person_scope = Q(person__region_code=county.code) if county else Q()
    # Enrolled and trained in one pass: grouped by status too, counted by the start or the end year.
    enrol_rows = list(
        Enrolment.objects.filter(person_scope & Q(status__in=ENROLLED))
        .values(
            "status", cc=F("person__region_code"), o=F("klass__plan__occupation"), lv=F("klass__plan__level")
        )
        .annotate(
            started=Count("id", filter=_date_range("klass__start_date", year)),
            ended=Count("id", filter=_date_range("klass__end_date", year)),
        )
        .order_by()
    )
    out = {
        "enrolled": [r | {"n": r["started"]} for r in enrol_rows],
        "trained": [r | {"n": r["ended"]} for r in enrol_rows if r["status"] == Enrolment.Status.COMPLETED],
        "training_certified": TrainingCertificate.objects.filter(
            person_scope & Q(status=TrainingCertificate.Status.VALID) & _date_range("issued_on", year)
        )
        .values(cc=F("person__region_code"), o=F("occupation"), lv=F("level"))
        .annotate(n=Count("id")),
        "level_certified": LevelCertificate.objects.filter(
            person_scope
            & Q(status=LevelCertificate.Status.VALID, issued_on__gte=programme_start())
            & _date_range("issued_on", year)
        )
        .values(cc=F("person__region_code"), o=F("occupation"), lv=F("level"))
        .annotate(n=Count("id")),
    }
    return {k: list(v) for k, v in out.items()}


def _on_time(connection, stamp: str, due: str) -> str:
    """SQL: 1 when the local date of timestamp column ``stamp`` is on or before date column ``due``,
    0 when after, NULL when either is missing. On SQLite, timestamps are UTC text: the local date is
    on or before ``due`` exactly when the UTC time is before ``due`` + (24 h − UTC offset), a plain
    text comparison (no date function per row)."""
    if connection.vendor == "postgresql":
        return f"(({stamp} AT TIME ZONE %s)::date <= {due})::int"
    hours = int(datetime(2000, 1, 1, tzinfo=tz()).utcoffset().total_seconds() // 3600)
    return f"({stamp} < {due} || ' {24 - hours:02d}:00:00')"


def _flag(connection, condition: str) -> str:
    return f"({condition})::int" if connection.vendor == "postgresql" else f"({condition})"


CLAIM_SUMS = [
    "n",
    "amount",
    "paid_amount",
    "reviewed",
    "reviewed_on_time",
    "decided",
    "decided_on_time",
    "paid_due",
    "paid_on_time",
    "review_past_due",
    "approval_past_due",
    "payment_past_due",
]


def _claim_sql(
    county: County | None, *, year: int | None, fund_year: int, today: date, stock_only: bool = False
):
    """One pass over the claims, grouped by county, occupation, level and status (the order of the
    covering index of migration 0002, so no sort): counts, amounts, on-time counts [A2.6.1],
    [A2.6.2] and past-due counts, as cheap per-row sums. Everything that depends only on the status
    (claimed, paid, committed, queue, overdue) is then read off the groups."""
    from django.db import connection

    t = Claim._meta.db_table
    params: list = []
    on_time = [
        ("reviewed_at", "review_due"),
        ("decided_at", "approval_due"),
    ]
    tzp = [settings.TIME_ZONE] if connection.vendor == "postgresql" else []
    fy = (date(fund_year, 1, 1), date(fund_year, 12, 31))
    columns = [
        "COUNT(*)",
        "COALESCE(SUM(amount), 0)",
        "COALESCE(SUM(CASE WHEN paid_on >= %s AND paid_on <= %s THEN amount END), 0)",
        f"COUNT({on_time[0][0]})",
        f"COALESCE(SUM({_on_time(connection, *on_time[0])}), 0)",
        f"COUNT({on_time[1][0]})",
        f"COALESCE(SUM({_on_time(connection, *on_time[1])}), 0)",
        "COUNT(paid_on)",
        f"COALESCE(SUM({_flag(connection, 'paid_on <= payment_due')}), 0)",
        f"COALESCE(SUM({_flag(connection, 'review_due < %s')}), 0)",
        f"COALESCE(SUM({_flag(connection, 'approval_due < %s')}), 0)",
        f"COALESCE(SUM({_flag(connection, 'payment_due < %s')}), 0)",
    ]
    params += [*fy, *tzp, *tzp, today, today, today]
    where = ["status <> %s"]
    params.append(ClaimStatus.DRAFT.value)
    if county is not None:
        where.append("county_id = %s")
        params.append(county.pk)
    if year is not None:
        where.append("claim_date >= %s AND claim_date <= %s")
        params += [date(year, 1, 1), date(year, 12, 31)]
    if stock_only:  # the queue, the committed money and the fund year's payments: skip the rest early
        stock = [s.value for s in (*OPEN_STATUSES, *COMMITTED)]
        marks = ", ".join(["%s"] * len(stock))
        where.append(f"(status IN ({marks}) OR (status = %s AND paid_on >= %s AND paid_on <= %s))")
        params += [*stock, ClaimStatus.PAID.value, *fy]
    # Only column names of our own and placeholders are interpolated; every value is a parameter.
    sql = (
        f"SELECT county_id, occupation_id, level_id, status, {', '.join(columns)} FROM {t} "  # noqa: S608
        f"WHERE {' AND '.join(where)} GROUP BY county_id, occupation_id, level_id, status"
    )
    codes = dict(County.objects.values_list("pk", "code"))
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            # Read the index through memory-mapped I/O (a third faster on a million claims); this
            # changes only how this connection reads the file.
            cur.execute("PRAGMA mmap_size=268435456")
        cur.execute(sql, params)
        rows = cur.fetchall()
    return [
        {"cc": codes.get(r[0]), "o": r[1], "lv": r[2], "status": r[3]}
        | dict(zip(CLAIM_SUMS, r[4:], strict=True))
        for r in rows
    ]


def _claim_groups(county: County | None, *, year: int | None, fund_year: int, today: date) -> list[dict]:
    """Per (county, occupation, level) group: the figures the dashboards show. With a year, the flow
    figures (claimed, paid, on-time shares) are the claims of that year (by claim date); the stock
    (queue, overdue, committed, paid in the fund year) is always all claims."""
    flow = _claim_sql(county, year=year, fund_year=fund_year, today=today)
    stock = (
        flow
        if year is None
        else _claim_sql(county, year=None, fund_year=fund_year, today=today, stock_only=True)
    )
    return _combine_claims(flow, stock)


def _combine_claims(flow: list[dict], stock: list[dict]) -> list[dict]:
    out: dict[tuple, dict] = defaultdict(lambda: defaultdict(int))
    for r in flow:
        g = out[(r["cc"], r["o"], r["lv"])]
        st = r["status"]
        if st in COUNTED:
            g["claimed"] += r["n"]
        if st == ClaimStatus.PAID:
            g["paid"] += r["n"]
        for k in ("reviewed", "reviewed_on_time", "decided", "decided_on_time", "paid_due", "paid_on_time"):
            g[k] += r[k]
    for r in stock:
        g = out[(r["cc"], r["o"], r["lv"])]
        st = r["status"]
        if st == ClaimStatus.UNDER_REVIEW:
            g["overdue_review"] += r["review_past_due"]
            g["q_under_review"] += r["n"]
        elif st == ClaimStatus.AWAITING_INFO:
            g["q_awaiting_info"] += r["n"]
        elif st == ClaimStatus.REVIEWED:
            g["overdue_approval"] += r["approval_past_due"]
            g["q_reviewed"] += r["n"]
        elif st in (ClaimStatus.ON_NOTICE, ClaimStatus.OBJECTION):
            g["q_on_notice"] += r["n"]
        elif st in (ClaimStatus.PAYABLE, ClaimStatus.IN_BATCH):
            g["overdue_payment"] += r["payment_past_due"]
            g["q_payable"] += r["n"]
        if st in COMMITTED:
            g["committed_amount"] += r["amount"]
        g["paid_amount"] += r["paid_amount"]
    rows = []
    for (cc, o, lv), g in out.items():
        row = {"cc": cc, "o": o, "lv": lv, "claimed": 0, "paid": 0, "committed_amount": 0, "paid_amount": 0}
        row |= {k: 0 for k in SERVICE_KEYS} | dict(g)
        rows.append(row)
    return rows


def _recovered(county: County | None, year: int | None) -> list[dict]:
    qs = Repayment.objects.filter(_date_range("received_on", year))
    if county is not None:
        qs = qs.filter(recovery__claim__county=county)
    return list(
        qs.values(
            cc=F("recovery__claim__county__code"),
            o=F("recovery__claim__occupation"),
            lv=F("recovery__claim__level"),
        ).annotate(amount=Sum("amount"))
    )


# --- dashboard ---------------------------------------------------------------------------------------------
def pct(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(100) * part / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass
class Dashboard:
    county: County | None
    year: int | None
    fund_year: int
    today: date
    stages: list[tuple[str, str]]
    funnel: dict[str, int]
    by_county: dict[str, dict[str, int]]
    by_occupation: dict[str, dict[str, int]]
    by_level: dict[str, dict[str, int]]
    service: dict[str, dict[str, int]]
    fund: dict[str, dict[str, int]]
    goal: dict
    labels: Labels = field(repr=False)


def _add(target: dict[str, int], key: str, n: int) -> None:
    target[key] = target.get(key, 0) + (n or 0)


SERVICE_KEYS = [
    "reviewed",
    "reviewed_on_time",
    "decided",
    "decided_on_time",
    "paid_due",
    "paid_on_time",
    "overdue_review",
    "overdue_approval",
    "overdue_payment",
    "q_under_review",
    "q_awaiting_info",
    "q_reviewed",
    "q_on_notice",
    "q_payable",
]


def dashboard(*, actor, county_code: str | None = None, year: int | None = None, today: date) -> Dashboard:
    """The city dashboard (all counties) or one county's (its own only)."""
    county = scope_for(actor, county_code)
    labels = Labels.load()
    fund_year = year or today.year
    occ_name = {pk: name for pk, (_, name) in labels.occupations.items()}
    lvl_name = {pk: name for pk, (_, name, _) in labels.levels.items()}

    funnel: dict[str, int] = {k: 0 for k, _ in STAGES}
    by_county: dict[str, dict[str, int]] = defaultdict(dict)
    by_occ: dict[str, dict[str, int]] = defaultdict(dict)
    by_lvl: dict[str, dict[str, int]] = defaultdict(dict)

    def roll(stage: str, rows: list[dict], n_key: str = "n") -> None:
        for r in rows:
            n = r[n_key]
            _add(funnel, stage, n)
            _add(by_county[_county_key(r["cc"], labels)], stage, n)
            _add(by_occ[occ_name.get(r["o"], "")], stage, n)
            _add(by_lvl[lvl_name.get(r["lv"], "")], stage, n)

    for stage, rows in _training_groups(county, year).items():
        roll(stage, rows)
    claims = _claim_groups(county, year=year, fund_year=fund_year, today=today)
    roll("claimed", claims, "claimed")
    roll("paid", claims, "paid")

    service: dict[str, dict[str, int]] = defaultdict(dict)
    fund: dict[str, dict[str, int]] = defaultdict(dict)
    for r in claims:
        key = _county_key(r["cc"], labels)
        for k in SERVICE_KEYS:
            _add(service[key], k, r[k])
        _add(fund[key], "committed", r["committed_amount"])
        _add(fund[key], "paid", r["paid_amount"])
    for r in _recovered(county, fund_year):
        _add(fund[_county_key(r["cc"], labels)], "recovered", r["amount"])
    accounts = FundAccount.objects.filter(year=fund_year)
    if county is not None:
        accounts = accounts.filter(county=county)
    for code, budget in accounts.values_list("county__code", "budget"):
        _add(fund[code], "budget", budget)
    for row in fund.values():
        for k in ("budget", "committed", "paid", "recovered"):
            row.setdefault(k, 0)
        row["available"] = row["budget"] - row["committed"] - row["paid"] + row["recovered"]

    return Dashboard(
        county=county,
        year=year,
        fund_year=fund_year,
        today=today,
        stages=STAGES,
        funnel=funnel,
        by_county=_ordered_counties(by_county, labels),
        by_occupation=_ordered(by_occ, [name for _, name in labels.occupations.values()]),
        by_level=_ordered(by_lvl, [name for _, name, _ in labels.levels.values()]),
        service=_ordered_counties(service, labels),
        fund=_ordered_counties(fund, labels),
        goal=goal_progress(county=county, today=today),
        labels=labels,
    )


def _ordered(d: dict, order: list[str]) -> dict:
    return {k: d[k] for k in order if k in d} | {k: v for k, v in d.items() if k not in order}


def _ordered_counties(d: dict, labels: Labels) -> dict:
    keys = [c for c in sorted(labels.counties) if c in d] + ([OUTSIDE] if OUTSIDE in d else [])
    return {k: d[k] for k in keys}


def service_rates(row: dict[str, int]) -> dict[str, Decimal | None]:
    """[A2.6.1], [A2.6.2] Shares of reviews, approval decisions and payments made on time."""
    return {
        "review": pct(row.get("reviewed_on_time", 0), row.get("reviewed", 0)),
        "approval": pct(row.get("decided_on_time", 0), row.get("decided", 0)),
        "payment": pct(row.get("paid_on_time", 0), row.get("paid_due", 0)),
    }


# --- the goal [P1] ------------------------------------------------------------------------------------------
def _count_by_year(firsts, since: date) -> list[tuple[int, int, int]]:
    """(year, people, of whom since ``since``) over a subquery of first-certificate dates."""
    from django.db import connection

    sql, params = firsts.query.sql_with_params()
    year = (
        "EXTRACT(YEAR FROM f.first)::int"
        if connection.vendor == "postgresql"
        else "CAST(substr(f.first, 1, 4) AS integer)"
    )
    recent = "(f.first > %s)::int" if connection.vendor == "postgresql" else "(f.first > %s)"
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT {year}, COUNT(*), COALESCE(SUM({recent}), 0) FROM ({sql}) f GROUP BY 1",  # noqa: S608
            [since, *params],
        )
        return cur.fetchall()


def goal_progress(*, county: County | None, today: date) -> dict:
    """Distinct people holding a valid level certificate issued under the programme ([P1], [P5.4]),
    by the year of their first; a projection to the goal date from the pace of the last 365 days, and
    the pace still needed."""
    qs = LevelCertificate.objects.filter(
        status=LevelCertificate.Status.VALID, issued_on__gte=programme_start(), issued_on__lte=today
    )
    if county is not None:
        qs = qs.filter(person__region_code=county.code)
    # The first certificate of each person, then counted by its year, in the database.
    firsts = qs.values("person").annotate(first=Min("issued_on")).values("first").order_by()
    since = today - timedelta(days=365)
    by_year: dict[int, int] = defaultdict(int)
    recent = 0
    for first, n, n_recent in _count_by_year(firsts, since):
        by_year[first] += n
        recent += n_recent
    start_year = programme_start().year
    years = list(range(start_year, max(today.year, start_year) + 1))
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


# --- the year-end county report [P5.3a] -----------------------------------------------------------
def county_year_figures(*, county: County, year: int, as_of: date) -> dict:
    """The figures of one county's year-end report, from the records (readings R1–R3)."""
    labels = Labels.load()
    person = Q(person__region_code=county.code)
    group_t = {"o": F("klass__plan__occupation"), "lv": F("klass__plan__level")}
    group_c = {"o": F("occupation"), "lv": F("level")}
    enrol = Enrolment.objects.filter(person)
    completed_q = enrol.filter(Q(status=Enrolment.Status.COMPLETED) & _date_range("klass__end_date", year))
    enrolled_q = enrol.filter(Q(status__in=ENROLLED) & _date_range("klass__start_date", year))
    tcert_q = TrainingCertificate.objects.filter(
        person & Q(status=TrainingCertificate.Status.VALID) & _date_range("issued_on", year)
    )
    lcert_q = LevelCertificate.objects.filter(
        person
        & Q(status=LevelCertificate.Status.VALID, issued_on__gte=programme_start())
        & _date_range("issued_on", year)
    )

    rows: dict[tuple[int, int], dict] = defaultdict(dict)
    for name, qs, group in [
        ("enrolled", enrolled_q, group_t),
        ("completed", completed_q, group_t),
        ("training_certified", tcert_q, group_c),
        ("level_certified", lcert_q, group_c),
    ]:
        for r in qs.values(**group).annotate(n=Count("person", distinct=True)):
            rows[(r["o"], r["lv"])][name] = r["n"]
    training_totals = {
        "enrolled": enrolled_q.aggregate(n=Count("person", distinct=True))["n"],
        "completed": completed_q.aggregate(n=Count("person", distinct=True))["n"],
        "training_certified": tcert_q.aggregate(n=Count("person", distinct=True))["n"],
        "level_certified": lcert_q.aggregate(n=Count("person", distinct=True))["n"],
    }

    lo, hi = year_bounds(year)
    claims = Claim.objects.filter(county=county).exclude(status=ClaimStatus.DRAFT)

    def amount(q: Q) -> Coalesce:
        return Coalesce(Sum("amount", filter=q), 0, output_field=IntegerField())

    received = Q(claim_date__gte=date(year, 1, 1), claim_date__lte=date(year, 12, 31))
    approved = Q(status__in=APPROVED, decided_at__gte=lo, decided_at__lt=hi)
    rejected = Q(status=ClaimStatus.REJECTED, decided_at__gte=lo, decided_at__lt=hi)
    paid = Q(status=ClaimStatus.PAID, paid_on__gte=date(year, 1, 1), paid_on__lte=date(year, 12, 31))
    claim_rows: dict[tuple[int, int], dict] = defaultdict(dict)
    for r in (
        claims.filter(received | approved | rejected | paid)
        .values(**group_c)
        .annotate(
            received=Count("id", filter=received),
            approved=Count("id", filter=approved),
            approved_amount=amount(approved),
            rejected=Count("id", filter=rejected),
            paid=Count("id", filter=paid),
            paid_amount=amount(paid),
        )
    ):
        claim_rows[(r["o"], r["lv"])].update(r)
    for r in _recovered(county, year):
        claim_rows[(r["o"], r["lv"])]["recovered_amount"] = r["amount"]

    def ordered(keys):
        return sorted(keys, key=lambda k: (list(labels.occupations).index(k[0]), labels.levels[k[1]][2]))

    def head(k):
        oc, on = labels.occupations[k[0]]
        lc, ln, _ = labels.levels[k[1]]
        return {"occupation_code": oc, "occupation": on, "level_code": lc, "level": ln}

    t_cols = ["enrolled", "completed", "training_certified", "level_certified"]
    c_cols = [
        "received",
        "approved",
        "approved_amount",
        "rejected",
        "paid",
        "paid_amount",
        "recovered_amount",
    ]
    training = [head(k) | {c: rows[k].get(c, 0) for c in t_cols} for k in ordered(rows)]
    claims_out = [head(k) | {c: claim_rows[k].get(c, 0) for c in c_cols} for k in ordered(claim_rows)]
    return {
        "county": {"code": county.code, "name": county.name},
        "year": year,
        "as_of": as_of.isoformat(),
        "training": training,
        "training_totals": training_totals,
        "claims": claims_out,
        "claims_totals": {c: sum(r[c] for r in claims_out) for c in c_cols},
    }


# Column headings shared by the page, the XLSX and the PDF.
TRAINING_COLUMNS = [
    ("enrolled", "报名录取人数"),
    ("completed", "完成培训人数"),
    ("training_certified", "取得培训合格证书人数"),
    ("level_certified", "取得等级证书人数"),
]
CLAIM_COLUMNS = [
    ("received", "受理申领(件)"),
    ("approved", "审批通过(件)"),
    ("approved_amount", "审批金额(元)"),
    ("rejected", "未通过(件)"),
    ("paid", "已拨付(件)"),
    ("paid_amount", "拨付金额(元)"),
    ("recovered_amount", "追回金额(元)"),
]


def reports_for(*, actor, year: int | None = None):
    """Year-end reports the actor may see: the city all of them, a county its own."""
    qs = CountyReport.objects.select_related("county", "generated_by", "reviewed_by", "submitted_by")
    if not can(actor, Cap.SUPERVISE_CITY):
        if not (can(actor, Cap.VIEW_COUNTY_DASHBOARD) and actor.county_id):
            raise PermissionDenied("无权查看年度统计报告")
        qs = qs.filter(county_id=actor.county_id)
    if year is not None:
        qs = qs.filter(year=year)
    return qs


def report_for(*, actor, pk: int):
    from django.http import Http404

    r = reports_for(actor=actor).filter(pk=pk).first()
    if r is None:
        raise Http404("没有这份报告")
    return r


def city_submissions(*, actor, year: int) -> list[dict]:
    """[P5.3a] Which counties have submitted their report for the year, with the latest version."""
    if not can(actor, Cap.SUPERVISE_CITY):
        raise PermissionDenied("仅市人力社保局可查看各县报送情况")
    latest: dict[int, object] = {}
    current: dict[int, object] = {}
    for r in reports_for(actor=actor, year=year).order_by("county_id", "version"):
        current[r.county_id] = r
        if r.status == r.Status.SUBMITTED:
            latest[r.county_id] = r
    return [
        {"county": c, "submitted": latest.get(c.pk), "working": current.get(c.pk)}
        for c in County.objects.order_by("code")
    ]


def city_table(*, actor, year: int) -> dict:
    """The consolidated city table: the latest submitted version of each county's report."""
    rows = []
    t_tot: dict[str, int] = defaultdict(int)
    c_tot: dict[str, int] = defaultdict(int)
    for s in city_submissions(actor=actor, year=year):
        r = s["submitted"]
        if r is None:
            rows.append({"county": s["county"], "report": None})
            continue
        f = r.figures
        for k, _ in TRAINING_COLUMNS:
            t_tot[k] += f["training_totals"][k]
        for k, _ in CLAIM_COLUMNS:
            c_tot[k] += f["claims_totals"][k]
        rows.append(
            {
                "county": s["county"],
                "report": r,
                "training": f["training_totals"],
                "claims": f["claims_totals"],
            }
        )
    return {"rows": rows, "training_totals": dict(t_tot), "claims_totals": dict(c_tot)}


# --- open statistics ---------------------------------------------------------------------------
SUPPRESS_BELOW = 5  # counts 1–4 are shown as "<5" so that no one can be singled out


def open_statistics() -> list[dict]:
    """Public aggregate figures by year, county, occupation and level: level certificates issued
    under the programme, training completed and subsidy claims paid (count and amount). No personal
    data; a count from 1 to 4 is suppressed (None), and so is the amount beside it."""
    labels = Labels.load()
    cells: dict[tuple, dict] = defaultdict(dict)
    start = programme_start()
    for r in (
        Enrolment.objects.filter(status=Enrolment.Status.COMPLETED, klass__end_date__gte=start)
        .values(
            y=F("klass__end_date__year"),
            cc=F("person__region_code"),
            o=F("klass__plan__occupation"),
            lv=F("klass__plan__level"),
        )
        .annotate(n=Count("id"))
    ):
        _add(cells[(r["y"], _county_key(r["cc"], labels), r["o"], r["lv"])], "trained", r["n"])
    for r in (
        LevelCertificate.objects.filter(status=LevelCertificate.Status.VALID, issued_on__gte=start)
        .values(y=F("issued_on__year"), cc=F("person__region_code"), o=F("occupation"), lv=F("level"))
        .annotate(n=Count("id"))
    ):
        _add(cells[(r["y"], _county_key(r["cc"], labels), r["o"], r["lv"])], "level_certified", r["n"])
    for r in (
        Claim.objects.filter(status=ClaimStatus.PAID, paid_on__isnull=False)
        .values(y=F("paid_on__year"), cc=F("county__code"), o=F("occupation"), lv=F("level"))
        .annotate(n=Count("id"), amount=Sum("amount"))
    ):
        cell = cells[(r["y"], _county_key(r["cc"], labels), r["o"], r["lv"])]
        _add(cell, "paid_claims", r["n"])
        _add(cell, "paid_amount", r["amount"])
    out = []
    occ_order = list(labels.occupations)
    for key in sorted(cells, key=lambda k: (k[0], k[1], occ_order.index(k[2]), labels.levels[k[3]][2])):
        y, cc, o, lv = key
        cell = cells[key]
        trained = cell.get("trained", 0)
        certified = cell.get("level_certified", 0)
        paid = cell.get("paid_claims", 0)
        out.append(
            {
                "year": y,
                "county_code": cc if cc != OUTSIDE else "",
                "county": labels.county(cc),
                "occupation_code": labels.occupations[o][0],
                "occupation": labels.occupations[o][1],
                "level": labels.levels[lv][1],
                "trained": suppress(trained),
                "level_certified": suppress(certified),
                "paid_claims": suppress(paid),
                "paid_amount": cell.get("paid_amount", 0) if paid == 0 or paid >= SUPPRESS_BELOW else None,
            }
        )
    return out


def suppress(n: int) -> int | None:
    return None if 0 < n < SUPPRESS_BELOW else n
