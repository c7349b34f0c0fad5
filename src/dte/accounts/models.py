from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models

from dte.core.roles import Role


class User(AbstractUser):
    role = models.CharField("角色", max_length=24, choices=Role.choices)
    person = models.OneToOneField(
        "people.Person",
        verbose_name="实名人员",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="account",
    )
    institution = models.ForeignKey(
        "catalog.Institution",
        verbose_name="所属培训机构",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    evaluation_body = models.ForeignKey(
        "catalog.EvaluationBody",
        verbose_name="所属评价机构",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    county = models.ForeignKey(
        "catalog.County",
        verbose_name="所属县(市、区)",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="officers",
    )
    display_name = models.CharField("显示名", max_length=60, blank=True)

    class Meta:
        verbose_name = "账号"
        verbose_name_plural = "账号"
        constraints = [
            models.CheckConstraint(
                name="scope_matches_role",
                condition=(
                    models.Q(role="trainee", person__isnull=False)
                    | models.Q(role="institution_staff", institution__isnull=False)
                    | models.Q(role="evaluation_staff", evaluation_body__isnull=False)
                    | models.Q(role__in=["county_reviewer", "county_approver"], county__isnull=False)
                    | models.Q(role__in=["city_officer", "auditor", "administrator"])
                ),
            )
        ]

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def role_label(self) -> str:
        return Role(self.role).label if self.role else ""

    @property
    def scope_label(self) -> str:
        for obj in (self.institution, self.evaluation_body, self.county):
            if obj is not None:
                return str(obj)
        if self.role in (Role.CITY_OFFICER, Role.AUDITOR, Role.ADMINISTRATOR):
            return "全市"
        return ""

    def clean(self) -> None:
        required = {
            Role.TRAINEE: ("person", "学员账号须关联实名人员"),
            Role.INSTITUTION_STAFF: ("institution", "培训机构账号须指定所属机构"),
            Role.EVALUATION_STAFF: ("evaluation_body", "评价机构账号须指定所属评价机构"),
            Role.COUNTY_REVIEWER: ("county", "县级账号须指定所属县(市、区)"),
            Role.COUNTY_APPROVER: ("county", "县级账号须指定所属县(市、区)"),
        }
        if self.role in required:
            field, message = required[Role(self.role)]
            if getattr(self, f"{field}_id") is None:
                raise ValidationError({field: message})
