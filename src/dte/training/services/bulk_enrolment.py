"""Enrolment on behalf from a table [P4.3], [P2.3]: an institution fills in the XLSX template (one row
a person), sees every row checked against the class (a preview: nothing written), then confirms.
Each row goes through ``enrolment_on_behalf`` exactly as if entered alone (the real-name check, the
declaration, the age, seats, overlapping classes, its audit entry), in one transaction, row after row
(so that seats run out where they would). Any row refused: nothing is written, and the rows say why.
Between the preview and the confirmation the file is kept on the server, encrypted, as an import job
awaiting confirmation (``dte.accounts.jobs.upload_keep``): the page carries its number only, never
the people's ID numbers.

A file of more than ``jobs.BACKGROUND_ROWS`` rows takes the two jobs of the results import instead
(``dte.accounts.jobs``): a preview job checks every row as above and writes nothing; its
confirmation queues an import job of the same file, which enrols every row or none, in the
transaction that finishes the job. The page shows the job's progress and its result."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse

from dte.accounts import jobs
from dte.accounts.models import ImportJob
from dte.audit import services as audit
from dte.core.permissions import Cap, require
from dte.people.masking import mask_id_number
from dte.training import rules
from dte.training.models import Enrolment, TrainingClass
from dte.training.services.enrolment import enrolment_on_behalf
from dte.training.tables import Row, parse_date, read_table

COLUMNS = ("身份证号码", "姓名", "手机号码", "人员类别", "工作单位", "岗位", "学校", "预计毕业日期")
REQUIRED = ("身份证号码", "人员类别")
ROWS_MAX = 500  # a class holds far fewer; more is a wrong file
KEPT = "training.enrolment.bulk"  # the kind of a previewed file kept for its confirmation
PREVIEW = "training.enrolment.bulk.preview"  # a long file's preview job
IMPORT = "training.enrolment.bulk.import"  # its confirmation: the import job
CATEGORY_BY_TEXT = {
    **{str(label): value for value, label in Enrolment.Category.choices},
    **{value: value for value in Enrolment.Category.values},
}
FIELD_LABELS = {
    "id_number": "身份证号码",
    "name": "姓名",
    "phone": "手机号码",
    "category": "人员类别",
    "employer": "工作单位",
    "job": "岗位",
    "school": "学校",
    "expected_graduation": "预计毕业日期",
}


@dataclass
class RowResult:
    line: int
    name: str
    id_masked: str
    errors: list[str] = field(default_factory=list)


class _Rollback(Exception):
    """Leaves the transaction: a preview, or a confirmation with a refused row."""


def _arguments(row: Row) -> tuple[dict, list[str]]:
    category = CATEGORY_BY_TEXT.get(row.text("人员类别"), "")
    errors = (
        [] if category else [f"人员类别应为:{'、'.join(str(lab) for _, lab in Enrolment.Category.choices)}"]
    )
    graduation = None
    if row.text("预计毕业日期"):
        graduation = parse_date(row.values.get("预计毕业日期"))
        if graduation is None:
            errors.append("预计毕业日期应为日期,如 2025-06-30")
    kwargs = {
        "id_number": row.text("身份证号码"),
        "name": row.text("姓名"),
        "phone": row.text("手机号码"),
        "category": category,
        "employer": row.text("工作单位"),
        "job": row.text("岗位"),
        "school": row.text("学校"),
        "expected_graduation": graduation,
    }
    return kwargs, errors


def _messages(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [
            f"{FIELD_LABELS.get(k, '')}:{m}".lstrip(":") for k, ms in exc.message_dict.items() for m in ms
        ]
    return list(exc.messages)


@transaction.atomic
def enrolments_import(
    *, actor, klass: TrainingClass, rows: list[Row], confirm: bool, at: datetime
) -> list[RowResult]:
    """Every row checked (``confirm`` False: a preview, nothing kept) or enrolled (``confirm`` True:
    all rows or, if one is refused, none). Returns each row's outcome."""
    require(actor, Cap.MANAGE_INSTITUTION)
    rules.require_institution(actor, klass.plan.institution_id)
    if not rows:
        raise ValidationError({"file": "文件中没有人员"})
    if len(rows) > ROWS_MAX:
        raise ValidationError({"file": f"一次最多导入{ROWS_MAX}人"})
    results: list[RowResult] = []
    try:
        with transaction.atomic():
            for row in rows:
                results.append(_one(actor, klass, row, at))
            if not confirm or any(r.errors for r in results):
                raise _Rollback
            audit.record(
                actor=actor,
                action="training.enrolment.bulk_on_behalf",
                obj=klass,
                changes={"rows": len(results)},
                at=at,
            )
    except _Rollback:
        pass
    return results


def _one(actor, klass: TrainingClass, row: Row, at: datetime) -> RowResult:
    kwargs, errors = _arguments(row)
    result = RowResult(row.line, kwargs["name"], mask_id_number(kwargs["id_number"]), errors)
    if errors:
        return result
    try:
        with transaction.atomic():
            e = enrolment_on_behalf(actor=actor, klass=klass, at=at, **kwargs)
    except ValidationError as exc:
        result.errors = _messages(exc)
    else:
        result.name = e.person.name
    return result


def file_rows(*, content: bytes, filename: str) -> list[Row]:
    return read_table(content=content, filename=filename, required=list(REQUIRED))


@transaction.atomic
def enrolments_preview(
    *, actor, klass: TrainingClass, filename: str, content: bytes, at: datetime
) -> tuple[list[RowResult], int | None]:
    """Every row of the file checked, nothing enrolled; a clean file is kept for its confirmation
    (the kept file's number, else None)."""
    rows = file_rows(content=content, filename=filename)
    results = enrolments_import(actor=actor, klass=klass, rows=rows, confirm=False, at=at)
    if any(r.errors for r in results):
        return results, None
    kept = jobs.upload_keep(
        actor=actor,
        kind=KEPT,
        title=f"代报名导入:{klass.name}",
        filename=filename,
        content=content,
        rows_total=len(rows),
        params={"class": klass.pk},
        at=at,
    )
    return results, kept.pk


@transaction.atomic
def enrolments_confirm(*, actor, klass: TrainingClass, kept: int, at: datetime) -> list[RowResult]:
    """The kept file enrolled, every row or none; once (a second confirmation finds nothing kept)."""
    require(actor, Cap.MANAGE_INSTITUTION)
    job = jobs.upload_take(actor=actor, kind=KEPT, pk=kept, at=at)
    if job is None:
        raise ValidationError({"file": "预览已过期、已导入或无效,请重新上传文件"})
    if job.params.get("class") != klass.pk:
        raise ValidationError({"file": "预览与本班次不符,请重新上传文件"})
    rows = file_rows(content=bytes(job.content), filename=job.filename)
    results = enrolments_import(actor=actor, klass=klass, rows=rows, confirm=True, at=at)
    if any(r.errors for r in results):
        transaction.set_rollback(True)  # the file stays kept, as before the confirmation
    return results


def enrolments_preview_queue(
    *, actor, klass: TrainingClass, filename: str, content: bytes, rows: int, at: datetime
) -> ImportJob:
    """A long file recorded as a preview job of the class (the caller queues
    ``run_enrolment_preview``)."""
    require(actor, Cap.MANAGE_INSTITUTION)
    rules.require_institution(actor, klass.plan.institution_id)
    if rows > ROWS_MAX:
        raise ValidationError({"file": f"一次最多导入{ROWS_MAX}人"})
    return jobs.job_queue(
        actor=actor,
        kind=PREVIEW,
        title=f"代报名导入预览:{klass.name}",
        filename=filename,
        content=content,
        rows_total=rows,
        back_url=reverse("training:enrol_bulk", args=[klass.pk]),
        params={"class": klass.pk},
        at=at,
    )


@transaction.atomic
def enrolments_import_queue(*, actor, preview_id: int, at: datetime) -> ImportJob:
    """The confirmation of a clean preview job: its file as an import job (the caller queues
    ``run_enrolment_import``); confirmed once: confirming again returns the same job."""
    require(actor, Cap.MANAGE_INSTITUTION)
    preview = jobs.jobs_for(actor=actor).filter(kind=PREVIEW, pk=preview_id).first()
    if preview is None:
        raise ValidationError("预览不存在")
    klass = TrainingClass.objects.select_related("plan").get(pk=preview.params["class"])
    rules.require_institution(actor, klass.plan.institution_id)
    return jobs.job_confirm(
        actor=actor,
        preview_kind=PREVIEW,
        kind=IMPORT,
        preview_id=preview_id,
        title=f"代报名导入:{klass.name}",
        back_url=reverse("training:enrol_bulk", args=[klass.pk]),
        refused="预览未完成或有不能报名的行,不能确认导入",
        params={"class": klass.pk},
        at=at,
    )


def _job_import(job: ImportJob, *, confirm: bool) -> list[RowResult]:
    assert job.started_at is not None  # set when the job was claimed
    klass = TrainingClass.objects.select_related("plan").get(pk=job.params["class"])
    rows = file_rows(content=bytes(job.content), filename=job.filename)
    return enrolments_import(
        actor=job.uploaded_by, klass=klass, rows=rows, confirm=confirm, at=job.started_at
    )


def _refused(results: list[RowResult]) -> list[tuple[int, str]]:
    return [(r.line, f"{r.name or '—'}({r.id_masked}):{';'.join(r.errors)}") for r in results if r.errors]


def _preview(job: ImportJob, progress: jobs.Progress) -> jobs.Outcome:
    # The rows are tried one after another in one transaction that is then rolled back (seats run
    # out where they would), so the progress saved meanwhile would be rolled back with it: the job
    # shows its rows when the check ends.
    results = _job_import(job, confirm=False)
    refused = _refused(results)
    outcome = jobs.Outcome(summary=[("可以报名", len(results) - len(refused)), ("不能报名", len(refused))])
    outcome.errors = refused
    if not refused:
        outcome.next_url = reverse("training:enrol_bulk_job_confirm", args=[job.pk])
        outcome.next_label = f"确认为 {len(results)} 人代报名并录取"
    return outcome


def _check(job: ImportJob, progress: jobs.Progress) -> jobs.Outcome:
    """The file read again, every row's columns checked (no data written, progress saved); the
    enrolment itself is tried by the write step, all rows or none."""
    rows = file_rows(content=bytes(job.content), filename=job.filename)
    errors: list[tuple[int, str]] = []
    for done, row in enumerate(rows, start=1):
        errors += [(row.line, m) for m in _arguments(row)[1]]
        progress(done)
    return jobs.Outcome(errors=errors)


def _write(job: ImportJob) -> jobs.Outcome:
    results = _job_import(job, confirm=True)
    return jobs.Outcome(summary=[("已代报名并录取", len(results))], errors=_refused(results))


PREVIEW_STEPS = jobs.Steps(check=_preview)
IMPORT_STEPS = jobs.Steps(check=_check, write=_write)


def enrolment_jobs(*, actor, klass: TrainingClass):
    """The class's bulk enrolments in the background the actor may see, the latest first."""
    return jobs.jobs_for(actor=actor).filter(kind__in=(PREVIEW, IMPORT), params__class=klass.pk)
