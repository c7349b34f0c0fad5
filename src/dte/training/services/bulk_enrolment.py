"""Enrolment on behalf from a table [P4.3], [P2.3]: an institution fills in the XLSX template (one row
a person), sees every row checked against the class (a preview: nothing written), then confirms.
Each row goes through ``enrolment_on_behalf`` exactly as if entered alone (the real-name check, the
declaration, the age, seats, overlapping classes, its audit entry), in one transaction, row after row
(so that seats run out where they would). Any row refused: nothing is written, and the rows say why.
Between the preview and the confirmation the file is kept on the server, encrypted, as an import job
awaiting confirmation (``dte.accounts.jobs.upload_keep``): the page carries its number only, never
the people's ID numbers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from dte.accounts import jobs
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
