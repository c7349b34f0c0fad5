"""Known records for the figure tests: two counties and one person from outside Wenzhou, classes in
2024 and 2025, certificates (one revoked), claims in every state that matters, fund accounts and a
recovery. Each test compares the figures with counts made directly over the records."""

from __future__ import annotations

from datetime import date

import pytest

from dte.demo.synthetic import ClaimStatus, Records
from tests.conftest import AT
from tests.subsidy.conftest import make_claim, make_trainee  # noqa: F401 (claims through the services)

AI, BIG_DATA = "2-02-10-09", "2-02-10-11"
TODAY = date(2025, 12, 15)


@pytest.fixture
def records(city_officer):
    return Records(user=city_officer, at=AT)


@pytest.fixture
def history(records):
    r = records
    lc = [r.person(region="330302", name=f"鹿城{i}") for i in range(6)]
    ra = [r.person(region="330381", name=f"瑞安{i}") for i in range(3)]
    anhui = r.person(region="340104", name="外地")
    a = r.klass(occupation=AI, level="junior", start=date(2025, 4, 7), end=date(2025, 4, 30))
    b = r.klass(occupation=BIG_DATA, level="intermediate", start=date(2024, 11, 4), end=date(2025, 1, 10))
    c = r.klass(
        occupation=AI, level="junior", start=date(2024, 3, 4), end=date(2024, 4, 26), institution="浙江大学"
    )
    # Class A (2025, AI junior): five completed, one dropped, one only applied.
    for p in [lc[0], lc[1], lc[2], ra[0], anhui]:
        e = r.enrol(a, p)
        tc = r.training_certificate(e, issued_on=date(2025, 5, 6))
        if p in (lc[0], ra[0]):
            r.level_certificate(tc, issued_on=date(2025, 6, 10))
        if p is lc[1]:
            r.level_certificate(tc, issued_on=date(2025, 6, 10), status="revoked")
    r.enrol(a, lc[3], status="dropped")
    r.enrol(a, lc[4], status="applied")
    # Class B (started 2024, ended 2025, big data intermediate): lc[0] again, and ra[1].
    for p in [lc[0], ra[1]]:
        e = r.enrol(b, p)
        tc = r.training_certificate(e, issued_on=date(2025, 1, 20))
        r.level_certificate(tc, issued_on=date(2025, 3, 1))
    # Class C (2024): lc[5] certified in 2024 (counts for the goal in 2024, not in the 2025 report).
    e = r.enrol(c, lc[5])
    tc = r.training_certificate(e, issued_on=date(2024, 5, 6))
    r.level_certificate(tc, issued_on=date(2024, 6, 3))

    claims = {
        # 鹿城: paid on time, paid late, approved and waiting for payment, under review overdue, rejected
        "paid": r.claim(
            person=lc[0],
            county="330302",
            status=ClaimStatus.PAID,
            amount=3300,
            claim_date=date(2025, 6, 20),
            review_due=date(2025, 7, 4),
            reviewed_on=date(2025, 7, 1),
            approval_due=date(2025, 7, 11),
            decided_on=date(2025, 7, 10),
            payment_due=date(2025, 10, 30),
            paid_on=date(2025, 9, 1),
        ),
        "paid_late": r.claim(
            person=lc[0],
            county="330302",
            occupation=BIG_DATA,
            level="intermediate",
            status=ClaimStatus.PAID,
            amount=3900,
            claim_date=date(2025, 3, 10),
            review_due=date(2025, 3, 24),
            reviewed_on=date(2025, 3, 28),
            approval_due=date(2025, 3, 31),
            decided_on=date(2025, 4, 2),
            payment_due=date(2025, 6, 30),
            paid_on=date(2025, 7, 15),
        ),
        "payable": r.claim(
            person=lc[5],
            county="330302",
            status=ClaimStatus.PAYABLE,
            amount=3300,
            claim_date=date(2025, 2, 10),
            review_due=date(2025, 2, 24),
            reviewed_on=date(2025, 2, 20),
            approval_due=date(2025, 3, 3),
            decided_on=date(2025, 3, 3),
            payment_due=date(2025, 12, 1),
        ),
        "under_review": r.claim(
            person=lc[2],
            county="330302",
            status=ClaimStatus.UNDER_REVIEW,
            amount=3300,
            claim_date=date(2025, 11, 3),
            review_due=date(2025, 11, 17),
        ),
        "rejected": r.claim(
            person=lc[1],
            county="330302",
            status=ClaimStatus.REJECTED,
            amount=0,
            claim_date=date(2025, 7, 1),
            review_due=date(2025, 7, 15),
            reviewed_on=date(2025, 7, 8),
            approval_due=date(2025, 7, 22),
            decided_on=date(2025, 7, 20),
        ),
        # 瑞安: one paid in 2025, one draft (never counted)
        "ruian_paid": r.claim(
            person=ra[1],
            county="330381",
            occupation=BIG_DATA,
            level="intermediate",
            status=ClaimStatus.PAID,
            amount=3900,
            claim_date=date(2025, 4, 1),
            review_due=date(2025, 4, 15),
            reviewed_on=date(2025, 4, 10),
            approval_due=date(2025, 4, 22),
            decided_on=date(2025, 4, 21),
            payment_due=date(2025, 7, 20),
            paid_on=date(2025, 5, 20),
        ),
        "ruian_draft": r.claim(
            person=ra[0], county="330381", status=ClaimStatus.DRAFT, amount=3300, claim_date=date(2025, 8, 1)
        ),
    }
    r.recovery(claims["paid_late"], due=900, repaid=[(500, date(2025, 10, 9)), (400, date(2026, 1, 5))])
    r.fund(county="330302", year=2025, budget=100_000)
    r.fund(county="330381", year=2025, budget=50_000)
    return {"lucheng": lc, "ruian": ra, "anhui": anhui, "classes": (a, b, c), "claims": claims}
