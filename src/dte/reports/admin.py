"""Year-end reports in the admin: read-only for the city bureau and auditors (they change only
through the services; a submitted report never changes [P5.3a])."""

from __future__ import annotations

from django.contrib import admin

from dte.audit.admin_site import CapabilityAdmin, site
from dte.core.permissions import Cap
from dte.reports.models import CountyReport


@admin.register(CountyReport, site=site)
class CountyReportAdmin(CapabilityAdmin):
    view_cap = Cap.SUPERVISE_CITY
    edit_cap = None
    list_display = ["county", "year", "version", "status", "generated_at", "submitted_at"]
    list_filter = ["year", "status"]
