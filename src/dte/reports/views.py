"""Dashboards, the year-end county report and the open statistics: thin views over
``dte.reports.selectors`` and ``dte.reports.services``. Every chart's numbers are also a table on
the page and a CSV download (the same rows)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from dte.core import clock, lists
from dte.core.bounds import YEAR_MAX, YEAR_MIN, parse_int
from dte.core.permissions import Cap, allows, can
from dte.core.spreadsheet import SafeCsvWriter
from dte.reports import exports, open_data, selectors, services
from dte.reports.selectors import OUTSIDE, STAGES


def _int(value, default=None):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _year(value) -> int | None:
    """A year asked for in a page's address, or None (the page's default) when it is not a year the
    platform has figures for: never a date out of range (no server errors)."""
    year = parse_int(value)
    return year if year is not None and YEAR_MIN <= year <= YEAR_MAX else None


def _label(d: selectors.Dashboard, key: str) -> str:
    return d.labels.county(key) if key != OUTSIDE else selectors.OUTSIDE_LABEL


def _pct(v) -> str:
    return "" if v is None else f"{v}"


def tables(d: selectors.Dashboard) -> dict[str, dict]:
    """Every table of a dashboard: title, headers and rows (the last row of a grouped table is the
    total). The HTML tables, the CSV downloads and the charts all read these."""
    total = dict(_sum_rows(d.service))
    return {
        **_goal_tables(d.goal),
        **_funnel_tables(d),
        "service": _service_table(d, total),
        "queue": _queue_table(total),
        "fund": _fund_table(d),
    }


def _goal_tables(g: dict) -> dict[str, dict]:
    return {
        "goal": {
            "title": "取得等级证书人数(去重)[P1]",
            "headers": ["年度", "当年新增(人)", "累计(人)"],
            "rows": [
                [y, n, c] for y, n, c in zip(g["years"], g["new_by_year"], g["cumulative"], strict=True)
            ],
        },
        "projection": {
            "title": f"按近一年进度预测至 {g['goal_date']:%Y-%m-%d}",
            "headers": ["年度", "预测累计(人)", "目标(人)"],
            "rows": [[y, n, g["goal"]] for y, n in g["projection"]],
        },
    }


def _funnel_tables(d: selectors.Dashboard) -> dict[str, dict]:
    stage_labels = [label for _, label in STAGES]
    keys = [k for k, _ in STAGES]

    def grouped(title: str, first: str, groups: dict[str, dict[str, int]], label=lambda k: k) -> dict:
        rows = [[label(k)] + [g.get(s, 0) for s in keys] for k, g in groups.items()]
        rows.append(["合计"] + [d.funnel[s] for s in keys])
        return {"title": title, "headers": [first, *stage_labels], "rows": rows}

    return {
        "funnel": {
            "title": "培育全流程(人次)",
            "headers": ["环节", "人次"],
            "rows": [[label, d.funnel[k]] for k, label in STAGES],
        },
        "funnel_county": grouped("按县(市、区)", "县(市、区)", d.by_county, lambda k: _label(d, k)),
        "funnel_occupation": grouped("按职业", "职业", d.by_occupation),
        "funnel_level": grouped("按等级", "等级", d.by_level),
    }


SERVICE_HEADERS = [
    "县(市、区)",
    "已审核(件)",
    "按时审核(件)",
    "审核按时率(%)",
    "已审批(件)",
    "按时审批(件)",
    "审批按时率(%)",
    "已拨付(件)",
    "按时拨付(件)",
    "拨付按时率(%)",
    "当前逾期未审核",
    "当前逾期未审批",
    "当前逾期未拨付",
]


def _service_row(name: str, r: dict[str, int]) -> list:
    rates = selectors.service_rates(r)
    return [
        name,
        r.get("reviewed", 0),
        r.get("reviewed_on_time", 0),
        _pct(rates["review"]),
        r.get("decided", 0),
        r.get("decided_on_time", 0),
        _pct(rates["approval"]),
        r.get("paid_due", 0),
        r.get("paid_on_time", 0),
        _pct(rates["payment"]),
        r.get("overdue_review", 0),
        r.get("overdue_approval", 0),
        r.get("overdue_payment", 0),
    ]


def _service_table(d: selectors.Dashboard, total: dict[str, int]) -> dict:
    rows = [_service_row(_label(d, k), r) for k, r in d.service.items()]
    rows.append(_service_row("合计", total))
    return {"title": "办理时限达标情况 [A2.6.1] [A2.6.2]", "headers": list(SERVICE_HEADERS), "rows": rows}


def _queue_table(queue: dict[str, int]) -> dict:
    return {
        "title": "当前待办队列",
        "headers": ["环节", "件数", "其中逾期"],
        "rows": [
            ["审核中", queue.get("q_under_review", 0), queue.get("overdue_review", 0)],
            ["待补充材料(计时暂停)", queue.get("q_awaiting_info", 0), 0],
            ["待审批", queue.get("q_reviewed", 0), queue.get("overdue_approval", 0)],
            ["公示/异议中", queue.get("q_on_notice", 0), 0],
            ["待拨付/拨付中", queue.get("q_payable", 0), queue.get("overdue_payment", 0)],
        ],
    }


def _fund_table(d: selectors.Dashboard) -> dict:
    fund_rows = [
        [_label(d, k), r["budget"], r["committed"], r["paid"], r["recovered"], r["available"]]
        for k, r in d.fund.items()
    ]
    fund_rows.append(["合计"] + [sum(r[i] for r in fund_rows) for i in range(1, 6)])
    return {
        "title": f"{d.fund_year}年度专账资金使用(元)[A2.6.3]",
        "headers": ["县(市、区)", "年度预算", "已承诺未拨付", "本年已拨付", "本年追回", "可用余额"],
        "rows": fund_rows,
    }


def _csv(name: str, table: dict) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    response.write("\ufeff")  # Excel opens UTF-8 Chinese correctly with a BOM
    w = SafeCsvWriter(response)  # formula-like text is written as text
    w.writerow(table["headers"])
    w.writerows(table["rows"])
    return response


@allows(Cap.SIGNED_IN)
def dashboard(request):
    """The city dashboard (city officer, auditor) or a county's own (county staff) [P1], [A2.6]."""
    actor = request.user
    if not (can(actor, Cap.SUPERVISE_CITY) or can(actor, Cap.VIEW_COUNTY_DASHBOARD)):
        raise PermissionDenied("无权查看统计看板")
    county_code = request.GET.get("county") or None
    year = _year(request.GET.get("year"))
    today = clock.today()
    d = selectors.dashboard(actor=actor, county_code=county_code, year=year, today=today)
    t = tables(d)
    download = request.GET.get("download")
    if download:
        if download not in t:
            raise Http404("没有这个表")
        return _csv(f"dashboard-{download}-{d.county.code if d.county else 'city'}", t[download])
    start = selectors.programme_start().year
    return render(
        request,
        "reports/dashboard.html",
        {
            "d": d,
            "t": t,
            "is_city": can(actor, Cap.SUPERVISE_CITY),
            "counties": d.labels.counties.items(),
            "years": list(range(start, today.year + 1)),
            "query": request.GET.urlencode(),
            "rates": selectors.service_rates(dict(_sum_rows(d.service))),
        },
    )


def _sum_rows(groups: dict[str, dict[str, int]]):
    total: dict[str, int] = {}
    for row in groups.values():
        for k, v in row.items():
            total[k] = total.get(k, 0) + v
    return total.items()


# --- the year-end county report [P5.3a] ------------------------------------------------------------------
@allows(Cap.SIGNED_IN)
def year_reports(request):
    actor = request.user
    today = clock.today()
    year = _int(request.GET.get("year"), today.year)
    context = {"year": year, "years": list(range(selectors.programme_start().year, today.year + 1))}
    if can(actor, Cap.SUPERVISE_CITY):
        context |= {
            "submissions": selectors.city_submissions(actor=actor, year=year),
            "city": selectors.city_table(actor=actor, year=year),
            "training_columns": selectors.TRAINING_COLUMNS,
            "claim_columns": selectors.CLAIM_COLUMNS,
        }
    context["reports"] = selectors.reports_for(actor=actor, year=year)
    context["can_prepare"] = can(actor, Cap.PREPARE_COUNTY_REPORT)
    return render(request, "reports/year_reports.html", context)


@require_POST
@allows(Cap.PREPARE_COUNTY_REPORT)
def year_report_generate(request):
    year = _int(request.POST.get("year"))
    try:
        report = services.report_generate(
            actor=request.user, county=request.user.county, year=year or 0, at=clock.now()
        )
    except ValidationError as exc:
        messages.error(request, ";".join(exc.messages))
        return redirect(f"{reverse('reports:year_reports')}?year={year or ''}")
    messages.success(request, f"已根据业务记录生成 {report.year} 年度报告(第 {report.version} 版)")
    return redirect("reports:year_report", pk=report.pk)


@allows(Cap.SIGNED_IN)
def year_report(request, pk: int):
    report = selectors.report_for(actor=request.user, pk=pk)
    fmt = request.GET.get("format")
    name = f"{report.figures['county']['code']}-{report.year}-v{report.version}"
    if fmt == "xlsx":
        response = HttpResponse(
            exports.xlsx(report),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="year-report-{name}.xlsx"'
        return response
    if fmt == "pdf":
        response = HttpResponse(exports.pdf(report), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="year-report-{name}.pdf"'
        return response
    own = getattr(request.user, "county_id", None) == report.county_id
    return render(
        request,
        "reports/year_report.html",
        {
            "r": report,
            "f": report.figures,
            "training_columns": selectors.TRAINING_COLUMNS,
            "claim_columns": selectors.CLAIM_COLUMNS,
            "can_prepare": own and can(request.user, Cap.PREPARE_COUNTY_REPORT),
            "can_submit": own and can(request.user, Cap.SUBMIT_COUNTY_REPORT),
            "versions": selectors.reports_for(actor=request.user).filter(
                county=report.county, year=report.year
            ),
        },
    )


@require_POST
@allows(Cap.PREPARE_COUNTY_REPORT)
def year_report_act(request, pk: int, what: str):
    actor, now = request.user, clock.now()
    report = selectors.report_for(actor=actor, pk=pk)
    try:
        if what == "regenerate":
            report = services.report_generate(actor=actor, county=report.county, year=report.year, at=now)
            messages.success(request, "已重新生成")
        elif what == "review":
            services.report_review(actor=actor, report=report, note=request.POST.get("note", ""), at=now)
            messages.success(request, "已复核")
        elif what == "submit":
            services.report_submit(actor=actor, report=report, at=now)
            messages.success(request, "已报送市人力社保局,报告已锁定")
        elif what == "correct":
            report = services.report_correct(
                actor=actor,
                county=report.county,
                year=report.year,
                reason=request.POST.get("reason", ""),
                at=now,
            )
            messages.success(request, f"已生成更正版本(第 {report.version} 版)")
        else:
            raise Http404("未知操作")
    except ValidationError as exc:
        messages.error(request, ";".join(exc.messages))
    return redirect("reports:year_report", pk=report.pk)


# --- open statistics --------------------------------------------------------------------------------------
OPEN_HEADERS = [
    ("year", "年度"),
    ("county_code", "行政区划代码"),
    ("county", "县(市、区)"),
    ("occupation_code", "职业编码"),
    ("occupation", "职业"),
    ("level", "等级"),
    ("trained", "完成培训(人次)"),
    ("level_certified", "取得等级证书(人次)"),
    ("paid_claims", "补贴拨付(件)"),
    ("paid_amount", "补贴拨付金额(元)"),
]


def open_statistics(request):
    """Public: aggregate figures, no personal data, counts below 5 suppressed."""
    rows = open_data.open_statistics()
    fmt = request.GET.get("format")
    if fmt == "json":
        return JsonResponse(
            {
                "suppressed_below": open_data.SUPPRESS_BELOW,
                "note": "计数为 1 至 4 的单元格以 null 表示(不公开),其对应金额亦不公开。",
                "rows": rows,
            },
            json_dumps_params={"ensure_ascii": False},
        )
    if fmt == "csv":
        table = {
            "headers": [label for _, label in OPEN_HEADERS],
            "rows": [["<5" if r[k] is None else r[k] for k, _ in OPEN_HEADERS] for r in rows],
        }
        return _csv("dte-open-statistics", table)
    listing = lists.Listing(_open_list(rows), request.GET)
    page = listing.paginate(listing.filter_rows(rows))
    context = {
        "rows": page,
        "listing": listing,
        "headers": OPEN_HEADERS,
        "suppress": open_data.SUPPRESS_BELOW,
    }
    return render(request, "reports/open.html", context)


OPEN_PAGE = 50


def _open_list(rows: list[dict]) -> lists.ListSpec:
    """The page's filters (year, county, occupation: those the figures have) and 50 rows a page, so
    that the table is not 16,000 px tall; the CSV and JSON files stay whole."""

    def values(key: str, label: str) -> list[tuple[str, str]]:
        return sorted({(str(r[key]), str(r[label])) for r in rows})

    return lists.ListSpec(
        columns=tuple(lists.Column(k, label) for k, label in OPEN_HEADERS),
        default=(),
        filters=(
            lists.Choice("year", "年度", "year", sorted({(str(r["year"]), str(r["year"])) for r in rows})),
            lists.Choice("county", "县(市、区)", "county", values("county", "county")),
            lists.Choice("occupation", "职业", "occupation_code", values("occupation_code", "occupation")),
        ),
        per_page=OPEN_PAGE,
    )
