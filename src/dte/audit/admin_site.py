"""The Django admin, opened by capability rather than Django's staff flag: the city bureau edits
the catalogues; auditors and administrators read the audit log."""

from __future__ import annotations

from django.contrib import admin

from dte.audit.services import admin_save
from dte.core import clock
from dte.core.permissions import Cap, can


class DteAdminSite(admin.AdminSite):
    site_header = "温州市数字技术工程师培育项目管理平台 · 管理后台"
    site_title = "管理后台"
    index_title = "目录与账号管理"

    def has_permission(self, request):
        u = request.user
        return bool(u.is_active and (can(u, Cap.EDIT_CATALOG) or can(u, Cap.VIEW_AUDIT_LOG)))


site = DteAdminSite(name="admin")


class CapabilityAdmin(admin.ModelAdmin):
    """Viewing needs ``view_cap``; adding and changing need ``edit_cap``; deleting is refused
    (catalogue rows are deactivated, never deleted, so history stays readable)."""

    view_cap: Cap = Cap.EDIT_CATALOG
    edit_cap: Cap | None = Cap.EDIT_CATALOG

    def has_module_permission(self, request):
        return can(request.user, self.view_cap)

    def has_view_permission(self, request, obj=None):
        return can(request.user, self.view_cap)

    def has_add_permission(self, request):
        return self.edit_cap is not None and can(request.user, self.edit_cap)

    def has_change_permission(self, request, obj=None):
        return self.edit_cap is not None and can(request.user, self.edit_cap)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        admin_save(obj=obj, actor=request.user, changed_fields=form.changed_data, at=clock.now())
