"""Demo accounts: one per role (the personas of DESIGN.md), and the demo people they belong to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from dte.accounts.models import Role, User
from dte.accounts.services import account_create
from dte.catalog.models import County, EvaluationBody, Institution
from dte.people.services import find_person, person_register
from dte.policy.identity import check_character


def demo_id_number(region: str, birth: str, seq: int) -> str:
    first17 = f"{region}{birth}{seq:03d}"
    return first17 + check_character(first17)


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    role: Role
    display_name: str
    scope: str = ""


# Demo passwords are printed by `dte demo` and listed in the README: for a local demo only.
ACCOUNTS = [
    DemoAccount("trainee", "Demo-Trainee-2026", Role.TRAINEE, "陈晓明"),
    DemoAccount(
        "institution_staff",
        "Demo-Institution-2026",
        Role.INSTITUTION_STAFF,
        "杭电培训部 王老师",
        "杭州电子科技大学",
    ),
    DemoAccount(
        "evaluation_staff", "Demo-Evaluation-2026", Role.EVALUATION_STAFF, "评价机构 李老师", "DEMO-EVAL-01"
    ),
    DemoAccount(
        "county_reviewer", "Demo-Reviewer-2026", Role.COUNTY_REVIEWER, "鹿城区人社局 审核员 周敏", "330302"
    ),
    DemoAccount(
        "county_approver", "Demo-Approver-2026", Role.COUNTY_APPROVER, "鹿城区人社局 审批员 郑强", "330302"
    ),
    DemoAccount(
        "other_county_reviewer", "Demo-Ruian-2026", Role.COUNTY_REVIEWER, "瑞安市人社局 审核员 黄丽", "330381"
    ),
    DemoAccount("city_officer", "Demo-City-2026", Role.CITY_OFFICER, "市人力社保局 林科长"),
    DemoAccount("auditor", "Demo-Auditor-2026", Role.AUDITOR, "市审计 吴审计员"),
    DemoAccount("admin", "Demo-Admin-2026", Role.ADMINISTRATOR, "系统管理员"),
]

# (name, region, birth date, sequence): Wenzhou residents and one migrant worker from Anhui.
PEOPLE = [
    ("陈晓明", "330302", "19900512", 11),
    ("林雅琪", "330381", "19980304", 22),
    ("欧阳志强", "330303", "19851120", 35),
    ("张伟", "340104", "19920708", 17),
    ("王芳", "330382", "20030915", 46),
]


def accounts_create(*, at: datetime) -> list[DemoAccount]:
    """Create the demo people and accounts; a second call adds nothing that exists already."""
    created = []
    with transaction.atomic():
        people = {}
        for name, region, birth, seq in PEOPLE:
            number = demo_id_number(region, birth, seq)
            phone = f"1380577{seq:04d}"
            people[name] = find_person(id_number=number) or person_register(
                name=name, id_number=number, phone=phone, at=at
            )
        for acc in ACCOUNTS:
            if User.objects.filter(username=acc.username).exists():
                continue
            scope: dict = {}
            if acc.role == Role.TRAINEE:
                scope["person"] = people[acc.display_name]
            elif acc.role == Role.INSTITUTION_STAFF:
                scope["institution"] = Institution.objects.get(name=acc.scope)
            elif acc.role == Role.EVALUATION_STAFF:
                scope["evaluation_body"] = EvaluationBody.objects.get(code=acc.scope)
            elif acc.role in (Role.COUNTY_REVIEWER, Role.COUNTY_APPROVER):
                scope["county"] = County.objects.get(code=acc.scope)
            account_create(
                username=acc.username,
                password=acc.password,
                role=acc.role,
                display_name=acc.display_name,
                at=at,
                check_password=False,
                **scope,
            )
            created.append(acc)
    return created
