"""Each role's workbench (工作台): what waits for the signed-in account, as cards with a count, the
overdue and due-soon counts and the nearest due date where the items have one, each a link to the
list filtered to exactly those items; and the role menu every page shows.

The counts come from the domain apps' selectors, scoped by the actor (county, institution,
evaluation body): one aggregate query per group of cards, never a loop over rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlencode

from django.urls import reverse

from dte.core.permissions import Cap, can
from dte.evaluation import selectors as evaluation
from dte.notifications.selectors import unread_count
from dte.subsidy import selectors as subsidy
from dte.supervision import selectors as supervision
from dte.training import selectors as training


@dataclass(frozen=True)
class Card:
    """One thing that waits: ``count`` items (None: a link without a count, or a count loaded after
    the page by ``lazy``), the overdue and due-soon counts and the nearest due date if they have one."""

    key: str
    title: str
    href: str
    count: int | None = None
    hint: str = ""
    overdue: int | None = None
    due_soon: int | None = None
    next_due: date | None = None
    overdue_href: str = ""
    due_soon_href: str = ""
    lazy: str = ""


@dataclass
class Group:
    title: str
    cards: list[Card] = field(default_factory=list)


def _url(name: str, anchor: str = "", **query: str) -> str:
    url = reverse(name)
    if query:
        url += "?" + urlencode(query)
    return url + (f"#{anchor}" if anchor else "")


def _claims_card(key: str, title: str, status: str, work: dict, *, hint: str = "", name: str = "") -> Card:
    """A card of the claims in ``status``: on the officers' queue, or the claimant's own list."""
    row = work.get(status, {})
    if name:  # the claimant's list has no due-date filter
        return Card(key, title, _url(name, "claim-list", status=status), row.get("count", 0), hint)
    timed = "overdue" in row
    return Card(
        key,
        title,
        _url("subsidy:queue", status=status),
        row.get("count", 0),
        hint,
        overdue=row.get("overdue") if timed else None,
        due_soon=row.get("due_soon") if timed else None,
        next_due=row.get("next_due"),
        overdue_href=_url("subsidy:queue", status=status, flag="overdue") if timed else "",
        due_soon_href=_url("subsidy:queue", status=status, flag="due_soon") if timed else "",
    )


def _work(user, today: date, *statuses: str) -> dict:
    return subsidy.claim_workload(actor=user, today=today, statuses=statuses)


def _trainee(user, today: date) -> list[Group]:
    work = _work(user, today, "awaiting_info", "draft", "under_review", "on_notice", "payable")
    mine = "subsidy:my_claims"
    claims = Group(
        "我的补贴申领",
        [
            _claims_card(
                "claims-info", "待补充材料", "awaiting_info", work, hint="请在补正期限内补正", name=mine
            ),
            _claims_card("claims-draft", "未提交的申领", "draft", work, hint="草稿,尚未提交", name=mine),
            _claims_card("claims-review", "审核中", "under_review", work, name=mine),
            _claims_card("claims-notice", "公示中", "on_notice", work, name=mine),
            _claims_card("claims-payable", "待拨付", "payable", work, name=mine),
        ],
    )
    surveys = supervision.surveys_due(actor=user).filter(survey__isnull=True).count()
    training_group = Group(
        "我的培训",
        [
            Card("training-me", "培训、学时与证书", _url("training:me")),
            Card("surveys", "待填写的培训质量问卷", _url("supervision:surveys"), surveys),
        ],
    )
    return [claims, training_group]


def _institution(user, today: date) -> list[Group]:
    plans = training.plan_workload(actor=user)
    regs = evaluation.registration_workload(actor=user)
    return [
        Group(
            "培训计划 [P3.1]",
            [
                _plans("plans-returned", "退回修改的计划", "returned", plans),
                _plans("plans-draft", "未提交的计划草稿", "draft", plans),
                _plans("plans-submitted", "待市局备案", "submitted", plans),
            ],
        ),
        Group(
            "等级考核申报 [P3.3]",
            [
                _registrations("regs-registered", "待评价机构审核条件", "registered", regs),
                _registrations("regs-rejected", "条件不符", "rejected", regs),
            ],
        ),
    ]


def _plans(key: str, title: str, status: str, counts: dict) -> Card:
    return Card(key, title, _url("training:plans", "plan-list", status=status), counts[f"plans_{status}"])


def _registrations(key: str, title: str, status: str, counts: dict) -> Card:
    return Card(key, title, _url("evaluation:dashboard", "registration-list", status=status), counts[status])


def _evaluation(user, today: date) -> list[Group]:
    regs = evaluation.registration_workload(actor=user)
    return [
        Group(
            "等级考核 [P3.3]",
            [
                _registrations("regs-registered", "待审核申报条件", "registered", regs),
                _registrations("regs-accepted", "待登记成绩", "accepted", regs),
                _registrations("regs-passed", "考核合格,待发证", "passed", regs),
            ],
        )
    ]


def _objections(user) -> Card:
    return Card(
        "objections",
        "异议待处理",
        _url("subsidy:objections", status="open"),
        subsidy.open_objection_count(actor=user),
        "公示期内收到的异议 [A2.6.2]",
    )


def _county(user, today: date) -> list[Group]:
    groups = []
    if can(user, Cap.REVIEW_CLAIMS):
        work = _work(user, today, "under_review", "awaiting_info")
        groups.append(
            Group(
                "补贴申领审核 [A2.6.1]",
                [
                    _claims_card("claims-review", "待审核", "under_review", work, hint="10个工作日内审核"),
                    _claims_card(
                        "claims-info", "待申领人补正", "awaiting_info", work, hint="补正期间停止计时"
                    ),
                ],
            )
        )
    if can(user, Cap.APPROVE_CLAIMS):
        work = _work(user, today, "reviewed")
        groups.append(
            Group(
                "补贴申领审批 [A2.6.1]",
                [_claims_card("claims-approve", "待审批", "reviewed", work, hint="15个工作日内审批")],
            )
        )
    work = _work(user, today, "on_notice")
    groups.append(
        Group(
            "公示与异议 [A2.6.2]",
            [_objections(user), _claims_card("claims-notice", "公示中", "on_notice", work)],
        )
    )
    if can(user, Cap.PAY_CLAIMS):
        work = _work(user, today, "payable", "in_batch")
        groups.append(
            Group(
                "补贴拨付 [A2.6.2]",
                [
                    _claims_card("claims-payable", "待拨付", "payable", work),
                    _claims_card("claims-batch", "拨付中", "in_batch", work),
                ],
            )
        )
    return groups


def _city(user, today: date) -> list[Group]:
    plans = training.plan_workload(actor=user)
    work = _work(user, today, "under_review", "reviewed", "payable")
    return [
        Group(
            "培训计划与花名册 [P3.1]",
            [
                _plans("plans-submitted", "待备案", "submitted", plans),
                Card(
                    "rosters-submitted",
                    "待审核花名册",
                    _url("training:plans", "rosters"),
                    plans["rosters_submitted"],
                ),
            ],
        ),
        Group(
            "全市补贴申领督办 [A2.6.1]",
            [
                _claims_card("claims-review", "待审核", "under_review", work),
                _claims_card("claims-approve", "待审批", "reviewed", work),
                _claims_card("claims-payable", "待拨付", "payable", work),
                _objections(user),
            ],
        ),
        Group(
            "监督 [P2.3]",
            [
                Card(
                    "anomalies",
                    "考勤与发证异常",
                    _url("supervision:anomalies"),
                    hint="近90天,待处理的异常",
                    lazy=_url("supervision:anomaly_counts"),
                )
            ],
        ),
    ]


def _administrator(user, today: date) -> list[Group]:
    return [
        Group(
            "系统管理",
            [
                Card("accounts", "账号管理", _url("accounts:manage")),
                Card("admin", "管理后台", _url("admin:index")),
            ],
        )
    ]


def groups_for(user, today: date) -> list[Group]:
    """The workbench's groups of cards for the account's role, read within its scope."""
    if can(user, Cap.CLAIM_SUBSIDY):
        groups = _trainee(user, today)
    elif can(user, Cap.MANAGE_INSTITUTION):
        groups = _institution(user, today)
    elif can(user, Cap.MANAGE_EVALUATION):
        groups = _evaluation(user, today)
    elif can(user, Cap.REVIEW_CLAIMS) or can(user, Cap.APPROVE_CLAIMS):
        groups = _county(user, today)
    elif can(user, Cap.SUPERVISE_CITY):
        groups = _city(user, today)
    elif can(user, Cap.MANAGE_ACCOUNTS):
        groups = _administrator(user, today)
    else:
        groups = []
    inbox = Card("inbox", "未读站内信", _url("notifications:inbox"), unread_count(actor=user))
    return [*groups, Group("站内信", [inbox])]


# --- the role menu -------------------------------------------------------------------------------
# (label, URL name with an optional ?query, any of these capabilities), in the order the menu shows them.
MENU: tuple[tuple[str, str, tuple[Cap, ...]], ...] = (
    ("工作台", "accounts:home", (Cap.SIGNED_IN,)),
    ("我的补贴申领", "subsidy:my_claims", (Cap.CLAIM_SUBSIDY,)),
    ("我的培训与证书", "training:me", (Cap.ENROL_IN_TRAINING,)),
    ("培训计划与班次", "training:plans", (Cap.MANAGE_INSTITUTION,)),
    ("计划备案与花名册", "training:plans", (Cap.SUPERVISE_CITY,)),
    ("等级考核", "evaluation:dashboard", (Cap.MANAGE_INSTITUTION, Cap.MANAGE_EVALUATION, Cap.SUPERVISE_CITY)),
    ("办理队列", "subsidy:queue", (Cap.REVIEW_CLAIMS, Cap.APPROVE_CLAIMS, Cap.SUPERVISE_CITY)),
    ("公示异议", "subsidy:objections", (Cap.REVIEW_CLAIMS, Cap.APPROVE_CLAIMS)),
    ("补贴拨付", "subsidy:payments", (Cap.PAY_CLAIMS,)),
    ("全市补贴督办", "subsidy:city", (Cap.SUPERVISE_CITY,)),
    ("人员信息导入", "subsidy:facts", (Cap.IMPORT_FACTS, Cap.IMPORT_FACTS_CITY)),
    ("统计看板", "reports:dashboard", (Cap.VIEW_COUNTY_DASHBOARD, Cap.SUPERVISE_CITY)),
    ("年度报告", "reports:year_reports", (Cap.PREPARE_COUNTY_REPORT, Cap.SUPERVISE_CITY)),
    ("监督检查", "supervision:overview", (Cap.SUPERVISE_CITY,)),
    ("监督检查与调阅", "supervision:institution", (Cap.MANAGE_INSTITUTION,)),
    ("异常处理", "supervision:anomalies", (Cap.SUPERVISE_CITY,)),
    ("账号管理", "accounts:manage", (Cap.MANAGE_ACCOUNTS,)),
    ("管理后台", "admin:index", (Cap.VIEW_AUDIT_LOG,)),
    ("个人信息访问记录", "admin:audit_auditentry_changelist?access=personal", (Cap.VIEW_AUDIT_LOG,)),
    ("站内信", "notifications:inbox", (Cap.SIGNED_IN,)),
)


def menu_for(user) -> list[tuple[str, str]]:
    """The role menu: (label, URL) of each page the account's capabilities open."""
    if not getattr(user, "is_authenticated", False):
        return []
    return [(label, _menu_url(name)) for label, name, caps in MENU if any(can(user, c) for c in caps)]


def _menu_url(name: str) -> str:
    name, _, query = name.partition("?")
    return reverse(name) + (f"?{query}" if query else "")
