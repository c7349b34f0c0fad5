from django.contrib import admin

from dte.audit.admin_site import CapabilityAdmin, site
from dte.core.permissions import Cap
from dte.notifications.models import Message, OutboxMessage
from dte.people.masking import mask_contact


class ReadOnlyAdmin(CapabilityAdmin):
    view_cap = Cap.VIEW_AUDIT_LOG
    edit_cap = None


@admin.register(OutboxMessage, site=site)
class OutboxAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "channel", "masked_recipient", "subject"]
    list_filter = ["channel"]
    # The recipient (a phone number or an e-mail address) is shown masked, and found by its exact value.
    search_fields = ["=recipient", "subject"]
    exclude = ["recipient"]
    readonly_fields = ["masked_recipient"]

    @admin.display(description="接收方(脱敏)")
    def masked_recipient(self, obj):
        return mask_contact(obj.recipient)


@admin.register(Message, site=site)
class MessageAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "person", "user", "subject", "read_at"]
    list_filter = ["topic"]
    search_fields = ["subject", "dedupe_key"]
