"""A class whose enrolment has closed says 报名已截止 instead of offering its enrolment form, on its
page and in the catalogue; while it enrols the form is there, without clause tags."""

from __future__ import annotations

import pytest

from tests.training import helpers as h


@pytest.fixture
def on(monkeypatch):
    def set_to(when):
        monkeypatch.setattr("dte.core.clock.now", lambda: when)
        monkeypatch.setattr("dte.core.clock.today", lambda: when.date())

    return set_to


def test_an_enrolling_class_offers_its_form_in_plain_words(klass, trainee, client_as, on):
    on(h.local(2025, 3, 20, 10))
    page = client_as(trainee).get(f"/training/classes/{klass.pk}/").content.decode()
    assert 'action="/training/classes/' in page and "提交报名" in page
    assert "报名已截止" not in page and "[P2.0]" not in page


def test_a_class_past_its_closing_day_says_enrolment_has_closed(klass, trainee, client_as, on):
    on(h.local(2025, 4, 6, 10))  # enrol_by 2025-04-05
    page = client_as(trainee).get(f"/training/classes/{klass.pk}/").content.decode()
    assert 'id="enrolment-closed"' in page and "报名已截止" in page
    assert "提交报名" not in page
    catalogue = client_as(trainee).get("/training/").content.decode()
    assert "data-closed>报名已截止" in catalogue


def test_a_running_class_says_enrolment_has_closed_even_before_the_closing_day(
    running, trainee, make_person, client_as, on
):
    klass, _, _ = running
    other = h.trainee_account(make_person, "王五", 31)
    on(h.local(2025, 4, 5, 10))  # the closing day itself, but the class no longer enrols
    page = client_as(other).get(f"/training/classes/{klass.pk}/").content.decode()
    assert "报名已截止" in page and "提交报名" not in page
