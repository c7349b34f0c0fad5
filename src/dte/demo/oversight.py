"""Demo history for the dashboards, the year-end reports and supervision: about two years of
classes, certificates and claims across the counties, fund accounts and trainee surveys. Deterministic
(a fixed seed) and created once (``dte demo`` calls it; a second call adds nothing)."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from django.db import transaction

from dte.accounts.models import Role, User
from dte.catalog.models import County, Institution, Level, Occupation
from dte.demo.synthetic import ClaimStatus, Records
from dte.subsidy.models import FundAccount
from dte.supervision.models import QUESTIONS, SurveyResponse
from dte.training.models import Enrolment, TrainingPlan

MARK = "DEMO-OV"  # filing numbers of the demo plans: their presence means the demo exists
AMOUNTS = {"junior": 3300, "intermediate": 3900, "senior": 5200}


def create(*, at: datetime, people_per_class: int = 14) -> bool:
    if TrainingPlan.objects.filter(filing_number__startswith=MARK).exists():
        return False
    city = User.objects.filter(role=Role.CITY_OFFICER).order_by("pk").first()
    if city is None:
        return False
    rng = random.Random(2030)
    today = at.date()
    with transaction.atomic():
        r = Records(user=city, at=at)
        counties = list(County.objects.values_list("code", flat=True))
        institutions = list(Institution.objects.filter(active=True, designations__isnull=False).distinct())
        occupations = list(Occupation.objects.filter(designations__isnull=False).distinct())
        levels = list(Level.objects.order_by("rank"))
        start = date(2024, 3, 4)
        n_classes = 0
        while start < today - timedelta(days=20):
            inst = institutions[n_classes % len(institutions)]
            occ = next(
                (o for o in occupations if o.designations.filter(institution=inst).exists()), occupations[0]
            )
            lvl = levels[n_classes % 3 if n_classes % 5 else 0]
            end = start + timedelta(days=rng.randint(20, 45))
            finished = end < today
            fee = rng.choice([2600, 2800, 3200, 3600])
            klass = r.klass(
                occupation=occ.code,
                level=lvl.code,
                institution=inst.name,
                start=start,
                end=end,
                fee=fee,
                class_fee=fee + 400 if n_classes % 11 == 7 else fee,
                status="completed" if finished else "running",
                name=f"{start.year}年{occ.name[:4]}{lvl.name}第{n_classes + 1}期",
            )
            TrainingPlan.objects.filter(pk=klass.plan_id).update(filing_number=f"{MARK}-{n_classes + 1:04d}")
            for _ in range(people_per_class):
                _trainee(
                    r,
                    rng,
                    klass,
                    counties=counties,
                    finished=finished,
                    end=end,
                    fee=fee,
                    occupation=occ.code,
                    level=lvl.code,
                    at=at,
                    today=today,
                )
            n_classes += 1
            start += timedelta(days=rng.choice([10, 14, 17, 21]))
        for year in range(2024, today.year + 1):
            for code in counties:
                if not FundAccount.objects.filter(county__code=code, year=year).exists():
                    r.fund(county=code, year=year, budget=rng.choice([200_000, 300_000, 500_000, 800_000]))
    return True


def _trainee(
    r: Records,
    rng: random.Random,
    klass,
    *,
    counties: list[str],
    finished: bool,
    end: date,
    fee: int,
    occupation: str,
    level: str,
    at: datetime,
    today: date,
) -> None:
    """One trainee of a demo class: admitted (the class still running), dropped out, or certified,
    sometimes surveyed, and level-certified and claiming as far as the dates allow."""
    region = rng.choice(counties + counties[:3] + ["340104"])
    person = r.person(
        region=region, name=rng.choice("陈林王张李黄周吴郑徐") + rng.choice("晓雅志海婷伟芳磊静")
    )
    outcome = rng.random()
    if not finished:
        r.enrol(klass, person, status="admitted")
        return
    if outcome < 0.08:
        r.enrol(klass, person, status="dropped")
        return
    e = r.enrol(klass, person)
    tc = r.training_certificate(e, issued_on=end + timedelta(days=6))
    if rng.random() < 0.5:
        _survey(e, rng, at, fee)
    exam = end + timedelta(days=rng.randint(25, 60))
    if outcome < 0.75 and exam < today:
        r.level_certificate(tc, issued_on=exam)
        claim_date = exam + timedelta(days=rng.randint(10, 90))
        if claim_date < today and region in counties and rng.random() < 0.8:
            _claim(r, rng, person, region, occupation, level, claim_date, today)


def _survey(e: Enrolment, rng: random.Random, at: datetime, fee: int) -> None:
    base = rng.choice([3, 4, 4, 5, 5])
    SurveyResponse.objects.create(
        enrolment=e,
        klass=e.klass,
        submitted_at=at,
        fee_paid=fee + (500 if rng.random() < 0.03 else 0),
        **{k: max(1, min(5, base + rng.choice([-1, 0, 0, 1]))) for k, _ in QUESTIONS},
    )


def _claim(r: Records, rng, person, county, occ, lvl, claim_date: date, today: date) -> None:
    """A claim moved through the lifecycle as far as its age allows, sometimes late."""
    wd = 1.45  # calendar days per working day, near enough for demo deadlines
    review_due = claim_date + timedelta(days=int(10 * wd))
    approval_due = claim_date + timedelta(days=int(15 * wd))
    reviewed_on = claim_date + timedelta(days=rng.randint(3, 19))
    decided_on = reviewed_on + timedelta(days=rng.randint(1, 9))
    payment_due = decided_on + timedelta(days=int(65 * wd))
    paid_on = decided_on + timedelta(days=rng.randint(20, 110))
    amount = AMOUNTS[lvl]
    kw = {
        "person": person,
        "county": county,
        "occupation": occ,
        "level": lvl,
        "claim_date": claim_date,
        "amount": amount,
    }
    if reviewed_on >= today:
        r.claim(status=ClaimStatus.UNDER_REVIEW, review_due=review_due, **kw)
    elif decided_on >= today:
        r.claim(
            status=ClaimStatus.REVIEWED,
            review_due=review_due,
            reviewed_on=reviewed_on,
            approval_due=approval_due,
            **kw,
        )
    elif rng.random() < 0.07:
        r.claim(
            status=ClaimStatus.REJECTED,
            review_due=review_due,
            reviewed_on=reviewed_on,
            approval_due=approval_due,
            decided_on=decided_on,
            **{**kw, "amount": 0},
        )
    elif paid_on >= today:
        r.claim(
            status=ClaimStatus.PAYABLE,
            review_due=review_due,
            reviewed_on=reviewed_on,
            approval_due=approval_due,
            decided_on=decided_on,
            payment_due=payment_due,
            **kw,
        )
    else:
        r.claim(
            status=ClaimStatus.PAID,
            review_due=review_due,
            reviewed_on=reviewed_on,
            approval_due=approval_due,
            decided_on=decided_on,
            payment_due=payment_due,
            paid_on=paid_on,
            **kw,
        )
