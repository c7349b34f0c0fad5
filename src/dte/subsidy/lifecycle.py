"""The claim lifecycle as one table: status × action → next status, who may act (the capability),
the due date the step announces, its timeline label and the message the claimant receives.

The services refuse a step the claim's status does not allow with ``require`` (the same Chinese
message everywhere); the claim page's buttons are ``actions_for`` the user; ``claim_act`` and the
JSON API dispatch on the action names of this table. The due dates are reckoned by the code each
row names (``Due.rule``), never here; the labels and notifications are the ones the services write.

An action may have several rows when its capability depends on the status it starts from
(rejection: the reviewer under review, the approver after the review)."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError

from dte.core.permissions import Cap, can
from dte.subsidy.models.claims import OPEN_FOR_REVIEW, Claim, Status

# Who acts: the claimant on their own claim, a county or city officer on a claim in scope (never on
# their own), anyone on the public notice, or the platform's scheduled tasks.
CLAIMANT = "claimant"
OFFICER = "officer"
PUBLIC = "public"
SYSTEM = "system"

UNCHANGED: tuple[str, ...] = ()
# A discarded draft is deleted (its audit entry stays): no status, the end of the row.
DISCARDED = "discarded"


@dataclass(frozen=True)
class Due:
    """The due date a step announces on the timeline: the claim's column (``info_due`` is reckoned
    from the day of the request, not stored), how the timeline names it, and the code reckoning it."""

    field: str
    label: str
    rule: str


REVIEW_DUE = Due("review_due", "审核意见期限", "dte.policy.periods.review_due_dates")
APPROVAL_DUE = Due("approval_due", "审批期限", "dte.policy.periods.review_due_dates")
INFO_DUE = Due("info_due", "补正期限", "dte.subsidy.services.deadlines.info_due")
NOTICE_DUE = Due("notice_last_day", "公示截止", "dte.policy.periods.notice_period")
PAYMENT_DUE = Due("payment_due", "拨付期限", "dte.policy.periods.payment_due")


@dataclass(frozen=True)
class Transition:
    """One row: ``action`` applies from the statuses ``from_`` (in the order the refusal names
    them) and leads to one of ``to`` (empty: the status is unchanged). ``caps``: any one of them
    suffices (none for the public and the scheduler). ``service``: the writer, a dotted path.
    ``event`` and ``label``: the timeline step (``{…}`` filled in by the service). ``notification``:
    the subject of the message to the claimant. ``page``: a button on the claim page, handled by
    ``claim_act``. ``refusal``: the message when the status does not allow the action, if not the
    common one."""

    action: str
    from_: tuple[str, ...]
    to: tuple[str, ...]
    by: str
    caps: tuple[Cap, ...]
    service: str
    event: str = ""
    label: str = ""
    due: Due | None = None
    notification: str = ""
    page: bool = False
    refusal: str = ""


S = Status
_CLAIMS = "dte.subsidy.services.claims."
_REVIEW = "dte.subsidy.services.review."
_NOTICE = "dte.subsidy.services.notice."
_PAY = "dte.subsidy.services."
_CLAIM = (Cap.CLAIM_SUBSIDY,)
_REVIEWER = (Cap.REVIEW_CLAIMS,)
_APPROVER = (Cap.APPROVE_CLAIMS,)
NOTICE_ENDED = "该公示已结束,不再受理异议"

T = Transition
# fmt: off
TRANSITIONS: tuple[Transition, ...] = (
    # -- the claimant [A2.5] ---------------------------------------------------------------------
    T("start", (), (S.DRAFT,), CLAIMANT, _CLAIM, _CLAIMS + "claim_start",
      "started", "创建申领(已从培训和评价记录预填证书信息)"),
    T("update", (S.DRAFT,), UNCHANGED, CLAIMANT, _CLAIM, _CLAIMS + "claim_update", page=True),
    T("evidence", (S.DRAFT, S.AWAITING_INFO), UNCHANGED, CLAIMANT, _CLAIM, _CLAIMS + "evidence_add",
      page=True),
    T("submit", (S.DRAFT,), (S.UNDER_REVIEW,), CLAIMANT, _CLAIM, _CLAIMS + "claim_submit",
      "submitted", "已提交,由{county}受理;审核意见期限", REVIEW_DUE, "申领已受理", page=True),
    # Withdrawing a draft discards it (a draft was never submitted: no county has it).
    T("withdraw", (S.DRAFT,), (DISCARDED,), CLAIMANT, _CLAIM, _CLAIMS + "claim_withdraw", page=True),
    T("withdraw", tuple(OPEN_FOR_REVIEW), (S.WITHDRAWN,), CLAIMANT, _CLAIM, _CLAIMS + "claim_withdraw",
      "withdrawn", "申领人撤回申领", page=True),
    T("discard", (S.DRAFT,), (DISCARDED,), CLAIMANT, _CLAIM, _CLAIMS + "claim_discard"),
    T("answer", (S.AWAITING_INFO,), (S.UNDER_REVIEW,), CLAIMANT, _CLAIM, _REVIEW + "claim_answer",
      "info_supplied", "申领人已补充材料,审核期限顺延{paused}个工作日;审核意见期限", REVIEW_DUE,
      page=True),
    # -- review and approval [A2.6.1] ------------------------------------------------------------
    T("request_info", (S.UNDER_REVIEW,), (S.AWAITING_INFO,), OFFICER, _REVIEWER,
      _REVIEW + "review_request_info", "info_requested",
      "经办机构要求补充材料(审核期限暂停计算);补正期限", INFO_DUE, "请补充材料", page=True),
    T("pass", (S.UNDER_REVIEW,), (S.REVIEWED,), OFFICER, _REVIEWER, _REVIEW + "review_pass",
      "reviewed", "审核通过,待审批;审批期限", APPROVAL_DUE, page=True),
    T("reject", (S.UNDER_REVIEW,), (S.REJECTED,), OFFICER, _REVIEWER, _REVIEW + "claim_reject",
      "rejected", "申领未通过", notification="申领未通过", page=True),
    T("reject", (S.REVIEWED,), (S.REJECTED,), OFFICER, _APPROVER, _REVIEW + "claim_reject",
      "rejected", "申领未通过", notification="申领未通过", page=True),
    T("approve", (S.REVIEWED,), (S.ON_NOTICE,), OFFICER, _APPROVER, _REVIEW + "claim_approve",
      "approved", "审批通过", NOTICE_DUE, "申领已审批通过", page=True),
    T("lapse", (S.AWAITING_INFO,), (S.LAPSED,), SYSTEM, (), "dte.subsidy.services.deadlines.deadlines_check",
      "lapsed", "逾期未补充材料,申领终止", notification="申领已终止"),
    T("redecide", tuple(OPEN_FOR_REVIEW), UNCHANGED, OFFICER, (Cap.IMPORT_FACTS_CITY,),
      "dte.subsidy.services.redecide.claims_redecide", "redecided", "因{reason}重新判定,{n}项结论变化"),
    # -- the public notice [A2.6.2] --------------------------------------------------------------
    T("objection", (S.ON_NOTICE, S.OBJECTION), (S.OBJECTION,), PUBLIC, (), _NOTICE + "objection_file",
      "objection", "公示期间收到异议,经办机构调查中", refusal=NOTICE_ENDED),
    T("objection_upheld", (S.OBJECTION,), (S.CANCELLED,), OFFICER, (*_REVIEWER, *_APPROVER),
      _NOTICE + "objection_decide", "cancelled", "异议经调查成立,取消补贴资格",
      notification="补贴资格已取消"),
    # Dismissed: back on notice while it runs, payable after it (still under objection while another
    # objection is open).
    T("objection_dismissed", (S.OBJECTION,), (S.ON_NOTICE, S.PAYABLE), OFFICER, (*_REVIEWER, *_APPROVER),
      _NOTICE + "objection_decide", "objection_dismissed", "异议经调查不成立,继续办理", PAYMENT_DUE),
    T("notice_end", (S.ON_NOTICE,), (S.PAYABLE,), SYSTEM, (), _NOTICE + "notices_expire",
      "payable", "公示期满无异议,待拨付;拨付期限", PAYMENT_DUE, "公示期满"),
    # -- payment [A2.6.2], [A2.6.3] --------------------------------------------------------------
    T("in_batch", (S.PAYABLE,), (S.IN_BATCH,), OFFICER, (Cap.PAY_CLAIMS,), _PAY + "payment.batch_create",
      "in_batch", "已列入拨付批次{batch}", PAYMENT_DUE),
    T("paid", (S.IN_BATCH,), (S.PAID,), OFFICER, (Cap.PAY_CLAIMS,), _PAY + "bank_results.results_import",
      "paid", "补贴{amount}元已拨付至{bank_kind}", notification="补贴已拨付"),
    T("payment_failed", (S.IN_BATCH,), (S.PAYABLE,), OFFICER, (Cap.PAY_CLAIMS,),
      _PAY + "bank_results.results_import", "payment_failed", "银行支付失败({reason}),重新待拨付;拨付期限",
      PAYMENT_DUE, "补贴支付失败"),
    T("payment_returned", (S.PAID,), (S.PAYABLE,), OFFICER, _APPROVER, _PAY + "bank_results.payment_return",
      "payment_returned", "银行退票({reason}),{amount}元退回专账,重新待拨付;拨付期限", PAYMENT_DUE,
      "补贴被银行退回"),
    # -- recovery [A2.7b] and the credit list [A2.7a]: the claim stays paid ----------------------
    T("recovery", (S.PAID,), UNCHANGED, OFFICER, _APPROVER, _PAY + "recovery.recovery_open",
      "recovery", "错发/多发补贴追回{amount}元", notification="补贴追回通知", page=True,
      refusal="只有已拨付的申领才能追回"),
    T("repayment", (S.PAID,), UNCHANGED, OFFICER, _APPROVER, _PAY + "recovery.repayment_record", page=True),
    T("recovery_close", (S.PAID,), UNCHANGED, OFFICER, _APPROVER, _PAY + "recovery.recovery_close",
      page=True),
    # The credit list: the claim page offers it on a paid claim, in the approver's recovery section
    # (the service itself looks at the actor and the county, not at the claim's status; the city
    # records entries through it too, but has no button on the claim page).
    T("credit", (S.PAID,), UNCHANGED, OFFICER, (*_APPROVER, Cap.MANAGE_CREDIT_LIST),
      _PAY + "credit.credit_entry_create", page=True),
    T("credit_revoke", (S.PAID,), UNCHANGED, OFFICER, (*_APPROVER, Cap.MANAGE_CREDIT_LIST),
      _PAY + "credit.credit_entry_revoke", page=True),
)
# fmt: on

ACTIONS: tuple[str, ...] = tuple(dict.fromkeys(t.action for t in TRANSITIONS))
PAGE_ACTIONS: tuple[str, ...] = tuple(dict.fromkeys(t.action for t in TRANSITIONS if t.page))


def rows(action: str) -> tuple[Transition, ...]:
    """The rows of ``action``; KeyError for an action the table does not know."""
    found = tuple(t for t in TRANSITIONS if t.action == action)
    if not found:
        raise KeyError(action)
    return found


def row(claim: Claim, action: str) -> Transition | None:
    """The row of ``action`` that applies from the claim's status, or None."""
    return next((t for t in rows(action) if claim.status in t.from_), None)


def allowed(claim: Claim, action: str) -> bool:
    """Whether the claim's status allows ``action`` (who acts is ``may``'s question)."""
    return row(claim, action) is not None


def sources(action: str) -> tuple[str, ...]:
    """The statuses ``action`` applies from, in the order its rows name them."""
    return tuple(dict.fromkeys(s for t in rows(action) for s in t.from_))


def require(claim: Claim, action: str) -> None:
    """Refuse, in Chinese, a step the claim's status does not allow."""
    if allowed(claim, action):
        return
    refusal = rows(action)[0].refusal
    if refusal:
        raise ValidationError(refusal)
    names = "、".join(Status(s).label for s in sources(action))
    raise ValidationError(f"申领当前状态为“{claim.get_status_display()}”,只能在“{names}”时办理")


def capabilities(claim: Claim, action: str) -> tuple[Cap, ...]:
    """The capabilities (any one) ``action`` needs on the claim: its row's for the claim's status;
    from any other status, the last row's (the later stage's, which the status check then refuses)."""
    found = row(claim, action)
    return (found or rows(action)[-1]).caps


def may(user, claim: Claim, action: str) -> bool:
    """Whether ``user`` may take ``action`` on the claim now: the status allows it, the user holds
    the capability, and acts in the right part (the claimant on their own claim, an officer on
    another's). The officers' county scope is the selectors' (the claim page is only reached in
    scope) and the services'."""
    found = row(claim, action)
    if found is None or not any(can(user, c) for c in found.caps):
        return False
    own = user.person_id is not None and user.person_id == claim.person_id
    if found.by == CLAIMANT:
        return own
    return found.by == OFFICER and not own


def actions_for(user, claim: Claim) -> frozenset[str]:
    """The actions ``user`` may take on the claim now: the buttons of the claim page."""
    return frozenset(a for a in ACTIONS if may(user, claim, a))


def next_statuses(status: str) -> frozenset[str]:
    """Every status an action leads to from ``status`` (itself for an action that keeps it)."""
    out: set[str] = set()
    for t in TRANSITIONS:
        if status in t.from_:
            out.update(t.to or (status,))
    return frozenset(out)
