"""The working-day clock [A2.6.1]: the due dates a claim carries, their reckoning again once the
holiday schedule is published (W1), reminders, escalation, and the lapse of an unanswered request
for information."""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction
from django.db.models import Q

from dte.accounts.models import Role
from dte.audit import services as audit
from dte.notifications.officers import notify_officers
from dte.policy import periods
from dte.policy.calendar import get_calendar
from dte.subsidy import selectors
from dte.subsidy.models import OPEN_FOR_REVIEW, Claim, Objection, Status
from dte.subsidy.services.common import audit_claim, event, local_date, requested_at, tell

# Our reading of "可要求申请者予以配合协助" [A2.6.1]: the claimant has 20 working days to answer;
# reminded after 15; then the claim lapses (the clock stays paused meanwhile, D3).
INFO_REMIND_WORKING_DAYS = 15
INFO_LAPSE_WORKING_DAYS = 20


def info_due(claim: Claim, cal=None):
    """The day by which the claimant is to answer a request for information (补正期限): the
    ``INFO_LAPSE_WORKING_DAYS``-th working day after the request, with whether it is provisional (W1)."""
    return (cal or get_calendar()).add_workdays(claim.info_requested_on, INFO_LAPSE_WORKING_DAYS)


# The due dates a claim carries, in the order they are reported.
DUE_FIELDS = ("review_due", "approval_due", "notice_first_day", "notice_last_day", "payment_due")
_AFTER_NOTICE = (Status.PAYABLE, Status.IN_BATCH)


def _dues_again(claim: Claim, cal) -> bool:
    """Reckon the claim's due dates again on ``cal``; True when one of them is still provisional.
    A notice that has ended keeps its dates (the claim has moved on); the payment due date is
    reckoned from its end, or from the dismissal of an objection decided after it (D3)."""
    provisional = False
    if claim.status in OPEN_FOR_REVIEW and claim.received_on:
        dues = periods.review_due_dates(claim.received_on, claim.paused_working_days, cal)
        claim.review_due, claim.approval_due = dues.review_due, dues.approval_due
        provisional = dues.provisional
        if claim.status == Status.AWAITING_INFO and claim.info_requested_on:
            provisional = provisional or info_due(claim, cal).provisional  # the 补正期限 (W1)
    elif claim.status in (Status.ON_NOTICE, Status.OBJECTION, *_AFTER_NOTICE) and claim.notice_published_on:
        if claim.status in _AFTER_NOTICE:
            pay = periods.payment_due(claim.notice_last_day, cal)
        else:
            notice = periods.notice_period(claim.notice_published_on, cal)
            claim.notice_first_day, claim.notice_last_day = notice.first_day, notice.last_day
            pay = periods.payment_due(notice.last_day, cal)
        payment, provisional = pay.value, pay.provisional
        dismissed = (
            claim.objections.filter(status=Objection.Status.DISMISSED, decided_at__isnull=False)
            .order_by("-decided_at")
            .values_list("decided_at", flat=True)
            .first()
        )
        if dismissed is not None and local_date(dismissed) > claim.notice_last_day:
            restarted = periods.payment_due(local_date(dismissed), cal)
            if restarted.value > payment:
                payment, provisional = restarted.value, restarted.provisional
        claim.payment_due = payment
    return provisional


# The request for information's deadline (补正期限) is not a column: it is reckoned from the day of
# the request; the timeline keeps the deadline each step announced.
INFO_DUE = "info_due"
INFO_DUE_LABEL = "补正期限"


def _info_due_moved(claim: Claim, cal) -> list[date] | None:
    """[announced, now] when the claim awaits information and its deadline, reckoned again on
    ``cal``, is not the one last announced on its timeline; else None."""
    if claim.status != Status.AWAITING_INFO or not claim.info_requested_on:
        return None
    announced = (
        claim.events.filter(
            action__in=("info_requested", "info_reminder", "dues_recomputed"),
            due__isnull=False,
            at__gte=requested_at(claim),
        )
        .order_by("-at", "-pk")
        .values_list("due", flat=True)
        .first()
    )
    now = info_due(claim, cal).value
    if announced is None or announced == now:
        return None
    return [announced, now]


# The states in which a claim carries due dates ``_dues_again`` reckons.
WITH_DUES = (*OPEN_FOR_REVIEW, Status.ON_NOTICE, Status.OBJECTION, *_AFTER_NOTICE)
HOLIDAYS_LABEL = "按国务院办公厅公布的节假日安排重新计算期限"


def due_dates_recompute(
    *,
    at: datetime,
    every_open: bool = False,
    label: str = HOLIDAYS_LABEL,
    reason: str = "节假日安排已公布,暂定期限按工作日重新计算(W1)",
    actor=None,
) -> int:
    """Scheduled (W1): the due dates reckoned over a year whose holiday schedule had not been
    published are reckoned again on today's calendar, so that once the State Council's schedule
    for the year is loaded (``dte calendar load``) the open claims follow it. Each claim whose
    dates change gets a timeline entry and an audit entry; a claim that has closed just loses the
    mark. Idempotent: a claim is marked until its dates are no longer provisional, and reckoning
    on an unchanged calendar changes nothing. Returns the number of claims whose dates changed.
    ``every_open``: every claim that carries due dates, provisional or not (a holiday year or the
    time limits [A2.6] published in the platform), with the ``label`` and ``reason`` given."""
    cal = get_calendar()
    changed = 0
    which = Q(status__in=WITH_DUES) if every_open else Q(dates_provisional=True)
    for pk in Claim.objects.filter(which).order_by("pk").values_list("pk", flat=True):
        with transaction.atomic():
            claim = Claim.objects.select_for_update().filter(which, pk=pk).first()
            if claim is None:
                continue
            before = {f: getattr(claim, f) for f in DUE_FIELDS}
            was_provisional = claim.dates_provisional
            claim.dates_provisional = _dues_again(claim, cal)
            after = {f: getattr(claim, f) for f in DUE_FIELDS}
            moved = {f: [before[f], after[f]] for f in DUE_FIELDS if before[f] != after[f]}
            if moved or claim.dates_provisional != was_provisional:
                claim.save(update_fields=[*DUE_FIELDS, "dates_provisional"])
            info_moved = _info_due_moved(claim, cal)
            if info_moved is not None:
                moved[INFO_DUE] = info_moved
            if not moved:
                continue
            labels = {
                f: INFO_DUE_LABEL if f == INFO_DUE else str(Claim._meta.get_field(f).verbose_name)
                for f in moved
            }
            event(
                claim,
                action="dues_recomputed",
                label=label,
                at=at,
                due=moved[INFO_DUE][1] if INFO_DUE in moved else None,
                note="；".join(f"{labels[f]}:{a:%Y-%m-%d} → {b:%Y-%m-%d}" for f, (a, b) in moved.items()),
            )
            audit.record(
                actor=actor, action="claim.dues_recompute", obj=claim, at=at, changes=moved, reason=reason
            )
            changed += 1
    return changed


# -- the working-day clock: reminders, escalation, lapse [A2.6.1] ---------------------------------


# [A2.6.1] review in 10 working days, approval in 15: the reviewers or the approvers hold the step.
_STAGES = {
    Status.UNDER_REVIEW: ("review", "审核", Role.COUNTY_REVIEWER),
    Status.REVIEWED: ("approval", "审批", Role.COUNTY_APPROVER),
}


def deadlines_check(*, at: datetime) -> dict:
    """Scheduled: remind the county before a review or approval is due, escalate to the city when
    overdue, remind a claimant who has not answered, and let an unanswered claim lapse."""
    today = local_date(at)
    cal = get_calendar()
    soon = selectors.due_soon_limit(today)  # the queue's "due soon" is when the county is reminded
    reminded = _remind_officers(today=today, soon=soon, at=at)
    escalated = _escalate(today=today, at=at)
    info_reminded, lapsed = _remind_or_lapse_claimants(today=today, cal=cal, at=at)
    return {"reminded": reminded, "escalated": escalated, "info_reminded": info_reminded, "lapsed": lapsed}


def _remind_officers(*, today: date, soon: date, at: datetime) -> int:
    """The county's reviewers or approvers are reminded once before the step is due."""
    reminded = 0
    due_soon = Claim.objects.filter(selectors.next_due_q(lte=soon), reminded_on__isnull=True)
    for pk in due_soon.values_list("pk", flat=True):
        with transaction.atomic():
            c = Claim.objects.select_for_update().get(pk=pk)
            if c.reminded_on is not None:
                continue
            c.reminded_on = today
            c.save(update_fields=["reminded_on"])
            due = selectors.next_due(c)
            event(c, action="reminder", label="办理期限临近,已提醒经办人员", at=at, due=due)
            audit.record(actor=None, action="claim.due_reminder", obj=c, at=at, changes={"due": due})
            stage, step, role = _STAGES[c.status]
            notify_officers(
                county=c.county,
                roles=[role],
                subject=f"申领{step}期限临近:{c.reference}",
                body=(
                    f"{c.county} 的培训补贴申领 {c.reference} {step}期限为 {due:%Y-%m-%d}"
                    "(工作日计 [A2.6.1]),请及时办理。"
                ),
                link=f"/subsidy/claims/{c.pk}/",
                topic="subsidy",
                at=at,
                dedupe_key=f"claim:{c.pk}:{stage}-reminder",
            )
            reminded += 1
    return reminded


def _escalate(*, today: date, at: datetime) -> int:
    """An overdue step is escalated once to the city."""
    escalated = 0
    overdue = Claim.objects.filter(selectors.next_due_q(lt=today), escalated_on__isnull=True)
    for pk in overdue.values_list("pk", flat=True):
        with transaction.atomic():
            c = Claim.objects.select_for_update().get(pk=pk)
            if c.escalated_on is not None:
                continue
            c.escalated_on = today
            c.save(update_fields=["escalated_on"])
            event(c, action="escalated", label="已超过办理期限,上报市人力社保局督办", at=at)
            audit.record(actor=None, action="claim.escalate", obj=c, at=at, changes={"county": c.county.code})
            stage, step, _ = _STAGES[c.status]
            due = selectors.next_due(c)
            notify_officers(
                county=None,
                roles=[Role.CITY_OFFICER],
                subject=f"申领{step}超期督办:{c.reference}",
                body=(
                    f"{c.county} 的培训补贴申领 {c.reference} {step}期限 {due:%Y-%m-%d} 已过,"
                    "尚未办结,请督办 [A2.6.1]。"
                ),
                link=f"/subsidy/claims/{c.pk}/",
                topic="subsidy",
                at=at,
                dedupe_key=f"claim:{c.pk}:{stage}-escalation",
            )
            escalated += 1
    return escalated


def _remind_or_lapse_claimants(*, today: date, cal, at: datetime) -> tuple[int, int]:
    """A claimant who has not answered a request for information is reminded once, then the claim
    lapses. Returns (reminded, lapsed)."""
    info_reminded, lapsed = 0, 0
    for pk in Claim.objects.filter(status=Status.AWAITING_INFO).values_list("pk", flat=True):
        with transaction.atomic():
            c = Claim.objects.select_for_update().get(pk=pk)
            if c.status != Status.AWAITING_INFO:
                continue
            waited = cal.working_days_between(c.info_requested_on, today).value
            if waited >= INFO_LAPSE_WORKING_DAYS:
                c.status = Status.LAPSED
                c.save()
                event(c, action="lapsed", label="逾期未补充材料,申领终止", at=at)
                audit_claim(c, actor=None, action="claim.lapse", before=Status.AWAITING_INFO, at=at)
                tell(
                    c,
                    "申领已终止",
                    f"您未在{INFO_LAPSE_WORKING_DAYS}个工作日内补充材料,申领终止。可重新申领。",
                    at,
                )
                lapsed += 1
            elif waited >= INFO_REMIND_WORKING_DAYS and c.info_reminded_on is None:
                c.info_reminded_on = today
                due = info_due(c, cal)
                lapse = due.value
                c.dates_provisional = c.dates_provisional or due.provisional  # W1
                c.save(update_fields=["info_reminded_on", "dates_provisional"])
                event(c, action="info_reminder", label="已提醒申领人补充材料", at=at, due=lapse)
                audit.record(actor=None, action="claim.info_reminder", obj=c, at=at, changes={"lapse": lapse})
                tell(c, "请尽快补充材料", f"请于{lapse}前补充材料,逾期申领终止。", at)
                info_reminded += 1
    return info_reminded, lapsed
