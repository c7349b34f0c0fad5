"""The dashboards' rollup of the training stages: ``StageTally`` counts enrolments (报名录取, by the
year the class starts), completions (完成培训, by the year it ends), valid training certificates and
valid level certificates issued under the programme [P5.4] (by the year of issue), by the trainee's
household region (reading R1), occupation and level: what the funnel sums instead of joining every
enrolment and certificate with its person, class and plan.

Kept in the transaction of every write: Django's ``pre_save``/``post_save`` (and ``pre_delete``/
``post_delete``) of the records and of what they are counted by — an enrolment's status, class and
person; a certificate's status, date, occupation and level; a class's dates and plan; a plan's
occupation and level; a person's region — read the records' contributions before and after, and the
difference is added to the rollup (``queries.tally_add``, one upsert per key that changed). A save
that names its fields (``update_fields``) and touches none of those costs nothing more. Writes that
bypass ``save`` (``QuerySet.update``, ``bulk_create``: the benches' and the demo's bulk loads) are
followed by ``rebuild``, which the nightly job also runs as a safety net; tests/reports/
test_stage_rollups.py checks that the kept rollup equals a recount after writes through the services.

The programme's start [P5.4] is read as of each write; a parameter version that changes it is
followed, on its publication, by a rebuild (``dte.parameters.services.approve``), so the level
certificates are counted from the new date at once.

Measured (bench/oversight_dashboard.py, SQLite, 100,000 enrolments and 60,000 level certificates,
quiet machine): the training stages of the city dashboard took 175 ms by the four joins over the
records they replace; from the rollup they take a few milliseconds."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Q, Sum
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save

from dte.evaluation.models import LevelCertificate
from dte.people.models import Person
from dte.reports import queries
from dte.reports.goal import programme_start
from dte.reports.models import StageTally
from dte.training.models import Enrolment, TrainingCertificate, TrainingClass, TrainingPlan

KEYS = ("stage", "region", "occupation", "level", "year")
STAGES = ("enrolled", "trained", "training_certified", "level_certified")
ENROLLED = (Enrolment.Status.ADMITTED, Enrolment.Status.COMPLETED, Enrolment.Status.DROPPED)

Key = tuple[str, str, int, int, int]


# --- contributions --------------------------------------------------------------------------------------
# What is read of each record, in the order the counters take it (the migration that made the rollup
# counts the records already there with the same counters).
ENROLMENT_READ = (
    "status",
    "person__region_code",
    "klass__plan__occupation_id",
    "klass__plan__level_id",
    "klass__start_date",
    "klass__end_date",
)
CERTIFICATE_READ = ("person__region_code", "occupation_id", "level_id", "issued_on")


def count_enrolment(row: tuple, c: Counter[Key]) -> None:
    """One enrolment (a row of ``ENROLMENT_READ``, its status admitted, completed or dropped)."""
    status, region, occ, lvl, start, end = row
    c["enrolled", region or "", occ, lvl, start.year] += 1
    if status == Enrolment.Status.COMPLETED:
        c["trained", region or "", occ, lvl, end.year] += 1


def count_certificate(stage: str, row: tuple, c: Counter[Key]) -> None:
    """One valid certificate (a row of ``CERTIFICATE_READ``)."""
    region, occ, lvl, issued = row
    c[stage, region or "", occ, lvl, issued.year] += 1


def _enrolments(q: Q) -> Counter[Key]:
    c: Counter[Key] = Counter()
    rows = Enrolment.objects.filter(q, status__in=ENROLLED).values_list(*ENROLMENT_READ).order_by()
    for row in rows.iterator(chunk_size=5000):
        count_enrolment(row, c)
    return c


def _certificates(model, stage: str, q: Q) -> Counter[Key]:
    c: Counter[Key] = Counter()
    valid = Q(status=model.Status.VALID)
    if model is LevelCertificate:
        valid &= Q(issued_on__gte=programme_start())
    for row in (
        model.objects.filter(q & valid).values_list(*CERTIFICATE_READ).order_by().iterator(chunk_size=5000)
    ):
        count_certificate(stage, row, c)
    return c


def _training_certificates(q: Q) -> Counter[Key]:
    return _certificates(TrainingCertificate, "training_certified", q)


def _level_certificates(q: Q) -> Counter[Key]:
    return _certificates(LevelCertificate, "level_certified", q)


def _of_people(q: Q) -> Counter[Key]:
    return _enrolments(q) + _training_certificates(q) + _level_certificates(q)


# model → (the fields its contributions depend on, its records' contributions by primary key)
WATCHED = {
    Enrolment: (
        {"status", "klass", "person"},
        lambda pks: _enrolments(Q(pk__in=pks)),
    ),
    TrainingCertificate: (
        {"status", "issued_on", "occupation", "level", "person"},
        lambda pks: _training_certificates(Q(pk__in=pks)),
    ),
    LevelCertificate: (
        {"status", "issued_on", "occupation", "level", "person"},
        lambda pks: _level_certificates(Q(pk__in=pks)),
    ),
    TrainingClass: ({"start_date", "end_date", "plan"}, lambda pks: _enrolments(Q(klass_id__in=pks))),
    TrainingPlan: ({"occupation", "level"}, lambda pks: _enrolments(Q(klass__plan_id__in=pks))),
    Person: ({"region_code"}, lambda pks: _of_people(Q(person_id__in=pks))),
}
ATTR = "_stage_tally_before"  # the contributions read before the write, kept on the instance


def _watched(sender, update_fields: Iterable[str] | None) -> bool:
    if update_fields is None:
        return True
    fields = {f.removesuffix("_id") for f in update_fields}
    return not WATCHED[sender][0].isdisjoint(fields)


def _add(diff: Counter[Key]) -> None:
    """Add each key's change (in one order of keys for every writer), none where nothing changed."""
    for key in sorted(k for k, n in diff.items() if n):
        queries.tally_add(StageTally, KEYS, key, {"n": diff[key]})


def _difference(after: Counter[Key], before: Counter[Key]) -> Counter[Key]:
    diff: Counter[Key] = Counter()
    for key in after.keys() | before.keys():
        diff[key] = after[key] - before[key]
    return diff


# --- signal receivers -----------------------------------------------------------------------------------
def before_save(sender, instance, raw=False, update_fields=None, **_) -> None:
    if raw or instance.pk is None or not _watched(sender, update_fields):
        return
    setattr(instance, ATTR, WATCHED[sender][1]([instance.pk]))


def after_save(sender, instance, created=False, raw=False, update_fields=None, **_) -> None:
    if raw:
        return
    before = Counter() if created else instance.__dict__.pop(ATTR, None)
    if before is None:  # a save of fields the rollup does not read
        return
    _add(_difference(WATCHED[sender][1]([instance.pk]), before))


def before_delete(sender, instance, **_) -> None:
    setattr(instance, ATTR, WATCHED[sender][1]([instance.pk]))


def after_delete(sender, instance, **_) -> None:
    before = instance.__dict__.pop(ATTR, None)
    if before:
        _add(_difference(Counter(), before))


def connect() -> None:
    for model in WATCHED:
        uid = f"reports.stages.{model._meta.label_lower}"
        pre_save.connect(before_save, sender=model, dispatch_uid=f"{uid}.pre_save")
        post_save.connect(after_save, sender=model, dispatch_uid=f"{uid}.post_save")
    # A person, class or plan is deleted only with (or without) its records, whose own deletion is
    # counted: only the records' deletions are followed.
    for model in (Enrolment, TrainingCertificate, LevelCertificate):
        uid = f"reports.stages.{model._meta.label_lower}"
        pre_delete.connect(before_delete, sender=model, dispatch_uid=f"{uid}.pre_delete")
        post_delete.connect(after_delete, sender=model, dispatch_uid=f"{uid}.post_delete")


# --- reading, the full recount --------------------------------------------------------------------------
def groups(*, region: str | None, year: int | None) -> dict[str, list[dict]]:
    """Per stage, the rows (cc: region, o: occupation id, lv: level id, n) of one region or all, of
    one year or all, summed from the rollup."""
    qs = StageTally.objects.all()
    if region is not None:
        qs = qs.filter(region=region)
    if year is not None:
        qs = qs.filter(year=year)
    out: dict[str, list[dict]] = {stage: [] for stage in STAGES}
    for r in qs.values("stage", "region", "occupation", "level").annotate(s=Sum("n")).order_by():
        if r["s"] and r["stage"] in out:
            out[r["stage"]].append({"cc": r["region"], "o": r["occupation"], "lv": r["level"], "n": r["s"]})
    return out


def recount() -> dict[Key, int]:
    """The rollup counted afresh from every record (rows whose count is zero left out)."""
    return {k: n for k, n in _of_people(Q()).items() if n}


def stored() -> dict[Key, int]:
    """The rollup as stored (rows whose count is zero left out)."""
    return {tuple(r[:5]): r[5] for r in StageTally.objects.values_list(*KEYS, "n") if r[5]}


@transaction.atomic
def rebuild() -> int:
    """Replace the rollup by a recount; the records' writers wait meanwhile (PostgreSQL: the table
    locked first). Idempotent. Returns the number of rows."""
    queries.lock_tables(StageTally)
    counted = recount()
    StageTally.objects.all().delete()
    StageTally.objects.bulk_create(
        (StageTally(**dict(zip(KEYS, key, strict=True)), n=n) for key, n in counted.items()), batch_size=1000
    )
    return len(counted)
