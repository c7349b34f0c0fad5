"""Synthetic records for the oversight demo, the figure tests and the benchmark: people, classes,
enrolments, certificates, claims, fund accounts and recoveries written straight to the tables.

This bypasses the services on purpose: it stands in for years of history (or a million claims)
that the services would take hours to produce. It is never called by a page or the API; the demo
command, the tests and bench/oversight_dashboard.py call it."""

from __future__ import annotations

import itertools
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from dte.catalog.models import County, EvaluationBody, Institution, Level, Occupation
from dte.demo.accounts import demo_id_number
from dte.evaluation.models import Education, LevelCertificate, Registration
from dte.people import crypto
from dte.people.models import ID_CONTEXT, Person
from dte.reports.selectors import tz
from dte.subsidy.models import Claim, FundAccount, Recovery, Repayment
from dte.subsidy.models import Status as ClaimStatus
from dte.training.models import Enrolment, TrainingCertificate, TrainingClass, TrainingPlan

# Numbers on synthetic certificates and claims: unique within a run, unlikely to meet real ones.
_seq = itertools.count(secrets.randbelow(10**6) * 1000)


def _n() -> int:
    return next(_seq)


@dataclass
class Records:
    """Creates records on behalf of ``user`` (any account: it is only the recorded author)."""

    user: object
    at: datetime

    def person(self, *, region: str = "330302", name: str = "测试学员") -> Person:
        """A person with a valid (synthetic) resident ID number, encrypted as the registry keeps it."""
        n = _n()
        birth = date(1975, 1, 1) + timedelta(days=(n // 1000) % 9000)
        number = demo_id_number(region, birth.strftime("%Y%m%d"), n % 1000)
        return Person.objects.create(
            name=name,
            id_number_enc=crypto.encrypt(number, context=ID_CONTEXT),
            id_number_hash=Person.hash_id_number(number),
            birth_date=birth,
            sex=Person.Sex.MALE if n % 2 else Person.Sex.FEMALE,
            region_code=region,
            created_at=self.at,
        )

    def klass(
        self,
        *,
        occupation: str = "2-02-10-09",
        level: str = "junior",
        institution: str = "杭州电子科技大学",
        start: date = date(2025, 4, 7),
        end: date = date(2025, 4, 30),
        fee: int = 2800,
        class_fee: int | None = None,
        status: str = TrainingClass.Status.COMPLETED,
        name: str = "",
    ) -> TrainingClass:
        n = _n()
        plan = TrainingPlan.objects.create(
            institution=Institution.objects.get(name=institution),
            occupation=Occupation.objects.get(code=occupation),
            level=Level.objects.get(code=level),
            title=f"{occupation} {level} 培训计划 {n}",
            start_date=start,
            end_date=end,
            capacity=200,
            fee=fee,
            evaluation_body=EvaluationBody.objects.order_by("code").first(),
            assessment_plan="理论知识考试与专业能力考核",
            status=TrainingPlan.Status.ON_FILE,
            created_by=self.user,
            created_at=self.at,
            filing_number=f"SYN{n}",
            place="温州",
        )
        return TrainingClass.objects.create(
            plan=plan,
            name=name or f"{start.year}年第{n % 1000}期",
            start_date=start,
            end_date=end,
            mode="blended",
            capacity=200,
            fee=fee if class_fee is None else class_fee,
            enrol_by=start - timedelta(days=2),
            status=status,
            roster_status=TrainingClass.RosterStatus.APPROVED,
            created_at=self.at,
        )

    def enrol(
        self, klass: TrainingClass, person: Person, status: str = Enrolment.Status.COMPLETED
    ) -> Enrolment:
        return Enrolment.objects.create(
            klass=klass, person=person, category=Enrolment.Category.IN_POST, status=status, applied_at=self.at
        )

    def training_certificate(
        self,
        enrolment: Enrolment,
        *,
        issued_on: date | None = None,
        status: str = TrainingCertificate.Status.VALID,
    ) -> TrainingCertificate:
        n = _n()
        plan = enrolment.klass.plan
        return TrainingCertificate.objects.create(
            enrolment=enrolment,
            person=enrolment.person,
            institution=plan.institution,
            occupation=plan.occupation,
            level=plan.level,
            number=f"TC{n}",
            code=f"TCC{n}",
            theory_hours=10,
            practice_hours=10,
            issued_on=issued_on or enrolment.klass.end_date,
            issued_by=self.user,
            status=status,
        )

    def level_certificate(
        self, tc: TrainingCertificate, *, issued_on: date, status: str = LevelCertificate.Status.VALID
    ) -> LevelCertificate:
        n = _n()
        reg = Registration.objects.create(
            training_certificate=tc,
            person=tc.person,
            institution=tc.institution,
            evaluation_body=EvaluationBody.objects.order_by("code").first(),
            occupation=tc.occupation,
            level=tc.level,
            education=Education.values[0],
            status=Registration.Status.CERTIFIED,
            registered_by=self.user,
            registered_at=self.at,
            theory_score=80,
            ability_score=80,
        )
        return LevelCertificate.objects.create(
            registration=reg,
            person=tc.person,
            evaluation_body=reg.evaluation_body,
            occupation=tc.occupation,
            level=tc.level,
            number=f"LC{n}",
            code=f"LCC{n}",
            theory_score=80,
            ability_score=80,
            issued_on=issued_on,
            issued_by=self.user,
            status=status,
        )

    def claim(
        self,
        *,
        person: Person,
        county: str,
        occupation: str = "2-02-10-09",
        level: str = "junior",
        status: str,
        amount: int = 3300,
        claim_date: date,
        review_due: date | None = None,
        reviewed_on: date | None = None,
        approval_due: date | None = None,
        decided_on: date | None = None,
        payment_due: date | None = None,
        paid_on: date | None = None,
    ) -> Claim:
        n = _n()
        return Claim.objects.create(
            reference=f"SY{n}"[:24],
            person=person,
            status=status,
            county=County.objects.get(code=county),
            level_certificate_number=f"LC{n}",
            occupation=Occupation.objects.get(code=occupation),
            level=Level.objects.get(code=level),
            level_issued_on=claim_date - timedelta(days=30),
            created_at=self.at,
            claim_date=claim_date,
            received_on=claim_date,
            review_due=review_due,
            reviewed_at=noon(reviewed_on),
            approval_due=approval_due,
            decided_at=noon(decided_on),
            payment_due=payment_due,
            paid_on=paid_on,
            amount=amount,
            eligible=True,
        )

    def fund(self, *, county: str, year: int, budget: int) -> FundAccount:
        return FundAccount.objects.create(county=County.objects.get(code=county), year=year, budget=budget)

    def recovery(self, claim: Claim, *, due: int, repaid: list[tuple[int, date]]) -> Recovery:
        r = Recovery.objects.create(
            claim=claim, amount_due=due, reason="多发", opened_by=self.user, opened_at=self.at
        )
        for amount, on in repaid:
            Repayment.objects.create(
                recovery=r, amount=amount, received_on=on, recorded_by=self.user, recorded_at=self.at
            )
        return r


def noon(d: date | None) -> datetime | None:
    """A local working-day noon, as the services would stamp a decision made that day."""
    return None if d is None else datetime.combine(d, time(12), tzinfo=tz())


__all__ = ["ClaimStatus", "Records", "noon"]
