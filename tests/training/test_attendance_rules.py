"""The time rules of attendance and the anomalies they flag to the city [P2.3]: each known
pattern of a fabricated record is refused with a Chinese reason and nothing written, or written and
flagged in the anomaly list the city works from. Thresholds: policy/parameters/attendance.yaml."""

from datetime import date, time, timedelta

import pytest
from django.core.exceptions import ValidationError

from dte.audit.models import AuditEntry
from dte.supervision import selectors as supervision
from dte.training import checkin, rules, selectors, services
from dte.training.models import Attendance, Session
from dte.training.tables import Row
from tests.training import helpers as h


def scan(user, session, action, at):
    token = checkin.token_for(session_id=session.pk, action=action, at=at)
    return services.attendance_scan(actor=user, session=session, action=action, token=token, at=at)


def correct(staff, session, enrolment, *, check_in=None, check_out=None, reason="纸质签到表补录", at=None):
    return services.attendance_correct(
        actor=staff,
        session=session,
        enrolment=enrolment,
        check_in=check_in if check_in is not None else session.starts_at,
        check_out=check_out if check_out is not None else session.ends_at,
        reason=reason,
        at=at or session.ends_at + timedelta(hours=1),
    )


def add(staff, klass, *, day, start, end, kind="theory", mode="offline", at=h.AT, reason=""):
    return services.session_add(
        actor=staff,
        klass=klass,
        date=day,
        start=start,
        end=end,
        kind=kind,
        mode=mode,
        backfill_reason=reason,
        at=at,
    )


def kinds(klass) -> list[str]:
    return [a.kind for a in rules.anomalies(klass=klass)]


def online_row(line, enrolment, session, start, end):
    return Row(
        line=line,
        values={
            "身份证号": enrolment.person.id_number,
            "姓名": enrolment.person.name,
            "课次编号": str(session.pk),
            "开始时间": f"{start:%Y-%m-%d %H:%M:%S}",
            "结束时间": f"{end:%Y-%m-%d %H:%M:%S}",
        },
    )


@pytest.fixture
def trio(institution_staff, city_officer, plan, make_person):
    """A May class with three trainees admitted: an offline session 09:00–11:00 and an online one
    11:00–12:00 on 6 May, another online session on 7 May; training under way."""
    klass = h.open_class(
        institution_staff,
        plan,
        name="第2期",
        start=date(2025, 5, 5),
        end=date(2025, 5, 30),
        enrol_by=date(2025, 5, 1),
        capacity=5,
    )
    users = [h.trainee_account(make_person, n, 410 + i) for i, n in enumerate(["林雅琪", "张伟", "王芳"])]
    enrolments = [h.admit(institution_staff, klass, u) for u in users]
    offline = add(institution_staff, klass, day=date(2025, 5, 6), start=time(9), end=time(11))
    online = add(institution_staff, klass, day=date(2025, 5, 6), start=time(11), end=time(12), mode="online")
    evening = add(institution_staff, klass, day=date(2025, 5, 7), start=time(19), end=time(20), mode="online")
    h.start(institution_staff, city_officer, klass)
    klass.refresh_from_db()
    return klass, users, enrolments, (offline, online, evening)


# --- check-in and check-out -------------------------------------------------------------------------
def test_a_scan_before_the_tolerance_is_refused_citing_the_clause_and_nothing_is_recorded(running, trainee):
    _, _, (s1, _, _) = running
    tolerance = rules.attendance_rules(on=s1.date).tolerance
    assert tolerance == timedelta(minutes=30)  # attendance.yaml, to be confirmed by the city
    with pytest.raises(ValidationError, match=r"不在签到时间内.*可提前30分钟签到.*\[P2.3\]"):
        scan(trainee, s1, "in", s1.starts_at - tolerance - timedelta(seconds=1))
    assert not Attendance.objects.exists()


# --- manual corrections -----------------------------------------------------------------------------
def test_a_correction_for_a_session_that_has_not_ended_is_refused(running, institution_staff):
    _, enrolment, (s1, _, _) = running
    with pytest.raises(ValidationError, match=r"尚未结束,不能人工更正考勤.*\[P2.3\]"):
        correct(institution_staff, s1, enrolment, at=s1.ends_at - timedelta(minutes=1))
    with pytest.raises(ValidationError, match=r"尚未结束"):  # the session tomorrow, 8 hours today
        correct(institution_staff, s1, enrolment, at=h.AT)
    assert not Attendance.objects.exists()


def test_a_correction_needs_a_reason_of_bounded_length(running, institution_staff):
    _, enrolment, (s1, _, _) = running
    with pytest.raises(ValidationError, match="人工更正须填写理由"):
        correct(institution_staff, s1, enrolment, reason="   ")
    with pytest.raises(ValidationError, match="更正理由不超过 200 字"):
        correct(institution_staff, s1, enrolment, reason="理" * 201)
    assert not Attendance.objects.exists()
    assert correct(institution_staff, s1, enrolment, reason="理" * 200).correction_reason == "理" * 200


def test_a_corrected_time_outside_the_session_window_is_refused_not_merely_flagged(
    running, institution_staff
):
    _, enrolment, (s1, _, _) = running
    with pytest.raises(ValidationError) as refused:
        correct(institution_staff, s1, enrolment, check_in=s1.starts_at - timedelta(minutes=31))
    assert (
        "签到时间应在 2025-04-07 08:30 至 2025-04-07 11:00 之间" in refused.value.message_dict["check_in"][0]
    )
    with pytest.raises(ValidationError) as refused:
        correct(institution_staff, s1, enrolment, check_out=s1.ends_at + timedelta(hours=3))
    assert "[P2.3]" in refused.value.message_dict["check_out"][0]
    # Yesterday 06:00–18:00, filled by correction, is refused the same way.
    with pytest.raises(ValidationError, match="签到时间应在"):
        correct(
            institution_staff,
            s1,
            enrolment,
            check_in=h.local(2025, 4, 7, 6),
            check_out=h.local(2025, 4, 7, 11, 30),
        )
    assert not Attendance.objects.exists()


def test_a_corrected_time_later_than_now_is_refused(running, institution_staff):
    _, enrolment, (s1, _, _) = running
    with pytest.raises(ValidationError) as refused:
        correct(
            institution_staff,
            s1,
            enrolment,
            check_out=s1.ends_at + timedelta(minutes=20),
            at=s1.ends_at + timedelta(minutes=10),
        )
    assert "晚于当前时间,不能录入尚未发生的考勤 [P2.3]" in refused.value.message_dict["check_out"][0]
    assert not Attendance.objects.exists()


def test_corrections_are_limited_per_trainee_and_class(running, institution_staff):
    _, enrolment, (s1, s2, _) = running
    limit = rules.attendance_rules(on=s1.date).max_corrections
    assert limit == 5
    for i in range(limit):  # a correction of the same record counts again
        a = correct(institution_staff, s1 if i % 2 else s2, enrolment, reason=f"第{i + 1}次更正")
    assert sum(Attendance.objects.filter(enrolment=enrolment).values_list("corrections", flat=True)) == limit
    before = list(Attendance.objects.values_list("pk", "check_in", "check_out", "correction_reason"))
    with pytest.raises(ValidationError, match=r"已人工更正 5 次,已达每名学员每个班次 5 次的上限.*\[P2.3\]"):
        correct(institution_staff, s1, enrolment, check_in=s1.starts_at + timedelta(minutes=5))
    assert list(Attendance.objects.values_list("pk", "check_in", "check_out", "correction_reason")) == before
    assert a.corrected_at is not None


def test_every_correction_is_recorded_with_when_and_a_late_one_is_flagged_to_the_city(
    running, institution_staff, city_officer
):
    klass, enrolment, (s1, s2, _) = running
    a = h.attend_fully(institution_staff, s1, enrolment)
    assert (a.corrections, a.corrected_at, a.corrected_by) == (
        1,
        s1.ends_at + timedelta(hours=1),
        institution_staff,
    )
    assert kinds(klass) == []
    correct(institution_staff, s2, enrolment, at=s2.ends_at + timedelta(days=3, minutes=1))
    (late,) = rules.anomalies(klass=klass)
    assert late.kind == "record_time" and "距课次结束超过 3 天" in late.message
    (row,) = supervision.anomalies_for_action(actor=city_officer, since=date(2025, 1, 1))
    assert row.label == "预先或事后录入考勤" and row.key.startswith("record_time:")


def test_a_record_entered_before_the_times_it_records_is_flagged(running):
    klass, enrolment, (s1, _, _) = running
    Attendance.objects.create(  # kept from before the rules: a session tomorrow, its hours counted today
        session=s1,
        enrolment=enrolment,
        check_in=s1.starts_at,
        check_out=s1.ends_at,
        source=Attendance.Source.MANUAL,
        updated_at=h.AT,
    )
    (found,) = rules.anomalies(klass=klass)
    assert found.kind == "record_time" and "考勤在发生之前已录入" in found.message


def test_many_manual_corrections_in_one_session_are_flagged_as_bulk_corrections(trio, institution_staff):
    klass, users, enrolments, (offline, _, _) = trio
    scan(users[0], offline, "in", offline.starts_at)
    for i, e in enumerate(enrolments[1:], start=1):
        correct(institution_staff, offline, e, check_in=offline.starts_at + timedelta(minutes=i))
    assert kinds(klass) == []  # two of three: below the session's minimum of three
    correct(institution_staff, offline, enrolments[0])  # now every record of the session is by hand
    (bulk,) = rules.anomalies(klass=klass)
    assert bulk.kind == "bulk_corrections" and "3 条考勤记录中 3 条为人工更正(100%)" in bulk.message
    assert bulk.key == f"s{offline.pk}"


def test_a_correction_past_the_daily_maximum_of_class_hours_is_refused(
    running, institution_staff, city_officer, plan, trainee
):
    _, enrolment, (s1, _, _) = running
    # A record in another class, kept from before the rules: 7 hours on the same day.
    other = h.open_class(
        institution_staff,
        plan,
        name="第3期",
        start=date(2025, 6, 2),
        end=date(2025, 6, 27),
        enrol_by=date(2025, 6, 1),
        capacity=5,
    )
    e2 = h.admit(institution_staff, other, trainee)
    s = Session.objects.create(
        klass=other, date=s1.date, start=time(12), end=time(19), kind="theory", mode="offline"
    )
    Attendance.objects.create(
        session=s, enrolment=e2, check_in=s.starts_at, check_out=s.ends_at, source="qr", updated_at=s.ends_at
    )
    with pytest.raises(ValidationError) as refused:
        h.attend_fully(institution_staff, s1, enrolment)
    assert "将计入 9.0 学时,超过每日 8 学时上限 [P2.3]" in refused.value.message_dict["check_out"][0]
    assert not Attendance.objects.filter(session=s1).exists()


# --- sessions -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("start", "end", "field", "message"),
    [
        (time(0), time(23, 59), "start", "课次应安排在每日 07:00 至 22:00 之间"),
        (time(6), time(18), "start", "课次应安排在每日 07:00 至 22:00 之间"),
        (time(21), time(22, 30), "start", "课次应安排在每日 07:00 至 22:00 之间"),
        (time(8), time(17), "end", "单个课次最长 8 学时(480 分钟),本课次 540 分钟"),
    ],
)
def test_an_implausible_session_is_refused(institution_staff, klass, start, end, field, message):
    with pytest.raises(ValidationError) as refused:
        add(institution_staff, klass, day=date(2025, 4, 7), start=start, end=end)
    assert (
        message in refused.value.message_dict[field][0] and "[P2.3]" in refused.value.message_dict[field][0]
    )
    assert not klass.sessions.exists()


def test_a_class_day_holds_at_most_the_daily_maximum_of_class_hours(institution_staff, klass):
    day = date(2025, 4, 7)
    add(institution_staff, klass, day=day, start=time(8), end=time(12))
    add(institution_staff, klass, day=day, start=time(13), end=time(17))
    with pytest.raises(ValidationError) as refused:
        add(institution_staff, klass, day=day, start=time(18), end=time(19), mode="online")
    assert (
        "已排 8.0 学时,加上本课次共 9.0 学时,超过每日 8 学时上限 [P2.3]"
        in refused.value.message_dict["date"][0]
    )
    assert klass.sessions.count() == 2


def test_a_session_is_scheduled_before_it_starts_and_one_added_later_needs_a_reason(
    running, institution_staff, city_officer
):
    klass, _, _ = running
    yesterday_morning = dict(day=date(2025, 4, 10), start=time(9), end=time(11))
    with pytest.raises(ValidationError) as refused:
        add(institution_staff, klass, **yesterday_morning, at=h.local(2025, 4, 11, 9))
    assert "补录课次须填写补录理由" in refused.value.message_dict["backfill_reason"][0]
    assert klass.sessions.count() == 3
    s = add(
        institution_staff,
        klass,
        **yesterday_morning,
        at=h.local(2025, 4, 11, 9),
        reason="临时调课,开课时未及时在平台排课",
    )
    assert s.backfilled and s.created_at == h.local(2025, 4, 11, 9)
    assert AuditEntry.objects.filter(action="training.session.backfill", object_id=str(s.pk)).exists()
    (flag,) = rules.anomalies(klass=klass)
    assert flag.kind == "backfilled_session" and "临时调课" in flag.message
    (row,) = selectors.anomalies_citywide(actor=city_officer, kind="backfilled_session")
    assert row["klass"] == klass
    (row,) = supervision.anomalies_for_action(actor=city_officer, since=date(2025, 1, 1))
    assert row.key == f"backfilled_session:s{s.pk}"
    on_time = add(institution_staff, klass, day=date(2025, 4, 14), start=time(9), end=time(11), at=h.AT)
    assert not on_time.backfilled and on_time.created_at == h.AT


# --- online records ------------------------------------------------------------------------------
def test_online_times_later_than_now_are_refused(trio, institution_staff):
    klass, _, enrolments, (_, _, evening) = trio
    rows = [online_row(2, enrolments[0], evening, evening.starts_at, evening.ends_at)]
    report = services.online_records_import(
        actor=institution_staff, klass=klass, rows=rows, at=evening.ends_at - timedelta(minutes=1)
    )
    assert report.errors == [(2, "结束时间 2025-05-07 20:00 晚于当前时间,不能导入尚未发生的学习记录 [P2.3]")]
    assert not Attendance.objects.exists()


def test_online_hours_overlapping_the_same_persons_offline_attendance_are_kept_and_flagged(
    trio, institution_staff
):
    klass, users, enrolments, (offline, online, _) = trio
    scan(users[0], offline, "in", offline.starts_at)
    scan(users[0], offline, "out", offline.ends_at + timedelta(minutes=20))  # 11:20
    rows = [online_row(2, enrolments[0], online, h.local(2025, 5, 6, 10, 40), online.ends_at)]
    report = services.online_records_import(
        actor=institution_staff, klass=klass, rows=rows, at=h.local(2025, 5, 6, 13)
    )
    assert report.ok and report.created == 1
    assert report.warnings == [(2, f"与 第2期 {offline} 的线下出勤时间重叠,已标记为考勤异常 [P2.3]")]
    (flag,) = rules.anomalies(klass=klass)
    assert flag.kind == "online_overlap" and "出勤时间重叠" in flag.message


def test_online_records_arriving_in_an_implausible_burst_are_kept_and_flagged(trio, institution_staff):
    klass, _, enrolments, (_, _, evening) = trio
    start, end = h.local(2025, 5, 7, 19, 0, 7), h.local(2025, 5, 7, 20, 0, 7)
    rows = [online_row(i + 2, e, evening, start, end) for i, e in enumerate(enrolments)]
    report = services.online_records_import(
        actor=institution_staff, klass=klass, rows=rows, at=h.local(2025, 5, 8, 9)
    )
    assert report.ok and report.created == 3
    assert [line for line, _ in report.warnings] == [2, 3, 4]
    assert "本课次 3 名学员的起止时间完全相同(到秒)" in report.warnings[0][1]
    (flag,) = rules.anomalies(klass=klass)
    assert flag.kind == "online_burst" and len(flag.attendance_ids) == 3
    assert report.as_dict()["warnings"][0]["line"] == 2


def test_an_online_session_completed_faster_than_its_length_is_flagged(trio, institution_staff):
    klass, _, enrolments, (_, _, evening) = trio
    rows = [online_row(2, enrolments[0], evening, evening.starts_at, h.local(2025, 5, 7, 19, 20))]
    report = services.online_records_import(
        actor=institution_staff, klass=klass, rows=rows, at=h.local(2025, 5, 8, 9)
    )
    assert report.ok and "学习用时 20 分钟,不足课次时长 60 分钟的 50%" in report.warnings[0][1]
    assert kinds(klass) == ["online_burst"]


def test_online_records_imported_long_after_the_session_are_flagged(trio, institution_staff):
    klass, _, enrolments, (_, _, evening) = trio
    rows = [online_row(2, enrolments[0], evening, evening.starts_at, evening.ends_at)]
    report = services.online_records_import(
        actor=institution_staff, klass=klass, rows=rows, at=evening.ends_at + timedelta(days=8)
    )
    assert report.ok and "距课次结束已超过 7 天才导入" in report.warnings[0][1]
    assert kinds(klass) == ["record_time"]


def test_online_hours_past_the_daily_maximum_are_kept_and_flagged(running, institution_staff, plan, trainee):
    klass, enrolment, (_, _, s3) = running
    other = h.open_class(
        institution_staff,
        plan,
        name="第3期",
        start=date(2025, 6, 2),
        end=date(2025, 6, 27),
        enrol_by=date(2025, 6, 1),
        capacity=5,
    )
    e2 = h.admit(institution_staff, other, trainee)
    s = Session.objects.create(  # kept from before the rules: 8 hours in another class that day
        klass=other, date=s3.date, start=time(8), end=time(16), kind="theory", mode="offline"
    )
    Attendance.objects.create(
        session=s, enrolment=e2, check_in=s.starts_at, check_out=s.ends_at, source="qr", updated_at=s.ends_at
    )
    rows = [online_row(2, enrolment, s3, s3.starts_at, s3.ends_at)]
    report = services.online_records_import(
        actor=institution_staff, klass=klass, rows=rows, at=h.local(2025, 4, 10, 9)
    )
    assert report.ok and report.created == 1
    assert report.warnings == [
        (2, "陈晓明 在 2025-04-09 计入 9.0 学时,超过每日 8 学时上限,已标记为考勤异常 [P2.3]")
    ]
    assert kinds(klass) == ["daily_maximum"]


# --- the same trainee in two classes ---------------------------------------------------------------
def test_attending_two_classes_whose_sessions_overlap_is_flagged(running, institution_staff, plan, trainee):
    """Admission already refuses two overlapping classes; records kept from before that rule (or
    of a trainee who left one class) still show."""
    klass, enrolment, (s1, _, _) = running
    scan_in = s1.starts_at
    Attendance.objects.create(
        session=s1,
        enrolment=enrolment,
        check_in=scan_in,
        check_out=scan_in + timedelta(hours=1),
        source="qr",
        updated_at=scan_in + timedelta(hours=1),
    )
    other = h.open_class(
        institution_staff,
        plan,
        name="第3期",
        start=date(2025, 6, 2),
        end=date(2025, 6, 27),
        enrol_by=date(2025, 6, 1),
        capacity=5,
    )
    e2 = h.admit(institution_staff, other, trainee)
    s = Session.objects.create(
        klass=other, date=s1.date, start=time(10), end=time(12), kind="theory", mode="offline"
    )
    Attendance.objects.create(
        session=s,
        enrolment=e2,
        check_in=s.starts_at + timedelta(minutes=5),
        check_out=s.ends_at,
        source="qr",
        updated_at=s.ends_at,
    )
    (flag,) = rules.anomalies(klass=klass)
    assert flag.kind == "overlapping_classes" and "同时在两个班次学习" in flag.message
    assert [a.kind for a in rules.anomalies(klass=other)] == ["overlapping_classes"]


# --- existing rows -------------------------------------------------------------------------------
def test_the_migration_dates_existing_sessions_from_the_audit_log_and_counts_existing_corrections(
    running, institution_staff
):
    import importlib

    from django.apps import apps

    migration = importlib.import_module(
        "dte.training.migrations.0005_session_created_at_backfill_attendance_corrections"
    )
    _, enrolment, (s1, _, _) = running
    h.attend_fully(institution_staff, s1, enrolment)
    Session.objects.update(created_at=None)
    Attendance.objects.update(corrections=0, corrected_at=None)
    orphan = Session.objects.create(
        klass=s1.klass, date=date(2025, 4, 15), start=time(9), end=time(10), kind="theory", mode="offline"
    )
    migration.backfill(apps, None)
    s1.refresh_from_db()
    orphan.refresh_from_db()
    assert s1.created_at == h.AT and orphan.created_at is None and not orphan.backfilled
    a = Attendance.objects.get(session=s1)
    assert (a.corrections, a.corrected_at) == (1, a.updated_at)


# --- pages and API ---------------------------------------------------------------------------------
def test_the_class_page_refuses_a_past_session_without_a_reason_and_records_one_with_it(
    client_as, institution_staff, klass
):
    c = client_as(institution_staff)
    form = {"date": "2025-04-08", "start": "09:00", "end": "11:00", "kind": "theory", "mode": "offline"}
    html = c.post(f"/training/classes/{klass.pk}/sessions/new/", form, follow=True).content.decode()
    assert "补录课次须填写补录理由" in html and not klass.sessions.exists()
    assert 'name="backfill_reason"' in html
    form["backfill_reason"] = "开课前系统故障,未能排课"
    html = c.post(f"/training/classes/{klass.pk}/sessions/new/", form, follow=True).content.decode()
    assert "课次已添加" in html
    (s,) = klass.sessions.all()
    assert s.backfilled and s.backfill_reason == "开课前系统故障,未能排课"
    page = c.get(f"/training/sessions/{s.pk}/").content.decode()
    assert 'id="backfilled"' in page and "开课前系统故障" in page


def test_the_session_page_offers_a_correction_only_once_the_session_has_ended(
    client_as, running, institution_staff
):
    from unittest import mock

    _, _, (s1, _, _) = running
    c = client_as(institution_staff)
    with mock.patch("dte.core.clock.now", return_value=s1.starts_at + timedelta(minutes=5)):
        page = c.get(f"/training/sessions/{s1.pk}/").content.decode()
    assert "课次结束后方可更正" in page and 'aria-label="更正理由"' not in page
    with mock.patch("dte.core.clock.now", return_value=s1.ends_at):
        page = c.get(f"/training/sessions/{s1.pk}/").content.decode()
    assert "课次结束后方可更正" not in page and 'aria-label="更正理由"' in page


def test_the_api_takes_the_back_fill_reason_and_returns_import_warnings(client, trio, institution_staff):
    import json

    klass, _, enrolments, (_, _, evening) = trio
    client.force_login(institution_staff)
    body = {"date": "2025-05-08", "start": "09:00", "end": "10:00", "kind": "theory", "mode": "offline"}
    url = f"/api/training/classes/{klass.pk}/sessions"
    r = client.post(url, json.dumps(body), content_type="application/json")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "backfill_reason"
    assert "补录课次须填写补录理由" in r.json()["errors"][0]["message"]
    r = client.post(url, json.dumps({**body, "backfill_reason": "临时调课"}), content_type="application/json")
    assert r.status_code == 201
    records = [
        {
            "id_number": e.person.id_number,
            "name": e.person.name,
            "session_id": evening.pk,
            "start": "2025-05-07 19:00:07",
            "end": "2025-05-07 20:00:07",
        }
        for e in enrolments
    ]
    r = client.post(
        f"/api/training/classes/{klass.pk}/online-records",
        json.dumps(records),
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["created"] == 3
    burst = [w["line"] for w in r.json()["warnings"] if "起止时间完全相同" in w["reason"]]
    assert burst == [1, 2, 3]  # (imported today, long after May 2025: each row is also late)
