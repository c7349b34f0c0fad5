"""The policy tests are pure: no database, no Django. Each test sees the shipped parameters and
the package calendar only (an empty calendar directory), whatever an administrator loaded."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from dte.policy import calendar, compiled


@pytest.fixture(autouse=True)
def isolated_policy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    cal_dir = tmp_path / "calendar"
    monkeypatch.setenv("DTE_CALENDAR_DIR", str(cal_dir))
    monkeypatch.delenv("DTE_PARAMETERS_DIR", raising=False)
    calendar.clear_cache()
    compiled.clear_cache()
    yield cal_dir
    calendar.clear_cache()
    compiled.clear_cache()
