"""Reads of the reference catalogues (public)."""

from __future__ import annotations

from django.db.models import Prefetch

from dte.catalog.models import Designation, Institution, Occupation


def occupations_with_institutions():
    return Occupation.objects.prefetch_related(
        Prefetch(
            "designations",
            queryset=Designation.objects.select_related("institution").filter(institution__active=True),
        )
    )


def institutions_with_occupations():
    return Institution.objects.filter(active=True).prefetch_related(
        Prefetch("designations", queryset=Designation.objects.select_related("occupation"))
    )


def institution_detail(*, pk: int) -> Institution | None:
    return institutions_with_occupations().filter(pk=pk).first()
