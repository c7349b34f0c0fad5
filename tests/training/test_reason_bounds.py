"""Reasons typed for training and account decisions are bounded like the claim services' (dte.core.bounds):
a 100,000-character reason is refused with a Chinese field error and nothing changes."""

import pytest
from django.core.exceptions import ValidationError

from dte.accounts import services as accounts
from dte.audit.models import AuditEntry
from dte.training import services
from dte.training.models import TrainingPlan
from tests.training import helpers as h

HUGE = "理" * 100_000


def test_returning_a_plan_with_an_over_long_reason_is_refused_and_the_plan_stays_submitted(
    institution_staff, city_officer
):
    plan = h.draft_plan(institution_staff)
    services.plan_submit(actor=institution_staff, plan=plan, at=h.AT)
    with pytest.raises(ValidationError) as err:
        services.plan_return(actor=city_officer, plan=plan, reason=HUGE, at=h.AT)
    assert err.value.message_dict == {"reason": ["退回理由不能超过500个字"]}
    plan.refresh_from_db()
    assert plan.status == TrainingPlan.Status.SUBMITTED and plan.return_reason == ""
    assert not AuditEntry.objects.filter(action="training.plan.return").exists()


def test_deactivating_an_account_with_an_over_long_reason_is_refused(city_officer, administrator):
    with pytest.raises(ValidationError) as err:
        accounts.account_set_active(
            actor=administrator, user=city_officer, active=False, reason=HUGE, at=h.AT
        )
    assert err.value.message_dict == {"reason": ["理由不能超过500个字"]}
    city_officer.refresh_from_db()
    assert city_officer.is_active
