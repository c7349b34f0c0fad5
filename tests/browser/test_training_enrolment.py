"""Enrolment to the start of training, walked through the pages as each role would: staff open a
class of a plan on file, the trainee finds it in the public catalogue and applies from a phone, staff
admit the application and enrol a second person on their behalf by ID number, submit the roster, the
city reviews it [P2.3], and only then can staff start the class."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from dte.accounts.models import User
from dte.catalog.services import reference_load
from dte.core import clock
from dte.demo.accounts import demo_id_number
from dte.demo.seed import demo_create
from dte.training import services
from dte.training.models import Enrolment, TrainingPlan
from tests.browser.test_training_path import new_page, sign_in  # noqa: F401 (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def filed_plan(transactional_db):
    """The demo, with its submitted IoT plan put on file by the city."""
    reference_load(at=clock.now())
    demo_create(at=clock.now())
    plan = TrainingPlan.objects.get(title__startswith="物联网")
    return services.plan_file(actor=User.objects.get(username="city_officer"), plan=plan, at=clock.now())


def test_enrolment_admission_and_the_citys_roster_review_through_the_pages(
    browser_page,
    new_page,  # noqa: F811 (the fixture imported above)
    live_server,
    filed_plan,
):
    base = live_server.url
    today = clock.today()

    # Staff open a class of the plan on file and announce it [P3.1], [P3.2].
    staff = browser_page
    sign_in(staff, base, "institution_staff", "Demo-Institution-2026")
    staff.click("text=培训计划与班次")
    staff.click("text=物联网工程技术人员(初级)培训计划")
    staff.fill("#id_name", "物联网初级 第1期")
    staff.fill("#id_start_date", str(today + timedelta(days=30)))
    staff.fill("#id_end_date", str(today + timedelta(days=60)))
    staff.fill("#id_enrol_by", str(today + timedelta(days=25)))
    staff.fill("#id_capacity", "20")
    staff.click("button:has-text('发布班次')")
    staff.wait_for_url(re.compile(r"/training/classes/\d+/manage/$"))
    manage_url = staff.url
    assert staff.locator("#roster-status").inner_text() == "未提交"

    # The trainee finds it in the public catalogue and applies from a phone [P2.0].
    phone = new_page(mobile=True)
    sign_in(phone, base, "trainee", "Demo-Trainee-2026")
    phone.goto(f"{base}/training/")
    phone.click("text=物联网初级 第1期")
    phone.check("input[name=category][value=in_post]")
    phone.click("button:has-text('提交报名')")
    assert "请填写工作单位和岗位" in phone.content()  # refused with the clause's reason
    phone.check("input[name=category][value=in_post]")
    phone.fill("#id_employer", "温州数智科技有限公司")
    phone.fill("#id_job", "物联网平台开发")
    phone.click("button:has-text('提交报名')")
    phone.wait_for_url(re.compile(r"/training/me/$"))
    assert "已报名" in phone.locator("#my-classes tr[data-class='物联网初级 第1期']").inner_text()

    # Staff admit the application and enrol a second person on their behalf [P4.3].
    staff.goto(manage_url)
    staff.locator("#roster tr[data-person='陈晓明']").get_by_role("button", name="录取", exact=True).click()
    assert "已录取" in staff.locator("#roster tr[data-person='陈晓明']").inner_text()
    staff.click("#enrol-on-behalf")
    staff.fill("#id_id_number", demo_id_number("330381", "19930715", 611))
    staff.fill("#id_name", "郑思远")
    staff.check("input[name=category][value=freelancer]")
    staff.fill("#id_job", "智能家居设备调试")
    staff.click("button:has-text('保存')")
    staff.wait_for_url(manage_url)
    row = staff.locator("#roster tr[data-person='郑思远']").inner_text()
    assert "已录取" in row and "机构代报名" in row
    assert staff.locator("button:has-text('开始培训')").count() == 0  # not before the city's review
    staff.click("button:has-text('提交花名册审核')")
    assert staff.locator("#roster-status").inner_text() == "待市局审核"

    # The city reviews the roster [P2.3].
    city = new_page()
    sign_in(city, base, "city_officer", "Demo-City-2026")
    city.click("text=培训计划备案与花名册审核")
    city.click("text=杭州电子科技大学 · 物联网初级 第1期")
    roster = city.locator("#roster").inner_text()
    assert "陈晓明" in roster and "郑思远" in roster and "机构代报名" in roster
    city.click("button:has-text('花名册审核通过')")
    assert city.locator("#roster-status").inner_text() == "市局已审核"

    # Now staff can start the class; the trainee sees the admission.
    staff.reload()
    staff.click("button:has-text('开始培训')")
    assert staff.locator("#class-status").inner_text() == "培训中"
    phone.reload()
    assert "已录取" in phone.locator("#my-classes tr[data-class='物联网初级 第1期']").inner_text()
    assert Enrolment.objects.filter(klass__name="物联网初级 第1期", status="admitted").count() == 2
