"""The open statistics page in pages of 50 rows with filters by year, county and occupation (it was
one table 16,000 px tall); the CSV and JSON files stay whole."""

from __future__ import annotations

import json
import re

import pytest

from dte.reports import views

pytestmark = pytest.mark.django_db


def _rows(body: str) -> int:
    table = body[body.index('id="open-stats"') :]
    return len(re.findall(r"<tr><td>\d{4}</td>", table))


def test_the_open_statistics_page_is_paged_and_the_files_stay_whole(history, client, monkeypatch):
    everything = json.loads(client.get("/reports/open/?format=json").content)["rows"]
    assert len(everything) >= 2
    monkeypatch.setattr(views, "OPEN_PAGE", 1)
    body = client.get("/reports/open/").content.decode()
    assert _rows(body) == 1 and f"第 1/{len(everything)} 页" in body and 'rel="next"' in body
    assert len(json.loads(client.get("/reports/open/?format=json").content)["rows"]) == len(everything)


def test_the_open_statistics_are_filtered_by_year_county_and_occupation(history, client):
    everything = json.loads(client.get("/reports/open/?format=json").content)["rows"]
    first = everything[0]
    asked = {"year": first["year"], "county": first["county"], "occupation": first["occupation_code"]}
    expected = [
        r
        for r in everything
        if (r["year"], r["county"], r["occupation_code"])
        == (first["year"], first["county"], first["occupation_code"])
    ]
    body = client.get("/reports/open/", asked).content.decode()
    assert _rows(body) == len(expected) and f"共 {len(expected)} 条" in body
    assert f'<option value="{first["year"]}" selected>' in body
    # A value the figures do not have filters nothing.
    assert _rows(client.get("/reports/open/", {"year": "1999"}).content.decode()) == min(len(everything), 50)
