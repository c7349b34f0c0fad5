"""Fixtures for parameter versions: a second city officer, drafts, and claims on the records."""

from __future__ import annotations

import copy
from datetime import date

import pytest

from dte.accounts.models import Role
from dte.accounts.services import account_create
from dte.parameters import layer
from dte.policy import parameters
from dte.subsidy import services as subsidy_services
from dte.subsidy.models import Claim, Status
from tests.subsidy.conftest import SUBMIT_AT, certificate_for, make_eligible

FROM = date(2025, 3, 1)


@pytest.fixture(autouse=True)
def _fresh_layer():
    """Each test starts and ends with the layer read again (the database is rolled back between)."""
    parameters.set_layer({}, None)
    layer.SOURCE.forget()
    yield
    parameters.set_layer({}, None)
    layer.SOURCE.forget()


@pytest.fixture
def second_city_officer(reference):
    return account_create(
        username="city_officer2",
        password="Correct-Horse-2026",
        role=Role.CITY_OFFICER,
        display_name="city_officer2",
        at=SUBMIT_AT,
    )


def standards_draft(code="2-02-10-15", level="junior", start=FROM, **entry) -> dict:
    """The subsidy standards in force with one entry changed (``hours=64``) from ``start``."""
    value = copy.deepcopy(parameters.get("subsidy_standards").at(start).value)
    value[code][level].update(entry)
    return {"subsidy_standards": {"values": {start: {"reference": "温人社发〔2025〕9号", **value}}}}


@pytest.fixture
def draft():
    return standards_draft


def claim_with(services, user, *, submit_at=SUBMIT_AT, **cert):
    """A submitted claim of ``user`` (eligible facts), the certificate as given."""
    from tests.subsidy.conftest import ACCOUNT, PDF, PNG

    claim = services.claim_start(actor=user, certificate=certificate_for(**cert), at=submit_at)
    services.claim_update(actor=user, claim=claim, bank_kind="sscard", bank_account=ACCOUNT, at=submit_at)
    for kind, name, content in (("training_certificate", "t.pdf", PDF), ("level_certificate", "l.png", PNG)):
        services.evidence_add(
            actor=user, claim=claim, kind=kind, filename=name, content=content, at=submit_at
        )
    return services.claim_submit(actor=user, claim=claim, at=submit_at)


@pytest.fixture
def make_trainee(reference, make_person):
    counter = iter(range(301, 999, 2))

    def make(name="李四"):
        n = next(counter)
        person = make_person(name, seq=n)
        user = account_create(
            username=f"p{n}", password="Correct-Horse-2026", role=Role.TRAINEE, person=person, at=SUBMIT_AT
        )
        make_eligible(person)
        return user

    return make


RAISE_HOURS = {"code": "2-02-10-11", "level": "junior", "hours": 140}


@pytest.fixture
def records(make_trainee):
    """Three recorded 大数据初级 claims of 130, 130 and 150 hours (the first open, the second on
    public notice, the third open) and one withdrawn claim."""
    open_ = claim_with(subsidy_services, make_trainee("张甲"), hours=130)
    decided = claim_with(subsidy_services, make_trainee("张乙"), hours=130)
    Claim.objects.filter(pk=decided.pk).update(status=Status.ON_NOTICE)
    long_ = claim_with(subsidy_services, make_trainee("张丙"), hours=150)
    gone = claim_with(subsidy_services, make_trainee("张丁"), hours=130)
    Claim.objects.filter(pk=gone.pk).update(status=Status.WITHDRAWN)
    assert all(c.eligible and c.amount == 3300 for c in (open_, decided, long_))
    return open_, decided, long_


@pytest.fixture
def freeze(monkeypatch):
    """Set the platform clock (``dte.core.clock``) for the pages under test."""

    def set_to(when):
        from django.utils import timezone

        monkeypatch.setattr("dte.core.clock.now", lambda: when)
        monkeypatch.setattr("dte.core.clock.today", lambda: timezone.localdate(when))

    return set_to
