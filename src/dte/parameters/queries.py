"""The parameters app's hand-written SQL, on the one helper ``dte.core.rows``: the recorded claims
as columns for the preview of a draft (``dte.parameters.preview``), and the valid level
certificates of the pipeline.

Not the ORM: the preview reads every recorded claim (a million on the target, 5 s) and hands the
columns to the vectorised engine; the ORM builds a tuple of converted values per row (dates parsed
one by one), which alone takes longer than the target. Here the statement returns six integers a
row, each packing several fields (``WORDS``; dates as YYYYMMDD through one ``CAST`` that both
databases read alike), unpacked by NumPy in a few passes. Measured on 1,000,000 claims, SQLite
(bench/parameters_preview.py's database): 2.7 s of CPU here against 9.1 s by the ORM's
``values_list`` of the same fields (and 9 s for this statement with one value a field). Each is
tested against its ORM equivalent in tests/parameters/test_queries.py."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from itertools import chain
from typing import Any

import numpy as np
from django.db.models import Max

from dte.catalog.models import Institution, Level, Occupation
from dte.core import rows
from dte.core.rows import column, table
from dte.evaluation.models import LevelCertificate, Registration
from dte.policy import days
from dte.subsidy.models import Claim, PersonStatus, Status
from dte.training.models import TrainingCertificate

STATUSES = tuple(Status.values)
PERSON_RULES = ("A2.1-group", "A2.1-age", "A2.1-retirement")  # dte.policy.reform.PERSON_RULES
# A catalogue id (occupation, level, institution) packs in this many bits: the catalogues hold tens
# of rows, but their ids are sequence values, which only grow (rows deleted, tests rolled back on
# PostgreSQL): ``catalogue_ids_fit`` checks them before a preview.
CATALOGUE_BITS = 21
# A claim row comes back as six integers, words each packing several fields, (name, bits) from the
# lowest bits up, at most 63 bits a word (a signed BIGINT): ids in 32 bits, a date as YYYYMMDD (0:
# none), a catalogue id in CATALOGUE_BITS, a flag in one.
WORDS: tuple[tuple[tuple[str, int], ...], ...] = (
    (("id", 32), ("person", 31)),
    (("claim_date", 25), ("level_issued_on", 25)),
    (("training_issued_on", 25), ("grad_date", 25)),
    (("occupation", CATALOGUE_BITS), ("level", CATALOGUE_BITS), ("training_occupation", CATALOGUE_BITS)),
    (("training_level", CATALOGUE_BITS), ("training_institution", CATALOGUE_BITS)),
    (("county", 16), ("status", 4), ("eligible", 1), ("grad_wz", 1), *((rule, 1) for rule in PERSON_RULES),
     ("training_hours", 15), ("amount", 23)),
)  # fmt: skip
DATES = ("claim_date", "level_issued_on", "training_issued_on", "grad_date")


def day_index(texts: Any) -> np.ndarray:
    """ISO dates (text, None when missing) as day indexes (-1 when missing)."""
    d = np.array(texts, dtype="datetime64[D]")
    out = (d - np.datetime64(days.FIRST, "D")).astype(np.int64)
    out[np.isnat(d)] = -1
    return out.astype(np.int32)


def ymd_to_index(ymd: np.ndarray) -> np.ndarray:
    """Dates as YYYYMMDD integers (0 = none) as day indexes (-1 = none)."""
    y, m, d = ymd // 10000, ymd // 100 % 100, ymd % 100
    months = np.clip((y - days.FIRST.year) * 12 + m - 1, 0, days.N_MONTHS - 1)
    out = np.take(days.MSTART, months) + d - 1
    return np.where(ymd > 0, out, -1).astype(np.int32)


@dataclass
class ClaimColumns:
    """Every submitted claim (every status but draft) as columns: catalogue ids (0 = none), dates as
    day indexes (-1 = none), the status as its index in ``STATUSES``, and for each person rule
    whether the recorded decision passed it."""

    values: dict[str, np.ndarray]

    @property
    def n(self) -> int:
        return len(self.values["id"])


def _packed(fields: dict[str, str], word: tuple[tuple[str, int], ...]) -> str:
    terms, shift = [], 0
    for name, bits in word:
        terms.append(f"CAST({fields[name]} AS BIGINT) * {1 << shift}")
        shift += bits
    return " + ".join(terms)


@cache
def _claims_sql(vendor: str) -> str:
    del vendor  # the cache key
    c = {f: f"c.{column(Claim, f)}" for f in ("status", "eligible", "failed_rules")}
    f = {n: f"COALESCE(c.{column(Claim, n)}, 0)" for n in ("occupation", "level", "training_occupation")}
    f |= {n: f"COALESCE(c.{column(Claim, n)}, 0)" for n in ("training_level", "training_institution")}
    f |= {n: f"c.{column(Claim, n)}" for n in ("county", "training_hours", "amount")}
    for n in ("claim_date", "level_issued_on", "training_issued_on"):
        f[n] = f"COALESCE(CAST(REPLACE(CAST(c.{column(Claim, n)} AS TEXT), '-', '') AS INTEGER), 0)"
    graduated = f"s.{column(PersonStatus, 'graduation_date')}"
    f["grad_date"] = f"COALESCE(CAST(REPLACE(CAST({graduated} AS TEXT), '-', '') AS INTEGER), 0)"
    f["grad_wz"] = f"COALESCE({rows.as_int('s.' + column(PersonStatus, 'school_in_wenzhou'))}, 0)"
    f["eligible"] = rows.as_int(c["eligible"])
    f["status"] = (
        f"CASE {c['status']} " + " ".join(f"WHEN '{s}' THEN {k}" for k, s in enumerate(STATUSES)) + " END"
    )
    for rule in PERSON_RULES:  # 1: passed as recorded (not among the failed rules)
        f[rule] = f"CASE WHEN CAST({c['failed_rules']} AS TEXT) LIKE %s THEN 0 ELSE 1 END"
    f["id"], f["person"] = f"c.{column(Claim, 'id')}", f"c.{column(Claim, 'person')}"
    select = [_packed(f, w) for w in WORDS]
    return (
        f"SELECT {', '.join(select)} FROM {table(Claim)} c "
        f"LEFT JOIN {table(PersonStatus)} s "
        f"ON s.{column(PersonStatus, 'person')} = c.{column(Claim, 'person')} "
        f"WHERE c.{column(Claim, 'status')} <> %s"
    )


def catalogue_ids_fit() -> bool:
    """Whether every catalogue id fits the bits ``WORDS`` gives it (three indexed reads)."""
    limit = 1 << CATALOGUE_BITS
    models = (Occupation, Level, Institution)
    return all((m.objects.aggregate(top=Max("id"))["top"] or 0) < limit for m in models)


def claim_columns() -> ClaimColumns:
    """Every submitted claim in one statement, as columns. ORM equivalent: ``values_list`` of the
    same fields over ``Claim`` and ``person__subsidy_status`` (tests/parameters/test_queries.py).
    The fields come packed into six integers a row (``WORDS``), so that the driver builds six
    Python integers a row instead of twenty, and NumPy unpacks them in a few passes. The catalogue
    ids must fit their bits (``catalogue_ids_fit``)."""
    if not catalogue_ids_fit():
        bits = CATALOGUE_BITS + 1
        raise ValueError(f"catalogue ids of {bits} bits or more do not fit the packed claim columns")
    params = [f'%"{rule}"%' for rule in PERSON_RULES] + [Status.DRAFT.value]
    with rows.scan_cursor() as cur:
        cur.execute(_claims_sql(rows.vendor()), params)
        found = cur.fetchall()
    flat = np.fromiter(chain.from_iterable(found), dtype=np.int64, count=len(found) * len(WORDS))
    table_ = flat.reshape(-1, len(WORDS))
    values: dict[str, np.ndarray] = {}
    for k, word in enumerate(WORDS):
        packed, shift = table_[:, k], 0
        for name, bits in word:
            values[name] = (packed >> shift) & ((1 << bits) - 1)
            shift += bits
    for name in DATES:
        values[name] = ymd_to_index(values[name])
    for name in ("eligible", "grad_wz", *PERSON_RULES):
        values[name] = values[name].astype(np.bool_)
    values["status"] = values["status"].astype(np.int32)
    return ClaimColumns(values=values)


CERTIFICATE_FIELDS = ("id", "person", "occupation", "level", "tr_institution", "tr_occupation", "tr_level")


@cache
def _certificates_sql(vendor: str) -> str:
    del vendor  # the cache key
    lc = {f: f"l.{column(LevelCertificate, f)}" for f in ("id", "person", "occupation", "level", "issued_on")}
    tc = {
        f: f"t.{column(TrainingCertificate, f)}" for f in ("institution", "occupation", "level", "issued_on")
    }
    tc |= {f: f"t.{column(TrainingCertificate, f)}" for f in ("theory_hours", "practice_hours")}
    select = [
        lc["id"],
        lc["person"],
        lc["occupation"],
        lc["level"],
        *(f"COALESCE({tc[f]}, 0)" for f in ("institution", "occupation", "level")),
        f"CAST({lc['issued_on']} AS TEXT)",
        f"CAST({tc['issued_on']} AS TEXT)",
        f"COALESCE({tc['theory_hours']}, 0)",
        f"COALESCE({tc['practice_hours']}, 0)",
    ]
    reg, tcert = column(Registration, "training_certificate"), column(LevelCertificate, "registration")
    return (
        f"SELECT {', '.join(select)} FROM {table(LevelCertificate)} l "
        f"LEFT JOIN {table(Registration)} r ON r.{column(Registration, 'id')} = l.{tcert} "
        f"LEFT JOIN {table(TrainingCertificate)} t ON t.{column(TrainingCertificate, 'id')} = r.{reg} "
        f"AND t.{column(TrainingCertificate, 'status')} = %s "
        f"WHERE l.{column(LevelCertificate, 'status')} = %s AND {lc['issued_on']} >= %s"
    )


def valid_certificates(issued_from: Any) -> dict[str, np.ndarray]:
    """The valid level certificates issued on or after ``issued_from`` (those whose claim window
    may still be open) with their valid training certificates, as columns: ids (0 = none), the
    issue dates (day index, -1 = none) and the training hours (whole hours, as a claim copies them:
    ``dte.subsidy.sources.certificate_facts``). ORM equivalent in tests/parameters/test_queries.py."""
    valid = LevelCertificate.Status.VALID.value
    with rows.scan_cursor() as cur:
        cur.execute(
            _certificates_sql(rows.vendor()), [TrainingCertificate.Status.VALID.value, valid, issued_from]
        )
        found = cur.fetchall()
    cols = list(zip(*found, strict=True)) if found else [()] * 11
    out = {f: np.array(cols[i], dtype=np.int64) for i, f in enumerate(CERTIFICATE_FIELDS)}
    out["issued"] = day_index(cols[7])
    out["tr_issued"] = day_index(cols[8])
    hours = np.array(cols[9], dtype=np.float64) + np.array(cols[10], dtype=np.float64)
    out["tr_hours"] = np.floor(hours).astype(np.int32)
    return out
