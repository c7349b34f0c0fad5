"""Reads of the level assessment. Non-public selectors take the actor and return only what its role
and scope allow."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time

from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404
from django.utils import timezone

from dte.catalog.models import EvaluationBody
from dte.core.permissions import Cap, can, require
from dte.evaluation.models import PASS_MARK, LevelCertificate, Registration, TitleRecognition
from dte.policy import parameters
from dte.training.models import TrainingCertificate


def registrations_for(*, actor):
    qs = Registration.objects.select_related(
        "person", "institution", "evaluation_body", "occupation", "level", "training_certificate"
    )
    if can(actor, Cap.SUPERVISE_CITY):
        return qs
    if can(actor, Cap.MANAGE_EVALUATION):
        return qs.filter(evaluation_body_id=actor.evaluation_body_id)
    if can(actor, Cap.MANAGE_INSTITUTION):
        return qs.filter(institution_id=actor.institution_id)
    raise PermissionDenied("无权查看等级考核申报")


def registration_for(*, actor, pk: int) -> Registration:
    reg = registrations_for(actor=actor).filter(pk=pk).first()
    if reg is None:
        if Registration.objects.filter(pk=pk).exists():
            raise PermissionDenied("无权查看该申报")
        raise Http404("没有这条申报")
    return reg


def registrable_certificates(*, actor):
    """The institution's valid training certificates not yet registered (or whose last registration
    ended without a certificate)."""
    require(actor, Cap.MANAGE_INSTITUTION)
    open_regs = Registration.objects.exclude(
        status__in=[Registration.Status.REJECTED, Registration.Status.FAILED]
    )
    return (
        TrainingCertificate.objects.filter(
            institution_id=actor.institution_id, status=TrainingCertificate.Status.VALID
        )
        .exclude(pk__in=open_regs.values("training_certificate_id"))
        .select_related("person", "occupation", "level")
    )


def level_certificates_for(*, actor):
    qs = LevelCertificate.objects.select_related("person", "evaluation_body", "occupation", "level")
    if can(actor, Cap.SUPERVISE_CITY):
        return qs
    if can(actor, Cap.MANAGE_EVALUATION):
        return qs.filter(evaluation_body_id=actor.evaluation_body_id)
    if can(actor, Cap.MANAGE_INSTITUTION):
        return qs.filter(registration__institution_id=actor.institution_id)
    if can(actor, Cap.VIEW_OWN_RECORDS):
        return qs.filter(person_id=actor.person_id)
    raise PermissionDenied("无权查看专业技术等级证书")


def level_certificate_for(*, actor, pk: int) -> LevelCertificate:
    cert = level_certificates_for(actor=actor).filter(pk=pk).first()
    if cert is None:
        if LevelCertificate.objects.filter(pk=pk).exists():
            raise PermissionDenied("无权查看该证书")
        raise Http404("没有这张证书")
    return cert


def certificate_by_code(*, code: str) -> LevelCertificate:
    cert = (
        LevelCertificate.objects.select_related("person", "evaluation_body", "occupation", "level")
        .filter(code=code)
        .first()
    )
    if cert is None:
        raise Http404("证书不存在")
    return cert


def titles_for(*, actor):
    """Title recognition records [P4.2]: the city (and auditors) see all; a trainee their own."""
    qs = TitleRecognition.objects.select_related("person", "certificate__occupation", "certificate__level")
    if can(actor, Cap.SUPERVISE_CITY):
        return qs
    if can(actor, Cap.VIEW_OWN_RECORDS):
        return qs.filter(person_id=actor.person_id)
    raise PermissionDenied("无权查看职称认定记录")


def my_level(*, actor) -> dict:
    require(actor, Cap.VIEW_OWN_RECORDS)
    return {
        "registrations": Registration.objects.filter(person_id=actor.person_id).select_related(
            "occupation", "level", "evaluation_body"
        ),
        "level_certificates": LevelCertificate.objects.filter(person_id=actor.person_id).select_related(
            "occupation", "level", "evaluation_body"
        ),
        "titles": TitleRecognition.objects.filter(person_id=actor.person_id).select_related(
            "certificate__occupation", "certificate__level"
        ),
    }


# --- supervision: what the city sees of the evaluation bodies ----------------------------------------
def insisted_registrations(*, actor):
    """Applications submitted although the declared facts meet no route of the conditions, because
    the institution insisted (with its reason) [P3.3]: the city's list (and the auditor's)."""
    require(actor, Cap.SUPERVISE_CITY)
    return (
        Registration.objects.filter(insisted=True)
        .select_related("person", "institution", "evaluation_body", "occupation", "level", "registered_by")
        .order_by("-registered_at", "-id")
    )


ANOMALY_KINDS = {
    "evaluation_pass_rate": "评价机构合格率异常偏高",
    "evaluation_volume": "评价机构单日发证量异常",
    "evaluation_insisted": "不符合申报条件仍坚持申报",
}


def anomaly_thresholds(on: date) -> dict:
    """The thresholds in force on ``on`` (policy/parameters/evaluation_anomalies.yaml)."""
    v = parameters.get("evaluation_anomalies").at(on).value
    return {
        "pass_rate_percent": int(v["pass_rate_percent"]),
        "min_scored": int(v["min_scored"]),
        "certificates_per_day": int(v["certificates_per_day"]),
    }


def _quarter(d: date) -> tuple[int, int]:
    return d.year, (d.month - 1) // 3 + 1


def anomalies(*, actor, since: date) -> list[dict]:
    """Evaluation bodies whose results look implausible, and applications pushed through against the
    conditions, from ``since`` on [P2.3] [P3.3]; the thresholds are dated parameters
    (``evaluation_anomalies.yaml``):

    - ``evaluation_pass_rate``: in a calendar quarter (by exam date, quarters starting on or after
      the quarter of ``since``), a body scored at least ``min_scored`` registrations and at least
      ``pass_rate_percent`` % passed both parts;
    - ``evaluation_volume``: a body issued more than ``certificates_per_day`` level certificates on
      one day;
    - ``evaluation_insisted``: an application registered although it meets no route of the
      conditions (``Registration.insisted``).

    Each row: kind, label, message, clause, body (the EvaluationBody), key (stable within its kind),
    and the ids concerned (registration_ids, certificate_ids)."""
    require(actor, Cap.SUPERVISE_CITY)
    bodies = {b.pk: b for b in EvaluationBody.objects.all()}
    return [
        *_pass_rate_anomalies(bodies, since),
        *_volume_anomalies(bodies, since),
        *_insisted_anomalies(actor, since),
    ]


def _pass_rate_anomalies(bodies: dict, since: date) -> list[dict]:
    """A body's pass rate per calendar quarter at or above the threshold."""
    rows: list[dict] = []
    first_quarter = date(since.year, (since.month - 1) // 3 * 3 + 1, 1)
    scored: dict[tuple[int, tuple[int, int]], list[tuple[int, bool]]] = defaultdict(list)
    for pk, body_id, exam_date, theory, ability in Registration.objects.filter(
        exam_date__gte=first_quarter, theory_score__isnull=False, ability_score__isnull=False
    ).values_list("pk", "evaluation_body_id", "exam_date", "theory_score", "ability_score"):
        scored[(body_id, _quarter(exam_date))].append((pk, theory >= PASS_MARK and ability >= PASS_MARK))
    for (body_id, (year, q)), regs in sorted(scored.items()):
        limits = anomaly_thresholds(date(year, 3 * q - 2, 1))
        n, passed = len(regs), sum(1 for _, ok in regs if ok)
        if n < limits["min_scored"] or passed * 100 < limits["pass_rate_percent"] * n:
            continue
        body = bodies[body_id]
        rows.append(
            {
                "kind": "evaluation_pass_rate",
                "label": ANOMALY_KINDS["evaluation_pass_rate"],
                "message": (
                    f"{body.name} {year}年第{q}季度考核 {n} 人,两项均合格 {passed} 人,"
                    f"合格率 {passed * 100 // n}%(阈值:至少 {limits['min_scored']} 人且合格率"
                    f"≥{limits['pass_rate_percent']}%)"
                ),
                "clause": "[P3.3]",
                "body": body,
                "key": f"b{body_id}:{year}Q{q}",
                "period": f"{year}Q{q}",
                "registration_ids": sorted(pk for pk, _ in regs),
                "certificate_ids": [],
            }
        )
    return rows


def _volume_anomalies(bodies: dict, since: date) -> list[dict]:
    """A body's level certificates of one day above the threshold."""
    rows: list[dict] = []
    busy = (
        LevelCertificate.objects.filter(issued_on__gte=since)
        .values("evaluation_body_id", "issued_on")
        .annotate(n=Count("id"))
        .order_by("issued_on", "evaluation_body_id")
    )
    for day in busy:
        limits = anomaly_thresholds(day["issued_on"])
        if day["n"] <= limits["certificates_per_day"]:
            continue
        body = bodies[day["evaluation_body_id"]]
        ids = list(
            LevelCertificate.objects.filter(
                evaluation_body_id=body.pk, issued_on=day["issued_on"]
            ).values_list("pk", flat=True)
        )
        rows.append(
            {
                "kind": "evaluation_volume",
                "label": ANOMALY_KINDS["evaluation_volume"],
                "message": (
                    f"{body.name} 于 {day['issued_on'].isoformat()} 颁发专业技术等级证书 {day['n']} 张,"
                    f"超过每日 {limits['certificates_per_day']} 张的阈值"
                ),
                "clause": "[P3.3]",
                "body": body,
                "key": f"b{body.pk}:{day['issued_on'].isoformat()}",
                "period": day["issued_on"].isoformat(),
                "registration_ids": [],
                "certificate_ids": sorted(ids),
            }
        )
    return rows


def _insisted_anomalies(actor, since: date) -> list[dict]:
    """Applications registered although they meet no route of the conditions."""
    rows: list[dict] = []
    start = timezone.make_aware(datetime.combine(since, time.min))
    for reg in insisted_registrations(actor=actor).filter(registered_at__gte=start).order_by("registered_at"):
        rows.append(
            {
                "kind": "evaluation_insisted",
                "label": ANOMALY_KINDS["evaluation_insisted"],
                "message": (
                    f"{reg.institution.name} 为 {reg.person.masked_name} 申报 {reg.occupation.name}"
                    f"{reg.level.name},申报条件不符仍坚持申报,理由:{reg.insist_reason or '—'}"
                ),
                "clause": "[P3.3]",
                "body": reg.evaluation_body,
                "key": f"r{reg.pk}",
                "period": timezone.localdate(reg.registered_at).isoformat(),
                "registration_ids": [reg.pk],
                "certificate_ids": [],
            }
        )
    return rows


# -- for the subsidy claim [A2.3], [A2.5]: the evaluation app owns the level certificates ----------


def valid_level_certificates(*, person) -> list[LevelCertificate]:
    """The person's valid level certificates, newest first, with the training certificate each was
    registered with (what a subsidy claim is pre-filled from)."""
    return list(
        LevelCertificate.objects.filter(person=person, status="valid")
        .select_related("occupation", "level", "registration__training_certificate__institution")
        .order_by("-issued_on", "-id")
    )


def level_certificate_of(*, person, pk: int) -> LevelCertificate | None:
    """One of the person's level certificates (any status), with its training certificate and enrolment."""
    return (
        LevelCertificate.objects.select_related("registration__training_certificate__enrolment")
        .filter(pk=pk, person=person)
        .first()
    )


def registration_workload(*, actor) -> dict[str, int]:
    """How many of the actor's registrations are in each status (one aggregate query, the body's or
    the institution's scope; the city all)."""
    try:
        qs = registrations_for(actor=actor)
    except PermissionDenied:
        return {}
    row = qs.select_related(None).order_by().values("status").annotate(n=Count("pk"))
    counts = {s.value: 0 for s in Registration.Status}
    counts.update({r["status"]: r["n"] for r in row})
    return counts
