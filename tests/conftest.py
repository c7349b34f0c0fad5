"""Fixtures shared by the whole suite: the reference catalogues and the fixed personas of
DESIGN.md (trainee, institution_staff, county_reviewer, county_approver, other_county_reviewer,
city_officer, auditor, outsider, evaluation_staff, administrator)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from dte.accounts.models import Role
from dte.accounts.services import account_create
from dte.catalog.models import County, EvaluationBody, Institution
from dte.catalog.services import reference_load
from dte.demo.accounts import demo_id_number
from dte.people.services import person_register

AT = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)
PASSWORD = "Correct-Horse-2026"


@pytest.fixture(scope="session", autouse=True)
def _no_session_left_on_the_test_database(django_db_setup, django_db_blocker):
    """PostgreSQL refuses to drop a database someone is connected to. One connection, opened by the
    main thread during an early API test, is still open (idle after its ROLLBACK) when the test
    database is dropped, yet it is not the one Django closes then; its origin is not yet found.
    Before the drop (this finaliser runs first), end whatever sessions are left on the database."""
    yield
    with django_db_blocker.unblock():
        from django.db import connection

        if connection.vendor != "postgresql":
            return
        with connection.cursor() as cur:
            cur.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )


@pytest.fixture
def at() -> datetime:
    return AT


@pytest.fixture
def reference(db):
    return reference_load(at=AT)


def _account(username: str, role: Role, **scope):
    return account_create(
        username=username, password=PASSWORD, role=role, at=AT, display_name=username, **scope
    )


@pytest.fixture
def make_person(db):
    counter = iter(range(100, 999))

    def make(name: str = "陈晓明", region: str = "330302", birth: str = "19900512", seq: int | None = None):
        return person_register(
            name=name, id_number=demo_id_number(region, birth, seq or next(counter)), at=AT
        )

    return make


@pytest.fixture
def trainee(reference, make_person):
    return _account("trainee", Role.TRAINEE, person=make_person("陈晓明", seq=11))


@pytest.fixture
def outsider(reference, make_person):
    """A signed-in trainee with no business in anyone else's records."""
    return _account("outsider", Role.TRAINEE, person=make_person("路人甲", seq=13))


@pytest.fixture
def institution_staff(reference):
    return _account(
        "institution_staff",
        Role.INSTITUTION_STAFF,
        institution=Institution.objects.get(name="杭州电子科技大学"),
    )


@pytest.fixture
def evaluation_staff(reference):
    return _account(
        "evaluation_staff",
        Role.EVALUATION_STAFF,
        evaluation_body=EvaluationBody.objects.get(code="DEMO-EVAL-01"),
    )


@pytest.fixture
def county_reviewer(reference):
    return _account("county_reviewer", Role.COUNTY_REVIEWER, county=County.objects.get(code="330302"))


@pytest.fixture
def county_approver(reference):
    return _account("county_approver", Role.COUNTY_APPROVER, county=County.objects.get(code="330302"))


@pytest.fixture
def other_county_reviewer(reference):
    return _account("other_county_reviewer", Role.COUNTY_REVIEWER, county=County.objects.get(code="330381"))


@pytest.fixture
def city_officer(reference):
    return _account("city_officer", Role.CITY_OFFICER)


@pytest.fixture
def auditor(reference):
    return _account("auditor", Role.AUDITOR)


@pytest.fixture
def administrator(reference):
    return _account("administrator", Role.ADMINISTRATOR)


PERSONAS = [
    "trainee",
    "institution_staff",
    "evaluation_staff",
    "county_reviewer",
    "county_approver",
    "other_county_reviewer",
    "city_officer",
    "auditor",
    "administrator",
]


@pytest.fixture
def persona(request):
    """Indirect parametrisation helper: ``@pytest.mark.parametrize("persona", [...], indirect=True)``."""
    return request.getfixturevalue(request.param)


@pytest.fixture
def client_as(client):
    """A test client signed in as the given account."""

    def sign_in(user):
        client.force_login(user, backend="dte.accounts.backends.ModelBackend")
        return client

    return sign_in
