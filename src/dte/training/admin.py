"""Read-only admin views of the training records for the city and auditors: every change goes
through dte.training.services (and its audit entry), never through the admin."""

from django.contrib import admin

from dte.audit.admin_site import CapabilityAdmin, site
from dte.core.permissions import Cap
from dte.training import models


class ReadOnly(CapabilityAdmin):
    view_cap = Cap.SUPERVISE_CITY
    edit_cap = None


@admin.register(models.TrainingPlan, site=site)
class TrainingPlanAdmin(ReadOnly):
    list_display = [
        "title",
        "institution",
        "occupation",
        "level",
        "status",
        "filing_number",
        "start_date",
        "fee",
    ]
    list_filter = ["status", "occupation", "level"]
    search_fields = ["title", "filing_number"]


@admin.register(models.TrainingClass, site=site)
class TrainingClassAdmin(ReadOnly):
    list_display = ["name", "plan", "start_date", "end_date", "status", "roster_status", "capacity", "fee"]
    list_filter = ["status", "roster_status"]


@admin.register(models.Enrolment, site=site)
class EnrolmentAdmin(ReadOnly):
    list_display = ["klass", "person", "category", "status", "completion_passed"]
    list_filter = ["status", "category"]


@admin.register(models.Session, site=site)
class SessionAdmin(ReadOnly):
    list_display = ["klass", "date", "start", "end", "kind", "mode"]


@admin.register(models.Attendance, site=site)
class AttendanceAdmin(ReadOnly):
    list_display = [
        "session",
        "enrolment",
        "check_in",
        "check_out",
        "source",
        "corrected_by",
        "correction_reason",
    ]
    list_filter = ["source"]


@admin.register(models.TrainingCertificate, site=site)
class TrainingCertificateAdmin(ReadOnly):
    list_display = ["number", "person", "institution", "occupation", "level", "issued_on", "status"]
    list_filter = ["status", "occupation"]
    search_fields = ["number"]
    exclude = ["code"]


@admin.register(models.ContinuingEducationCredit, site=site)
class ContinuingEducationCreditAdmin(ReadOnly):
    list_display = ["person", "year", "hours", "subject", "void"]


@admin.register(models.Event, site=site)
class EventAdmin(ReadOnly):
    list_display = ["title", "kind", "starts_on", "place", "capacity", "published"]


@admin.register(models.EventRegistration, site=site)
class EventRegistrationAdmin(ReadOnly):
    list_display = ["event", "person", "registered_at", "cancelled_at"]
