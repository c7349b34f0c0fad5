"""The date and time inputs carry ISO values, the only ones a browser's picker reads: the zh-hans
locale would otherwise render "2027/01/10", which Chromium shows as an empty field."""

from __future__ import annotations

from datetime import date, datetime

from dte.evaluation.forms import ScoresForm
from dte.supervision.forms import DrawForm
from dte.training.forms import ClassForm, CorrectionForm, SessionForm


def test_a_class_form_with_initial_dates_renders_them_in_iso():
    html = ClassForm(initial={"start_date": date(2027, 1, 10), "end_date": date(2027, 2, 3)}).as_p()
    assert 'type="date"' in html
    assert 'value="2027-01-10"' in html
    assert 'value="2027-02-03"' in html
    assert "2027/01/10" not in html


def test_a_bound_scores_form_keeps_the_typed_date_in_iso():
    form = ScoresForm({"theory_score": "80", "ability_score": "", "exam_date": "2027-01-10"})
    assert not form.is_valid()
    assert 'value="2027-01-10"' in str(form["exam_date"])


def test_a_supervision_draw_form_renders_iso_dates():
    html = str(DrawForm(initial={"period_start": date(2027, 1, 10)})["period_start"])
    assert 'value="2027-01-10"' in html and 'type="date"' in html


def test_times_and_datetimes_render_as_the_browser_reads_them():
    session = SessionForm(initial={"date": date(2027, 1, 10), "start": "09:00"})
    assert 'value="2027-01-10"' in str(session["date"])
    correction = CorrectionForm(initial={"check_in": datetime(2027, 1, 10, 9, 5)})
    assert 'value="2027-01-10T09:05"' in str(correction["check_in"])


def test_an_iso_date_posted_by_the_browser_is_accepted():
    form = ClassForm(
        {
            "name": "一班",
            "start_date": "2027-01-10",
            "end_date": "2027-02-03",
            "enrol_by": "2027-01-05",
            "capacity": "30",
            "mode": "offline",
        }
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["start_date"] == date(2027, 1, 10)
