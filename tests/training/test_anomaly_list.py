"""The city-wide attendance anomaly list for the city officer and the auditor [P2.3]."""

import csv
import io
from datetime import date, time, timedelta

import pytest
from django.urls import reverse

from dte.catalog.models import Institution
from dte.training import selectors, services
from dte.training.models import Attendance
from tests.training import helpers as h


def late_entry(staff, session, enrolment, *, days_late=5):
    """A correction made days after the session: allowed, and flagged to the city [P2.3]."""
    return services.attendance_correct(
        actor=staff,
        session=session,
        enrolment=enrolment,
        check_in=session.starts_at,
        check_out=session.ends_at,
        reason="补录",
        at=session.ends_at + timedelta(days=days_late),
    )


@pytest.fixture
def zju_class(other_staff, city_officer, outsider):
    """A running class of 浙江大学 with the outsider on its roster and one theory session."""
    plan = h.filed_plan(other_staff, city_officer)
    klass = h.open_class(other_staff, plan, name="浙大2025年第1期")
    e = h.admit(other_staff, klass, outsider)
    s = services.session_add(
        actor=other_staff,
        klass=klass,
        date=date(2025, 4, 7),
        start=time(14),
        end=time(16),
        kind="theory",
        mode="offline",
        at=h.AT,
    )
    h.start(other_staff, city_officer, klass)
    return klass, e, s


def test_the_anomaly_list_has_the_url_name_the_supervision_pages_link_to():
    assert reverse("training:anomalies") == "/training/anomalies/"


def test_the_city_lists_every_institutions_anomalies_and_filters_by_institution_and_kind(
    running, zju_class, institution_staff, other_staff, city_officer
):
    _klass, enrolment, (s1, _s2, _) = running
    late_entry(institution_staff, s1, enrolment)
    zklass, ze, zs = zju_class
    late_entry(other_staff, zs, ze)
    rows = selectors.anomalies_citywide(actor=city_officer)
    assert sorted(r["klass"].name for r in rows) == ["2025年第1期", "浙大2025年第1期"]
    zju = Institution.objects.get(name="浙江大学")
    only = selectors.anomalies_citywide(actor=city_officer, institution_id=zju.pk)
    assert [r["klass"] for r in only] == [zklass]
    assert selectors.anomalies_citywide(actor=city_officer, kind="same_second") == []
    assert len(selectors.anomalies_citywide(actor=city_officer, kind="record_time")) == 2


def test_a_pair_of_overlapping_records_in_two_classes_is_listed_once(
    running, institution_staff, city_officer, plan, trainee
):
    _klass, enrolment, (s1, _, _) = running
    h.attend_fully(institution_staff, s1, enrolment)
    later = h.open_class(
        institution_staff,
        plan,
        name="第2期",
        start=date(2025, 5, 5),
        end=date(2025, 5, 30),
        enrol_by=date(2025, 5, 1),
        capacity=5,
    )
    e2 = h.admit(institution_staff, later, trainee)
    s = services.session_add(
        actor=institution_staff,
        klass=later,
        date=date(2025, 5, 5),
        start=time(9),
        end=time(11),
        kind="theory",
        mode="offline",
        at=h.AT,
    )
    h.start(institution_staff, city_officer, later)
    # A record kept from before the time rules (no service accepts it now): the same morning as the
    # first class's session, so two places at once.
    Attendance.objects.create(
        session=s,
        enrolment=e2,
        check_in=s1.starts_at,
        check_out=s1.ends_at,
        source=Attendance.Source.MANUAL,
        updated_at=s.ends_at,
    )
    two_places = selectors.anomalies_citywide(actor=city_officer, kind="two_places")
    assert len(two_places) == 1 and "出勤时间重叠" in two_places[0]["anomaly"].message


def test_the_page_and_its_csv_show_the_same_filtered_list(
    client_as, running, zju_class, institution_staff, auditor
):
    _klass, enrolment, (s1, _, _) = running
    late_entry(institution_staff, s1, enrolment)
    c = client_as(auditor)
    hz = Institution.objects.get(name="杭州电子科技大学")
    html = c.get(f"/training/anomalies/?institution={hz.pk}&kind=record_time").content.decode()
    assert '<strong id="anomaly-count">1</strong>' in html and "预先或事后录入考勤" in html
    r = c.get(f"/training/anomalies/?institution={hz.pk}&kind=record_time&format=csv")
    assert r["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][0] == "培训机构" and len(rows) == 2
    assert rows[1][:2] == ["杭州电子科技大学", "2025年第1期"] and rows[1][6] == "[P2.3]"
    assert "没有异常考勤" in c.get("/training/anomalies/?kind=two_places").content.decode()


@pytest.mark.parametrize("persona", ["institution_staff", "trainee", "county_reviewer"], indirect=True)
def test_only_the_city_and_the_auditor_see_the_city_wide_list(client_as, persona):
    assert client_as(persona).get("/training/anomalies/").status_code == 403
