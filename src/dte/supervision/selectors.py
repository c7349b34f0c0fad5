"""Reads of the supervision of institutions [P2.3] and the fee disclosure [P5.3b]. Selectors that are
not public take the actor: the city bureau and the auditors see all institutions; an institution's
staff see only their own institution's recorded checks, follow-ups and document requests (never a
planned check: spot checks are unannounced)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied
from django.db.models import Case, Count, F, IntegerField, Max, Q, Sum, Value, When
from django.http import Http404

from dte.catalog.models import Institution
from dte.core.permissions import Cap, can, require
from dte.supervision import services
from dte.supervision.models import (
    QUESTIONS,
    AnomalyAction,
    DocumentRequest,
    Finding,
    FollowUp,
    Inspection,
    InspectionPlan,
    SurveyResponse,
)
from dte.training import rules as training_rules
from dte.training.models import Enrolment, TrainingClass, TrainingPlan


def _city(actor) -> bool:
    return can(actor, Cap.SUPERVISE_CITY) or can(actor, Cap.INSPECT_INSTITUTIONS)


def require_city(actor) -> None:
    if not _city(actor):
        raise PermissionDenied("仅市人力社保局及审计监督人员可查看培训监督")


# --- plans and the draw ------------------------------------------------------------------------------
def plans(*, actor):
    require_city(actor)
    return InspectionPlan.objects.select_related("created_by").annotate(
        recorded=Count("inspections", filter=Q(inspections__status=Inspection.Status.RECORDED))
    )


def plan(*, actor, pk: int) -> InspectionPlan:
    p = plans(actor=actor).filter(pk=pk).first()
    if p is None:
        raise Http404("没有这个抽查计划")
    return p


def draw_reproduces(*, plan: InspectionPlan) -> bool:
    """Repeat the draw from the recorded seed and candidates: it must give the recorded classes."""
    return services.draw(candidates=plan.candidates, seed=plan.seed, size=plan.sample_size) == plan.drawn


def drawn_inspections(*, actor, plan: InspectionPlan) -> list[Inspection]:
    require_city(actor)
    by_class = {
        i.klass_id: i
        for i in plan.inspections.select_related(
            "klass__plan__institution", "klass__plan__occupation", "klass__plan__level"
        )
    }
    return [by_class[pk] for pk in plan.drawn if pk in by_class]


# --- inspections ---------------------------------------------------------------------------------------
def inspections(*, actor):
    qs = Inspection.objects.select_related(
        "plan", "klass__plan__institution", "klass__plan__occupation", "klass__plan__level"
    ).annotate(n_findings=Count("findings", distinct=True))
    if _city(actor):
        return qs
    if can(actor, Cap.MANAGE_INSTITUTION):
        return qs.filter(klass__plan__institution_id=actor.institution_id, status=Inspection.Status.RECORDED)
    raise PermissionDenied("无权查看现场检查记录")


def inspection(*, actor, pk: int) -> Inspection:
    i = inspections(actor=actor).filter(pk=pk).first()
    if i is None:
        raise Http404("没有这次检查")
    return i


def follow_ups(*, actor, open_only: bool = False):
    qs = FollowUp.objects.select_related("inspection__klass__plan__institution", "finding")
    if not _city(actor):
        require(actor, Cap.MANAGE_INSTITUTION)
        qs = qs.filter(
            inspection__klass__plan__institution_id=actor.institution_id,
            inspection__status=Inspection.Status.RECORDED,
        )
    if open_only:
        qs = qs.filter(status=FollowUp.Status.OPEN)
    return qs


def document_requests(*, actor):
    qs = DocumentRequest.objects.select_related("institution", "klass", "requested_by")
    if _city(actor):
        return qs
    require(actor, Cap.MANAGE_INSTITUTION)
    return qs.filter(institution_id=actor.institution_id)


def document_request_for(*, actor, pk: int) -> DocumentRequest:
    r = document_requests(actor=actor).filter(pk=pk).first()
    if r is None:
        raise Http404("没有这项调阅要求")
    return r


# --- quality evaluation [P2.3] -------------------------------------------------------------------------
# Reading Q1 (ours, for the city to change): a class's quality score (0–100) is 60 % the trainee
# survey (the mean answer, 1 → 0 and 5 → 100) and 40 % the on-site checks (100 less 5 per minor,
# 15 per major and 30 per serious finding, at least 0, averaged over the recorded checks); with only
# one of the two, that one alone.
SURVEY_WEIGHT = Decimal("0.6")
INSPECTION_WEIGHT = Decimal("0.4")
DEDUCTION = {Finding.Severity.MINOR: 5, Finding.Severity.MAJOR: 15, Finding.Severity.SERIOUS: 30}
ONE = Decimal("0.1")


@dataclass
class ClassQuality:
    klass: TrainingClass
    responses: int
    survey_score: Decimal | None
    inspections: int
    inspection_score: Decimal | None

    @property
    def score(self) -> Decimal | None:
        if self.survey_score is not None and self.inspection_score is not None:
            s = self.survey_score * SURVEY_WEIGHT + self.inspection_score * INSPECTION_WEIGHT
        else:
            s = self.survey_score if self.survey_score is not None else self.inspection_score
        return None if s is None else s.quantize(ONE, rounding=ROUND_HALF_UP)


def survey_score(mean_answer: Decimal) -> Decimal:
    return ((mean_answer - 1) * 25).quantize(ONE, rounding=ROUND_HALF_UP)


def class_quality(*, actor, institution_id: int | None = None) -> list[ClassQuality]:
    """Quality of every class with a survey response or a recorded check, computed in the database."""
    require_city(actor)
    answer_sum = sum((F(key) for key, _ in QUESTIONS[1:]), F(QUESTIONS[0][0]))
    surveys = {
        row["klass"]: row
        for row in SurveyResponse.objects.values("klass").annotate(n=Count("id"), total=Sum(answer_sum))
    }
    deduction = Case(
        *[When(findings__severity=s, then=Value(d)) for s, d in DEDUCTION.items()],
        default=Value(0),
        output_field=IntegerField(),
    )
    per_inspection = (
        Inspection.objects.filter(status=Inspection.Status.RECORDED)
        .values("pk", "klass")
        .annotate(lost=Sum(deduction))
    )
    checks: dict[int, list[int]] = defaultdict(list)
    for row in per_inspection:
        checks[row["klass"]].append(max(0, 100 - (row["lost"] or 0)))
    ids = set(surveys) | set(checks)
    classes = TrainingClass.objects.filter(pk__in=ids).select_related(
        "plan__institution", "plan__occupation", "plan__level"
    )
    if institution_id is not None:
        classes = classes.filter(plan__institution_id=institution_id)
    out = []
    for k in classes.order_by("plan__institution__name", "start_date", "pk"):
        s = surveys.get(k.pk)
        c = checks.get(k.pk, [])
        out.append(
            ClassQuality(
                klass=k,
                responses=s["n"] if s else 0,
                survey_score=survey_score(Decimal(s["total"]) / (s["n"] * len(QUESTIONS))) if s else None,
                inspections=len(c),
                inspection_score=(Decimal(sum(c)) / len(c)).quantize(ONE, rounding=ROUND_HALF_UP)
                if c
                else None,
            )
        )
    return out


def quarter(d: date) -> str:
    return f"{d.year}Q{(d.month - 1) // 3 + 1}"


def institution_scores(*, actor) -> dict:
    """Each institution's score by the quarter its classes ended: the mean of its class scores."""
    rows = class_quality(actor=actor)
    by: dict[tuple[str, str], list[Decimal]] = defaultdict(list)
    for q in rows:
        if q.score is not None:
            by[(q.klass.plan.institution.name, quarter(q.klass.end_date))].append(q.score)
    periods = sorted({p for _, p in by})
    institutions = sorted({i for i, _ in by})
    series = {
        inst: [
            (sum(by[(inst, p)]) / len(by[(inst, p)])).quantize(ONE, rounding=ROUND_HALF_UP)
            if by.get((inst, p))
            else None
            for p in periods
        ]
        for inst in institutions
    }
    return {"periods": periods, "series": series}


# --- attendance anomalies for action [P2.3] -----------------------------------------------------------
@dataclass
class AnomalyRow:
    klass: TrainingClass
    kind: str
    label: str
    description: str
    key: str
    action: AnomalyAction | None


def anomalies_for_action(*, actor, since: date) -> list[AnomalyRow]:
    """Attendance anomalies flagged by the training records ([P2.3], ``dte.training.rules``; every
    kind of ``ANOMALY_KINDS``: two places, outside the session, same second, entered before or long
    after the session, back-filled sessions, bulk corrections, overlapping classes, online/offline
    overlap, the daily maximum, online bursts) of classes running or ended since ``since``, each
    with the latest action taken on it. A row's ``key`` is ``kind:identity`` (the records' ids, or
    the session, class or trainee-day the anomaly is about), so other kinds can join later."""
    require_city(actor)
    classes = (
        TrainingClass.objects.filter(end_date__gte=since)
        .filter(Q(sessions__attendances__isnull=False) | Q(sessions__backfilled=True))
        .exclude(status=TrainingClass.Status.ENROLLING)
        .distinct()
        .select_related("plan__institution")
        .order_by("-start_date", "pk")
    )
    acts: dict[tuple[int, str], AnomalyAction] = {}
    for a in AnomalyAction.objects.filter(klass__in=classes).order_by("acted_at", "pk"):
        acts[(a.klass_id, a.key)] = a
    out, seen = [], set()
    for k in classes:
        for a in training_rules.anomalies(klass=k):
            key = f"{a.kind}:{a.key}"
            if a.kind in CROSS_CLASS_KINDS:
                # The same pair of records (or trainee-day) is found from both classes: list it once.
                if key in seen:
                    continue
                seen.add(key)
            out.append(AnomalyRow(k, a.kind, a.label, a.message, key, acts.get((k.pk, key))))
    return out


# Kinds found from either of two classes (a trainee's records in both).
CROSS_CLASS_KINDS = frozenset({"two_places", "online_overlap", "overlapping_classes", "daily_maximum"})


def anomaly_counts(*, actor, since: date) -> dict[str, int]:
    """How many of the anomalies for action (``anomalies_for_action``) are open (no action yet, or
    still under investigation), and how many in all."""
    rows = anomalies_for_action(actor=actor, since=since)
    open_rows = [
        r for r in rows if r.action is None or r.action.outcome == AnomalyAction.Outcome.INVESTIGATING
    ]
    return {"total": len(rows), "open": len(open_rows)}


# --- fee disclosure [P5.3b] -------------------------------------------------------------------------------
@dataclass
class FeeRow:
    plan: TrainingPlan
    classes: list[TrainingClass]

    @property
    def flagged(self) -> list[TrainingClass]:
        return [k for k in self.classes if k.over_published]


def _fee_classes():
    """Classes with their published fee, the highest fee seen charged on site or reported by a
    trainee, and whether anything is above the published fee."""
    return TrainingClass.objects.annotate(
        max_observed=Max(
            "inspections__observed_fee", filter=Q(inspections__status=Inspection.Status.RECORDED)
        ),
        max_reported=Max("surveys__fee_paid"),
    )


def _mark(k: TrainingClass) -> TrainingClass:
    published = k.plan.fee
    k.over_published = (
        k.fee > published
        or (k.max_observed is not None and k.max_observed > published)
        or (k.max_reported is not None and k.max_reported > published)
    )
    return k


def fee_disclosure() -> list[tuple[Institution, list[FeeRow]]]:
    """Public: every institution's published fees (the plans on file) and their classes, with a
    flag on any class charging more than published [P5.3b]. No personal data."""
    plans_on_file = list(
        TrainingPlan.objects.filter(status=TrainingPlan.Status.ON_FILE)
        .select_related("institution", "occupation", "level")
        .order_by(
            "institution__position", "institution__name", "occupation__position", "level__rank", "-start_date"
        )
    )
    classes: dict[int, list[TrainingClass]] = defaultdict(list)
    for k in (
        _fee_classes().filter(plan__in=plans_on_file).select_related("plan").order_by("start_date", "pk")
    ):
        classes[k.plan_id].append(_mark(k))
    grouped: dict[int, tuple[Institution, list[FeeRow]]] = {}
    for p in plans_on_file:
        grouped.setdefault(p.institution_id, (p.institution, []))[1].append(FeeRow(p, classes.get(p.pk, [])))
    for inst in Institution.objects.filter(active=True).exclude(pk__in=grouped).order_by("position", "name"):
        grouped[inst.pk] = (inst, [])
    return list(grouped.values())


def fee_flags(*, actor) -> list[TrainingClass]:
    """Classes charging more than the plan's published fee, for the bureau [P5.3b]."""
    require_city(actor)
    rows = _fee_classes().select_related("plan__institution", "plan__occupation", "plan__level")
    return [k for k in map(_mark, rows.order_by("-start_date", "pk")) if k.over_published]


# --- surveys for a trainee -------------------------------------------------------------------------------
def surveys_due(*, actor):
    """The trainee's completed enrolments, with any response already given."""
    require(actor, Cap.ENROL_IN_TRAINING)
    return (
        Enrolment.objects.filter(person_id=actor.person_id, status=Enrolment.Status.COMPLETED)
        .select_related("klass__plan__institution", "survey")
        .order_by("-klass__end_date")
    )


def enrolment_for_survey(*, actor, pk: int) -> Enrolment:
    e = surveys_due(actor=actor).filter(pk=pk).first()
    if e is None:
        raise Http404("没有这条结业记录")
    return e
