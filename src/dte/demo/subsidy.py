"""Demo data for the claim lifecycle: the facts that make the demo trainee 陈晓明 eligible (employed
in 鹿城区 with nine months of Wenzhou insurance, G2), 林雅琪's hukou and unemployment registration in
瑞安市 (G1), and 鹿城区's fund account for the year. The demo trainee then claims on the pages."""

from __future__ import annotations

from datetime import date, datetime

from django.utils import timezone

from dte.accounts.models import User
from dte.catalog.models import County
from dte.demo.accounts import PEOPLE, demo_id_number
from dte.people.services import find_person
from dte.subsidy import facts
from dte.subsidy.models import FundAccount
from dte.subsidy.services import payment


def _months_back(today: date, n: int) -> list[str]:
    y, m = today.year, today.month
    out = []
    for _ in range(n):
        m -= 1
        if m == 0:
            y, m = y - 1, 12
        out.append(f"{y}-{m:02d}")
    return out


def _number(name: str) -> str:
    region, birth, seq = next((r, b, s) for n, r, b, s in PEOPLE if n == name)
    return demo_id_number(region, birth, seq)


def create(*, at: datetime) -> bool:
    """Load the demo facts and fund account; False when they exist already."""
    if FundAccount.objects.exists():
        return False
    city = User.objects.get(username="city_officer")
    approver = User.objects.get(username="county_approver")
    today = timezone.localdate(at)
    chen, lin = _number("陈晓明"), _number("林雅琪")
    if find_person(id_number=chen) is None:
        return False
    _facts(city, chen=chen, lin=lin, today=today, at=at)
    payment.fund_budget(
        actor=approver,
        county=County.objects.get(code="330302"),
        year=today.year,
        amount=500000,
        at=at,
        note=f"{today.year}年职业技能提升行动专账资金(演示)",
    )
    return True


def _facts(city: User, *, chen: str, lin: str, today: date, at: datetime) -> None:
    """陈晓明's employment, insurance and hukou; 林雅琪's hukou, unemployment registration and status."""
    facts.facts_put(
        actor=city,
        kind="employment",
        at=at,
        rows=[
            {
                "id_number": chen,
                "status": "employed",
                "employer": "温州数智科技有限公司",
                "in_wenzhou": "是",
                "public_institution_staff": "否",
                "started_on": str(date(today.year - 2, 3, 1)),
            },
        ],
    )
    facts.facts_put(
        actor=city,
        kind="insurance",
        at=at,
        rows=[{"id_number": chen, "month": month, "county": "330302"} for month in _months_back(today, 9)],
    )
    facts.facts_put(
        actor=city,
        kind="residence",
        at=at,
        rows=[
            {"id_number": chen, "kind": "户籍", "valid_from": "1990-05-12"},
            {"id_number": lin, "kind": "户籍", "valid_from": "1998-03-04"},
        ],
    )
    facts.facts_put(
        actor=city,
        kind="unemployment",
        at=at,
        rows=[
            {"id_number": lin, "county": "330381", "registered_on": str(date(today.year, 1, 6))},
        ],
    )
    facts.facts_put(
        actor=city,
        kind="status",
        at=at,
        rows=[
            {"id_number": lin, "school_in_wenzhou": "否", "retirement_category": "female_worker"},
        ],
    )
