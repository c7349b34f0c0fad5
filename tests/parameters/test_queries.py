"""The preview's bulk reads against their ORM equivalents, and the pipeline they feed."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from dte.evaluation.models import LevelCertificate
from dte.parameters import preview, queries
from dte.policy import days
from dte.subsidy.models import Claim, Status
from tests.subsidy.test_sources import level_certificate  # noqa: F401 (a fixture)

from .conftest import RAISE_HOURS, SUBMIT_AT


def idx(d: date | None) -> int:
    return -1 if d is None else days.to_index(d)


def test_the_claim_columns_are_those_the_orm_reads(records):
    Claim.objects.filter(pk=records[0].pk).update(training_issued_on=None, training_institution=None)
    Claim.objects.filter(pk=records[1].pk).update(failed_rules=["A2.1-age", "A2.2-hours"])
    got = queries.claim_columns().values
    names = ["id", "person", "county", "occupation", "level", "training_institution", "training_occupation"]
    names += [
        "training_level",
        "training_hours",
        "amount",
        "claim_date",
        "level_issued_on",
        "training_issued_on",
    ]
    names += ["status", "eligible", "failed_rules"]
    ids = {
        "person",
        "county",
        "occupation",
        "level",
        "training_institution",
        "training_occupation",
        "training_level",
    }
    fields = [f"{f}_id" if f in ids else f for f in names]
    graduate = ["person__subsidy_status__school_in_wenzhou", "person__subsidy_status__graduation_date"]
    want = list(Claim.objects.exclude(status=Status.DRAFT).order_by("id").values_list(*fields, *graduate))
    order = np.argsort(got["id"])
    assert len(want) == len(got["id"]) == 4
    for k, row in enumerate(want):
        orm = dict(zip([*names, "grad_wz", "grad_date"], row, strict=True))
        mine = {name: got[name][order[k]] for name in got}
        for name in names[:10]:
            assert mine[name] == (orm[name] or 0), name
        for name in ("claim_date", "level_issued_on", "training_issued_on", "grad_date"):
            assert mine[name] == idx(orm[name]), name
        assert queries.STATUSES[mine["status"]] == orm["status"]
        assert bool(mine["eligible"]) == orm["eligible"] and bool(mine["grad_wz"]) == bool(orm["grad_wz"])
        for rule in queries.PERSON_RULES:
            assert bool(mine[rule]) == (rule not in orm["failed_rules"]), rule
    assert got["A2.1-age"].sum() == 3  # the second claim's recorded decision failed it


def test_the_certificate_columns_are_those_the_orm_reads(level_certificate):  # noqa: F811
    got = queries.valid_certificates(date(2025, 1, 1))
    lc = LevelCertificate.objects.select_related("registration__training_certificate").get()
    tc = lc.registration.training_certificate
    assert [int(got[f][0]) for f in queries.CERTIFICATE_FIELDS] == [
        lc.pk, lc.person_id, lc.occupation_id, lc.level_id, tc.institution_id, tc.occupation_id, tc.level_id,
    ]  # fmt: skip
    assert (got["issued"][0], got["tr_issued"][0], got["tr_hours"][0]) == (
        idx(lc.issued_on),
        idx(tc.issued_on),
        int(tc.total_hours),
    )
    assert len(queries.valid_certificates(date(2025, 6, 1))["id"]) == 0  # issued before


def test_the_pipeline_counts_a_certificate_not_yet_claimed_that_a_new_standard_would_pay(
    level_certificate,  # noqa: F811
    draft,
):
    # 人工智能 (2-02-10-09) has no subsidy standard yet: a draft giving one pays the certificate
    value = {"subsidy_standards": draft(code="2-02-10-11", level="junior")["subsidy_standards"]}
    body = value["subsidy_standards"]["values"][date(2025, 3, 1)]
    body["2-02-10-09"] = {"junior": {"hours": 4, "amount": 2000}}  # the class had 5 hours
    shown = preview.preview_draft(value, today=date(2025, 6, 2)).summary
    assert shown["pipeline"] == {"certificates": 1, "amount_before": 0, "amount_after": 2000}
    assert shown["claims"] == 0


def _moved_to_high_ids(claims, high: int) -> None:
    """The claims' occupation, level and institution replaced by copies with ids from ``high`` (as
    a database whose sequences have run on, e.g. PostgreSQL after rolled-back tests)."""
    claim = claims[0]
    for k, (field, unique) in enumerate(
        (("occupation", "code"), ("level", "code"), ("training_institution", "name"))
    ):
        old = getattr(claim, field)
        model = type(old)
        kept = getattr(old, unique)
        model.objects.filter(pk=old.pk).update(**{unique: f"{kept}-old"})
        copy = model.objects.get(pk=old.pk)
        copy.pk, copy.id = None, None
        setattr(copy, unique, kept)
        copy.id = high + k
        copy.save(force_insert=True)
        update = {field: copy}
        if field != "training_institution":
            update["training_" + field] = copy
        Claim.objects.filter(pk__in=[c.pk for c in claims]).update(**update)


def test_catalogue_ids_beyond_twelve_bits_are_read_and_previewed_like_any_other(records, draft):
    before = preview.preview_draft(draft(**RAISE_HOURS), today=SUBMIT_AT.date())
    _moved_to_high_ids(records, high=(1 << 20) + 5)
    got = queries.claim_columns().values
    want = set(Claim.objects.exclude(status=Status.DRAFT).values_list("occupation_id", "level_id"))
    assert set(zip(got["occupation"].tolist(), got["level"].tolist(), strict=True)) == want
    assert (1 << 20) + 7 in got["training_institution"]
    after = preview.preview_draft(draft(**RAISE_HOURS), today=SUBMIT_AT.date())
    assert after.summary["changed"] == 2  # 140 hours: the claims of 130 no longer qualify
    for figure in ("claims", "changed", "to_eligible", "to_ineligible", "amount_before", "amount_after"):
        assert after.summary[figure] == before.summary[figure], figure


def test_a_catalogue_id_beyond_the_packed_bits_is_refused_before_anything_is_read(records):
    _moved_to_high_ids(records, high=1 << queries.CATALOGUE_BITS)
    with pytest.raises(ValueError, match="do not fit the packed claim columns"):
        queries.claim_columns()


def test_the_pipeline_keys_compare_people_and_certificates_whatever_the_ids():
    person = np.array([7, 7, (1 << 31) - 1], dtype=np.int64)
    occ = np.array([1 << 20, 5, 1 << 20], dtype=np.int64)
    lvl = np.array([3, 1 << 20, 3], dtype=np.int64)
    held, claimed = preview._keys((person, occ, lvl), (person[:1], occ[:1], lvl[:1]))
    assert np.isin(held, claimed).tolist() == [True, False, False]
