"""The order of the training record [P3.2]: the completion assessment only after the class's last
session and the trainee's hours (theory and practice each); the certificate only after a passed
assessment and the class's end; class completion only after its last session. The city's
exceptions, and certificates issued too soon after the class's end, for supervision [P2.3]."""

import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from dte.audit.models import AuditEntry
from dte.training import record, selectors, services
from dte.training.models import Enrolment, RecordException, TrainingCertificate, TrainingClass
from tests.training import helpers as h

# The running class: sessions on 2025-04-07 09-11 (theory), 04-08 09-11 (practice), 04-09 19-20
# (theory, online); the plan asks 3 theory and 2 practice hours; the class ends on 2025-04-30.
DURING_LAST_SESSION = h.local(2025, 4, 9, 19, 30)
AFTER_LAST_SESSION = h.local(2025, 4, 10, 9)
AFTER_CLASS_END = h.local(2025, 5, 6, 9)


def attend(staff, enrolment, sessions):
    for s in sessions:
        h.attend_fully(staff, s, enrolment)


def assess(staff, enrolment, at, passed=True):
    return services.completion_assess(actor=staff, enrolment=enrolment, passed=passed, note="86 分", at=at)


def test_the_completion_assessment_before_the_last_session_has_ended_is_refused(running, institution_staff):
    _klass, enrolment, sessions = running
    attend(institution_staff, enrolment, sessions[:2])
    message = (
        "最后一次课次(2025-04-09 19:00-20:00 理论)尚未结束;未完成规定学时(理论学时 2/3),"
        "不能记录结业考核 [P3.2]"
    )
    with pytest.raises(ValidationError, match=re.escape(message)):
        assess(institution_staff, enrolment, DURING_LAST_SESSION)
    enrolment.refresh_from_db()
    assert enrolment.completion_passed is None and enrolment.completion_assessed_at is None
    assert not AuditEntry.objects.filter(action="training.completion.assess").exists()


def test_the_completion_assessment_with_hours_short_says_which_hours_are_missing(running, institution_staff):
    _klass, enrolment, (s1, _s2, _s3) = running
    h.attend_fully(institution_staff, s1, enrolment)
    with pytest.raises(ValidationError, match=re.escape("未完成规定学时(理论学时 2/3、实操学时 0/2)")):
        assess(institution_staff, enrolment, AFTER_LAST_SESSION, passed=False)
    enrolment.refresh_from_db()
    assert enrolment.completion_passed is None


def test_the_completion_assessment_after_the_last_session_with_the_hours_is_recorded(
    running, institution_staff
):
    _klass, enrolment, sessions = running
    attend(institution_staff, enrolment, sessions)
    assert assess(institution_staff, enrolment, AFTER_LAST_SESSION).completion_passed is True


def test_a_certificate_before_the_class_has_ended_is_refused(running, institution_staff):
    _klass, enrolment, sessions = running
    attend(institution_staff, enrolment, sessions)
    assess(institution_staff, enrolment, AFTER_LAST_SESSION)
    with pytest.raises(
        ValidationError, match=re.escape("班次结业日期 2025-04-30 尚未过去,不能颁发培训合格证书 [P3.2]")
    ):
        services.certificate_issue(actor=institution_staff, enrolment=enrolment, at=h.local(2025, 4, 30, 18))
    assert not TrainingCertificate.objects.exists()
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.ADMITTED
    cert = services.certificate_issue(actor=institution_staff, enrolment=enrolment, at=h.local(2025, 5, 1, 9))
    assert cert.issued_at == h.local(2025, 5, 1, 9)


def test_a_certificate_without_a_passed_assessment_names_every_missing_step(running, institution_staff):
    _klass, enrolment, _sessions = running
    message = (
        "结业考核未通过或尚未考核;班次结业日期 2025-04-30 尚未过去;"
        "最后一次课次(2025-04-09 19:00-20:00 理论)尚未结束;未完成规定学时(理论学时 0/3、实操学时 0/2),"
        "不能颁发培训合格证书 [P3.2]"
    )
    with pytest.raises(ValidationError, match=re.escape(message)):
        services.certificate_issue(actor=institution_staff, enrolment=enrolment, at=h.local(2025, 4, 8))


def test_class_completion_before_its_last_session_has_ended_is_refused(running, institution_staff):
    klass, _enrolment, _sessions = running
    with pytest.raises(
        ValidationError, match=re.escape("最后一次课次(2025-04-09 19:00-20:00 理论)尚未结束,不能结业 [P3.2]")
    ):
        services.class_complete(actor=institution_staff, klass=klass, at=DURING_LAST_SESSION)
    klass.refresh_from_db()
    assert klass.status == TrainingClass.Status.RUNNING
    done = services.class_complete(actor=institution_staff, klass=klass, at=h.local(2025, 4, 9, 20))
    assert done.status == TrainingClass.Status.COMPLETED


def test_a_class_without_sessions_cannot_be_completed(institution_staff, city_officer, klass, trainee):
    h.admit(institution_staff, klass, trainee)
    h.start(institution_staff, city_officer, klass)
    with pytest.raises(ValidationError, match=re.escape("班次尚未安排任何课次,不能结业 [P3.2]")):
        services.class_complete(actor=institution_staff, klass=klass, at=AFTER_CLASS_END)


# --- the city's exceptions -------------------------------------------------------------------------
REASON = "学员住院两天(住院证明编号 WZ2025-0412),所缺课时已补训"


@pytest.mark.parametrize("persona", ["institution_staff", "auditor", "trainee"], indirect=True)
def test_only_the_city_officer_grants_an_exception(running, persona):
    _klass, enrolment, _sessions = running
    with pytest.raises(PermissionDenied):
        services.record_exception_grant(
            actor=persona, enrolment=enrolment, kind="hours_short", reason=REASON, at=AFTER_LAST_SESSION
        )
    assert not RecordException.objects.exists()


def test_an_exception_needs_a_kind_and_a_bounded_reason(running, city_officer):
    _klass, enrolment, _sessions = running
    for kind, reason, field in [
        ("hours_short", "  ", "reason"),
        ("hours_short", "理" * 501, "reason"),
        ("skip_everything", REASON, "kind"),
    ]:
        with pytest.raises(ValidationError) as exc:
            services.record_exception_grant(
                actor=city_officer, enrolment=enrolment, kind=kind, reason=reason, at=AFTER_LAST_SESSION
            )
        assert field in exc.value.message_dict
    assert not RecordException.objects.exists()


def test_a_trainee_short_of_hours_completes_only_under_the_citys_exception(
    running, institution_staff, city_officer, client_as
):
    _klass, enrolment, (s1, s2, _s3) = running
    attend(institution_staff, enrolment, [s1, s2])
    with pytest.raises(ValidationError, match=re.escape("理论学时 2/3")):
        assess(institution_staff, enrolment, AFTER_CLASS_END)
    x = services.record_exception_grant(
        actor=city_officer, enrolment=enrolment, kind="hours_short", reason=REASON, at=AFTER_CLASS_END
    )
    entry = AuditEntry.objects.get(action="training.record_exception.grant", object_id=str(x.pk))
    assert entry.reason == REASON and entry.actor_id == city_officer.pk
    with pytest.raises(ValidationError, match="已有「学时不足准予结业」例外"):
        services.record_exception_grant(
            actor=city_officer, enrolment=enrolment, kind="hours_short", reason=REASON, at=AFTER_CLASS_END
        )
    assess(institution_staff, enrolment, AFTER_CLASS_END)
    cert = services.certificate_issue(
        actor=institution_staff, enrolment=enrolment, at=h.local(2025, 5, 6, 10)
    )
    assert (cert.theory_hours, cert.practice_hours) == (2, 2)
    issued = AuditEntry.objects.get(action="training.certificate.issue", object_id=str(cert.pk))
    assert "hours_short" in str(issued.changes)
    # Shown on the certificate's record and to the city; the public verification shows nothing of it.
    page = client_as(institution_staff).get(f"/training/certificates/{cert.pk}/").content.decode()
    assert "学时不足准予结业" in page and REASON in page
    city = client_as(city_officer).get("/training/plans/").content.decode()
    assert 'id="record-exceptions"' in city and REASON in city and cert.number in city
    public = client_as(institution_staff).get(f"/training/verify/{cert.code}/").content.decode()
    assert REASON not in public and "例外" not in public


def test_the_institution_does_not_see_the_citys_list_of_exceptions(running, institution_staff, client_as):
    html = client_as(institution_staff).get("/training/plans/").content.decode()
    assert 'id="record-exceptions"' not in html


def test_an_early_exception_allows_the_assessment_and_certificate_before_the_class_end(
    running, institution_staff, city_officer
):
    _klass, enrolment, sessions = running
    attend(institution_staff, enrolment, sessions)
    assess(institution_staff, enrolment, AFTER_LAST_SESSION)
    with pytest.raises(ValidationError, match="班次结业日期 2025-04-30 尚未过去"):
        services.certificate_issue(actor=institution_staff, enrolment=enrolment, at=AFTER_LAST_SESSION)
    services.record_exception_grant(
        actor=city_officer,
        enrolment=enrolment,
        kind="early",
        reason="学员应征入伍,入伍通知书编号 2025-031,须提前离开",
        at=AFTER_LAST_SESSION,
    )
    cert = services.certificate_issue(actor=institution_staff, enrolment=enrolment, at=AFTER_LAST_SESSION)
    assert cert.issued_on.isoformat() == "2025-04-10"


def test_the_city_grants_an_exception_from_the_roster_page(
    running, city_officer, institution_staff, client_as
):
    klass, enrolment, _sessions = running
    page = client_as(city_officer).get(f"/training/classes/{klass.pk}/manage/").content.decode()
    assert f"/training/enrolments/{enrolment.pk}/exception/" in page
    staff_page = client_as(institution_staff).get(f"/training/classes/{klass.pk}/manage/").content.decode()
    assert f"/training/enrolments/{enrolment.pk}/exception/" not in staff_page
    assert (
        client_as(institution_staff)
        .post(f"/training/enrolments/{enrolment.pk}/exception/", {"kind": "early", "reason": REASON})
        .status_code
        == 403
    )
    r = client_as(city_officer).post(
        f"/training/enrolments/{enrolment.pk}/exception/", {"kind": "early", "reason": REASON}
    )
    assert r.status_code == 302
    assert RecordException.objects.get().granted_by == city_officer


# --- certificates issued too soon after the class's end [P2.3] ------------------------------------
def test_a_certificate_issued_within_the_window_after_the_last_session_is_listed_for_supervision(
    running, institution_staff, city_officer, make_person
):
    klass, enrolment, sessions = running
    attend(institution_staff, enrolment, sessions)
    services.record_exception_grant(
        actor=city_officer, enrolment=enrolment, kind="early", reason=REASON, at=AFTER_LAST_SESSION
    )
    assess(institution_staff, enrolment, AFTER_LAST_SESSION)
    early = services.certificate_issue(actor=institution_staff, enrolment=enrolment, at=AFTER_LAST_SESSION)
    rows = selectors.certificate_anomalies(actor=city_officer)
    assert [r.certificate.pk for r in rows] == [early.pk]
    row = rows[0]
    assert row.kind == "cert_too_soon" and row.label == "结业后过快发证"
    assert row.institution.name == "杭州电子科技大学" and row.klass == klass
    assert "最后一次课次结束后 13.0 小时" in row.message and "少于 24 小时即列出" in row.message
    assert "[P3.2]" in row.clause
    # The window is a parameter: 12 hours would not list it.
    assert record.certificate_anomalies(min_hours=12) == []


def test_the_city_sees_certificates_issued_too_soon_on_its_training_page(
    running, institution_staff, city_officer, client_as
):
    _klass, enrolment, sessions = running
    attend(institution_staff, enrolment, sessions)
    services.record_exception_grant(
        actor=city_officer, enrolment=enrolment, kind="early", reason=REASON, at=AFTER_LAST_SESSION
    )
    assess(institution_staff, enrolment, AFTER_LAST_SESSION)
    cert = services.certificate_issue(actor=institution_staff, enrolment=enrolment, at=AFTER_LAST_SESSION)
    html = client_as(city_officer).get("/training/plans/").content.decode()
    listed = html.split('id="certificate-anomalies"')[1].split("</ul>")[0]
    assert cert.number in listed and "少于 24 小时即列出" in listed


def test_a_certificate_issued_days_after_the_class_end_is_not_listed(
    running, institution_staff, city_officer
):
    klass, enrolment, sessions = running
    h.certified(institution_staff, klass, enrolment, sessions)
    assert selectors.certificate_anomalies(actor=city_officer) == []


def test_only_supervision_reads_the_certificate_anomalies(institution_staff, auditor):
    assert selectors.certificate_anomalies(actor=auditor) == []
    with pytest.raises(PermissionDenied):
        selectors.certificate_anomalies(actor=institution_staff)


def test_a_certificate_issued_too_soon_joins_the_class_anomalies_and_the_city_s_list_for_action(
    running, institution_staff, city_officer, client_as
):
    from datetime import date

    from dte.supervision import selectors as supervision_selectors
    from dte.training import rules

    klass, enrolment, sessions = running
    attend(institution_staff, enrolment, sessions)
    services.record_exception_grant(
        actor=city_officer, enrolment=enrolment, kind="early", reason=REASON, at=AFTER_LAST_SESSION
    )
    assess(institution_staff, enrolment, AFTER_LAST_SESSION)
    cert = services.certificate_issue(actor=institution_staff, enrolment=enrolment, at=AFTER_LAST_SESSION)
    (found,) = [a for a in rules.anomalies(klass=klass) if a.kind == "cert_too_soon"]
    assert found.label == "结业后过快发证" and found.key == f"t{cert.pk}" and cert.number in found.message
    rows = supervision_selectors.anomalies_for_action(actor=city_officer, since=date(2025, 1, 1))
    assert [r.kind for r in rows if r.key == f"cert_too_soon:t{cert.pk}"] == ["cert_too_soon"]
    city = client_as(city_officer)
    assert 'id="evaluation-anomalies"' in city.get("/supervision/anomalies/").content.decode()
    assert 'id="anomaly-counts"' in city.get("/supervision/anomalies/counts/").content.decode()
    assert client_as(institution_staff).get("/supervision/anomalies/counts/").status_code == 403
