from __future__ import annotations

from django.http import Http404
from django.shortcuts import render

from dte.catalog import selectors
from dte.core import clock
from dte.policy import parameters
from dte.policy.reference import goal
from dte.training import selectors as training  # [P5.3b] published fees and open classes


def _standards() -> dict[str, dict]:
    """Subsidy standards in force today, by occupation code [A2.2]."""
    return parameters.get("subsidy_standards").at(clock.today()).value


def home(request):
    occs = list(selectors.occupations_with_institutions())
    return render(
        request,
        "web/home.html",
        {
            "occupations": occs,
            "designation_count": sum(len(o.designations.all()) for o in occs),
            "standards": _standards(),
            "goal": goal(clock.today()),  # [P1]
        },
    )


def occupations(request):
    return render(
        request,
        "web/occupations.html",
        {
            "occupations": selectors.occupations_with_institutions(),
            "standards": _standards(),
        },
    )


def institutions(request):
    return render(
        request, "web/institutions.html", {"institutions": selectors.institutions_with_occupations()}
    )


def institution(request, pk: int):
    inst = selectors.institution_detail(pk=pk)
    if inst is None:
        raise Http404("没有这个培训机构")
    return render(
        request,
        "web/institution.html",
        {
            "institution": inst,
            "fees": training.institution_fees(institution_id=inst.pk),
            "classes": training.catalogue(today=clock.today(), institution_id=inst.pk),
        },
    )
