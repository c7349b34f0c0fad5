"""The open statistics: public aggregate figures with no personal data, small counts
suppressed so that no one can be singled out."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Count, F, Sum

from dte.evaluation.models import LevelCertificate
from dte.reports.goal import programme_start
from dte.reports.selectors import OUTSIDE, Labels, _add, _county_key
from dte.subsidy.models import Claim
from dte.subsidy.models import Status as ClaimStatus
from dte.training.models import Enrolment

SUPPRESS_BELOW = 5  # counts 1–4 are shown as "<5" so that no one can be singled out


def open_statistics() -> list[dict]:
    """Public aggregate figures by year, county, occupation and level: level certificates issued
    under the programme, training completed and subsidy claims paid (count and amount). No personal
    data; a count from 1 to 4 is suppressed (None), and so is the amount beside it."""
    labels = Labels.load()
    cells: dict[tuple, dict] = defaultdict(dict)
    start = programme_start()
    for r in (
        Enrolment.objects.filter(status=Enrolment.Status.COMPLETED, klass__end_date__gte=start)
        .values(
            y=F("klass__end_date__year"),
            cc=F("person__region_code"),
            o=F("klass__plan__occupation"),
            lv=F("klass__plan__level"),
        )
        .annotate(n=Count("id"))
    ):
        _add(cells[(r["y"], _county_key(r["cc"], labels), r["o"], r["lv"])], "trained", r["n"])
    for r in (
        LevelCertificate.objects.filter(status=LevelCertificate.Status.VALID, issued_on__gte=start)
        .values(y=F("issued_on__year"), cc=F("person__region_code"), o=F("occupation"), lv=F("level"))
        .annotate(n=Count("id"))
    ):
        _add(cells[(r["y"], _county_key(r["cc"], labels), r["o"], r["lv"])], "level_certified", r["n"])
    for r in (
        Claim.objects.filter(status=ClaimStatus.PAID, paid_on__isnull=False)
        .values(y=F("paid_on__year"), cc=F("county__code"), o=F("occupation"), lv=F("level"))
        .annotate(n=Count("id"), amount=Sum("amount"))
    ):
        cell = cells[(r["y"], _county_key(r["cc"], labels), r["o"], r["lv"])]
        _add(cell, "paid_claims", r["n"])
        _add(cell, "paid_amount", r["amount"])
    out = []
    occ_order = list(labels.occupations)
    for key in sorted(cells, key=lambda k: (k[0], k[1], occ_order.index(k[2]), labels.levels[k[3]][2])):
        y, cc, o, lv = key
        cell = cells[key]
        trained = cell.get("trained", 0)
        certified = cell.get("level_certified", 0)
        paid = cell.get("paid_claims", 0)
        out.append(
            {
                "year": y,
                "county_code": cc if cc != OUTSIDE else "",
                "county": labels.county(cc),
                "occupation_code": labels.occupations[o][0],
                "occupation": labels.occupations[o][1],
                "level": labels.levels[lv][1],
                "trained": suppress(trained),
                "level_certified": suppress(certified),
                "paid_claims": suppress(paid),
                "paid_amount": cell.get("paid_amount", 0) if paid == 0 or paid >= SUPPRESS_BELOW else None,
            }
        )
    return out


def suppress(n: int) -> int | None:
    return None if 0 < n < SUPPRESS_BELOW else n
