"""Each role's workbench: what waits for the account, counted within its scope, each card a link to
the list filtered to exactly those items; and the role menu on every page."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dte.catalog.models import County
from dte.parameters import layer
from dte.subsidy import selectors, services
from dte.subsidy.models import Claim
from dte.training import services as training
from dte.training.models import TrainingPlan
from dte.web import workbench
from tests.conftest import PERSONAS
from tests.subsidy.conftest import SUBMIT_AT, make_eligible
from tests.training.helpers import draft_plan, filed_plan

TODAY = date(2025, 3, 18)  # a Tuesday; the claims were submitted on Monday 10 March
pytestmark = pytest.mark.django_db


def cards(html: str) -> dict[str, str]:
    """Each card's key and its count as the page shows them."""
    return dict(re.findall(r'id="card-([\w-]+)" data-count="(\d*)"', html))


def test_the_signed_in_home_is_the_workbench_of_each_role(client_as, persona_cards):
    for user, expected in persona_cards:
        html = client_as(user).get("/accounts/home/").content.decode()
        assert f"{user.role_label}工作台" in html
        assert expected <= set(cards(html)), user.username


@pytest.fixture
def persona_cards(
    trainee,
    institution_staff,
    evaluation_staff,
    county_reviewer,
    county_approver,
    city_officer,
    auditor,
    administrator,
):
    return [
        (trainee, {"claims-info", "claims-draft", "surveys", "inbox"}),
        (institution_staff, {"plans-returned", "plans-submitted", "regs-registered"}),
        (evaluation_staff, {"regs-registered", "regs-accepted", "regs-passed"}),
        (county_reviewer, {"claims-review", "claims-info", "objections", "claims-notice"}),
        (county_approver, {"claims-approve", "objections", "claims-payable", "claims-batch"}),
        (city_officer, {"plans-submitted", "rosters-submitted", "claims-review", "anomalies"}),
        (auditor, {"plans-submitted", "claims-review", "objections"}),
        (administrator, {"accounts", "admin", "inbox"}),
    ]


def test_the_city_officers_home_shows_what_waits_not_raw_audit_codes(client_as, city_officer, submitted):
    html = client_as(city_officer).get("/accounts/home/").content.decode()
    assert "最近审计日志" not in html and "claim.submit" not in html
    assert cards(html)["claims-review"] == "1"


@pytest.fixture
def ruian_claim(make_trainee, make_claim):
    """A claim in 瑞安市: its claimant employed and insured there."""
    user = make_trainee("王五")
    user.person.insurance_months.all().delete()
    make_eligible(user.person, county="330381")
    claim = make_claim(user)
    assert claim.county == County.objects.get(code="330381")
    return claim


def test_a_county_reviewer_never_counts_another_countys_claims(
    submitted, ruian_claim, county_reviewer, other_county_reviewer, city_officer
):
    lucheng = selectors.claim_workload(actor=county_reviewer, today=TODAY)
    ruian = selectors.claim_workload(actor=other_county_reviewer, today=TODAY)
    city = selectors.claim_workload(actor=city_officer, today=TODAY)
    assert lucheng["under_review"]["count"] == 1
    assert ruian["under_review"]["count"] == 1
    assert city["under_review"]["count"] == 2


def test_the_review_card_counts_overdue_and_due_soon_claims_and_the_nearest_due_date(
    eligible_trainee, make_claim, county_reviewer
):
    a = make_claim(eligible_trainee, level="junior")
    b = make_claim(eligible_trainee, level="intermediate")
    c = make_claim(eligible_trainee, level="senior")
    Claim.objects.filter(pk=a.pk).update(review_due=date(2025, 3, 14))  # overdue
    Claim.objects.filter(pk=b.pk).update(review_due=date(2025, 3, 19))  # within 2 working days
    Claim.objects.filter(pk=c.pk).update(review_due=date(2025, 3, 28))
    row = selectors.claim_workload(actor=county_reviewer, today=TODAY)["under_review"]
    assert (row["count"], row["overdue"], row["due_soon"], row["next_due"]) == (3, 1, 1, date(2025, 3, 19))


def test_each_claims_card_links_to_the_queue_filtered_to_exactly_its_claims(
    eligible_trainee, make_claim, county_reviewer, client_as, freeze
):
    freeze(SUBMIT_AT.replace(day=18))
    a = make_claim(eligible_trainee, level="junior")
    b = make_claim(eligible_trainee, level="intermediate")
    Claim.objects.filter(pk=a.pk).update(review_due=date(2025, 3, 14))
    Claim.objects.filter(pk=b.pk).update(status="awaiting_info", info_requested_on=date(2025, 3, 12))
    client = client_as(county_reviewer)
    group = workbench.groups_for(county_reviewer, TODAY)[0]
    review, info = group.cards
    assert (review.count, review.overdue, info.count) == (1, 1, 1)
    for card, claim in ((review, a), (info, b)):
        html = client.get(card.href).content.decode()
        assert re.findall(r'href="/subsidy/claims/(\d+)/"', html) == [str(claim.pk)]
    html = client.get(review.overdue_href).content.decode()
    assert re.findall(r'href="/subsidy/claims/(\d+)/"', html) == [str(a.pk)]


def test_the_trainees_cards_link_to_their_own_claims_of_that_status(eligible_trainee, make_claim, client_as):
    make_claim(eligible_trainee, level="junior", submit=False)
    sent = make_claim(eligible_trainee, level="intermediate")
    client = client_as(eligible_trainee)
    html = client.get("/accounts/home/").content.decode()
    assert cards(html)["claims-draft"] == "1" and cards(html)["claims-review"] == "1"
    listed = client.get("/subsidy/?status=under_review").content.decode()
    assert sent.reference in listed and listed.count('href="/subsidy/claims/') == 1


def test_the_city_officers_plan_card_links_to_the_plans_awaiting_filing(
    client_as, city_officer, institution_staff
):
    submitted_plan = draft_plan(institution_staff)
    training.plan_submit(actor=institution_staff, plan=submitted_plan, at=SUBMIT_AT)
    filed = filed_plan(institution_staff, city_officer, level="intermediate")
    client = client_as(city_officer)
    html = client.get("/accounts/home/").content.decode()
    assert cards(html)["plans-submitted"] == "1"
    listed = client.get("/training/plans/?status=submitted").content.decode()
    assert submitted_plan.title in listed and filed.title not in listed and "培训计划:已提交备案" in listed
    assert TrainingPlan.objects.count() == 2


def test_the_workbench_reads_the_same_number_of_queries_however_many_claims(
    eligible_trainee, make_claim, county_approver, client_as
):
    client = client_as(county_approver)
    make_claim(eligible_trainee, level="junior")
    # Both requests read the published parameters' token (it is read at most once a second, so a
    # slow run would otherwise count it in one request and not the other).
    layer.SOURCE.forget()
    with CaptureQueriesContext(connection) as one:
        client.get("/accounts/home/")
    make_claim(eligible_trainee, level="intermediate")
    make_claim(eligible_trainee, level="senior")
    layer.SOURCE.forget()
    with CaptureQueriesContext(connection) as three:
        client.get("/accounts/home/")
    assert len(three) == len(one) <= 12


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_every_link_of_the_role_menu_opens_for_that_role(persona, client_as):
    client = client_as(persona)
    html = client.get("/accounts/home/").content.decode()
    menu = re.search(r'<nav class="role-nav" aria-label="我的业务">(.*?)</nav>', html, re.S).group(1)
    links = re.findall(r'href="([^"]+)"', menu)
    assert links[0] == "/accounts/home/" and "/notifications/" in links
    for href in links:
        assert client.get(href).status_code == 200, href


def test_the_role_menu_follows_the_capabilities(county_reviewer, county_approver, trainee):
    reviewer = [label for label, _ in workbench.menu_for(county_reviewer)]
    approver = [label for label, _ in workbench.menu_for(county_approver)]
    assert "办理队列" in reviewer and "补贴拨付" not in reviewer
    assert "补贴拨付" in approver
    assert "办理队列" not in [label for label, _ in workbench.menu_for(trainee)]


def test_an_anonymous_visitor_has_no_role_menu(client, reference):
    assert 'class="role-nav"' not in client.get("/").content.decode()


def test_the_objections_card_counts_and_lists_only_those_under_investigation(
    eligible_trainee, make_claim, county_reviewer, county_approver, other_county_reviewer, client_as
):
    at = datetime(2025, 3, 18, 2, tzinfo=UTC)
    claims = [make_claim(eligible_trainee, level=level) for level in ("junior", "intermediate")]
    for claim in claims:
        Claim.objects.filter(pk=claim.pk).update(status="on_notice", notice_last_day=date(2025, 3, 21))
    _open_one, decided = (
        services.objection_file(
            claim=c, reason="此人并未参加培训", contact="13800000000", client=f"ip{i}", at=at
        )
        for i, c in enumerate(claims)
    )
    services.objection_decide(
        actor=county_approver, objection=decided, upheld=False, finding="已核实参训", at=at
    )
    assert selectors.open_objection_count(actor=county_reviewer) == 1
    assert selectors.open_objection_count(actor=other_county_reviewer) == 0
    html = client_as(county_reviewer).get("/subsidy/objections/?status=open").content.decode()
    assert claims[0].reference in html and claims[1].reference not in html
