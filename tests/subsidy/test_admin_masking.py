"""The auditors' admin shows personal data masked, as the public notice does: a claim's phone
number as 139****0009, its bank account not at all."""

from django.urls import reverse

from dte.people.models import phone_columns
from dte.subsidy.models import Claim


def test_the_claim_admin_shows_the_phone_number_masked_and_no_bank_account(client_as, auditor, submitted):
    Claim.objects.filter(pk=submitted.pk).update(**phone_columns("13900000009"))
    client = client_as(auditor)
    listing = client.get(reverse("admin:subsidy_claim_changelist"))
    page = client.get(reverse("admin:subsidy_claim_change", args=[submitted.pk]))
    assert listing.status_code == 200 and page.status_code == 200
    html = page.content.decode()
    assert "139****0009" in html and "13900000009" not in html
    assert submitted.bank_account not in html and submitted.bank_account_enc not in html
