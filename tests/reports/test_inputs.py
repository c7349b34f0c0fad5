"""A year in the dashboard's address that is no year the platform has figures for shows the default
year instead of a server error."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("year", ["99999999999999999999", "-5", "0", "abc", "1999", "2101"])
def test_a_dashboard_year_out_of_range_shows_the_default_year(history, city_officer, client_as, year):
    c = client_as(city_officer)
    resp = c.get("/reports/dashboard/", {"year": year})
    assert resp.status_code == 200 and "取得等级证书人数" in resp.content.decode()
