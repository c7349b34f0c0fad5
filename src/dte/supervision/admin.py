"""Read-only admin views of the supervision records for the city bureau and the auditors; every
change goes through the services (and the pages), never the admin."""

from __future__ import annotations

from django.contrib import admin

from dte.audit.admin_site import CapabilityAdmin, site
from dte.core.permissions import Cap
from dte.supervision.models import (
    DocumentRequest,
    Finding,
    FollowUp,
    Inspection,
    InspectionPlan,
    SurveyResponse,
)


class ReadOnly(CapabilityAdmin):
    view_cap = Cap.SUPERVISE_CITY
    edit_cap = None


@admin.register(InspectionPlan, site=site)
class InspectionPlanAdmin(ReadOnly):
    list_display = ["title", "period_start", "period_end", "sample_size", "seed", "created_at"]


@admin.register(Inspection, site=site)
class InspectionAdmin(ReadOnly):
    list_display = ["klass", "status", "visited_on", "observed_fee"]
    list_filter = ["status"]


@admin.register(Finding, site=site)
class FindingAdmin(ReadOnly):
    list_display = ["inspection", "topic", "severity", "created_at"]


@admin.register(FollowUp, site=site)
class FollowUpAdmin(ReadOnly):
    list_display = ["inspection", "action", "due_on", "status"]


@admin.register(DocumentRequest, site=site)
class DocumentRequestAdmin(ReadOnly):
    list_display = ["institution", "due_on", "status", "requested_at"]
    exclude = ["response_content"]


@admin.register(SurveyResponse, site=site)
class SurveyResponseAdmin(ReadOnly):
    list_display = ["klass", "q_overall", "fee_paid", "submitted_at"]
    exclude = ["enrolment"]
