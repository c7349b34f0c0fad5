"""A history of submitted claims written straight to the tables, for the flat-cost test and the
claims benchmark: many claims through one institution, each with evidence files, submitted long
before the claims being measured. Bypasses the services on purpose (thousands to a million claims in
seconds); never called by a page or the API."""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta

from dte.catalog.models import County, Institution, Level, Occupation
from dte.people import crypto
from dte.people.models import ID_CONTEXT, Person
from dte.subsidy.models import Claim, Evidence
from dte.subsidy.models import Status as ClaimStatus

_BATCH = 5000


def submitted_claims(
    n: int,
    *,
    institution: Institution,
    county: County,
    submitted_at: datetime,
    hashes: list[str] | None = None,
) -> int:
    """``n`` claims under review from ``n`` new people, trained at ``institution`` and submitted at
    ``submitted_at`` (spread back over the days before it), each with two evidence files: with the
    given ``hashes`` (the same files in every claim: the worst case of the identical-evidence
    signal) or random ones. Returns the number of claims written."""
    combos = [(o, lv) for o in Occupation.objects.all() for lv in Level.objects.all()]
    enc = crypto.encrypt("330302199001010011", context=ID_CONTEXT)
    tag = secrets.token_hex(4)
    done = 0
    while done < n:
        size = min(_BATCH, n - done)
        people = Person.objects.bulk_create(
            [
                Person(
                    name=f"历史{done + k}",
                    id_number_enc=enc,
                    id_number_hash=f"history-{tag}-{done + k}",
                    birth_date=date(1990, 1, 1),
                    sex="male",
                    region_code=county.code,
                    created_at=submitted_at,
                )
                for k in range(size)
            ]
        )
        claims = Claim.objects.bulk_create(
            [
                _claim(done + k, person, combos, institution, county, submitted_at, tag)
                for k, person in enumerate(people)
            ]
        )
        Evidence.objects.bulk_create(
            [
                Evidence(
                    claim=c,
                    kind=kind,
                    filename=f"{kind}.pdf",
                    content_type="application/pdf",
                    size=4,
                    sha256=hashes[i] if hashes else secrets.token_hex(32),
                    content=b"%PDF",
                    uploaded_at=c.submitted_at,
                    claim_institution=institution,
                    claim_submitted_at=c.submitted_at,
                )
                for c in claims
                for i, kind in enumerate(("training_certificate", "level_certificate"))
            ]
        )
        done += size
    return done


def _claim(k, person, combos, institution, county, submitted_at, tag) -> Claim:
    occ, lvl = combos[k % len(combos)]
    at = submitted_at - timedelta(days=1 + k % 700, minutes=k % 600)
    on = at.date()
    return Claim(
        reference=f"H{tag}{k:09d}"[:24],
        person=person,
        status=ClaimStatus.UNDER_REVIEW,
        county=county,
        level_certificate_number=f"H{tag}-{k}",
        occupation=occ,
        level=lvl,
        level_issued_on=on - timedelta(days=60),
        training_institution=institution,
        created_at=at,
        submitted_at=at,
        claim_date=on,
        received_on=on,
        review_due=on + timedelta(days=14),
        approval_due=on + timedelta(days=21),
        amount=3300,
        eligible=True,
    )
