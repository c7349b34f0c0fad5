"""The demo's complete training path, walked through the pages as each role would: the city files a
plan, staff show the rotating check-in code, the trainee scans it from a phone and checks in, staff
open a training certificate and its PDF, the evaluation body opens a level certificate, and anyone
scanning either certificate's QR code lands on its public verification page with a masked name."""

from __future__ import annotations

import re
from unittest import mock

import pytest
import zxingcpp
from django.utils import timezone
from PIL import Image

from dte.catalog.services import reference_load
from dte.core import clock
from dte.demo.seed import demo_create
from dte.training.models import TrainingPlan

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def daytime():
    """Walk the path at 10:00 today: the demo's session in progress lies in the daily window of
    sessions (attendance.yaml, 07:00–22:00 [P2.3]), which a run at night would be outside. The live
    server runs in this process and asks the same clock."""
    now = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0)
    with (
        mock.patch("dte.core.clock.now", return_value=now),
        mock.patch("dte.core.clock.today", return_value=now.date()),
    ):
        yield now


@pytest.fixture
def demo(transactional_db):
    reference_load(at=clock.now())
    demo_create(at=clock.now())


@pytest.fixture
def new_page(chromium):
    contexts = []

    def make(*, mobile: bool = False):
        viewport = {"width": 390, "height": 844} if mobile else {"width": 1280, "height": 900}
        ctx = chromium.new_context(viewport=viewport, locale="zh-CN")
        contexts.append(ctx)
        page = ctx.new_page()
        page.set_default_timeout(15000)
        return page

    yield make
    for ctx in contexts:
        ctx.close()


def sign_in(page, base, username, password):
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/accounts/home/$"))


LOADED = (
    "el => (el.complete && el.naturalWidth > 0)"
    " || new Promise(r => el.addEventListener('load', r, {once: true}))"
)


def scan(page, selector: str, tmp_path) -> str:
    """Read the QR code shown on the page, as a phone camera would."""
    shot = tmp_path / "qr.png"
    image = page.locator(selector)
    found = []
    # The image may still be loading, or be swapped by the page's rotation: look again, as a person would.
    for _ in range(5):
        image.evaluate(LOADED)
        image.screenshot(path=str(shot))
        found = zxingcpp.read_barcodes(Image.open(shot))
        if found:
            break
        page.wait_for_timeout(500)
    assert found, f"no QR code readable in {selector}"
    return found[0].text


def test_the_demo_path_through_every_role(browser_page, new_page, live_server, demo, tmp_path):
    base = live_server.url

    # The city bureau puts the submitted plan on file [P3.1].
    city = browser_page
    sign_in(city, base, "city_officer", "Demo-City-2026")
    city.click("text=培训计划备案与花名册审核")
    city.click("text=杭州电子科技大学 · 物联网工程技术人员(初级)培训计划")
    city.click("button:has-text('备案')")
    assert city.locator("#plan-status").inner_text() == "已备案"
    assert TrainingPlan.objects.get(title__startswith="物联网").filing_number.startswith("温培备")

    # The public catalogue shows the classes with their fees [P3.2], [P5.3b].
    public = new_page()
    public.goto(f"{base}/training/")
    assert "人工智能中级 第1期" in public.content() and "3,600元/人" in public.content()
    assert "大数据初级 第1期" not in public.content()  # completed: no longer enrolling

    # Staff open today's session and show the rotating check-in code [P2.3].
    staff = new_page()
    sign_in(staff, base, "institution_staff", "Demo-Institution-2026")
    staff.click("text=培训计划与班次")
    staff.click("text=人工智能工程技术人员(中级)培训计划")
    staff.click("text=人工智能中级 第1期")
    staff.click("tr:has-text('今日课程') >> text=签到二维码与考勤")
    staff.wait_for_selector("#qr-image")
    checkin_url = scan(staff, "#qr-image", tmp_path)
    assert re.search(r"/training/checkin/\d+/in/[0-9a-f]{24}/$", checkin_url)

    # The trainee scans it with a phone, signs in and confirms.
    phone = new_page(mobile=True)
    phone.goto(checkin_url)
    phone.fill("#id_username", "trainee")
    phone.fill("#id_password", "Demo-Trainee-2026")
    phone.click("button[type=submit]")
    phone.wait_for_url(checkin_url)
    phone.click("#confirm")
    assert phone.locator("#checkin-done").inner_text().startswith("签到成功")
    staff.reload()
    assert "扫码签到" in staff.locator("#attendance tr[data-person='陈晓明']").inner_text()

    # The completed class: roster, hours, the flagged late correction, and a training certificate [P3.2].
    staff.goto(f"{base}/training/plans/")
    staff.click("text=大数据工程技术人员(初级)2025年培训计划")
    staff.click("text=大数据初级 第1期")
    assert "预先或事后录入考勤" in staff.locator("#anomalies").inner_text()
    row = staff.locator("#roster tr[data-person='陈晓明']")
    assert "64.0 / 64.0" in row.inner_text() and "已达标" in row.inner_text()
    row.locator("a", has_text="WZPX").click()
    pdf = staff.context.request.get(base + staff.locator("a", has_text="下载证书 PDF").get_attribute("href"))
    assert pdf.headers["content-type"] == "application/pdf" and pdf.body().startswith(b"%PDF")
    verify_url = scan(staff, "#verify-qr", tmp_path)
    public.goto(verify_url)
    assert public.locator("#verify-status").inner_text() == "✔ 证书有效"
    assert public.locator("#holder").inner_text() == "陈*明"
    assert "陈晓明" not in public.content()

    # The evaluation body: the scored registration and its level certificate [P3.3].
    body = new_page()
    sign_in(body, base, "evaluation_staff", "Demo-Evaluation-2026")
    body.click("text=等级考核与成绩")
    body.locator("#registrations tbody a").first.click()
    assert "符合申报条件" in body.locator("#conditions").inner_text()
    body.goto(f"{base}/evaluation/")
    body.click("text=WZDJ")
    assert "直接认定为助理工程师" in body.content()
    level_verify_url = scan(body, "#verify-qr", tmp_path)
    public.goto(level_verify_url)
    assert "专业技术等级证书核验" in public.content()
    assert public.locator("#verify-status").inner_text() == "✔ 证书有效"
    assert public.locator("#holder").inner_text() == "陈*明"

    # The trainee's own page: classes, hours, certificates, CE hours, title, claim link [P4.1], [P4.2].
    phone.goto(f"{base}/training/me/")
    assert "WZPX" in phone.locator("#my-training-certificates").inner_text()
    assert "WZDJ" in phone.locator("#my-level-certificates").inner_text()
    assert "128.0 学时" in phone.locator("#my-ce").inner_text()
    assert "直接认定为助理工程师" in phone.locator("#my-titles").inner_text()
    assert (
        phone.locator("a", has_text="申请培训补贴").count()
        + phone.locator("a", has_text="前往浙江省").count()
        == 1
    )
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 420, f"trainee page scrolls sideways at phone width ({width}px)"
