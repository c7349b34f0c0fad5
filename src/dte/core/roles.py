"""The roles of DESIGN.md §5. Below every app, with the capability matrix (dte.core.permissions) that
maps each role to what it may do; ``accounts.models.User.role`` takes one of them."""

from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    """Roles of DESIGN.md §5, each with its scope."""

    TRAINEE = "trainee", "学员"
    INSTITUTION_STAFF = "institution_staff", "培训机构工作人员"
    EVALUATION_STAFF = "evaluation_staff", "评价机构工作人员"
    COUNTY_REVIEWER = "county_reviewer", "县级经办(审核)"
    COUNTY_APPROVER = "county_approver", "县级经办(审批)"
    CITY_OFFICER = "city_officer", "市人力社保局"
    AUDITOR = "auditor", "审计监督(只读)"
    ADMINISTRATOR = "administrator", "系统管理员"
