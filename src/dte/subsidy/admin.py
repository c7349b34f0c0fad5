"""Read-only admin views of the claim records for the city and the auditors (every write goes
through the services, so the audit trail and the decision trace stay complete)."""

from django.contrib import admin

from dte.audit.admin_site import CapabilityAdmin, site
from dte.core.permissions import Cap
from dte.people.masking import mask_phone
from dte.subsidy.models import (
    ApiToken,
    Claim,
    CreditEntry,
    FactImport,
    FundAccount,
    LedgerEntry,
    PaymentBatch,
)


class ReadOnly(CapabilityAdmin):
    view_cap = Cap.VIEW_AUDIT_LOG
    edit_cap = None


@admin.register(Claim, site=site)
class ClaimAdmin(ReadOnly):
    list_display = [
        "reference",
        "status",
        "county",
        "occupation",
        "level",
        "amount",
        "review_due",
        "claim_date",
    ]
    list_filter = ["status", "county"]
    search_fields = ["reference"]
    # Personal data stays masked here as on the public notice: the bank account is not shown at all,
    # the phone number as 138****5678 (the county's review page shows them in full, to its officers).
    exclude = ["bank_account_enc", "bank_account_hash", "phone_enc", "phone_hash"]
    readonly_fields = ["masked_phone"]

    @admin.display(description="联系电话(脱敏)")
    def masked_phone(self, obj):
        return mask_phone(obj.phone)


@admin.register(FundAccount, site=site)
class FundAccountAdmin(ReadOnly):
    list_display = ["county", "year", "budget"]


@admin.register(LedgerEntry, site=site)
class LedgerAdmin(ReadOnly):
    list_display = ["at", "account", "kind", "amount", "note"]
    list_filter = ["kind", "account"]


@admin.register(PaymentBatch, site=site)
class BatchAdmin(ReadOnly):
    list_display = ["reference", "account", "status", "total", "created_at"]


@admin.register(FactImport, site=site)
class FactImportAdmin(ReadOnly):
    list_display = ["uploaded_at", "kind", "filename", "status", "total", "created", "updated", "unchanged"]
    exclude = ["content"]


@admin.register(ApiToken, site=site)
class ApiTokenAdmin(ReadOnly):
    list_display = ["name", "prefix", "county", "created_at", "revoked_at", "last_used_at"]
    exclude = ["digest"]


@admin.register(CreditEntry, site=site)
class CreditEntryAdmin(ReadOnly):
    list_display = ["decided_on", "kind", "county", "legal_basis"]
