"""A long import through the pages: institution staff upload a file of online learning records that
runs as a background job; the job page's progress bar, polled by web/job.js under the CSP, moves
while a consumer runs the job (here a thread, as `dte tasks` would) and the page turns into the
result by itself."""

from __future__ import annotations

import re
import threading
import time
from unittest import mock

import pytest
from django.db import connection

from dte.accounts import jobs
from dte.accounts.models import ImportJob
from dte.training.models import Attendance
from dte.training.tasks import run_online_import
from tests.browser.test_training_path import sign_in
from tests.conftest import PASSWORD
from tests.training import helpers as h

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AFTER = h.local(2025, 4, 10, 9)  # the morning after the online session
TRAINEES = 8


@pytest.fixture
def running_class(institution_staff, city_officer, make_person):
    plan = h.filed_plan(institution_staff, city_officer)
    klass = h.open_class(institution_staff, plan)
    people = []
    for n in range(TRAINEES):
        account = h.trainee_account(make_person, f"学员{'一二三四五六七八'[n]}", 40 + n)
        h.admit(institution_staff, klass, account)
        people.append(account.person)
    _, _, online = h.add_sessions(institution_staff, klass)
    h.start(institution_staff, city_officer, klass)
    return klass, online, people


def test_a_long_upload_shows_a_progress_bar_that_reaches_the_result(
    browser_page, live_server, running_class, monkeypatch, tmp_path
):
    klass, online, people = running_class
    queued: list[int] = []
    monkeypatch.setattr(jobs, "BACKGROUND_ROWS", 3)  # the file of 8 rows is long
    monkeypatch.setattr("dte.training.views.attendance.run_online_import", queued.append)  # no consumer yet
    slow = jobs._progress

    def slow_progress(job):
        save = slow(job)
        return lambda done: (save(done), time.sleep(0.3))

    monkeypatch.setattr(jobs, "_progress", slow_progress)
    monkeypatch.setattr(jobs, "PROGRESS_EVERY", 1)
    lines = ["身份证号,姓名,课次编号,开始时间,结束时间"] + [
        f"{p.id_number},{p.name},{online.pk},2025-04-09 19:00,2025-04-09 20:00" for p in people
    ]
    upload = tmp_path / "online.csv"
    upload.write_bytes("\n".join(lines).encode("utf-8-sig"))

    page = browser_page
    errors: list[str] = []  # CSP refusals and script errors (not the favicon's 404)
    page.on("console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    with (
        mock.patch("dte.core.clock.now", return_value=AFTER),
        mock.patch("dte.core.clock.today", return_value=AFTER.date()),
    ):
        sign_in(page, live_server.url, "institution_staff", PASSWORD)
        page.goto(f"{live_server.url}/training/classes/{klass.pk}/online-import/")
        page.set_input_files("input[type=file]", str(upload))
        page.click("button:has-text('上传并导入')")
        page.wait_for_url(re.compile(r"/jobs/\d+/$"))
        assert page.locator("#job-status").inner_text() == "排队中:已校验 0 / 8 行"
        assert page.locator("#job-progress").get_attribute("max") == "8"

        job = ImportJob.objects.get()
        assert queued == [job.pk]

        def consumer():
            try:
                run_online_import.call_local(job.pk)
            finally:
                connection.close()

        worker = threading.Thread(target=consumer)
        worker.start()
        # the bar moves (web/job.js sets its value, which the attribute reflects; no eval: the CSP)
        page.wait_for_selector("#job-progress:not([value='0'])")
        page.wait_for_selector("#job-summary", timeout=30000)  # reloaded once finished
        worker.join(timeout=30)

    assert page.locator("#job-summary").inner_text().split("\n")[0] == "新增:8"
    assert page.locator("#job-progress").get_attribute("value") == "8"
    assert Attendance.objects.filter(session=online).count() == TRAINEES
    assert not errors, errors
    page.click("text=← 返回上传页面")
    assert page.locator("#job-list").inner_text().count("已完成") == 1
