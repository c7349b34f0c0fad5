"""The parameter pages: a draft previewed on the records, proposed, approved by a second officer."""

from __future__ import annotations

import pytest

from dte.parameters.models import ChangedDecision, ParameterVersion
from dte.subsidy.models import Claim

from .conftest import SUBMIT_AT


@pytest.fixture
def at_submission(freeze):
    freeze(SUBMIT_AT)


def draft_post(**extra) -> dict:
    value = (
        "2-02-10-11: {junior: {hours: 140, amount: 3300}, intermediate: {hours: 128, amount: 3900}, "
        "senior: {hours: 160, amount: 5200}}\n"
        "2-02-10-15: {junior: {hours: null, amount: 2200}, intermediate: {hours: null, amount: 2400}, "
        "senior: {hours: null, amount: 2900}}\n"
        "2-02-07-13: {junior: {hours: null, amount: 2300}, intermediate: {hours: null, amount: 2700}, "
        "senior: {hours: null, amount: 3300}}\n"
    )
    return {"name": "subsidy_standards", "start": "2025-03-01", "document": "温人社发〔2025〕9号",
            "reason": "大数据初级学时调整", "value": value, **extra}  # fmt: skip


def test_a_city_officer_previews_a_draft_then_a_second_one_approves_it(
    records,
    at_submission,
    client_as,
    city_officer,
    second_city_officer,
):
    page = client_as(city_officer).get("/parameters/draft/?name=subsidy_standards")
    assert page.status_code == 200 and "2-02-10-11" in page.content.decode()
    shown = client_as(city_officer).post("/parameters/draft/", draft_post(action="preview")).content.decode()
    assert 'data-figure="changed">2<' in shown and "<svg" in shown and "2-02-10-11.junior.hours" in shown
    done = client_as(city_officer).post("/parameters/draft/", draft_post(action="propose"))
    (v,) = ParameterVersion.objects.all()
    assert done.status_code == 302 and done["Location"] == f"/parameters/{v.pk}/"
    own = client_as(city_officer).get(f"/parameters/{v.pk}/").content.decode()
    assert "审批通过并发布" not in own and "双人复核" in own
    csv = client_as(city_officer).get(f"/parameters/{v.pk}/affected.csv").content.decode("utf-8-sig")
    assert len(csv.strip().splitlines()) == 3  # the header and the two claims that change
    client_as(second_city_officer).post(f"/parameters/{v.pk}/approve/", {"note": "同意"})
    v.refresh_from_db()
    assert v.status == "published" and v.approved_by == second_city_officer
    assert Claim.objects.filter(eligible=False, status="under_review").count() == 1
    assert ChangedDecision.objects.count() == 1


def test_an_invalid_value_is_shown_on_the_form(records, at_submission, client_as, city_officer):
    bad = draft_post(action="preview", value="2-02-10-11: {junior: {hours: 140, amount: -5}}\n")
    page = client_as(city_officer).post("/parameters/draft/", bad).content.decode()
    assert "subsidy_standards 2025-03-01" in page and "amount must be integer yuan" in page
    assert not ParameterVersion.objects.exists()


def test_the_county_sees_its_decided_claims_to_review_and_others_may_not_draft(
    records,
    at_submission,
    client_as,
    county_reviewer,
    city_officer,
):
    assert client_as(county_reviewer).get("/parameters/changed/").status_code == 200
    assert client_as(county_reviewer).get("/parameters/draft/").status_code == 403


def test_a_holiday_year_is_drafted_on_the_page_from_a_template_and_a_wrong_date_is_named(
    records, at_submission, client_as, city_officer
):
    page = client_as(city_officer).get("/parameters/draft/?name=holidays").content.decode()
    assert 'id="holidays-help"' in page and "year: 2027" in page
    year = "year: 2027\nholidays: [2027-01-01, 2027-02-06..2027-02-12]\nworkdays: [2027-02-14]\n"
    post = {"name": "holidays", "start": "2026-11-10", "document": "国办发明电〔2026〕9号",
            "reason": "2027年节假日安排", "value": year}  # fmt: skip
    shown = client_as(city_officer).post("/parameters/draft/", {**post, "action": "preview"}).content.decode()
    assert 'data-figure="changed">0<' in shown and "与现行值的差异:holidays" in shown
    wrong = {**post, "action": "preview", "value": year.replace("2027-02-14", "2027-02-15")}
    page = client_as(city_officer).post("/parameters/draft/", wrong).content.decode()
    assert "holidays 2026-11-10" in page and "2027-02-15 is a weekday" in page
    client_as(city_officer).post("/parameters/draft/", {**post, "action": "propose"})
    assert ParameterVersion.objects.get().name == "holidays"
