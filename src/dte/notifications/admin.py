from django.contrib import admin

from dte.audit.admin_site import CapabilityAdmin, site
from dte.core.permissions import Cap
from dte.notifications.models import Message, OutboxMessage


class ReadOnlyAdmin(CapabilityAdmin):
    view_cap = Cap.VIEW_AUDIT_LOG
    edit_cap = None


@admin.register(OutboxMessage, site=site)
class OutboxAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "channel", "recipient", "subject"]
    list_filter = ["channel"]
    search_fields = ["recipient", "subject"]


@admin.register(Message, site=site)
class MessageAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "person", "user", "subject", "read_at"]
    list_filter = ["topic"]
    search_fields = ["subject", "dedupe_key"]
