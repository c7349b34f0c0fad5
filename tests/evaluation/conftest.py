import pytest

from tests.training import helpers as h


@pytest.fixture
def other_staff(reference):
    """Staff of 浙江大学, another designated institution."""
    return h.staff_of("浙江大学", "zju_staff")
