"""The length of one 学时 is a dated, cited policy parameter (class_hour.yaml) [P3.2]."""

from decimal import Decimal
from pathlib import Path

import pytest

from dte.policy import parameters
from dte.training import rules
from tests.training import helpers as h


@pytest.fixture
def class_hour_of_45_minutes_from_april(tmp_path: Path, monkeypatch):
    d = tmp_path / "parameters"
    d.mkdir()
    (d / "class_hour.yaml").write_text(
        "values:\n  2025-04-01:\n    reference: 市局确认学时时长的通知(测试)\n    minutes: 45\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("DTE_PARAMETERS_DIR", str(d))
    parameters.clear_cache()
    yield
    monkeypatch.delenv("DTE_PARAMETERS_DIR")
    parameters.clear_cache()


def test_the_shipped_reading_is_sixty_minutes_and_says_where_it_comes_from():
    value = parameters.get("class_hour").at(h.AT.date())
    assert value.value == {"minutes": 60}
    assert "[P3.2]" in value.reference and "reading adopted" in value.reference


def test_attendance_is_counted_in_class_hours_of_the_length_in_force_when_the_class_starts(
    running, institution_staff, class_hour_of_45_minutes_from_april
):
    klass, enrolment, (s1, _, _) = running  # the class starts on 2025-04-07
    assert rules.minutes_per_hour(on=klass.start_date) == 45
    assert rules.minutes_per_hour(on=h.AT.date()) == 60
    h.attend_fully(institution_staff, s1, enrolment)  # 120 minutes of theory
    (p,) = rules.progress([enrolment], now=h.local(2025, 5, 1))
    assert p.attended_hours("theory") == Decimal("2.7")  # 120 / 45
    assert p.required["theory"] == 3 * 45


def test_with_sixty_minute_hours_the_same_attendance_is_two_hours(running, institution_staff):
    _klass, enrolment, (s1, _, _) = running
    h.attend_fully(institution_staff, s1, enrolment)
    (p,) = rules.progress([enrolment], now=h.local(2025, 5, 1))
    assert p.attended_hours("theory") == Decimal("2.0") and p.required["theory"] == 180
