"""The parameters app's hand-written SQL, on the one helper ``dte.core.rows``: the recorded claims
as columns for the preview of a draft (``dte.parameters.preview``).

Not the ORM: the preview reads every recorded claim (a million on the target) and hands the
columns to the vectorised engine; the ORM builds a dict or a tuple per row with its converters
(dates parsed one by one), which alone takes longer than the whole target. Here dates come back as
ISO text (one ``CAST`` on both databases), parsed by NumPy in one call per column. Figure
(bench/parameters_preview.py, 1,000,000 claims, SQLite): see docs/policy.md §4. Tested against the
ORM in tests/parameters/test_queries.py."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from dte.core import rows
from dte.core.rows import column, table
from dte.evaluation.models import LevelCertificate, Registration
from dte.subsidy.models import Claim, PersonStatus, Status
from dte.training.models import TrainingCertificate

# Claim columns read, in order (the status is read as its index in ``STATUSES``).
CLAIM_FIELDS = (
    "id",
    "person",
    "county",
    "occupation",
    "level",
    "training_institution",
    "training_occupation",
    "training_level",
    "training_hours",
    "amount",
)
CLAIM_DATES = ("claim_date", "level_issued_on", "training_issued_on")
STATUSES = tuple(Status.values)
EPOCH = np.datetime64("1800-01-01", "D")  # dte.policy.days.FIRST: day index 0


def day_index(texts: Any) -> np.ndarray:
    """ISO dates (text, None when missing) as day indexes (-1 when missing)."""
    d = np.array(texts, dtype="datetime64[D]")
    out = (d - EPOCH).astype(np.int64)
    out[np.isnat(d)] = -1
    return out.astype(np.int32)


@dataclass
class ClaimColumns:
    """Every submitted claim (every status but draft) as columns; ids are the catalogue ids."""

    values: dict[str, np.ndarray]  # CLAIM_FIELDS, CLAIM_DATES, status, eligible, grad_*; ids 0 = none
    failed: list[Any]  # each claim's failed rules as stored (JSON text)

    @property
    def n(self) -> int:
        return len(self.values["id"])


@cache
def _claims_sql(vendor: str) -> str:
    del vendor  # the cache key
    names = (*CLAIM_FIELDS, *CLAIM_DATES, "status", "eligible", "failed_rules")
    c = {f: f"c.{column(Claim, f)}" for f in names}
    whens = " ".join(f"WHEN '{s}' THEN {k}" for k, s in enumerate(STATUSES))
    status = f"CASE {c['status']} {whens} END"
    select = [
        *(f"COALESCE({c[f]}, 0)" for f in CLAIM_FIELDS),
        *(f"CAST({c[f]} AS TEXT)" for f in CLAIM_DATES),
        status,
        rows.as_int(c["eligible"]),
        f"CAST({c['failed_rules']} AS TEXT)",
        f"COALESCE({rows.as_int('s.' + column(PersonStatus, 'school_in_wenzhou'))}, 0)",
        f"CAST(s.{column(PersonStatus, 'graduation_date')} AS TEXT)",
    ]
    return (
        f"SELECT {', '.join(select)} FROM {table(Claim)} c "
        f"LEFT JOIN {table(PersonStatus)} s "
        f"ON s.{column(PersonStatus, 'person')} = c.{column(Claim, 'person')} "
        f"WHERE c.{column(Claim, 'status')} <> %s"
    )


def claim_columns() -> ClaimColumns:
    """Every submitted claim in one statement, as columns. ORM equivalent: ``values_list`` of the
    same fields over ``Claim`` and ``person__subsidy_status`` (tests/parameters/test_queries.py)."""
    with rows.scan_cursor() as cur:
        cur.execute(_claims_sql(rows.vendor()), [Status.DRAFT.value])
        found = cur.fetchall()
    cols = list(zip(*found, strict=True)) if found else [()] * (len(CLAIM_FIELDS) + len(CLAIM_DATES) + 5)
    k = len(CLAIM_FIELDS)
    values = {f: np.array(cols[i], dtype=np.int64) for i, f in enumerate(CLAIM_FIELDS)}
    for j, f in enumerate(CLAIM_DATES):
        values[f] = day_index(cols[k + j])
    k += len(CLAIM_DATES)
    values["status"] = np.array(cols[k], dtype=np.int32)
    values["eligible"] = np.array(cols[k + 1], dtype=np.bool_)
    values["grad_wz"] = np.array(cols[k + 3], dtype=np.bool_)
    values["grad_date"] = day_index(cols[k + 4])
    return ClaimColumns(values=values, failed=list(cols[k + 2]))


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
