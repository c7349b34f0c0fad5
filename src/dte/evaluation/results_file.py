"""A results file [P3.3]: every row checked into a plan (what confirming will record and issue), then
imported in one transaction through the services' own steps (``scores_record``,
``level_certificate_issue``), or nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone

from dte.audit import services as audit
from dte.core.permissions import Cap, require
from dte.evaluation.models import PASS_MARK, Registration
from dte.evaluation.services import exam_date_problem, level_certificate_issue, scores_record
from dte.training.models import TrainingCertificate
from dte.training.tables import ImportReport, Row, parse_date

# The columns a results file fills in; a row with none of them is skipped.
SCORE_COLUMNS = ("理论成绩", "能力成绩", "考核日期")


def _int_cell(row: Row, key: str) -> int | None:
    text = row.text(key)
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 3 else None


@dataclass
class ResultLine:
    """One row of a results file, checked: what confirming the import will do with it."""

    line: int
    registration: Registration
    theory: int
    ability: int
    exam_date: date
    record: bool  # the scores are new or changed: they will be recorded
    issue: bool  # both parts passed and no certificate yet: a level certificate will be issued

    @property
    def outcome(self) -> str:
        if self.issue:
            return "登记成绩并颁发专业技术等级证书" if self.record else "颁发专业技术等级证书"
        if self.record:
            return "登记成绩(不合格,不发证)" if not self.passed else "登记成绩"
        return "已登记,无变化"

    @property
    def passed(self) -> bool:
        return self.theory >= PASS_MARK and self.ability >= PASS_MARK


@dataclass
class ResultsPlan:
    """What a results file would do, read before anything is written (the preview) [P3.3]."""

    report: ImportReport = field(default_factory=ImportReport)
    lines: list[ResultLine] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)  # rows of the template left without scores

    @property
    def to_record(self) -> int:
        return sum(1 for r in self.lines if r.record)

    @property
    def to_issue(self) -> int:
        return sum(1 for r in self.lines if r.issue)

    @property
    def unchanged(self) -> int:
        return sum(1 for r in self.lines if not r.record and not r.issue)

    @property
    def summary(self) -> str:
        text = f"将登记 {self.to_record} 条成绩,将颁发 {self.to_issue} 张证书"
        if self.unchanged:
            text += f",{self.unchanged} 条已登记无变化"
        if self.skipped:
            text += f",跳过 {len(self.skipped)} 行未填写成绩的行"
        return text


def _plan_results(
    *, actor, rows: list[Row], at: datetime, progress: Callable[[int], None] | None = None
) -> ResultsPlan:
    """Check every row of a results file without writing anything. Rows left entirely blank never
    reach here (``read_table`` drops them); rows of the template whose scores and date are all
    empty are skipped. ``progress(rows_done)`` is called as the rows are checked."""
    require(actor, Cap.MANAGE_EVALUATION)
    today = timezone.localdate(at)
    plan = ResultsPlan()
    seen: dict[int, int] = {}
    for done, row in enumerate(rows):
        if progress is not None:
            progress(done)
        if all(not row.text(key) for key in SCORE_COLUMNS):
            plan.skipped.append(row.line)
            continue
        checked = _result_line(row, actor=actor, seen=seen, today=today)
        if isinstance(checked, str):
            plan.report.error(row.line, checked)
        else:
            plan.lines.append(checked)
    if progress is not None:
        progress(len(rows))
    return plan


def _result_registration(row: Row, actor) -> Registration | str:
    """The application a row names, once its ID number and name match; else what is wrong."""
    rid = row.text("申报编号")
    reg = (
        Registration.objects.select_related("person", "level", "training_certificate")
        .filter(pk=int(rid))
        .first()
        if rid.isascii() and rid.isdigit() and len(rid) <= 18
        else None
    )
    if reg is None or reg.evaluation_body_id != actor.evaluation_body_id:
        return f"申报编号「{rid}」不是本评价机构受理的申报"
    if row.text("身份证号").upper() != reg.person.id_number:
        return "身份证号与申报人不一致"
    if row.text("姓名") != reg.person.name:
        return "姓名与申报人不一致"
    return reg


def _result_line(row: Row, *, actor, seen: dict[int, int], today: date) -> ResultLine | str:
    """One row checked: what confirming the import will do with it, or what is wrong with it.
    ``seen`` maps each application already met to its line."""
    reg = _result_registration(row, actor)
    if isinstance(reg, str):
        return reg
    theory, ability = _int_cell(row, "理论成绩"), _int_cell(row, "能力成绩")
    if theory is None or ability is None or theory > 100 or ability > 100:
        return "理论成绩和能力成绩应为0至100的整数"
    exam_date = parse_date(row.values.get("考核日期"))
    if exam_date is None:
        return "考核日期格式应为 YYYY-MM-DD"
    if reg.pk in seen:
        return f"与第 {seen[reg.pk]} 行重复(同一申报)"
    seen[reg.pk] = row.line
    same = (reg.theory_score, reg.ability_score, reg.exam_date) == (theory, ability, exam_date)
    problem = _score_change_problem(reg, same=same, exam_date=exam_date, today=today)
    if problem:
        return problem
    passed = theory >= PASS_MARK and ability >= PASS_MARK
    issue = passed and reg.status != Registration.Status.CERTIFIED
    if issue and reg.training_certificate.status != TrainingCertificate.Status.VALID:
        return "培训合格证书已撤销,不能颁发等级证书 [P3.3]"
    return ResultLine(row.line, reg, theory, ability, exam_date, record=not same, issue=issue)


def _score_change_problem(reg: Registration, *, same: bool, exam_date: date, today: date) -> str:
    """Why the row's scores cannot be recorded on the application, or ``""``."""
    if reg.status == Registration.Status.CERTIFIED:
        return "" if same else "该申报已发证,成绩不能更改"
    if reg.status not in (
        Registration.Status.ACCEPTED,
        Registration.Status.PASSED,
        Registration.Status.FAILED,
    ):
        return f"申报状态为「{reg.get_status_display()}」,不能登记成绩(须先通过条件审核)"
    return "" if same else exam_date_problem(reg, exam_date, today=today)


def results_preview(
    *, actor, rows: list[Row], at: datetime, progress: Callable[[int], None] | None = None
) -> ResultsPlan:
    """What importing ``rows`` would do (将登记 N 条成绩,将颁发 N 张证书), every bad row named;
    nothing is written. The import itself runs only on confirmation (``results_import``).
    ``progress(rows_done)``: a background import's progress bar (dte.accounts.jobs)."""
    return _plan_results(actor=actor, rows=rows, at=at, progress=progress)


@transaction.atomic
def results_import(*, actor, rows: list[Row], filename: str = "", at: datetime) -> ImportReport:
    """Scores from an XLSX (or CSV) file [P3.3], once the body has seen the preview and confirmed:
    every row is checked again first, one bad row and nothing is written; new or changed scores are
    recorded as by hand (``scores_record``) and passing rows get their level certificate; a re-run
    changes nothing already recorded."""
    plan = _plan_results(actor=actor, rows=rows, at=at)
    report = plan.report
    if not report.ok:
        return report
    issued = []
    for line in plan.lines:
        reg = line.registration
        if line.record:
            reg = scores_record(
                actor=actor,
                registration=reg,
                theory_score=line.theory,
                ability_score=line.ability,
                exam_date=line.exam_date,
                at=at,
            )
            report.updated += 1
        else:
            report.unchanged += 1
        if line.issue:
            cert = level_certificate_issue(actor=actor, registration=reg, at=at)
            report.created += 1
            issued.append(cert.number)
    audit.record(
        actor=actor,
        action="evaluation.results.import",
        object_type="evaluation.results",
        object_id=filename or "upload",
        at=at,
        changes={
            "file": filename,
            "scored": report.updated,
            "certificates": issued,
            "unchanged": report.unchanged,
            "skipped_lines": plan.skipped,
        },
    )
    return report
