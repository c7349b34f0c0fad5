import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from dte.accounts.models import User
from dte.accounts.services import account_set_active, staff_account_create
from dte.audit.models import AuditEntry
from dte.catalog.models import County, Institution

NEW = {"username": "wang", "display_name": "王老师", "password": "Initial-Pass-2026"}


def test_an_administrator_opens_a_county_reviewer_account(administrator, at):
    user = staff_account_create(
        actor=administrator, role="county_reviewer", county=County.objects.get(code="330381"), at=at, **NEW
    )
    assert user.scope_label == "瑞安市"
    assert AuditEntry.objects.filter(action="account.create", object_id=str(user.pk)).exists()


def test_a_staff_account_needs_its_scope(administrator, at):
    with pytest.raises(ValidationError) as err:
        staff_account_create(actor=administrator, role="institution_staff", at=at, **NEW)
    assert "institution" in err.value.message_dict
    assert not User.objects.filter(username="wang").exists()


def test_the_city_cannot_open_an_administrator_account(city_officer, at):
    with pytest.raises(PermissionDenied):
        staff_account_create(actor=city_officer, role="administrator", at=at, **NEW)


def test_a_county_officer_cannot_open_accounts(county_reviewer, at):
    with pytest.raises(PermissionDenied):
        staff_account_create(
            actor=county_reviewer,
            role="county_reviewer",
            county=County.objects.get(code="330302"),
            at=at,
            **NEW,
        )


def test_a_deactivated_account_can_no_longer_sign_in(client, administrator, at):
    user = staff_account_create(
        actor=administrator,
        role="institution_staff",
        institution=Institution.objects.get(name="浙江大学"),
        at=at,
        **NEW,
    )
    account_set_active(actor=administrator, user=user, active=False, reason="离职", at=at)
    resp = client.post("/accounts/login/", {"username": "wang", "password": NEW["password"]})
    assert resp.status_code == 200 and "_auth_user_id" not in client.session
    entry = AuditEntry.objects.get(action="account.deactivate")
    assert entry.reason == "离职" and entry.changes == {"is_active": [True, False]}


def test_deactivation_needs_a_reason_and_never_applies_to_oneself(administrator, city_officer, at):
    with pytest.raises(ValidationError):
        account_set_active(actor=administrator, user=administrator, active=False, reason="x", at=at)
    with pytest.raises(ValidationError):
        account_set_active(actor=administrator, user=city_officer, active=False, reason=" ", at=at)


def test_the_management_page_creates_an_account_and_filters_by_role(client_as, administrator):
    client = client_as(administrator)
    resp = client.post(
        "/accounts/manage/",
        {**NEW, "role": "county_approver", "county": County.objects.get(code="330302").pk},
    )
    assert resp.status_code == 302
    html = client.get("/accounts/manage/?role=county_approver").content.decode()
    assert "wang" in html and "鹿城区" in html
    partial = client.get("/accounts/manage/?role=auditor", headers={"HX-Request": "true"}).content.decode()
    assert "<h1>" not in partial and "wang" not in partial


def test_an_administrator_resets_a_password_from_the_page(client_as, administrator, county_reviewer):
    client = client_as(administrator)
    client.post(
        f"/accounts/manage/{county_reviewer.pk}/", {"action": "reset", "new_password": "Reset-Pass-2026x"}
    )
    county_reviewer.refresh_from_db()
    assert county_reviewer.check_password("Reset-Pass-2026x")
