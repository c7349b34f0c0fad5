"""The officers' queue through the shared list component: sorted by amount or submission time on
request (the due date by default), and the current filter exported as XLSX, audited."""

from __future__ import annotations

import io
import re
from datetime import timedelta

from openpyxl import load_workbook

from dte.audit.models import AuditEntry
from dte.subsidy.models import Claim


def _references(body: str) -> list[str]:
    return re.findall(r'<a href="/subsidy/claims/\d+/">([^<]+)</a>', body)


def _three_claims(make_claim, make_trainee):
    """Three claims whose amounts and submission times run against their due dates."""
    claims = [make_claim(make_trainee()) for _ in range(3)]
    for i, c in enumerate(claims):
        Claim.objects.filter(pk=c.pk).update(
            amount=1000 * (3 - i),  # 3000, 2000, 1000
            submitted_at=c.submitted_at + timedelta(hours=i),
            review_due=c.review_due + timedelta(days=3 - i),  # latest due first made
        )
    return [Claim.objects.get(pk=c.pk).reference for c in claims]


def test_the_queue_sorts_by_amount_or_submission_time_and_by_due_date_by_default(
    make_claim, make_trainee, county_reviewer, client_as
):
    a, b, c = _three_claims(make_claim, make_trainee)
    client = client_as(county_reviewer)
    assert _references(client.get("/subsidy/queue/").content.decode()) == [c, b, a]
    assert _references(client.get("/subsidy/queue/", {"sort": "amount"}).content.decode()) == [c, b, a]
    assert _references(client.get("/subsidy/queue/", {"sort": "-amount"}).content.decode()) == [a, b, c]
    body = client.get("/subsidy/queue/", {"sort": "-submitted"}).content.decode()
    assert _references(body) == [c, b, a] and 'aria-sort="descending"' in body
    assert _references(client.get("/subsidy/queue/", {"sort": "submitted"}).content.decode()) == [a, b, c]


def test_the_queue_exports_its_current_filter_with_an_audit_entry(
    make_claim, make_trainee, county_reviewer, client_as
):
    a, _, _ = _three_claims(make_claim, make_trainee)
    response = client_as(county_reviewer).get("/subsidy/queue/", {"q": a, "export": "xlsx", "sort": "amount"})
    assert response.status_code == 200
    assert re.fullmatch(
        r'attachment; filename="claims-queue-\d{4}-\d\d-\d\d\.xlsx"', response["Content-Disposition"]
    )
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][:2] == ("期限", "申领编号") and [r[1] for r in rows[1:]] == [a] and rows[1][4] == 3000
    entry = AuditEntry.objects.get(action="subsidy.queue.export")
    assert entry.actor == county_reviewer
    assert entry.changes["rows"] == 1 and entry.changes["filters"] == {"q": a, "sort": "amount"}


def test_another_countys_officer_exports_none_of_these_claims(
    make_claim, make_trainee, other_county_reviewer, client_as
):
    _three_claims(make_claim, make_trainee)
    response = client_as(other_county_reviewer).get("/subsidy/queue/", {"export": "xlsx"})
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert len(rows) == 1  # the header alone
