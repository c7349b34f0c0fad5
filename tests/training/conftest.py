import pytest

from tests.training import helpers as h


@pytest.fixture
def plan(institution_staff, city_officer):
    return h.filed_plan(institution_staff, city_officer)


@pytest.fixture
def klass(institution_staff, plan):
    return h.open_class(institution_staff, plan)


@pytest.fixture
def other_staff(reference):
    """Staff of 浙江大学, another designated institution."""
    return h.staff_of("浙江大学", "zju_staff")


@pytest.fixture
def running(institution_staff, city_officer, klass, trainee):
    """A class with the trainee admitted, the roster approved, three sessions, and training under way."""
    enrolment = h.admit(institution_staff, klass, trainee)
    sessions = h.add_sessions(institution_staff, klass)
    h.start(institution_staff, city_officer, klass)
    klass.refresh_from_db()
    enrolment.refresh_from_db()
    return klass, enrolment, sessions
