"""Person facts for eligibility [A2.1] (readings G1–G2): loading them (CSV/XLSX import, API) and
reading them as they stood on a claim date [A2.7c] (G4).

An import is all or nothing per file: every row is checked first and bad rows are reported by line
number; only a clean file is written, in one transaction. Re-running the same file changes nothing
(rows are matched on their natural keys)."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q

from dte.accounts import jobs
from dte.audit import services as audit
from dte.catalog.models import County
from dte.core import clock
from dte.core.bounds import IMPORT_BYTES_MAX, LABEL_MAX, clean_text
from dte.core.permissions import Cap, can
from dte.core.spreadsheet import read_table
from dte.people.models import Person
from dte.subsidy import services
from dte.subsidy.models import (
    ApiToken,
    Employment,
    FactImport,
    InsuranceMonth,
    PersonStatus,
    Residence,
    Unemployment,
)

WENZHOU_CITY = "330300"
TRUE = {"1", "true", "yes", "y", "是", "在编", "t"}
FALSE = {"0", "false", "no", "n", "否", "", "f", "不在编"}


# -- reading cells -------------------------------------------------------------------------------


class RowError(ValueError):
    pass


def _text(row: dict, key: str, required: bool = True) -> str:
    v = row.get(key)
    text = "" if v is None else str(v).strip()
    if required and not text:
        raise RowError(f"缺少“{key}”")
    return text


def _date(row: dict, key: str, required: bool = True) -> date | None:
    v = row.get(key)
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    text = _text(row, key, required)
    if not text:
        return None
    try:
        return date.fromisoformat(text.replace("/", "-"))
    except ValueError:
        raise RowError(f"“{key}”应为日期(YYYY-MM-DD),实际为“{text}”") from None


def _month(row: dict, key: str) -> date:
    v = row.get(key)
    if isinstance(v, datetime | date):
        return date(v.year, v.month, 1)
    text = _text(row, key).replace("/", "-")
    try:
        y, m = text[:7].split("-")
        return date(int(y), int(m), 1)
    except ValueError:
        raise RowError(f"“{key}”应为月份(YYYY-MM),实际为“{text}”") from None


def _bool(row: dict, key: str, default: bool = False) -> bool:
    v = row.get(key)
    if v is None:
        return default
    if isinstance(v, bool):
        return v
    text = str(v).strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return default if text == "" else False
    raise RowError(f"“{key}”应为 是/否,实际为“{v}”")


_counties: dict[str, County] = {}


def _county(row: dict, key: str = "county") -> County:
    code = _text(row, key)
    county = County.objects.filter(code=code).first()
    if county is None or code == WENZHOU_CITY:
        raise RowError(f"“{key}”{code} 不是温州市的县(市、区)代码")
    return county


def _person(row: dict, cache: dict[str, Person]) -> Person:
    number = _text(row, "id_number").upper()
    if number not in cache:
        person = Person.objects.filter(id_number_hash=Person.hash_id_number(number)).first()
        if person is None:
            raise RowError("该身份证号码未在平台实名登记")
        cache[number] = person
    return cache[number]


# -- one row of each kind: (model, lookup, values) ------------------------------------------------


@dataclass
class Parsed:
    model: type
    lookup: dict[str, Any]
    values: dict[str, Any]
    county: County | None


def _residence(row: dict, people: dict) -> Parsed:
    kinds = {"hukou": "hukou", "户籍": "hukou", "permit": "permit", "居住证": "permit"}
    kind = kinds.get(_text(row, "kind"))
    if kind is None:
        raise RowError(f"“kind”应为 户籍 或 居住证,实际为“{row.get('kind')}”")
    start, end = _date(row, "valid_from"), _date(row, "valid_to", required=False)
    if end is not None and start is not None and end < start:
        raise RowError("截止日期早于起始日期")
    return Parsed(
        Residence,
        {"person": _person(row, people), "kind": kind, "valid_from": start},
        {"valid_to": end},
        None,
    )


def _unemployment(row: dict, people: dict) -> Parsed:
    county = _county(row)
    start, end = _date(row, "registered_on"), _date(row, "ended_on", required=False)
    if end is not None and start is not None and end < start:
        raise RowError("注销日期早于登记日期")
    return Parsed(
        Unemployment,
        {"person": _person(row, people), "registered_on": start},
        {"county": county, "ended_on": end},
        county,
    )


def _employment(row: dict, people: dict) -> Parsed:
    statuses = {
        "employed": "employed",
        "就业": "employed",
        "self_employed": "self_employed",
        "创业": "self_employed",
    }
    status = statuses.get(_text(row, "status"))
    if status is None:
        raise RowError(f"“status”应为 就业 或 创业,实际为“{row.get('status')}”")
    start, end = _date(row, "started_on"), _date(row, "ended_on", required=False)
    if end is not None and start is not None and end < start:
        raise RowError("截止日期早于起始日期")
    return Parsed(
        Employment,
        {"person": _person(row, people), "started_on": start},
        {
            "status": status,
            "employer": _text(row, "employer", required=False)[:120],
            "in_wenzhou": _bool(row, "in_wenzhou", default=True),
            "public_institution_staff": _bool(row, "public_institution_staff"),
            "ended_on": end,
        },
        None,
    )


def _insurance(row: dict, people: dict) -> Parsed:
    county = _county(row)
    return Parsed(
        InsuranceMonth,
        {"person": _person(row, people), "month": _month(row, "month")},
        {"county": county},
        county,
    )


def _status(row: dict, people: dict) -> Parsed:
    cat = _text(row, "retirement_category", required=False)
    if cat and cat not in PersonStatus.RetirementCategory.values:
        raise RowError(f"“retirement_category”应为 male、female_cadre 或 female_worker,实际为“{cat}”")
    return Parsed(
        PersonStatus,
        {"person": _person(row, people)},
        {
            "school_in_wenzhou": _bool(row, "school_in_wenzhou"),
            "graduation_date": _date(row, "graduation_date", required=False),
            "retired_on": _date(row, "retired_on", required=False),
            "retirement_category": cat,
        },
        None,
    )


KINDS: dict[str, tuple[str, Callable[[dict, dict], Parsed], list[str]]] = {
    "residence": ("户籍/居住证", _residence, ["id_number", "kind", "valid_from", "valid_to"]),
    "unemployment": ("失业登记", _unemployment, ["id_number", "county", "registered_on", "ended_on"]),
    "employment": (
        "就业信息",
        _employment,
        [
            "id_number",
            "status",
            "employer",
            "in_wenzhou",
            "public_institution_staff",
            "started_on",
            "ended_on",
        ],
    ),
    "insurance": ("社保缴费月份", _insurance, ["id_number", "month", "county"]),
    "status": (
        "毕业/退休信息",
        _status,
        ["id_number", "school_in_wenzhou", "graduation_date", "retired_on", "retirement_category"],
    ),
}


# -- files -------------------------------------------------------------------------------------


def _records(rows: list[list[Any]]) -> Iterable[tuple[int, dict]]:
    if not rows:
        return
    header = [str(h or "").strip() for h in rows[0]]
    for n, r in enumerate(rows[1:], start=2):
        if all(v is None or str(v).strip() == "" for v in r):
            continue
        yield n, dict(zip(header, r, strict=False))


def _import_scope(actor) -> County | None:
    """The county an importer is limited to (None = the whole city)."""
    if can(actor, Cap.IMPORT_FACTS_CITY):
        return None
    if can(actor, Cap.IMPORT_FACTS):
        return actor.county
    raise PermissionDenied("当前账号无权导入人员信息")


@transaction.atomic
def import_queue(*, actor, kind: str, filename: str, content: bytes, at: datetime) -> FactImport:
    """Record an uploaded file; the task ``run_fact_import`` processes it."""
    county = _import_scope(actor)
    if kind not in KINDS:
        raise ValidationError({"kind": f"未知的数据类别“{kind}”"})
    if not content:
        raise ValidationError({"file": "文件为空"})
    if len(content) > IMPORT_BYTES_MAX:
        raise ValidationError({"file": f"文件超过 {IMPORT_BYTES_MAX // (1024 * 1024)} MB"})
    job = FactImport.objects.create(
        kind=kind,
        filename=filename[:200],
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
        county=county,
        uploaded_by=actor,
        uploaded_at=at,
    )
    audit.record(
        actor=actor, action="facts.import_queued", obj=job, at=at, after={"kind": kind, "file": filename}
    )
    return job


def import_run(*, job_id: int, at: datetime, actor=None) -> FactImport:
    """Check every row (progress saved as it goes), then write all of them in one transaction or
    none. Returns the job with its counts and errors.

    A job runs once: the run claims it from queued by a conditional UPDATE (attempts + 1), so a task
    sent twice, or run by two consumers at once, imports the file once; a run whose job was taken
    from it meanwhile (reclaimed as dead, ``imports_reclaim``) writes nothing."""
    claimed = FactImport.objects.filter(pk=job_id, status=FactImport.Status.QUEUED).update(
        status=FactImport.Status.RUNNING, beat_at=at, attempts=F("attempts") + 1
    )
    job = FactImport.objects.defer("content").get(pk=job_id)
    if not claimed:  # done, failed, or another run has it
        return job
    try:
        return _import_steps(job, at=at, actor=actor)
    except Exception:
        _ours(job).update(
            status=FactImport.Status.FAILED,
            errors=[{"line": 0, "message": jobs.FAILED_UNEXPECTEDLY}],
            finished_at=at,
        )
        raise


def _ours(job: FactImport):
    """The job, if it is still running under this run's attempt."""
    return FactImport.objects.filter(pk=job.pk, status=FactImport.Status.RUNNING, attempts=job.attempts)


def _fail(job: FactImport, errors: list[dict], *, at: datetime, **counts: int) -> FactImport:
    _ours(job).update(status=FactImport.Status.FAILED, errors=errors[:500], finished_at=at, **counts)
    job.refresh_from_db()
    return job


def _import_steps(job: FactImport, *, at: datetime, actor) -> FactImport:
    content = FactImport.objects.values_list("content", flat=True).get(pk=job.pk)
    try:
        records = list(_records(read_table(bytes(content), job.filename)))
    except ValidationError as exc:
        return _fail(job, [{"line": 0, "message": m} for m in exc.messages], at=at)
    _ours(job).update(total=len(records), beat_at=clock.now())
    parsed, errors = _import_check(job, records)
    if errors:
        return _fail(job, errors, at=at, processed=len(records))
    touched = _import_write(job, parsed, total=len(records), at=at, actor=actor)
    if touched:
        services.claims_redecide(person_ids=touched, reason=f"人员信息导入 {job.filename}", at=at)
    return job


def _import_check(job: FactImport, records: list[tuple[int, dict]]) -> tuple[list[Parsed], list[dict]]:
    """Every row parsed and checked (scope, duplicates), progress saved every 500 rows."""
    _, parse, _ = KINDS[job.kind]
    people: dict[str, Person] = {}
    parsed: list[Parsed] = []
    errors: list[dict] = []
    seen: dict[tuple, int] = {}
    for k, (line, row) in enumerate(records, start=1):
        try:
            p = parse(row, people)
            if job.county_id is not None and p.county is not None and p.county.pk != job.county_id:
                raise RowError(f"该行属于{p.county.name},超出本账号的管辖范围")
            key = tuple(sorted((f, getattr(v, "pk", v)) for f, v in p.lookup.items()))
            if key in seen:
                raise RowError(f"与第{seen[key]}行重复")
            seen[key] = line
            parsed.append(p)
        except RowError as exc:
            errors.append({"line": line, "message": str(exc)})
        if k % 500 == 0:
            _ours(job).update(processed=k, beat_at=clock.now())
    return parsed, errors


@transaction.atomic
def _import_write(job: FactImport, parsed: list[Parsed], *, total: int, at: datetime, actor) -> set[int]:
    """Write the checked rows, finish the job (refreshed in place) and audit it; the people touched.
    Nothing is written by a run whose job is no longer its own: the first UPDATE holds the job's row
    (PostgreSQL) or the write lock (SQLite) to the commit, so no reclaim takes the job meanwhile."""
    if not _ours(job).update(beat_at=clock.now()):
        return set()
    created = updated = unchanged = 0
    touched: set[int] = set()
    for p in parsed:
        obj = p.model.objects.select_for_update().filter(**p.lookup).first()
        if obj is None:
            p.model.objects.create(**p.lookup, **p.values, **_source(p.model, job))
            created += 1
        elif any(getattr(obj, f) != v for f, v in p.values.items()):
            for f, v in p.values.items():
                setattr(obj, f, v)
            obj.save()
            updated += 1
        else:
            unchanged += 1
            continue
        touched.add(p.lookup["person"].pk)
    FactImport.objects.filter(pk=job.pk).update(
        status=FactImport.Status.DONE,
        processed=total,
        created=created,
        updated=updated,
        unchanged=unchanged,
        errors=[],
        finished_at=at,
    )
    job.refresh_from_db()
    audit.record(
        actor=actor or job.uploaded_by,
        action="facts.imported",
        obj=job,
        at=at,
        changes={"kind": job.kind, "created": created, "updated": updated, "unchanged": unchanged},
    )
    return touched


def imports_reclaim(*, at: datetime) -> list[int]:
    """The fact imports to send to their task again: those running with no beat for
    ``jobs.STALE`` (the consumer died; nothing was written), each queued again by a conditional
    UPDATE (two nodes reclaiming at once queue it once) and audited; one already run
    ``jobs.MAX_ATTEMPTS`` times is failed instead. Also those queued for ``jobs.STALE`` that no
    consumer took (a task lost with the queue), sent again at most once each ``jobs.STALE``."""
    cutoff = at - jobs.STALE
    again: list[int] = []
    stale = FactImport.objects.filter(status=FactImport.Status.RUNNING, beat_at__lt=cutoff)
    for job in stale.defer("content"):
        if job.attempts >= jobs.MAX_ATTEMPTS:
            _ours(job).filter(beat_at__lt=cutoff).update(
                status=FactImport.Status.FAILED,
                errors=[{"line": 0, "message": jobs.INTERRUPTED}],
                finished_at=at,
            )
        elif _requeue(job, at=at, cutoff=cutoff):
            again.append(job.pk)
    lost = FactImport.objects.filter(status=FactImport.Status.QUEUED, uploaded_at__lt=cutoff).filter(
        Q(beat_at__isnull=True) | Q(beat_at__lt=cutoff)
    )
    for pk, beat in lost.values_list("pk", "beat_at"):
        if FactImport.objects.filter(pk=pk, status=FactImport.Status.QUEUED, beat_at=beat).update(beat_at=at):
            again.append(pk)
    return again


@transaction.atomic
def _requeue(job: FactImport, *, at: datetime, cutoff: datetime) -> bool:
    moved = _ours(job).filter(beat_at__lt=cutoff).update(status=FactImport.Status.QUEUED, beat_at=at)
    if moved:
        audit.record(
            actor=None,
            action="facts.import_requeued",
            obj=job,
            at=at,
            changes={"attempts": job.attempts, "reason": "后台任务进程停止,重新排队"},
        )
    return bool(moved)


def _source(model, job: FactImport) -> dict:
    return {"source": f"import:{job.pk}"} if hasattr(model, "source") else {}


@transaction.atomic
def facts_put(*, actor, kind: str, rows: list[dict], at: datetime, county: County | None = None) -> dict:
    """The API's write: the same checks as an import, all rows or none, synchronously."""
    if kind not in KINDS:
        raise ValidationError({"kind": f"未知的数据类别“{kind}”"})
    _, parse, _ = KINDS[kind]
    people: dict[str, Person] = {}
    parsed, errors = [], []
    for line, row in enumerate(rows, start=1):
        try:
            p = parse(row, people)
            if county is not None and p.county is not None and p.county.pk != county.pk:
                raise RowError(f"该行属于{p.county.name},超出令牌的管辖范围")
            parsed.append(p)
        except RowError as exc:
            errors.append(f"第{line}行:{exc}")
    if errors:
        raise ValidationError({"rows": errors})
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    touched = set()
    for p in parsed:
        obj, made = p.model.objects.select_for_update().get_or_create(
            **p.lookup, defaults={**p.values, **({"source": "api"} if hasattr(p.model, "source") else {})}
        )
        if made:
            counts["created"] += 1
        elif any(getattr(obj, f) != v for f, v in p.values.items()):
            for f, v in p.values.items():
                setattr(obj, f, v)
            obj.save()
            counts["updated"] += 1
        else:
            counts["unchanged"] += 1
            continue
        touched.add(p.lookup["person"].pk)
    audit.record(
        actor=actor,
        action="facts.api_put",
        object_type="subsidy.facts",
        object_id=kind,
        at=at,
        changes={"kind": kind, **counts, "county": county.code if county else "330300"},
    )
    if touched:
        transaction.on_commit(
            lambda: services.claims_redecide(person_ids=touched, reason=f"接口更新人员信息({kind})", at=at)
        )
    return counts


# -- API tokens for system integrations -----------------------------------------------------------


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def api_token_issue(*, actor, name: str, county: County | None, at: datetime) -> tuple[ApiToken, str]:
    """Issue a token for an integration, scoped to one county (or the city); returns the token once."""
    if not can(actor, Cap.IMPORT_FACTS_CITY):
        raise PermissionDenied("当前账号无权签发接口令牌")
    name = clean_text(name, field="name", label="令牌名称", max_length=LABEL_MAX, line=True)
    if not name:
        raise ValidationError({"name": "请填写令牌名称(对接系统)"})
    token = "dte_" + secrets.token_urlsafe(32)
    row = ApiToken.objects.create(
        name=name,
        digest=_digest(token),
        prefix=token[:8],
        county=county,
        created_by=actor,
        created_at=at,
    )
    audit.record(
        actor=actor,
        action="api_token.issue",
        obj=row,
        at=at,
        changes={"name": row.name, "county": county.code if county else "330300"},
    )
    return row, token


@transaction.atomic
def api_token_revoke(*, actor, token: ApiToken, at: datetime) -> ApiToken:
    if not can(actor, Cap.IMPORT_FACTS_CITY):
        raise PermissionDenied("当前账号无权吊销接口令牌")
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=at)
    audit.record(actor=actor, action="api_token.revoke", obj=token, at=at, changes={"name": token.name})
    token.refresh_from_db()
    return token


def api_token_check(token: str) -> ApiToken | None:
    row = (
        ApiToken.objects.select_related("county")
        .filter(digest=_digest(token or ""), revoked_at__isnull=True)
        .first()
    )
    return row
