from django.contrib import admin

from dte.accounts.models import User
from dte.audit.admin_site import CapabilityAdmin, site
from dte.core.permissions import Cap


@admin.register(User, site=site)
class UserAdmin(CapabilityAdmin):
    """Accounts are listed for administrators; they are created with `dte demo` or the services,
    so that passwords are always validated and hashed (no raw edits here)."""

    view_cap = Cap.EDIT_CATALOG
    edit_cap = None
    list_display = [
        "username",
        "display_name",
        "role",
        "institution",
        "evaluation_body",
        "county",
        "is_active",
    ]
    list_filter = ["role", "county"]
    search_fields = ["username", "display_name"]
    exclude = ["password"]
