import io
from datetime import date, time, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from openpyxl import Workbook

from dte.training import checkin, rules, services
from dte.training.models import Attendance
from dte.training.tables import read_table
from tests.training import helpers as h


def scan(user, session, action, at, token_at=None):
    token = checkin.token_for(session_id=session.pk, action=action, at=token_at or at)
    return services.attendance_scan(actor=user, session=session, action=action, token=token, at=at)


def test_a_rostered_trainee_checks_in_and_out_by_scanning_the_rotating_code(running, trainee):
    _klass, enrolment, (s1, _, _) = running
    a = scan(trainee, s1, "in", h.local(2025, 4, 7, 8, 52, 13))
    a = scan(trainee, s1, "out", h.local(2025, 4, 7, 11, 3, 40))
    assert a.source == Attendance.Source.QR and a.enrolment == enrolment
    assert a.minutes == 120  # credited within the scheduled 09:00–11:00 only


def test_a_code_from_a_few_minutes_ago_has_expired(running, trainee):
    _, _, (s1, _, _) = running
    now = h.local(2025, 4, 7, 9, 10)
    scan(trainee, s1, "in", now, token_at=now - timedelta(seconds=100))  # still valid
    with pytest.raises(ValidationError, match="二维码已过期或无效"):
        scan(
            trainee,
            s1,
            "out",
            now + timedelta(hours=1),
            token_at=now + timedelta(hours=1) - timedelta(minutes=4),
        )


def test_a_check_out_code_cannot_be_used_to_check_in(running, trainee):
    _, _, (s1, _, _) = running
    now = h.local(2025, 4, 7, 9, 0)
    token = checkin.token_for(session_id=s1.pk, action="out", at=now)
    with pytest.raises(ValidationError, match="二维码已过期或无效"):
        services.attendance_scan(actor=trainee, session=s1, action="in", token=token, at=now)


def test_a_person_not_on_the_roster_cannot_check_in(running, outsider):
    _, _, (s1, _, _) = running
    with pytest.raises(ValidationError, match=r"不在该班次已审核的学员花名册中.*\[P2.3\]"):
        scan(outsider, s1, "in", h.local(2025, 4, 7, 9, 0))


def test_a_check_in_outside_the_session_is_refused(running, trainee):
    _, _, (s1, _, _) = running
    with pytest.raises(ValidationError, match="不在签到时间内"):
        scan(trainee, s1, "in", h.local(2025, 4, 7, 8, 15))
    with pytest.raises(ValidationError, match="不在签到时间内"):
        scan(trainee, s1, "in", h.local(2025, 4, 7, 11, 1))
    scan(trainee, s1, "in", h.local(2025, 4, 7, 8, 31))
    with pytest.raises(ValidationError, match="不在签退时间内"):
        scan(trainee, s1, "out", h.local(2025, 4, 7, 11, 45))


def test_checking_in_twice_or_out_without_in_is_refused(running, trainee):
    _, _, (s1, s2, _) = running
    scan(trainee, s1, "in", h.local(2025, 4, 7, 9, 0))
    with pytest.raises(ValidationError, match="无需重复签到"):
        scan(trainee, s1, "in", h.local(2025, 4, 7, 9, 1))
    with pytest.raises(ValidationError, match="尚未签到"):
        scan(trainee, s2, "out", h.local(2025, 4, 8, 11, 0))


def test_staff_correct_a_record_by_hand_and_the_record_says_who_and_why(running, institution_staff):
    _, enrolment, (s1, _, _) = running
    with pytest.raises(ValidationError, match="须填写理由"):
        services.attendance_correct(
            actor=institution_staff,
            session=s1,
            enrolment=enrolment,
            check_in=s1.starts_at,
            check_out=s1.ends_at,
            reason="",
            at=h.AT,
        )
    a = h.attend_fully(institution_staff, s1, enrolment)
    assert a.source == Attendance.Source.MANUAL and a.corrected_by == institution_staff
    assert "纸质签到表" in a.correction_reason


def test_attendance_for_a_person_not_on_the_roster_is_refused(running, institution_staff, plan, outsider):
    _, _, (s1, _, _) = running
    other_class = h.open_class(institution_staff, plan, name="第2期", capacity=5)
    stranger = h.apply(outsider, other_class)
    with pytest.raises(ValidationError, match="不在本班次花名册中"):
        services.attendance_correct(
            actor=institution_staff,
            session=s1,
            enrolment=stranger,
            check_in=s1.starts_at,
            check_out=s1.ends_at,
            reason="补录",
            at=h.AT,
        )


def test_another_institution_cannot_correct_our_attendance(running, other_staff):
    _, enrolment, (s1, _, _) = running
    with pytest.raises(PermissionDenied):
        services.attendance_correct(
            actor=other_staff,
            session=s1,
            enrolment=enrolment,
            check_in=s1.starts_at,
            check_out=s1.ends_at,
            reason="补录",
            at=h.AT,
        )


def test_no_attendance_before_the_class_has_started(institution_staff, klass, trainee):
    enrolment = h.admit(institution_staff, klass, trainee)
    s1, _, _ = h.add_sessions(institution_staff, klass)
    with pytest.raises(ValidationError, match="花名册尚未经市人力社保局审核"):
        h.attend_fully(institution_staff, s1, enrolment)


# --- online learning records -----------------------------------------------------------------------
# Online records are imported the morning after the last (online) session of the fixture.
AFTER = h.local(2025, 4, 10, 9)


def online_csv(rows):
    lines = ["身份证号,姓名,课次编号,开始时间,结束时间"] + [",".join(map(str, r)) for r in rows]
    return "\n".join(lines).encode("utf-8-sig")


def test_online_learning_time_is_imported_and_a_re_run_duplicates_nothing(
    running, institution_staff, trainee
):
    klass, enrolment, (_, _, s3) = running
    content = online_csv(
        [(trainee.person.id_number, "陈晓明", s3.pk, "2025-04-09 18:58", "2025-04-09 20:01")]
    )
    rows = read_table(content=content, filename="online.csv", required=services.ONLINE_COLUMNS)
    report = services.online_records_import(actor=institution_staff, klass=klass, rows=rows, at=AFTER)
    assert report.ok and report.created == 1
    again = services.online_records_import(actor=institution_staff, klass=klass, rows=rows, at=AFTER)
    assert again.ok and (again.created, again.updated, again.unchanged) == (0, 0, 1)
    assert Attendance.objects.filter(enrolment=enrolment).count() == 1
    assert Attendance.objects.get(enrolment=enrolment).minutes == 60


def test_an_online_import_with_bad_rows_writes_nothing_and_names_every_bad_line(
    running, institution_staff, trainee, outsider
):
    klass, _, (s1, _, s3) = running
    number = trainee.person.id_number
    content = online_csv(
        [
            (number, "陈晓明", s3.pk, "2025-04-09 19:00", "2025-04-09 20:00"),  # line 2: good
            (
                outsider.person.id_number,
                "路人甲",
                s3.pk,
                "2025-04-09 19:00",
                "2025-04-09 20:00",
            ),  # 3: not on roster
            (number, "陈小明", s3.pk, "2025-04-09 19:00", "2025-04-09 20:00"),  # 4: wrong name
            (number, "陈晓明", s1.pk, "2025-04-07 09:00", "2025-04-07 11:00"),  # 5: offline session
            (number, "陈晓明", s3.pk, "2025-04-10 19:00", "2025-04-10 20:00"),  # 6: outside the session
            ("123", "陈晓明", s3.pk, "2025-04-09 19:00", "2025-04-09 20:00"),  # 7: bad ID number
            (number, "陈晓明", s3.pk, "昨天", "2025-04-09 20:00"),  # 8: bad time
        ]
    )
    rows = read_table(content=content, filename="online.csv", required=services.ONLINE_COLUMNS)
    report = services.online_records_import(actor=institution_staff, klass=klass, rows=rows, at=AFTER)
    assert [line for line, _ in report.errors] == [3, 4, 5, 6, 7, 8]
    reasons = dict(report.errors)
    assert "花名册" in reasons[3] and "姓名" in reasons[4] and "线下" in reasons[5]
    assert "不在课次" in reasons[6] and "身份证号" in reasons[7] and "格式" in reasons[8]
    assert not Attendance.objects.exists()


def test_an_online_import_refuses_the_same_trainee_twice_for_one_session(running, institution_staff, trainee):
    klass, _, (_, _, s3) = running
    row = (trainee.person.id_number, "陈晓明", s3.pk, "2025-04-09 19:00", "2025-04-09 20:00")
    rows = read_table(content=online_csv([row, row]), filename="o.csv", required=services.ONLINE_COLUMNS)
    report = services.online_records_import(actor=institution_staff, klass=klass, rows=rows, at=AFTER)
    assert report.errors == [(3, "与第 2 行重复(同一学员同一课次)")]


def test_online_records_are_read_from_xlsx_too(running, institution_staff, trainee):
    klass, _, (_, _, s3) = running
    wb = Workbook()
    ws = wb.active
    ws.append(services.ONLINE_COLUMNS)
    ws.append(
        [
            trainee.person.id_number,
            "陈晓明",
            s3.pk,
            h.local(2025, 4, 9, 19).replace(tzinfo=None),
            "2025-04-09 20:00:00",
        ]
    )
    buf = io.BytesIO()
    wb.save(buf)
    rows = read_table(content=buf.getvalue(), filename="online.xlsx", required=services.ONLINE_COLUMNS)
    report = services.online_records_import(actor=institution_staff, klass=klass, rows=rows, at=AFTER)
    assert report.ok and report.created == 1


def test_a_file_without_the_required_columns_is_refused():
    with pytest.raises(ValidationError, match="缺少列"):
        read_table(content="身份证号,姓名\n".encode(), filename="x.csv", required=services.ONLINE_COLUMNS)


# --- hours and anomalies -------------------------------------------------------------------------
def test_hours_are_counted_per_kind_and_a_trainee_who_cannot_reach_them_is_at_risk(
    running, institution_staff
):
    _klass, enrolment, (s1, _s2, _s3) = running
    h.attend_fully(institution_staff, s1, enrolment)
    p = rules.progress([enrolment], now=h.local(2025, 4, 7, 12))[0]
    assert p.attended_hours("theory") == 2 and p.attended_hours("practice") == 0
    assert not p.met and not p.at_risk  # the practice session is still to come
    p = rules.progress([enrolment], now=h.local(2025, 4, 8, 12))[0]  # missed the practice session
    assert p.at_risk and p.shortfall("practice") == 2


def kept_record(session, enrolment, *, check_in, check_out=None):
    """A record written before the time rules (no service writes one like it any more)."""
    return Attendance.objects.create(
        session=session,
        enrolment=enrolment,
        check_in=check_in,
        check_out=check_out,
        source=Attendance.Source.MANUAL,
        correction_reason="补录",
        corrections=1,
        corrected_at=session.ends_at + timedelta(hours=1),
        updated_at=session.ends_at + timedelta(hours=1),
    )


def test_a_trainee_present_in_two_places_at_once_is_flagged(running, institution_staff):
    klass, enrolment, (s1, s2, _) = running
    h.attend_fully(institution_staff, s2, enrolment)
    kept_record(s1, enrolment, check_in=s2.starts_at, check_out=s2.ends_at)
    kinds = {a.kind for a in rules.anomalies(klass=klass)}
    assert {"two_places", "outside_session"} <= kinds


def test_a_check_in_outside_the_session_kept_from_before_the_rules_is_flagged(running):
    klass, enrolment, (s1, _, _) = running
    kept_record(s1, enrolment, check_in=s1.starts_at + timedelta(hours=3))
    found = rules.anomalies(klass=klass)
    assert [a.kind for a in found] == ["outside_session"]
    assert "签到时间" in found[0].message and "陈*明" in found[0].message


def test_a_roster_signing_in_within_the_same_second_is_flagged(
    running, institution_staff, city_officer, make_person, plan
):
    klass = h.open_class(
        institution_staff,
        plan,
        name="第2期",
        start=date(2025, 5, 5),
        end=date(2025, 5, 30),
        enrol_by=date(2025, 5, 1),
        capacity=5,
    )
    people = [h.trainee_account(make_person, n, 310 + i) for i, n in enumerate(["林雅琪", "张伟", "王芳"])]
    enrolments = [h.admit(institution_staff, klass, p) for p in people]
    s = services.session_add(
        actor=institution_staff,
        klass=klass,
        date=date(2025, 5, 6),
        start=time(9),
        end=time(11),
        kind="theory",
        mode="offline",
        at=h.AT,
    )
    h.start(institution_staff, city_officer, klass)
    moment = s.starts_at + timedelta(seconds=3)
    for p in people:
        scan(p, s, "in", moment)
    assert [a.kind for a in rules.anomalies(klass=klass)] == ["same_second"]
    services.attendance_correct(
        actor=institution_staff,
        session=s,
        enrolment=enrolments[0],
        check_in=moment + timedelta(seconds=40),
        check_out=s.ends_at,
        reason="更正",
        at=s.ends_at + timedelta(hours=1),
    )
    assert rules.anomalies(klass=klass) == []
