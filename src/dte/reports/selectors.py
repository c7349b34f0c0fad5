"""Figures of the city and county dashboards, the year-end county report [P5.3a] and the open
statistics, computed in the database by aggregate queries (no loop over records in Python; the
loops here run over the few hundred groups the database returns). The dashboards' claim figures
are read from the claims' rollups (``dte.reports.rollups``), not from the claims.

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
from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, IntegerField, Q, Sum
from django.db.models.functions import Coalesce

from dte.catalog.models import County, Level, Occupation
from dte.core.permissions import Cap, can
from dte.evaluation.models import LevelCertificate
from dte.reports import stages
from dte.reports.goal import goal_progress, pct, programme_start
from dte.reports.models import ClaimDueTally, ClaimTally, CountyReport
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


def _date_range(field_name: str, year: int | None) -> Q:
    """Index-friendly: a date column between 1 January and 31 December."""
    if year is None:
        return Q()
    return Q(**{f"{field_name}__gte": date(year, 1, 1), f"{field_name}__lte": date(year, 12, 31)})


# --- training stages -------------------------------------------------------------------------------------
def _training_groups(county: County | None, year: int | None) -> dict[str, list[dict]]:
    """Records of each training stage grouped by (county code, occupation, level), read from the
    stages' rollup (``dte.reports.stages``: enrolments by the class's start year, completions by its
    end year, certificates by the issue year)."""
    return stages.groups(region=county.code if county else None, year=year)


_TALLY_SUMS = ("n", "amount", "reviewed", "reviewed_on_time", "decided", "decided_on_time", "paid_due")
_TALLY_SUMS += ("paid_on_time",)


def _claim_groups(
    county: County | None, *, year: int | None, fund_year: int, today: date
) -> tuple[list[dict], dict[str | None, dict[str, int]]]:
    """Per (county, occupation, level) group: the figures the dashboards show, read from the claims'
    rollups (``dte.reports.rollups``: a few thousand rows, however many claims). With a year, the flow
    figures (claimed, paid, on-time shares) are the claims of that year (by claim date); the stock
    (queue, committed, paid in the fund year) is always all claims. Also, per county code, the
    claims overdue as of ``today`` (as of today always)."""
    codes = dict(County.objects.values_list("pk", "code"))
    tallies = ClaimTally.objects.all() if county is None else ClaimTally.objects.filter(county=county.pk)
    keys = ("county", "occupation", "level", "status")
    out: dict[tuple, dict] = defaultdict(lambda: defaultdict(int))
    flow = tallies if year is None else tallies.filter(claim_year=year)
    for r in flow.values(*keys).annotate(**{f"s_{k}": Sum(k) for k in _TALLY_SUMS}).order_by():
        g = out[(codes.get(r["county"]), r["occupation"], r["level"])]
        st = r["status"]
        if st in COUNTED:
            g["claimed"] += r["s_n"]
        if st == ClaimStatus.PAID:
            g["paid"] += r["s_n"]
        for k in ("reviewed", "reviewed_on_time", "decided", "decided_on_time", "paid_due", "paid_on_time"):
            g[k] += r[f"s_{k}"]
    # The stock: every claim in the queue or with money committed, and the fund year's payments (with
    # a year, of the claims still open, committed or paid; without one, of every claim).
    paid_fy = Q(paid_year=fund_year)
    if year is not None:
        paid_fy &= Q(status__in=[*OPEN_STATUSES, *COMMITTED, ClaimStatus.PAID])
    stock = tallies.filter(Q(status__in=[*OPEN_STATUSES, *COMMITTED]) | paid_fy)
    queue = {
        ClaimStatus.UNDER_REVIEW: "q_under_review",
        ClaimStatus.AWAITING_INFO: "q_awaiting_info",
        ClaimStatus.REVIEWED: "q_reviewed",
        ClaimStatus.ON_NOTICE: "q_on_notice",
        ClaimStatus.OBJECTION: "q_on_notice",
        ClaimStatus.PAYABLE: "q_payable",
        ClaimStatus.IN_BATCH: "q_payable",
    }
    for r in stock.values(*keys).annotate(
        s_n=Sum("n"), s_amount=Sum("amount"), s_paid=Sum("amount", filter=paid_fy)
    ):
        g = out[(codes.get(r["county"]), r["occupation"], r["level"])]
        st = r["status"]
        if st in queue:
            g[queue[st]] += r["s_n"]
        if st in COMMITTED:
            g["committed_amount"] += r["s_amount"]
        g["paid_amount"] += r["s_paid"] or 0
    rows = []
    for (cc, o, lv), g in out.items():
        row = {"cc": cc, "o": o, "lv": lv, "claimed": 0, "paid": 0, "committed_amount": 0, "paid_amount": 0}
        row |= {k: 0 for k in SERVICE_KEYS} | dict(g)
        rows.append(row)
    return rows, _overdue(county, today=today, codes=codes)


OVERDUE = {
    ClaimStatus.UNDER_REVIEW: "overdue_review",
    ClaimStatus.REVIEWED: "overdue_approval",
    ClaimStatus.PAYABLE: "overdue_payment",
    ClaimStatus.IN_BATCH: "overdue_payment",
}


def _overdue(
    county: County | None, *, today: date, codes: dict[int, str]
) -> dict[str | None, dict[str, int]]:
    """Per county code: the claims waiting past the due date of their review, approval or payment
    [A2.6.1], [A2.6.2] as of ``today``, from the rollup ``ClaimDueTally``."""
    qs = ClaimDueTally.objects.filter(due__lt=today)
    if county is not None:
        qs = qs.filter(county=county.pk)
    out: dict[str | None, dict[str, int]] = defaultdict(dict)
    for r in qs.values("county", "status").annotate(s_n=Sum("n")).order_by():
        key = OVERDUE.get(r["status"])
        if key:
            _add(out[codes.get(r["county"])], key, r["s_n"])
    return out


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
    claims, overdue = _claim_groups(county, year=year, fund_year=fund_year, today=today)
    roll("claimed", claims, "claimed")
    roll("paid", claims, "paid")

    service: dict[str, dict[str, int]] = defaultdict(dict)
    for r in claims:
        for k in SERVICE_KEYS:
            _add(service[_county_key(r["cc"], labels)], k, r[k])
    for cc, late in overdue.items():
        for k, n in late.items():
            _add(service[_county_key(cc, labels)], k, n)
    fund = _fund(claims, county=county, fund_year=fund_year, labels=labels)

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


def _fund(claims: list[dict], *, county: County | None, fund_year: int, labels: Labels) -> dict:
    """Per county: the fund year's budget, the money committed, paid and recovered, what is left."""
    fund: dict[str, dict[str, int]] = defaultdict(dict)
    for r in claims:
        key = _county_key(r["cc"], labels)
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
    return fund


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


# --- the year-end county report [P5.3a] -----------------------------------------------------------
def county_year_figures(*, county: County, year: int, as_of: date) -> dict:
    """The figures of one county's year-end report, from the records (readings R1–R3)."""
    labels = Labels.load()
    rows, training_totals = _year_training(county, year)
    claim_rows = _year_claims(county, year)
    occ_order = list(labels.occupations)

    def ordered(keys):
        return sorted(keys, key=lambda k: (occ_order.index(k[0]), labels.levels[k[1]][2]))

    def head(k):
        (oc, on), (lc, ln, _) = labels.occupations[k[0]], labels.levels[k[1]]
        return {"occupation_code": oc, "occupation": on, "level_code": lc, "level": ln}

    t_cols = [k for k, _ in TRAINING_COLUMNS]
    c_cols = [k for k, _ in CLAIM_COLUMNS]
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


def _year_training(county: County, year: int) -> tuple[dict[tuple[int, int], dict], dict[str, int]]:
    """Distinct people at each training stage in the year, by (occupation, level) and in all."""
    person = Q(person__region_code=county.code)
    group_t = {"o": F("klass__plan__occupation"), "lv": F("klass__plan__level")}
    group_c = {"o": F("occupation"), "lv": F("level")}
    enrol = Enrolment.objects.filter(person)
    completed = Q(status=Enrolment.Status.COMPLETED)
    valid_t = Q(status=TrainingCertificate.Status.VALID)
    valid_l = Q(status=LevelCertificate.Status.VALID, issued_on__gte=programme_start())
    issued = _date_range("issued_on", year)
    stages = {
        "enrolled": (enrol.filter(Q(status__in=ENROLLED) & _date_range("klass__start_date", year)), group_t),
        "completed": (enrol.filter(completed & _date_range("klass__end_date", year)), group_t),
        "training_certified": (TrainingCertificate.objects.filter(person & valid_t & issued), group_c),
        "level_certified": (LevelCertificate.objects.filter(person & valid_l & issued), group_c),
    }
    rows: dict[tuple[int, int], dict] = defaultdict(dict)
    for name, (qs, group) in stages.items():
        for r in qs.values(**group).annotate(n=Count("person", distinct=True)):
            rows[(r["o"], r["lv"])][name] = r["n"]
    totals = {name: qs.aggregate(n=Count("person", distinct=True))["n"] for name, (qs, _) in stages.items()}
    return rows, totals


def _amount(q: Q) -> Coalesce:
    return Coalesce(Sum("amount", filter=q), 0, output_field=IntegerField())


def _year_claims(county: County, year: int) -> dict[tuple[int, int], dict]:
    """The county's claims received, decided, paid and recovered in the year, by (occupation, level)."""
    lo, hi = year_bounds(year)
    claims = Claim.objects.filter(county=county).exclude(status=ClaimStatus.DRAFT)
    received = Q(claim_date__gte=date(year, 1, 1), claim_date__lte=date(year, 12, 31))
    approved = Q(status__in=APPROVED, decided_at__gte=lo, decided_at__lt=hi)
    rejected = Q(status=ClaimStatus.REJECTED, decided_at__gte=lo, decided_at__lt=hi)
    paid = Q(status=ClaimStatus.PAID, paid_on__gte=date(year, 1, 1), paid_on__lte=date(year, 12, 31))
    rows: dict[tuple[int, int], dict] = defaultdict(dict)
    for r in (
        claims.filter(received | approved | rejected | paid)
        .values(o=F("occupation"), lv=F("level"))
        .annotate(
            received=Count("id", filter=received),
            approved=Count("id", filter=approved),
            approved_amount=_amount(approved),
            rejected=Count("id", filter=rejected),
            paid=Count("id", filter=paid),
            paid_amount=_amount(paid),
        )
    ):
        rows[(r["o"], r["lv"])].update(r)
    for r in _recovered(county, year):
        rows[(r["o"], r["lv"])]["recovered_amount"] = r["amount"]
    return rows


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
