"""Read-only admin views of the parameter versions and the decided claims listed after a change
(every write goes through the services: four eyes, the checks and the audit entries)."""

from django.contrib import admin

from dte.audit.admin_site import CapabilityAdmin, site
from dte.core.permissions import Cap
from dte.parameters.models import ChangedDecision, ParameterVersion


class ReadOnly(CapabilityAdmin):
    view_cap = Cap.VIEW_AUDIT_LOG
    edit_cap = None


@admin.register(ParameterVersion, site=site)
class ParameterVersionAdmin(ReadOnly):
    list_display = ["id", "name", "start", "document", "status", "proposed_by", "approved_by", "approved_at"]
    list_filter = ["status", "name"]
    search_fields = ["document", "name"]


@admin.register(ChangedDecision, site=site)
class ChangedDecisionAdmin(ReadOnly):
    list_display = ["id", "version", "claim", "county", "eligible_before", "eligible_after", "amount_after"]
    list_filter = ["county"]
