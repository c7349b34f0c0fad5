from django.contrib import admin

from dte.audit.admin_site import CapabilityAdmin, site
from dte.audit.models import AuditEntry
from dte.core.permissions import Cap


@admin.register(AuditEntry, site=site)
class AuditEntryAdmin(CapabilityAdmin):
    view_cap = Cap.VIEW_AUDIT_LOG
    edit_cap = None
    list_display = ["id", "at", "actor_label", "action", "object_type", "object_id"]
    list_filter = ["action", "object_type"]
    search_fields = ["object_id", "actor_label", "action"]
    readonly_fields = [f.name for f in AuditEntry._meta.fields]
