from __future__ import annotations

from dte.accounts.models import Role, User
from dte.accounts.services import CREATABLE_ROLES
from dte.catalog.models import County, Designation
from dte.notifications.selectors import unread_count


def home_summary(*, user: User) -> dict:
    """What a role's home page shows about its scope."""
    out: dict = {"role": Role(user.role), "unread": unread_count(actor=user)}
    if user.role == Role.TRAINEE and user.person_id:
        out["person"] = user.person
    if user.role == Role.INSTITUTION_STAFF and user.institution_id:
        out["designations"] = Designation.objects.filter(institution_id=user.institution_id).select_related(
            "occupation"
        )
    if user.role in (Role.COUNTY_REVIEWER, Role.COUNTY_APPROVER):
        out["county"] = user.county
    if user.role in (Role.CITY_OFFICER, Role.AUDITOR):
        out["counties"] = County.objects.all()
    return out


def accounts_for_manager(*, actor: User, role: str = "", q: str = ""):
    """Staff accounts the actor may manage (trainees are managed through their real-name record)."""
    roles = [r.value for r in CREATABLE_ROLES.get(Role(actor.role), [])]
    qs = User.objects.filter(role__in=roles).select_related("institution", "evaluation_body", "county")
    if role:
        qs = qs.filter(role=role)
    if q:
        qs = qs.filter(username__icontains=q) | qs.filter(display_name__icontains=q)
    return qs.order_by("role", "username")
