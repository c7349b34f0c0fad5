"""Published versions laid over the files, seen by every process without a restart."""

from __future__ import annotations

import time
from datetime import date

from dte.parameters import layer, selectors, services
from dte.policy import parameters
from dte.policy.compiled import get_policy

from .conftest import FROM, SUBMIT_AT


def blockchain_junior_hours(on: date = FROM):
    return parameters.get("subsidy_standards").at(on).value["2-02-10-15"]["junior"]["hours"]


def test_a_published_version_is_laid_over_the_shipped_files(city_officer, second_city_officer, draft):
    assert blockchain_junior_hours() is None
    (v,) = services.propose(
        actor=city_officer, draft=draft(hours=64),
        document="温人社发〔2025〕9号", reason="区块链初级学时确定", at=SUBMIT_AT,
    )  # fmt: skip
    assert blockchain_junior_hours() is None  # a draft changes nothing
    services.approve(actor=second_city_officer, version=v, at=SUBMIT_AT)
    assert blockchain_junior_hours() == 64
    assert blockchain_junior_hours(date(2025, 2, 28)) is None  # earlier dates keep the older value


def test_another_process_sees_a_published_version_once_its_cached_token_is_read_again(
    city_officer, second_city_officer, draft
):
    policy = get_policy()
    k = policy.occupation_code("2-02-10-15") * 3
    (v,) = services.propose(
        actor=city_officer, draft=draft(hours=64),
        document="温人社发〔2025〕9号", reason="区块链初级学时确定", at=SUBMIT_AT,
    )  # fmt: skip
    token_before = selectors.published_token()
    services.approve(actor=second_city_officer, version=v, at=SUBMIT_AT)
    assert blockchain_junior_hours() == 64  # the approving process, at once
    # Another process: it holds the layer from before the publication, its token read just now.
    parameters.set_layer({}, token_before)
    layer.SOURCE._token, layer.SOURCE._read_at = token_before, time.monotonic()
    assert blockchain_junior_hours() is None  # within the second its token is cached
    layer.SOURCE.forget()  # a second later
    assert blockchain_junior_hours() == 64
    assert get_policy().hours[-1, k] == 64


def test_a_layer_of_an_unknown_parameter_is_refused():
    import pytest

    with pytest.raises(parameters.ParameterError, match="nonsense: unknown parameter"):
        parameters.set_layer({"nonsense": {"values": {}}}, 1)


def test_where_the_database_may_not_be_read_the_layer_stays_as_it_is():
    """A process (or a test) without the database: its source's token moved, yet reading a
    parameter neither fails nor drops the layer it holds."""
    parameters.set_layer({}, None)
    layer.SOURCE._token, layer.SOURCE._read_at = (1, 1), float("-inf")
    assert blockchain_junior_hours() is None
    assert parameters.get("claim_window").values
