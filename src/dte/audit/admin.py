from django.contrib import admin

from dte.audit.admin_site import CapabilityAdmin, site
from dte.audit.models import AuditEntry
from dte.core.permissions import Cap

# The acts that disclose full personal data (ID numbers, bank accounts, evidence files that often
# carry an ID photo) to a member of staff (PIPL): listed together for the auditor.
PERSONAL_DATA_ACCESS = {
    "subsidy.evidence.view": "查看申领或异议佐证材料",
    "payment.bank_file": "下载银行代发文件(完整银行账号)",
    "credit.export": "导出失信名单(完整身份证号)",
    "evaluation.results_template.export": "导出成绩登记模板(完整身份证号)",
    "training.ce_credit.export": "导出继续教育学时(完整身份证号)",
    "ops.backup": "备份(含全部个人数据)",
}


class PersonalDataAccessFilter(admin.SimpleListFilter):
    title = "个人信息访问"
    parameter_name = "access"

    def lookups(self, request, model_admin):
        return [("personal", "全部个人信息访问"), *PERSONAL_DATA_ACCESS.items()]

    def queryset(self, request, queryset):
        if self.value() == "personal":
            return queryset.filter(action__in=PERSONAL_DATA_ACCESS)
        if self.value() in PERSONAL_DATA_ACCESS:
            return queryset.filter(action=self.value())
        return queryset


@admin.register(AuditEntry, site=site)
class AuditEntryAdmin(CapabilityAdmin):
    view_cap = Cap.VIEW_AUDIT_LOG
    edit_cap = None
    list_display = ["id", "at", "actor_label", "action", "object_type", "object_id"]
    list_filter = [PersonalDataAccessFilter, "action", "object_type"]
    search_fields = ["object_id", "actor_label", "action"]
    readonly_fields = [f.name for f in AuditEntry._meta.fields]
