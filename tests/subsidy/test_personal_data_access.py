"""The auditor lists every disclosure of full personal data to staff (PIPL): evidence opened by an
officer, bank files downloaded, exports with full ID numbers; one filter of the audit log, reached
from the auditor's menu."""

from __future__ import annotations

from django.urls import reverse

from dte.audit.admin import PERSONAL_DATA_ACCESS
from dte.audit.models import AuditEntry
from dte.subsidy.models import Evidence
from dte.web.workbench import menu_for


def test_the_auditor_lists_the_evidence_an_officer_opened_and_nothing_else(
    client_as, auditor, county_reviewer, submitted
):
    ev = Evidence.objects.filter(claim=submitted).first()
    page = client_as(county_reviewer).get(reverse("subsidy:evidence", args=[submitted.pk, ev.pk]))
    assert page.status_code == 200
    listing = client_as(auditor).get(reverse("admin:audit_auditentry_changelist") + "?access=personal")
    assert listing.status_code == 200
    shown = set(listing.context["cl"].queryset.values_list("action", flat=True))
    assert shown == {"subsidy.evidence.view"}
    assert AuditEntry.objects.exclude(action__in=PERSONAL_DATA_ACCESS).exists()  # the rest is left out
    assert county_reviewer.username in listing.content.decode()


def test_the_auditors_menu_leads_to_the_access_list(auditor, trainee):
    assert ("个人信息访问记录", "/admin/audit/auditentry/?access=personal") in menu_for(auditor)
    assert all(label != "个人信息访问记录" for label, _ in menu_for(trainee))
