from django.urls import path

from dte.training.views import attendance, ce, certificates, classes, enrolment, events, plans

app_name = "training"
# The trainee's own page, me/ (training:me), is added by dte/urls.py from dte.web.trainee: it shows
# evaluation's level result too, and evaluation is built on training.
urlpatterns = [
    path("", classes.catalogue, name="catalogue"),
    path("classes/<int:pk>/", classes.class_public, name="class"),
    path("classes/<int:pk>/apply/", enrolment.apply, name="apply"),
    path("verify/<str:code>/", certificates.verify, name="verify"),
    path("verify/<str:code>/qr.png", certificates.verify_qr, name="verify_qr"),
    path("events/", events.events, name="events"),
    path("events/new/", events.event_new, name="event_new"),
    path("events/<int:pk>/", events.event_detail, name="event"),
    path("events/<int:pk>/edit/", events.event_edit, name="event_edit"),
    path("events/<int:pk>/register/", events.event_register, name="event_register"),
    path("events/<int:pk>/cancel/", events.event_cancel, name="event_cancel"),
    path("events/<int:pk>/withdraw/", events.event_withdraw, name="event_withdraw"),
    path("plans/", plans.plans, name="plans"),
    path("plans/new/", plans.plan_new, name="plan_new"),
    path("plans/<int:pk>/", plans.plan_detail, name="plan"),
    path("plans/<int:pk>/edit/", plans.plan_edit, name="plan_edit"),
    path("plans/<int:pk>/submit/", plans.plan_submit, name="plan_submit"),
    path("plans/<int:pk>/file/", plans.plan_file, name="plan_file"),
    path("plans/<int:pk>/return/", plans.plan_return, name="plan_return"),
    path("plans/<int:pk>/classes/new/", plans.class_new, name="class_new"),
    path("classes/<int:pk>/manage/", classes.class_manage, name="class_manage"),
    path("classes/<int:pk>/enrolments/decide/", enrolment.enrolments_decide, name="enrolments_decide"),
    path("classes/<int:pk>/roster/submit/", classes.roster_submit, name="roster_submit"),
    path("classes/<int:pk>/roster/approve/", classes.roster_approve, name="roster_approve"),
    path("classes/<int:pk>/roster/return/", classes.roster_return, name="roster_return"),
    path("classes/<int:pk>/start/", classes.class_start, name="class_start"),
    path("classes/<int:pk>/complete/", classes.class_complete, name="class_complete"),
    path("classes/<int:pk>/sessions/new/", attendance.session_new, name="session_new"),
    path("classes/<int:pk>/online-import/", attendance.online_import, name="online_import"),
    path("classes/<int:pk>/enrol/", enrolment.enrol_on_behalf, name="enrol_on_behalf"),
    path("classes/<int:pk>/enrol/bulk/", enrolment.enrol_bulk, name="enrol_bulk"),
    path(
        "enrol/bulk/jobs/<int:pk>/confirm/", enrolment.enrol_bulk_job_confirm, name="enrol_bulk_job_confirm"
    ),
    path(
        "classes/<int:pk>/enrol/bulk/template.xlsx", enrolment.enrol_bulk_template, name="enrol_bulk_template"
    ),
    path("enrolments/<int:pk>/withdraw/", enrolment.enrolment_withdraw, name="enrolment_withdraw"),
    path("enrolments/<int:pk>/drop/", enrolment.enrolment_drop, name="enrolment_drop"),
    path("enrolments/<int:pk>/admit/", enrolment.enrolment_admit, name="enrolment_admit"),
    path("enrolments/<int:pk>/refuse/", enrolment.enrolment_refuse, name="enrolment_refuse"),
    path("enrolments/<int:pk>/assess/", enrolment.enrolment_assess, name="enrolment_assess"),
    path("enrolments/<int:pk>/certify/", enrolment.enrolment_certify, name="enrolment_certify"),
    path("enrolments/<int:pk>/exception/", enrolment.enrolment_exception, name="enrolment_exception"),
    path("sessions/<int:pk>/", attendance.session_detail, name="session"),
    path("sessions/<int:pk>/qr/<str:action>.png", attendance.session_qr, name="session_qr"),
    path("sessions/<int:pk>/correct/", attendance.session_correct, name="session_correct"),
    path("checkin/<int:session_pk>/<str:action>/<str:token>/", attendance.checkin_scan, name="checkin"),
    path("certificates/<int:pk>/", certificates.certificate_detail, name="certificate"),
    path("certificates/<int:pk>/pdf/", certificates.certificate_pdf, name="certificate_pdf"),
    path("certificates/<int:pk>/revoke/", certificates.certificate_revoke, name="certificate_revoke"),
    path("me/ce/<int:year>/", ce.ce_statement, name="ce_statement"),
    path("me/ce/<int:year>/pdf/", ce.ce_statement_pdf, name="ce_statement_pdf"),
    path("ce/verify/<str:number>/", ce.ce_verify, name="ce_verify"),
    path("ce-hours/", ce.ce_hours, name="ce_hours"),
    path("anomalies/", attendance.anomalies, name="anomalies"),
]
