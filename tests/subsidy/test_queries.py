"""Each hand-written statement of dte.subsidy.queries gives what its ORM equivalent gives, on a
small crowd of claims that trips every fraud signal; and rows read and written by plain statements
(dte.core.rows) convert every column as the ORM does: dates and datetimes, JSON, booleans and
foreign keys, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import transaction

from dte.catalog.models import County, Institution
from dte.core import rows
from dte.people.models import Person, phone_columns, phone_hash
from dte.subsidy import queries
from dte.subsidy.models import (
    Claim,
    ClaimEvent,
    Employment,
    Evidence,
    InsuranceMonth,
    PersonStatus,
    Residence,
    Status,
    Unemployment,
)
from tests.subsidy.conftest import SUBMIT_AT

PHONE = "13800000001"
RELATED = ("person", "occupation", "level", "training_institution", "training_occupation", "training_level")
LOCKED = ("person_id", "status", "level_issued_on", "training_issued_on", "training_hours")


@pytest.fixture
def crowd(eligible_trainee, submitted, make_trainee, make_claim):
    """The submitted claim and two other people's, same account, same files, same institution,
    same minute; a draft of the first person's; one phone number known for the three people; and
    every kind of fact for the first person."""
    first = submitted.person
    others = [make_claim(make_trainee(name)) for name in ("李四", "王五")]
    draft = make_claim(eligible_trainee, submit=False, occupation="2-02-10-15")
    Person.objects.filter(pk__in=[first.pk, others[1].person_id]).update(**phone_columns(PHONE))
    Claim.objects.filter(pk=others[0].pk).update(**phone_columns(PHONE))
    Claim.objects.filter(pk=draft.pk).update(**phone_columns("13900000009"))
    lucheng = County.objects.get(code="330302")
    Residence.objects.create(person=first, kind="hukou", valid_from=date(2010, 1, 1))
    Residence.objects.create(
        person=first, kind="permit", valid_from=date(2008, 1, 1), valid_to=date(2009, 12, 31)
    )
    Unemployment.objects.create(
        person=first, county=lucheng, registered_on=date(2024, 1, 2), ended_on=date(2024, 4, 30)
    )
    Employment.objects.create(
        person=first,
        status="self_employed",
        employer="",
        started_on=date(2020, 1, 1),
        ended_on=date(2023, 12, 31),
    )
    PersonStatus.objects.create(person=first, school_in_wenzhou=True, graduation_date=date(2019, 6, 30))
    return {"claim": submitted, "others": others, "draft": draft}


# -- the claim and its person ----------------------------------------------------------------------


def test_a_claim_with_its_references_equals_the_orms(crowd):
    claim = crowd["claim"]
    loaded = queries.claim_with_related(claim.pk)
    orm = Claim.objects.select_related(*RELATED).get(pk=claim.pk)
    for f in Claim._meta.concrete_fields:
        assert getattr(loaded, f.attname) == getattr(orm, f.attname), f.name
    for name in RELATED:
        mine, theirs = getattr(loaded, name), getattr(orm, name)
        assert (mine is None) == (theirs is None), name
        if theirs is not None:
            model = type(theirs)
            for f in model._meta.concrete_fields:
                assert getattr(mine, f.attname) == getattr(theirs, f.attname), f"{name}.{f.name}"
    assert loaded.training_institution is not None and loaded.training_level is not None
    assert queries.claim_with_related(-1) is None


def test_a_draft_without_training_references_loads_them_as_none(crowd):
    draft = crowd["draft"]
    Claim.objects.filter(pk=draft.pk).update(training_institution=None, training_level=None)
    loaded = queries.claim_with_related(draft.pk)
    assert loaded.training_institution is None and loaded.training_level is None
    assert loaded.person.pk == draft.person_id


def test_the_person_read_under_the_lock_equals_the_orms(crowd):
    pk = crowd["claim"].person_id
    with transaction.atomic():
        mine = queries.person_for_update(pk)
        assert queries.person_for_update(-1) is None
        orm = Person.objects.select_for_update().get(pk=pk)
    for f in Person._meta.concrete_fields:
        assert getattr(mine, f.attname) == getattr(orm, f.attname), f.name


def test_fields_read_under_the_lock_equal_the_orms(crowd):
    claim = crowd["claim"]
    with transaction.atomic():
        now = queries.claim_fields_for_update(claim.pk, LOCKED)
        assert queries.claim_fields_for_update(-1, LOCKED) is None
        orm = Claim.objects.select_for_update().filter(pk=claim.pk).values(*LOCKED).get()
    assert now == orm
    assert isinstance(now["level_issued_on"], date)


def orm_evidence_of(claim_id: int) -> list[dict]:
    return list(
        Evidence.objects.filter(claim_id=claim_id).order_by("id").values("kind", "filename", "sha256", "size")
    )


def test_evidence_equals_the_orms(crowd):
    for claim in (crowd["claim"], crowd["draft"], *crowd["others"]):
        assert queries.evidence_of(claim.pk) == orm_evidence_of(claim.pk)
        assert len(queries.evidence_of(claim.pk)) == 2
    assert queries.evidence_of(-1) == []


def orm_priors(person_id: int, exclude_pk: int | None) -> list[tuple]:
    qs = Claim.objects.filter(person_id=person_id).exclude(status=Status.DRAFT)
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return list(
        qs.order_by("id").values_list("pk", "status", "occupation__code", "level__code", "claim_date")
    )


def test_prior_claims_equal_the_orms(crowd):
    claim, draft = crowd["claim"], crowd["draft"]
    for person_id, exclude in [
        (claim.person_id, draft.pk),
        (claim.person_id, claim.pk),
        (claim.person_id, None),
    ]:
        assert queries.priors(person_id, exclude) == orm_priors(person_id, exclude)
    assert [p[0] for p in queries.priors(claim.person_id, draft.pk)] == [claim.pk]
    assert isinstance(queries.priors(claim.person_id, None)[0][4], date)


def test_a_county_by_code_equals_the_orms(reference):
    for code in ("330302", "330381", "999999"):
        mine, orm = queries.county_by_code(code), County.objects.filter(code=code).first()
        assert (mine and (mine.pk, mine.code, mine.name)) == (orm and (orm.pk, orm.code, orm.name))


def test_the_submitted_fields_are_written_as_save_would(crowd):
    claim = Claim.objects.get(pk=crowd["draft"].pk)
    claim.status, claim.amount, claim.claim_date = Status.UNDER_REVIEW, 4321, date(2025, 3, 11)
    claim.county_id, claim.review_due = crowd["claim"].county_id, date(2025, 3, 25)
    claim.submitted_at, claim.decision, claim.fraud_flags = SUBMIT_AT, {"k": ["值", 1]}, [{"kind": "x"}]
    with transaction.atomic():
        queries.claim_save_submitted(claim)
    back = Claim.objects.get(pk=claim.pk)
    for name in queries.SUBMITTED_FIELDS:
        assert getattr(back, name) == getattr(claim, name), name


# -- fraud signals -----------------------------------------------------------------------------------


def orm_shared_account(account_hash: str, person_id: int) -> list[str]:
    qs = Claim.objects.filter(bank_account_hash=account_hash).exclude(person_id=person_id)
    qs = qs.exclude(status=Status.DRAFT).order_by("-created_at", "-id")
    return list(qs.values_list("reference", flat=True)[:10])


def orm_phone_people(phone_hash: str) -> set[int]:
    people = set(Person.objects.filter(phone_hash=phone_hash).values_list("id", flat=True))
    claims = Claim.objects.filter(phone_hash=phone_hash).exclude(status=Status.DRAFT)
    return people | set(claims.values_list("person_id", flat=True))


def orm_identical_evidence(hashes, *, institution_id, start, end, person_id) -> list[str]:
    qs = Claim.objects.filter(
        evidence__sha256__in=hashes,
        training_institution_id=institution_id,
        submitted_at__gte=start,
        submitted_at__lte=end,
    ).exclude(person_id=person_id)
    return list(qs.order_by("reference").values_list("reference", flat=True).distinct()[:10])


def test_fraud_statements_equal_the_orms(crowd):
    claim = crowd["claim"]
    others = sorted(c.reference for c in crowd["others"])
    mine = queries.shared_account_references(claim.bank_account_hash, claim.person_id)
    assert mine == orm_shared_account(claim.bank_account_hash, claim.person_id)
    assert sorted(mine) == others
    assert queries.shared_account_references("none", claim.person_id) == []
    known = phone_hash(PHONE)
    assert queries.phone_people(known) == orm_phone_people(known)
    assert len(queries.phone_people(known)) == 3
    assert (
        queries.phone_people(phone_hash("13900000009"))
        == orm_phone_people(phone_hash("13900000009"))
        == set()
    )
    hashes = list(Evidence.objects.filter(claim=claim).values_list("sha256", flat=True))
    institution = Institution.objects.get(name="杭州电子科技大学").pk
    for start, end in [
        (SUBMIT_AT - timedelta(minutes=10), SUBMIT_AT + timedelta(minutes=10)),
        (SUBMIT_AT + timedelta(seconds=1), SUBMIT_AT + timedelta(minutes=10)),
        (SUBMIT_AT, SUBMIT_AT),
    ]:
        window = {"institution_id": institution, "start": start, "end": end, "person_id": claim.person_id}
        assert queries.identical_evidence_references(hashes, **window) == orm_identical_evidence(
            hashes, **window
        )
    window = {
        "institution_id": institution,
        "start": SUBMIT_AT,
        "end": SUBMIT_AT,
        "person_id": claim.person_id,
    }
    assert queries.identical_evidence_references(hashes, **window) == others
    assert queries.identical_evidence_references(["0" * 64], **window) == []
    assert queries.identical_evidence_references([], **window) == []


# -- a person's facts --------------------------------------------------------------------------------


def orm_fact_rows(person_id: int, month_end: date) -> list[tuple]:
    out = [
        ("r", r.kind, None, r.valid_from, r.valid_to, None, None)
        for r in Residence.objects.filter(person_id=person_id)
    ]
    out += [
        ("u", u.county.code, None, u.registered_on, u.ended_on, None, None)
        for u in Unemployment.objects.filter(person_id=person_id).select_related("county")
    ]
    out += [
        ("e", e.status, e.employer, e.started_on, e.ended_on, e.in_wenzhou, e.public_institution_staff)
        for e in Employment.objects.filter(person_id=person_id)
    ]
    out += [
        ("s", s.retirement_category, None, s.graduation_date, s.retired_on, s.school_in_wenzhou, None)
        for s in PersonStatus.objects.filter(person_id=person_id)
    ]
    out += [
        ("i", m.county.code, None, m.month, None, None, None)
        for m in InsuranceMonth.objects.filter(person_id=person_id, month__lte=month_end).select_related(
            "county"
        )
    ]
    return out


def _sorted(found: list[tuple]) -> list[tuple]:
    return sorted(found, key=repr)


@pytest.mark.parametrize("month_end", [date(2025, 3, 1), date(2024, 9, 1), date(2020, 1, 1)])
def test_a_persons_facts_equal_the_orms(crowd, month_end):
    pk = crowd["claim"].person_id
    found = queries.person_fact_rows(pk, month_end)
    assert _sorted(found) == _sorted(orm_fact_rows(pk, month_end))
    assert {row[0] for row in found} >= {"r", "u", "e", "s"}
    assert queries.person_fact_rows(-1, month_end) == []


# -- dte.core.rows ----------------------------------------------------------------------------------


def test_an_inserted_event_reads_back_through_the_orm_unchanged(submitted, county_reviewer):
    at = datetime(2025, 3, 5, 1, 2, 3, 456789, tzinfo=UTC)
    with transaction.atomic():
        event = rows.insert(
            ClaimEvent(
                claim=submitted,
                at=at,
                action="note",
                label="说明",
                actor=county_reviewer,
                due=date(2025, 3, 19),
                note="备注",
            ),
            ("claim", "at", "action", "label", "actor", "due", "note"),
        )
    back = ClaimEvent.objects.get(pk=event.pk)
    assert (back.at, back.due, back.actor_id, back.claim_id, back.note) == (
        at,
        date(2025, 3, 19),
        county_reviewer.pk,
        submitted.pk,
        "备注",
    )
    assert event._state.adding is False


def test_a_loaded_claim_equals_the_orms_field_by_field(submitted):
    loader = rows.Loader(Claim, "c")
    loaded = loader.one(loader.select("c", "c.id = %s"), [submitted.pk])
    orm = Claim.objects.get(pk=submitted.pk)
    for f in Claim._meta.concrete_fields:
        assert getattr(loaded, f.attname) == getattr(orm, f.attname), f.name
    assert isinstance(loaded.decision, dict) and loaded.submitted_at.tzinfo is not None
    assert loaded.submitted_at == SUBMIT_AT
    assert loader.one(loader.select("c", "c.id = %s"), [-1]) is None
