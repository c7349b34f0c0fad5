"""The policy tests are pure: no database, no Django. Each test sees the shipped parameters and
the package calendar only (an empty calendar directory), whatever an administrator loaded or
the platform published."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from dte.policy import calendar, compiled, parameters


@pytest.fixture(autouse=True)
def isolated_policy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    cal_dir = tmp_path / "calendar"
    monkeypatch.setenv("DTE_CALENDAR_DIR", str(cal_dir))
    monkeypatch.delenv("DTE_PARAMETERS_DIR", raising=False)
    source = parameters.get_source()
    parameters.set_source(None)  # no versions published in the platform either
    calendar.clear_cache()
    compiled.clear_cache()
    yield cal_dir
    parameters.set_source(source)
    calendar.clear_cache()
    compiled.clear_cache()
