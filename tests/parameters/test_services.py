"""Proposing and approving parameter versions: four eyes, the loader's checks, the diff, audit."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from dte.audit.models import AuditEntry
from dte.parameters import services
from dte.parameters.models import ParameterVersion

from .conftest import SUBMIT_AT


def propose(actor, draft):
    return services.propose(
        actor=actor, draft=draft, document="温人社发〔2025〕9号", reason="学时确定", at=SUBMIT_AT
    )


def test_a_city_officer_cannot_approve_their_own_draft(city_officer, draft):
    (v,) = propose(city_officer, draft(hours=64))
    with pytest.raises(PermissionDenied, match="双人复核"):
        services.approve(actor=city_officer, version=v, at=SUBMIT_AT)
    assert ParameterVersion.objects.get(pk=v.pk).status == "draft"


def test_a_second_city_officer_publishes_it_and_both_steps_are_audited(
    city_officer, second_city_officer, draft
):
    (v,) = propose(city_officer, draft(hours=64))
    v = services.approve(actor=second_city_officer, version=v, at=SUBMIT_AT)
    assert (v.status, v.approved_by, v.proposed_by) == ("published", second_city_officer, city_officer)
    actions = list(AuditEntry.objects.filter(object_id=str(v.pk)).values_list("action", flat=True))
    assert {"parameters.propose", "parameters.approve"} <= set(actions)


def test_only_the_city_may_propose_or_approve(county_approver, city_officer, draft):
    with pytest.raises(PermissionDenied):
        propose(county_approver, draft(hours=64))
    (v,) = propose(city_officer, draft(hours=64))
    with pytest.raises(PermissionDenied):
        services.approve(actor=county_approver, version=v, at=SUBMIT_AT)


def test_the_diff_shows_what_changes_against_the_value_in_force(city_officer, draft):
    (v,) = propose(city_officer, draft(hours=64))
    assert {"path": "2-02-10-15.junior.hours", "before": None, "after": 64} in v.diff
    assert {
        "path": "reference",
        "before": "温人社发〔2024〕5号 附件2 二 补贴标准 [A2.2]",
        "after": "温人社发〔2025〕9号",
    } in v.diff
    assert not any(d["path"].startswith("2-02-10-11") for d in v.diff)


@pytest.mark.parametrize(
    ("draft_value", "named"),
    [
        ({"nonsense": {"values": {}}}, "nonsense: unknown parameter"),
        (
            {"claim_window": {"values": {"2025-13-01": {"reference": "x", "months": 12}}}},
            "'2025-13-01' is not a date",
        ),
        (
            {"claim_window": {"values": {date(2025, 7, 1): {"months": 12}}}},
            "value from 2025-07-01 has no reference",
        ),
        (
            {"claim_window": {"values": {date(2025, 7, 1): {"reference": "x", "months": 12}}}},
            "claim_window 2025-07-01: KeyError",  # the compiler's check: graduate_extension_months
        ),
        (
            {
                "subsidy_standards": {
                    "values": {date(2025, 7, 1): {"reference": "x", "2-02-10-11": {"junior": {"amount": -1}}}}
                }
            },
            "subsidy_standards 2025-07-01: subsidy_standards: 2-02-10-11 junior: amount must be integer yuan",
        ),
    ],
)
def test_an_invalid_draft_is_refused_naming_the_parameter_and_date(city_officer, draft_value, named):
    with pytest.raises(ValidationError) as exc:
        propose(city_officer, draft_value)
    assert named in exc.value.messages[0]
    assert not ParameterVersion.objects.exists()


def test_a_version_rejected_or_withdrawn_is_never_published(city_officer, second_city_officer, draft):
    a, b = propose(city_officer, draft(hours=64))[0], propose(city_officer, draft(hours=72))[0]
    services.reject(actor=second_city_officer, version=a, reason="文号有误", at=SUBMIT_AT)
    services.withdraw(actor=city_officer, version=b, at=SUBMIT_AT)
    assert set(ParameterVersion.objects.values_list("status", flat=True)) == {"rejected", "withdrawn"}
    with pytest.raises(ValidationError):
        services.approve(actor=second_city_officer, version=a, at=SUBMIT_AT)


def test_an_approval_is_refused_when_another_version_was_published_meanwhile(
    city_officer, second_city_officer, draft, monkeypatch
):
    from dte.parameters import preview

    (a,) = propose(city_officer, draft(hours=64))
    (b,) = propose(city_officer, draft(hours=72))
    compare = preview.compare

    def slow_preview(*args, **kwargs):  # while b is previewed, a is published by someone else
        monkeypatch.setattr(preview, "compare", compare)
        services.approve(actor=second_city_officer, version=a, at=SUBMIT_AT)
        return compare(*args, **kwargs)

    monkeypatch.setattr(preview, "compare", slow_preview)
    with pytest.raises(ValidationError, match="另有参数版本发布"):
        services.approve(actor=second_city_officer, version=b, at=SUBMIT_AT)
    assert ParameterVersion.objects.get(pk=b.pk).status == "draft"
