"""Enrolment on behalf from the XLSX template [P4.3], [P2.3]: the template, a preview that writes
nothing and names each refused row, and a confirmation that enrols every row or none; a long file
takes the same two steps as background jobs."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from openpyxl import Workbook, load_workbook

from dte.accounts import jobs
from dte.accounts.models import ImportJob, Role
from dte.accounts.services import account_create
from dte.audit.models import AuditEntry
from dte.catalog.models import Institution
from dte.demo.accounts import demo_id_number
from dte.people.services import find_person
from dte.training.models import Enrolment
from dte.training.services import bulk_enrolment
from dte.training.tasks import run_enrolment_import
from tests.training import helpers as h

NEW = demo_id_number("330303", "19950308", 402)
JOB = ("温州某数字科技有限公司", "数据工程师")


def xlsx(*rows) -> io.BytesIO:
    wb = Workbook()
    ws = wb.active
    ws.append(list(bulk_enrolment.COLUMNS))
    for r in rows:
        ws.append(list(r))
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    buf.name = "people.xlsx"
    return buf


def row(id_number, name="", category="在岗/从事数字技术工作的专业人员"):
    return [id_number, name, "", category, *JOB, "", ""]


@pytest.fixture
def staff_client(institution_staff, client_as, monkeypatch):
    monkeypatch.setattr("dte.core.clock.now", lambda: h.AT)
    return client_as(institution_staff)


@pytest.fixture
def known(make_person):
    return make_person("王建国", seq=401)


def _upload(client, klass, *rows):
    return client.post(f"/training/classes/{klass.pk}/enrol/bulk/", {"file": xlsx(*rows)})


def _kept(body: str) -> str:
    return re.search(r'name="kept" value="([^"]+)"', body).group(1)


def test_the_template_has_the_columns_and_an_example_category(staff_client, klass):
    r = staff_client.get(f"/training/classes/{klass.pk}/enrol/bulk/template.xlsx")
    assert re.fullmatch(
        rf'attachment; filename="enrolment-template-{klass.pk}-[\d-]+\.xlsx"', r["Content-Disposition"]
    )
    rows = list(load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))
    assert rows[0] == bulk_enrolment.COLUMNS and rows[1][3] == "在岗/从事数字技术工作的专业人员"


def test_a_preview_writes_nothing_and_a_confirmation_enrols_every_row(staff_client, klass, known):
    r = _upload(staff_client, klass, row(known.id_number), row(NEW, "周丽华"))
    body = r.content.decode()
    assert r.status_code == 200 and "核对无误:2 人" in body and body.count("可以报名") == 2
    assert NEW not in body  # the preview shows masked ID numbers, the file stays on the server
    kept = ImportJob.objects.get(pk=_kept(body))
    assert (kept.kind, kept.status, kept.uploaded_by_id, kept.params) == (
        bulk_enrolment.KEPT, "kept", r.wsgi_request.user.pk, {"class": klass.pk},
    )  # fmt: skip
    kept_rows = bulk_enrolment.file_rows(content=bytes(kept.content), filename=kept.filename)
    assert [r.text("身份证号码") for r in kept_rows] == [known.id_number, NEW]  # read back with the data key
    assert not Enrolment.objects.filter(klass=klass).exists() and find_person(id_number=NEW) is None
    done = staff_client.post(f"/training/classes/{klass.pk}/enrol/bulk/", {"kept": _kept(body)}, follow=True)
    assert "已为 2 人代报名并录取" in done.content.decode()
    enrolled = Enrolment.objects.filter(klass=klass, status="admitted")
    assert {e.person.name for e in enrolled} == {"王建国", "周丽华"}
    assert AuditEntry.objects.filter(action="training.enrolment.on_behalf").count() == 2
    assert AuditEntry.objects.filter(
        action="training.enrolment.bulk_on_behalf", object_id=str(klass.pk)
    ).exists()
    again = staff_client.post(f"/training/classes/{klass.pk}/enrol/bulk/", {"kept": kept.pk})
    assert again.status_code == 422 and "已导入" in again.content.decode()  # confirmed once
    assert Enrolment.objects.filter(klass=klass).count() == 2


def test_a_preview_names_every_refused_row_and_offers_no_confirmation(staff_client, klass, known):
    r = _upload(
        staff_client,
        klass,
        row(known.id_number, "王建军"),  # line 2: the name does not match
        row(NEW, "周丽华", category="学生"),  # line 3: no such category
        row(demo_id_number("330303", "19960101", 404)),  # line 4: not registered, no name
    )
    body = r.content.decode()
    assert r.status_code == 422 and "3 行不能报名" in body and 'name="kept"' not in body
    assert (
        "姓名与该身份证号码的实名信息不一致" in body and "人员类别应为" in body and "请填写姓名以登记" in body
    )
    assert "人员类别应为" in re.search(r'data-line="3">(.*?)</tr>', body, re.S).group(1)
    assert not Enrolment.objects.filter(klass=klass).exists()


def test_seats_run_out_row_after_row(staff_client, klass, known):
    klass.capacity = 1
    klass.save(update_fields=["capacity"])
    body = _upload(staff_client, klass, row(known.id_number), row(NEW, "周丽华")).content.decode()
    assert "1 行不能报名" in body and "班次已满" in body


def test_a_confirmation_refused_by_a_change_since_the_preview_enrols_none(staff_client, klass, known):
    body = _upload(staff_client, klass, row(known.id_number), row(NEW, "周丽华")).content.decode()
    klass.capacity = 1  # seats taken meanwhile
    klass.save(update_fields=["capacity"])
    r = staff_client.post(f"/training/classes/{klass.pk}/enrol/bulk/", {"kept": _kept(body)})
    assert r.status_code == 422 and "未作任何更改" in r.content.decode() and "班次已满" in r.content.decode()
    assert not Enrolment.objects.filter(klass=klass).exists() and find_person(id_number=NEW) is None


def test_a_forged_foreign_or_old_kept_file_is_refused(staff_client, klass, known, institution_staff, plan):
    r = staff_client.post(f"/training/classes/{klass.pk}/enrol/bulk/", {"kept": "x:y:z"})
    assert r.status_code == 422 and "预览已过期、已导入或无效" in r.content.decode()
    body = _upload(staff_client, klass, row(known.id_number)).content.decode()
    other_class = h.open_class(institution_staff, plan, name="2025年第2期", capacity=5)
    r = staff_client.post(f"/training/classes/{other_class.pk}/enrol/bulk/", {"kept": _kept(body)})
    assert r.status_code == 422 and "预览与本班次不符" in r.content.decode()
    ImportJob.objects.filter(pk=_kept(body)).update(created_at=h.AT - jobs.KEPT_FOR - timedelta(minutes=1))
    r = staff_client.post(f"/training/classes/{klass.pk}/enrol/bulk/", {"kept": _kept(body)})
    assert r.status_code == 422 and "预览已过期" in r.content.decode()
    assert not Enrolment.objects.filter(klass=klass).exists()


# A long file [P4.3] runs as background jobs (dte.accounts.jobs): a preview job tries every row and
# writes nothing; its confirmation enrols the file by a second job, every row or none, once.


@pytest.fixture
def long_files(monkeypatch):
    """Every file of two rows counts as long (the threshold lowered for the test): background jobs."""
    monkeypatch.setattr(jobs, "BACKGROUND_ROWS", 1)


@pytest.mark.usefixtures("long_files")
def test_a_long_file_is_previewed_by_a_job_and_its_confirmation_enrols_every_row_once(
    staff_client, klass, known
):
    page = _upload(staff_client, klass, row(known.id_number), row(NEW, "周丽华"))
    preview = ImportJob.objects.get()
    assert page.status_code == 302 and page["Location"] == f"/jobs/{preview.pk}/"
    assert (preview.kind, preview.status, preview.rows_done, preview.rows_total, preview.params) == (
        bulk_enrolment.PREVIEW, "done", 2, 2, {"class": klass.pk},
    )  # fmt: skip
    assert preview.summary == [["可以报名", 2], ["不能报名", 0]]
    assert not Enrolment.objects.filter(klass=klass).exists() and find_person(id_number=NEW) is None
    html = staff_client.get(page["Location"]).content.decode()
    assert "可以报名:2" in html and "确认为 2 人代报名并录取" in html and NEW not in html
    assert 'data-confirm="确认为 2 人代报名并录取?此操作将一次写入全部数据。"' in html  # asked before writing

    confirm = f"/training/enrol/bulk/jobs/{preview.pk}/confirm/"
    done = staff_client.post(confirm)
    job = ImportJob.objects.get(kind=bulk_enrolment.IMPORT)
    assert done["Location"] == f"/jobs/{job.pk}/"
    assert (job.status, job.params, job.sha256) == (
        "done", {"preview": preview.pk, "class": klass.pk}, preview.sha256,
    )  # fmt: skip
    assert job.summary == [["已代报名并录取", 2]]
    enrolled = Enrolment.objects.filter(klass=klass, status="admitted")
    assert {e.person.name for e in enrolled} == {"王建国", "周丽华"}
    assert AuditEntry.objects.filter(action="training.enrolment.on_behalf").count() == 2
    assert AuditEntry.objects.filter(action="training.enrolment.bulk_on_behalf").count() == 1

    entries = AuditEntry.objects.count()
    again = staff_client.post(confirm)  # the same confirmation twice: the same job, nothing more
    assert again["Location"] == done["Location"] and ImportJob.objects.count() == 2
    assert run_enrolment_import.call_local(job.pk) == "skipped"
    assert Enrolment.objects.filter(klass=klass).count() == 2 and AuditEntry.objects.count() == entries
    listed = staff_client.get(f"/training/classes/{klass.pk}/enrol/bulk/").content.decode()
    assert listed.count('href="/jobs/') == 2  # the class's page lists both jobs


@pytest.mark.usefixtures("long_files")
def test_a_refused_row_fails_the_preview_job_lists_the_row_masked_and_offers_no_confirmation(
    staff_client, klass, known
):
    klass.capacity = 1
    klass.save(update_fields=["capacity"])
    page = _upload(staff_client, klass, row(known.id_number), row(NEW, "周丽华"))
    preview = ImportJob.objects.get()
    assert preview.status == "failed" and not preview.next_url
    assert [line for line, _ in preview.errors] == [3] and "班次已满" in preview.errors[0][1]
    assert NEW not in preview.errors[0][1] and NEW[:6] in preview.errors[0][1]  # masked
    html = staff_client.get(page["Location"]).content.decode()
    assert "文件未导入:以下行有误" in html and "job-next" not in html
    refused = staff_client.post(f"/training/enrol/bulk/jobs/{preview.pk}/confirm/", follow=True)
    assert "不能确认导入" in refused.content.decode()
    assert ImportJob.objects.count() == 1 and not Enrolment.objects.filter(klass=klass).exists()


@pytest.mark.usefixtures("long_files")
def test_an_import_refused_by_a_change_since_the_preview_enrols_nobody(staff_client, klass, known):
    _upload(staff_client, klass, row(known.id_number), row(NEW, "周丽华"))
    preview = ImportJob.objects.get()
    klass.capacity = 1  # seats taken meanwhile
    klass.save(update_fields=["capacity"])
    staff_client.post(f"/training/enrol/bulk/jobs/{preview.pk}/confirm/")
    job = ImportJob.objects.get(kind=bulk_enrolment.IMPORT)
    assert job.status == "failed" and "班次已满" in job.errors[0][1]
    assert not Enrolment.objects.filter(klass=klass).exists() and find_person(id_number=NEW) is None


@pytest.mark.usefixtures("long_files")
def test_another_institution_cannot_see_or_confirm_the_preview(staff_client, klass, known, client_as):
    _upload(staff_client, klass, row(known.id_number))
    preview = ImportJob.objects.get()
    other_inst = Institution.objects.create(name="另一培训机构")
    other = account_create(
        username="other_staff",
        password="Correct-Horse-2026",
        role=Role.INSTITUTION_STAFF,
        institution=other_inst,
        at=h.AT,
        display_name="other_staff",
    )
    client = client_as(other)
    assert client.get(f"/jobs/{preview.pk}/").status_code == 404
    assert client.post(f"/training/enrol/bulk/jobs/{preview.pk}/confirm/").status_code == 404
    assert ImportJob.objects.count() == 1 and not Enrolment.objects.filter(klass=klass).exists()


@pytest.mark.usefixtures("long_files")
def test_a_file_over_the_limit_is_refused_before_any_job(staff_client, klass, known, monkeypatch):
    monkeypatch.setattr(bulk_enrolment, "ROWS_MAX", 1)
    r = _upload(staff_client, klass, row(known.id_number), row(NEW, "周丽华"))
    assert r.status_code == 422 and "一次最多导入1人" in r.content.decode()
    assert not ImportJob.objects.exists()
