"""Training pages: thin views that parse input, call one service or selector, and render."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from dte.catalog.models import Institution, Occupation
from dte.core import clock, spreadsheet
from dte.core.forms import add_form_errors
from dte.core.permissions import Cap, allows, can
from dte.evaluation import selectors as evaluation  # the trainee's page: see .importlinter
from dte.training import checkin, documents, forms, rules, selectors, services
from dte.training.models import Enrolment, Event, Session, TrainingCertificate
from dte.training.tables import read_table

PROVINCIAL_CLAIM_PLATFORM = "https://zynl.rlsbt.zj.gov.cn"  # [A2.5] 浙江省职业能力一体化工作平台


def error_text(exc: ValidationError) -> str:
    return ";".join(exc.messages)


def attempt(request, action: Callable[[], object], success: str) -> bool:
    """Run one service call; a refusal becomes an error message on the next page."""
    try:
        action()
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return False
    messages.success(request, success)
    return True


# --- public ------------------------------------------------------------------------------------
def catalogue(request):
    """The public training-programme catalogue [P3.2], [P4.3]."""
    occupation = request.GET.get("occupation", "")
    classes = selectors.catalogue(today=clock.today(), occupation=occupation)
    return render(request, "training/catalogue.html", {"classes": classes, "occupation": occupation})


def class_public(request, pk: int):
    klass = selectors.public_class(pk=pk)
    mine = None
    if request.user.is_authenticated and getattr(request.user, "person_id", None):
        mine = Enrolment.objects.filter(klass=klass, person_id=request.user.person_id).first()
    return render(
        request,
        "training/class_public.html",
        {
            "klass": klass,
            "plan": klass.plan,
            "mine": mine,
            "form": forms.ApplyForm(),
            "can_apply": can(request.user, Cap.ENROL_IN_TRAINING),
            "sessions": klass.sessions.all(),
        },
    )


@allows(Cap.ENROL_IN_TRAINING)
def apply(request, pk: int):
    klass = selectors.public_class(pk=pk)
    form = forms.ApplyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.enrolment_apply(actor=request.user, klass=klass, at=clock.now(), **form.cleaned_data)
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            messages.success(request, "报名已提交,请等待培训机构审核录取。")
            return redirect("training:me")
    return render(
        request,
        "training/class_public.html",
        {
            "klass": klass,
            "plan": klass.plan,
            "mine": None,
            "form": form,
            "can_apply": True,
            "sessions": klass.sessions.all(),
        },
        status=422 if request.method == "POST" else 200,
    )


def verify(request, code: str):
    """Public verification of a 培训合格证书: status and the holder's masked name only [P3.2]."""
    cert = selectors.certificate_by_code(code=code)
    return render(request, "training/verify.html", {"cert": cert})


def verify_qr(request, code: str):
    cert = selectors.certificate_by_code(code=code)
    url = request.build_absolute_uri(reverse("training:verify", args=[cert.code]))
    return HttpResponse(documents.qr_png(url), content_type="image/png")


def events(request):
    return render(
        request,
        "training/events.html",
        {
            "events": selectors.published_events(today=clock.today()),
            "can_publish": can(request.user, Cap.PUBLISH_EVENTS),
        },
    )


@allows(Cap.PUBLISH_EVENTS)
def event_new(request):
    form = forms.EventForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.event_announce(actor=request.user, at=clock.now(), **form.cleaned_data)
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            messages.success(request, "活动已发布。")
            return redirect("training:events")
    return render(
        request,
        "training/form_page.html",
        {"form": form, "title": "发布活动 [P2.2]", "back": reverse("training:events")},
    )


@require_POST
@allows(Cap.PUBLISH_EVENTS)
def event_withdraw(request, pk: int):
    ev = get_object_or_404(Event, pk=pk)
    attempt(
        request,
        lambda: services.event_withdraw(
            actor=request.user, event=ev, reason=request.POST.get("reason", ""), at=clock.now()
        ),
        "活动已撤下。",
    )
    return redirect("training:events")


def event_detail(request, pk: int):
    """An event's page: places left; trainees register interest; the city edits and sees who
    registered [P2.2]."""
    ev = selectors.event_for(actor=request.user, pk=pk)
    can_publish = can(request.user, Cap.PUBLISH_EVENTS)
    return render(
        request,
        "training/event.html",
        {
            "ev": ev,
            "seats_left": None if ev.capacity is None else max(0, ev.capacity - ev.taken),
            "mine": selectors.my_event_registration(actor=request.user, event=ev),
            "can_register": can(request.user, Cap.ENROL_IN_TRAINING),
            "can_publish": can_publish,
            "registrations": selectors.event_registrations(actor=request.user, event=ev)
            if can_publish or can(request.user, Cap.SUPERVISE_CITY)
            else None,
            "open": ev.published and clock.today() <= ev.starts_on,
        },
    )


@allows(Cap.PUBLISH_EVENTS)
def event_edit(request, pk: int):
    ev = selectors.event_for(actor=request.user, pk=pk)
    initial = {f: getattr(ev, f) for f in services.EVENT_FIELDS}
    form = forms.EventForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.event_update(actor=request.user, event=ev, at=clock.now(), **form.cleaned_data)
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            messages.success(request, "活动已修改。")
            return redirect("training:event", pk=ev.pk)
    return render(
        request,
        "training/form_page.html",
        {"form": form, "title": f"修改活动:{ev.title}", "back": reverse("training:event", args=[ev.pk])},
        status=422 if request.method == "POST" else 200,
    )


@require_POST
@allows(Cap.ENROL_IN_TRAINING)
def event_register(request, pk: int):
    ev = selectors.event_for(actor=request.user, pk=pk)
    attempt(
        request,
        lambda: services.event_register(actor=request.user, event=ev, at=clock.now()),
        f"已报名「{ev.title}」。",
    )
    return redirect("training:event", pk=pk)


@require_POST
@allows(Cap.ENROL_IN_TRAINING)
def event_cancel(request, pk: int):
    ev = selectors.event_for(actor=request.user, pk=pk)
    attempt(
        request,
        lambda: services.event_cancel_registration(actor=request.user, event=ev, at=clock.now()),
        f"已取消「{ev.title}」的报名。",
    )
    return redirect("training:event", pk=pk)


# --- plans [P3.1] ------------------------------------------------------------------------------
@allows(Cap.SIGNED_IN)
def plans(request):
    qs = selectors.plans_for(actor=request.user)
    return render(
        request,
        "training/plans.html",
        {
            "plans": qs,
            "can_draft": can(request.user, Cap.MANAGE_INSTITUTION),
            "queue": selectors.city_queue(actor=request.user, now=clock.now())
            if can(request.user, Cap.SUPERVISE_CITY)
            else None,
            "can_file": can(request.user, Cap.FILE_TRAINING_PLANS),
        },
    )


def _plan_form_data(form) -> dict:
    return dict(form.cleaned_data)


@allows(Cap.MANAGE_INSTITUTION)
def plan_new(request):
    form = forms.PlanForm(request.POST or None, institution_id=request.user.institution_id)
    if request.method == "POST" and form.is_valid():
        try:
            plan = services.plan_draft(actor=request.user, at=clock.now(), **_plan_form_data(form))
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            messages.success(request, "培训计划草稿已保存,核对无误后请提交备案。")
            return redirect("training:plan", pk=plan.pk)
    return render(
        request,
        "training/form_page.html",
        {"form": form, "title": "制定培训计划 [P3.1]", "back": reverse("training:plans")},
    )


@allows(Cap.MANAGE_INSTITUTION)
def plan_edit(request, pk: int):
    plan = selectors.plan_for(actor=request.user, pk=pk)
    initial = {f: getattr(plan, f) for f in services.PLAN_FIELDS if f != "evaluation_body_id"}
    initial.update(occupation=plan.occupation, level=plan.level, evaluation_body=plan.evaluation_body)
    form = forms.PlanForm(request.POST or None, initial=initial, institution_id=request.user.institution_id)
    form.fields["occupation"].disabled = form.fields["level"].disabled = True
    if request.method == "POST" and form.is_valid():
        data = _plan_form_data(form)
        data.pop("occupation"), data.pop("level")
        try:
            services.plan_update(actor=request.user, plan=plan, at=clock.now(), **data)
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            messages.success(request, "培训计划已修改。")
            return redirect("training:plan", pk=plan.pk)
    return render(
        request,
        "training/form_page.html",
        {
            "form": form,
            "title": f"修改培训计划:{plan.title}",
            "back": reverse("training:plan", args=[plan.pk]),
        },
    )


@allows(Cap.SIGNED_IN)
def plan_detail(request, pk: int):
    plan = selectors.plan_for(actor=request.user, pk=pk)
    mine = can(request.user, Cap.MANAGE_INSTITUTION)
    return render(
        request,
        "training/plan.html",
        {
            "plan": plan,
            "classes": plan.classes.all(),
            "is_owner": mine,
            "can_file": can(request.user, Cap.FILE_TRAINING_PLANS),
            "class_form": forms.ClassForm(
                initial={
                    "mode": plan.mode,
                    "place": plan.place,
                    "start_date": plan.start_date,
                    "end_date": plan.end_date,
                }
            ),
        },
    )


@require_POST
@allows(Cap.MANAGE_INSTITUTION)
def plan_submit(request, pk: int):
    plan = selectors.plan_for(actor=request.user, pk=pk)
    attempt(
        request,
        lambda: services.plan_submit(actor=request.user, plan=plan, at=clock.now()),
        "已提交市人力社保局备案。",
    )
    return redirect("training:plan", pk=pk)


@require_POST
@allows(Cap.FILE_TRAINING_PLANS)
def plan_file(request, pk: int):
    plan = selectors.plan_for(actor=request.user, pk=pk)
    attempt(
        request, lambda: services.plan_file(actor=request.user, plan=plan, at=clock.now()), "培训计划已备案。"
    )
    return redirect("training:plan", pk=pk)


@require_POST
@allows(Cap.FILE_TRAINING_PLANS)
def plan_return(request, pk: int):
    plan = selectors.plan_for(actor=request.user, pk=pk)
    attempt(
        request,
        lambda: services.plan_return(
            actor=request.user, plan=plan, reason=request.POST.get("reason", ""), at=clock.now()
        ),
        "培训计划已退回修改。",
    )
    return redirect("training:plan", pk=pk)


@require_POST
@allows(Cap.MANAGE_INSTITUTION)
def class_new(request, pk: int):
    plan = selectors.plan_for(actor=request.user, pk=pk)
    form = forms.ClassForm(request.POST)
    if not form.is_valid():
        messages.error(
            request,
            "请完整填写班次信息:"
            + "; ".join(f"{form.fields[f].label}{e[0]}" for f, e in form.errors.items()),
        )
        return redirect("training:plan", pk=pk)
    klass = None

    def open_it():
        nonlocal klass
        klass = services.class_open(actor=request.user, plan=plan, at=clock.now(), **form.cleaned_data)

    if attempt(request, open_it, "班次已发布,进入公开招生。"):
        return redirect("training:class_manage", pk=klass.pk)
    return redirect("training:plan", pk=pk)


# --- classes: roster, sessions, attendance, certificates [P2.3], [P3.2] ---------------------------
@allows(Cap.SIGNED_IN)
def class_manage(request, pk: int):
    klass = selectors.class_for(actor=request.user, pk=pk)
    now = clock.now()
    rows = selectors.roster(actor=request.user, klass=klass, now=now)
    return render(
        request,
        "training/class_manage.html",
        {
            "klass": klass,
            "plan": klass.plan,
            "rows": rows,
            "minutes_per_hour": rules.minutes_per_hour(on=klass.start_date),
            "split": rules.schedule_split(klass),
            "sessions": klass.sessions.all(),
            "anomalies": selectors.anomalies(actor=request.user, klass=klass),
            "is_owner": can(request.user, Cap.MANAGE_INSTITUTION),
            "can_review": can(request.user, Cap.FILE_TRAINING_PLANS),
            "retired_count": sum(1 for r in rows if r["age"].flagged and r["enrolment"].on_roster),
            "exception_form": forms.RecordExceptionForm(auto_id=False),
            "session_form": forms.SessionForm(initial={"date": klass.start_date}),
            "upload_form": forms.UploadForm(),
            "online_columns": services.ONLINE_COLUMNS,
        },
    )


def _enrolment_for(request, pk: int) -> Enrolment:
    e = get_object_or_404(Enrolment.objects.select_related("klass__plan"), pk=pk)
    selectors.class_for(actor=request.user, pk=e.klass_id)  # scope check
    return e


@require_POST
@allows(Cap.MANAGE_INSTITUTION)
def enrolment_admit(request, pk: int):
    e = _enrolment_for(request, pk)
    attempt(
        request,
        lambda: services.enrolment_admit(actor=request.user, enrolment=e, at=clock.now()),
        f"已录取 {e.person.name}。",
    )
    return redirect("training:class_manage", pk=e.klass_id)


@require_POST
@allows(Cap.MANAGE_INSTITUTION)
def enrolment_refuse(request, pk: int):
    e = _enrolment_for(request, pk)
    attempt(
        request,
        lambda: services.enrolment_refuse(
            actor=request.user, enrolment=e, reason=request.POST.get("reason", ""), at=clock.now()
        ),
        f"已不予录取 {e.person.name}。",
    )
    return redirect("training:class_manage", pk=e.klass_id)


@allows(Cap.MANAGE_INSTITUTION)
def enrol_on_behalf(request, pk: int):
    """Staff enrol a real-name person found (or registered) by ID number [P4.3], [P2.3]."""
    klass = selectors.class_for(actor=request.user, pk=pk)
    form = forms.OnBehalfForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            e = services.enrolment_on_behalf(
                actor=request.user, klass=klass, at=clock.now(), **form.cleaned_data
            )
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            messages.success(request, f"已为 {e.person.name} 代报名并录取,花名册仍须经市人力社保局审核。")
            return redirect("training:class_manage", pk=klass.pk)
    return render(
        request,
        "training/form_page.html",
        {
            "form": form,
            "title": f"代学员报名:{klass.name}",
            "lead": "按身份证号码查找实名信息;尚未登记的人员请同时填写姓名,将一并实名登记 [P4.3]。"
            "代报名即录取,仍受不得录取到时间重叠班次的限制,并须经市人力社保局花名册审核 [P2.3]。",
            "back": reverse("training:class_manage", args=[klass.pk]),
        },
        status=422 if request.method == "POST" else 200,
    )


@require_POST
@allows(Cap.ENROL_IN_TRAINING)
def enrolment_withdraw(request, pk: int):
    e = selectors.enrolment_for(actor=request.user, pk=pk)
    attempt(
        request,
        lambda: services.enrolment_withdraw(
            actor=request.user, enrolment=e, reason=request.POST.get("reason", ""), at=clock.now()
        ),
        f"已撤回「{e.klass.name}」的报名。",
    )
    return redirect("training:me")


@require_POST
@allows(Cap.SIGNED_IN)
def enrolment_drop(request, pk: int):
    e = selectors.enrolment_for(actor=request.user, pk=pk)
    attempt(
        request,
        lambda: services.enrolment_drop(
            actor=request.user, enrolment=e, reason=request.POST.get("reason", ""), at=clock.now()
        ),
        f"已办理 {e.person.name} 的退学,已有考勤记录保留。",
    )
    if can(request.user, Cap.ENROL_IN_TRAINING):
        return redirect("training:me")
    return redirect("training:class_manage", pk=e.klass_id)


@require_POST
@allows(Cap.MANAGE_INSTITUTION)
def enrolment_assess(request, pk: int):
    e = _enrolment_for(request, pk)
    passed = request.POST.get("passed") == "1"
    attempt(
        request,
        lambda: services.completion_assess(
            actor=request.user, enrolment=e, passed=passed, note=request.POST.get("note", ""), at=clock.now()
        ),
        f"已记录 {e.person.name} 的结业考核:{'合格' if passed else '不合格'}。",
    )
    return redirect("training:class_manage", pk=e.klass_id)


@require_POST
@allows(Cap.MANAGE_INSTITUTION)
def enrolment_certify(request, pk: int):
    e = _enrolment_for(request, pk)
    attempt(
        request,
        lambda: services.certificate_issue(actor=request.user, enrolment=e, at=clock.now()),
        f"已为 {e.person.name} 颁发培训合格证书。",
    )
    return redirect("training:class_manage", pk=e.klass_id)


@require_POST
@allows(Cap.FILE_TRAINING_PLANS)
def enrolment_exception(request, pk: int):
    """The city allows one trainee an exception to the order of the record, with its reason [P3.2]."""
    e = _enrolment_for(request, pk)
    form = forms.RecordExceptionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择例外类型并填写理由(不超过500字)")
    else:
        attempt(
            request,
            lambda: services.record_exception_grant(
                actor=request.user, enrolment=e, at=clock.now(), **form.cleaned_data
            ),
            f"已为 {e.person.name} 办理例外:{dict(form.fields['kind'].choices)[form.cleaned_data['kind']]}。",
        )
    return redirect("training:class_manage", pk=e.klass_id)


def _class_action(service, success):
    @require_POST
    @allows(Cap.SIGNED_IN)
    def view(request, pk: int):
        klass = selectors.class_for(actor=request.user, pk=pk)
        attempt(request, lambda: service(request, klass), success)
        return redirect("training:class_manage", pk=pk)

    return view


roster_submit = _class_action(
    lambda r, k: services.roster_submit(actor=r.user, klass=k, at=clock.now()),
    "花名册已提交市人力社保局审核。",
)
roster_approve = _class_action(
    lambda r, k: services.roster_review(
        actor=r.user, klass=k, approve=True, note=r.POST.get("note", ""), at=clock.now()
    ),
    "花名册审核通过。",
)
roster_return = _class_action(
    lambda r, k: services.roster_review(
        actor=r.user, klass=k, approve=False, note=r.POST.get("note", ""), at=clock.now()
    ),
    "花名册已退回。",
)
class_start = _class_action(
    lambda r, k: services.class_start(actor=r.user, klass=k, at=clock.now()), "班次已开始培训。"
)
class_complete = _class_action(
    lambda r, k: services.class_complete(actor=r.user, klass=k, at=clock.now()), "班次已结业。"
)


@require_POST
@allows(Cap.MANAGE_INSTITUTION)
def session_new(request, pk: int):
    klass = selectors.class_for(actor=request.user, pk=pk)
    form = forms.SessionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请完整填写课次信息")
    else:
        added = attempt(
            request,
            lambda: services.session_add(
                actor=request.user, klass=klass, at=clock.now(), **form.cleaned_data
            ),
            "课次已添加。",
        )
        if added:
            for warning in rules.schedule_warnings(klass):
                messages.warning(request, warning)
    return redirect("training:class_manage", pk=pk)


@allows(Cap.MANAGE_INSTITUTION)
def online_import(request, pk: int):
    """Upload online learning records (CSV/XLSX) [P2.3]; every bad row is listed, nothing is written."""
    klass = selectors.class_for(actor=request.user, pk=pk)
    form = forms.UploadForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        f = form.cleaned_data["file"]
        try:
            rows = read_table(content=f.read(), filename=f.name, required=services.ONLINE_COLUMNS)
            report = services.online_records_import(
                actor=request.user, klass=klass, rows=rows, filename=f.name, at=clock.now()
            )
        except ValidationError as exc:
            add_form_errors(form, exc)
    return render(
        request,
        "training/import_result.html",
        {
            "title": f"导入线上学习记录:{klass.name}",
            "form": form,
            "report": report,
            "columns": services.ONLINE_COLUMNS,
            "back": reverse("training:class_manage", args=[klass.pk]),
        },
        status=422 if report is not None and not report.ok else 200,
    )


@allows(Cap.SIGNED_IN)
def session_detail(request, pk: int):
    """The session page for staff: the rotating check-in QR code and the attendance list [P2.3]."""
    session = selectors.session_for(actor=request.user, pk=pk)
    action = "out" if request.GET.get("action") == "out" else "in"
    ctx = {
        "session": session,
        "klass": session.klass,
        "action": action,
        "rows": selectors.session_attendance(actor=request.user, session=session),
        "is_owner": can(request.user, Cap.MANAGE_INSTITUTION),
        "now": clock.now(),
        "rules": rules.attendance_rules(on=session.date),
        "ended": session.ends_at <= clock.now(),  # corrections only once the session has ended [P2.3]
        **_qr_context(request, session, action),
    }
    if request.htmx and request.GET.get("part") == "qr":
        return render(request, "training/session.html#qr", ctx)
    return render(request, "training/session.html", ctx)


def _qr_context(request, session: Session, action: str) -> dict:
    now = clock.now()
    token = checkin.token_for(session_id=session.pk, action=action, at=now)
    return {
        "checkin_url": request.build_absolute_uri(
            reverse("training:checkin", args=[session.pk, action, token])
        ),
        "token": token,
        "seconds_left": checkin.seconds_left(at=now),
    }


@allows(Cap.MANAGE_INSTITUTION)
def session_qr(request, pk: int, action: str):
    """The current check-in code as a PNG, for the screen in class."""
    session = selectors.session_for(actor=request.user, pk=pk)
    if action not in checkin.ACTIONS:
        raise PermissionDenied("unknown action")
    url = _qr_context(request, session, action)["checkin_url"]
    response = HttpResponse(documents.qr_png(url, box_size=10), content_type="image/png")
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@allows(Cap.MANAGE_INSTITUTION)
def session_correct(request, pk: int):
    session = selectors.session_for(actor=request.user, pk=pk)
    form = forms.CorrectionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写更正时间和理由")
        return redirect("training:session", pk=pk)
    d = form.cleaned_data
    e = get_object_or_404(Enrolment, pk=d["enrolment"])
    attempt(
        request,
        lambda: services.attendance_correct(
            actor=request.user,
            session=session,
            enrolment=e,
            check_in=d["check_in"],
            check_out=d["check_out"],
            reason=d["reason"],
            at=clock.now(),
        ),
        f"已更正 {e.person.name} 的考勤。",
    )
    return redirect("training:session", pk=pk)


@allows(Cap.ENROL_IN_TRAINING)
def checkin_scan(request, session_pk: int, action: str, token: str):
    """What the trainee's phone opens from the QR code: confirm, and the check-in is recorded [P2.3]."""
    session = get_object_or_404(Session.objects.select_related("klass__plan__institution"), pk=session_pk)
    done = None
    if request.method == "POST":
        try:
            done = services.attendance_scan(
                actor=request.user, session=session, action=action, token=token, at=clock.now()
            )
        except ValidationError as exc:
            messages.error(request, error_text(exc))
    return render(
        request,
        "training/checkin.html",
        {"session": session, "action": action, "done": done},
        status=200 if request.method == "GET" or done else 422,
    )


# --- certificates [P3.2] -------------------------------------------------------------------------
@allows(Cap.SIGNED_IN)
def certificate_detail(request, pk: int):
    cert = selectors.certificate_for(actor=request.user, pk=pk)
    can_revoke = cert.status == TrainingCertificate.Status.VALID and (
        can(request.user, Cap.FILE_TRAINING_PLANS)
        or (can(request.user, Cap.MANAGE_INSTITUTION) and request.user.institution_id == cert.institution_id)
    )
    return render(
        request,
        "training/certificate.html",
        {
            "cert": cert,
            "can_revoke": can_revoke,
            "exceptions": selectors.certificate_exceptions(actor=request.user, certificate=cert),
        },
    )


def training_certificate_doc(request, cert: TrainingCertificate) -> documents.CertificateDoc:
    plan = cert.enrolment.klass.plan
    return documents.CertificateDoc(
        heading="培训合格证书",
        number=cert.number,
        holder_name=cert.person.name,
        holder_id_masked=cert.person.masked_id_number,
        body=(
            f"{cert.person.name}同志参加{cert.institution.name}举办的{cert.occupation.name}"
            f"({cert.level.name}{'·' + plan.direction if plan.direction else ''})培训,完成规定学时和内容,"
            "经结业考核合格,特发此证。"
        ),
        facts=[
            ("职业(工种)", f"{cert.occupation.name}({cert.occupation.code})"),
            ("等级", cert.level.name),
            ("培训学时", f"理论 {cert.theory_hours} 学时,实操 {cert.practice_hours} 学时"),
            ("培训班次", cert.enrolment.klass.name),
        ],
        issuer=cert.institution.name,
        issued_on=cert.issued_on,
        verify_url=request.build_absolute_uri(reverse("training:verify", args=[cert.code])),
        revoked=cert.status == TrainingCertificate.Status.REVOKED,
    )


@allows(Cap.SIGNED_IN)
def certificate_pdf(request, pk: int):
    cert = selectors.certificate_for(actor=request.user, pk=pk)
    pdf = documents.certificate_pdf(training_certificate_doc(request, cert))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{cert.number}.pdf"'
    return response


@require_POST
@allows(Cap.SIGNED_IN)
def certificate_revoke(request, pk: int):
    cert = selectors.certificate_for(actor=request.user, pk=pk)
    attempt(
        request,
        lambda: services.certificate_revoke(
            actor=request.user, certificate=cert, reason=request.POST.get("reason", ""), at=clock.now()
        ),
        "证书已撤销。",
    )
    return redirect("training:certificate", pk=pk)


# --- the trainee's page [P2.3], [P4.1], [P4.2] ------------------------------------------------------
def claim_link() -> tuple[str, bool]:
    """The subsidy claim entry: this platform's claim page once it exists, else the provincial platform
    named by [A2.5]."""
    try:
        return reverse("subsidy:my_claims"), True
    except NoReverseMatch:
        return PROVINCIAL_CLAIM_PLATFORM, False


@allows(Cap.VIEW_OWN_RECORDS)
def me(request):
    data = selectors.my_training(actor=request.user, now=clock.now())
    level = evaluation.my_level(actor=request.user)
    url, internal = claim_link()
    return render(
        request, "training/me.html", {**data, **level, "claim_url": url, "claim_internal": internal}
    )


CE_BASIS = (
    "依据《温州市数字技术工程师培育项目实施方案》四(一)[P4.1],参加数字技术工程师培育项目的培训学时"
    "登记为参训人当年继续教育专业科目学时。"
)


@allows(Cap.VIEW_OWN_RECORDS)
def ce_statement(request, year: int):
    data = selectors.ce_statement(actor=request.user, year=year)
    return render(
        request,
        "training/ce_statement.html",
        {
            **data,
            "person": request.user.person,
            "printed_on": timezone.localdate(clock.now()),
            "basis": CE_BASIS,
        },
    )


@allows(Cap.VIEW_OWN_RECORDS)
def ce_statement_pdf(request, year: int):
    """The same statement as a PDF with the certificates' embedded CJK font [P4.1]."""
    data = selectors.ce_statement(actor=request.user, year=year)
    person = request.user.person
    doc = documents.CEStatementDoc(
        year=year,
        holder_name=person.name,
        holder_id_masked=person.masked_id_number,
        lines=[
            documents.CreditLine(
                subject=c.subject,
                institution=c.certificate.institution.name,
                certificate_number=c.certificate.number,
                credited_on=c.credited_on,
                hours=str(c.hours),
            )
            for c in data["credits"]
        ],
        total=str(data["total"]),
        printed_on=timezone.localdate(clock.now()),
        basis=CE_BASIS,
    )
    response = HttpResponse(documents.ce_statement_pdf(doc), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="ce-{year}.pdf"'
    return response


# --- the city's tables: CE hours [P4.1] ----------------------------------------------------------------
def table_response(*, header: list[str], rows: list[list], filename: str, fmt: str) -> HttpResponse:
    """A table as CSV (UTF-8 with BOM, so that spreadsheet programs read the Chinese) or XLSX, through
    dte.core.spreadsheet: a name or subject like "=HYPERLINK(…)" is written as text, never a formula."""
    if fmt == "xlsx":
        response = HttpResponse(
            spreadsheet.xlsx_bytes(header, rows, title="Sheet"),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        response = HttpResponse(spreadsheet.csv_bytes(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response


CE_COLUMNS = [
    "年度",
    "姓名",
    "身份证号",
    "职业编码",
    "职业",
    "等级",
    "培训机构",
    "证书编号",
    "登记日期",
    "学时",
]


def _year_param(request, default: int) -> int:
    raw = request.GET.get("year", "")
    return int(raw) if raw.isdigit() and 2000 <= int(raw) <= 2100 else default


@allows(Cap.SUPERVISE_CITY)
def ce_hours(request):
    """CE hours by year and occupation for the city officer and the auditor [P4.1]; ``format=csv``
    or ``format=xlsx`` exports them with full ID numbers (the export is recorded in the audit log)."""
    today = timezone.localdate(clock.now())
    year = _year_param(request, today.year)
    occupation = request.GET.get("occupation", "")
    credits = list(selectors.ce_hours(actor=request.user, year=year, occupation=occupation))
    fmt = request.GET.get("format", "")
    if fmt in ("csv", "xlsx"):
        rows = [
            [
                c.year,
                c.person.name,
                c.person.id_number,
                c.certificate.occupation.code,
                c.certificate.occupation.name,
                c.certificate.level.name,
                c.certificate.institution.name,
                c.certificate.number,
                c.credited_on.isoformat(),
                float(c.hours) if fmt == "xlsx" else str(c.hours),
            ]
            for c in credits
        ]
        services.ce_hours_exported(
            actor=request.user, year=year, occupation=occupation, fmt=fmt, rows=len(rows), at=clock.now()
        )
        name = f"ce-hours-{year}" + (f"-{occupation}" if occupation else "")
        return table_response(header=CE_COLUMNS, rows=rows, filename=name, fmt=fmt)
    by_occupation: dict[str, dict] = {}
    for c in credits:
        o = by_occupation.setdefault(
            c.certificate.occupation.code,
            {"occupation": c.certificate.occupation, "people": set(), "hours": 0},
        )
        o["people"].add(c.person_id)
        o["hours"] += c.hours
    years = selectors.ce_years()
    return render(
        request,
        "training/ce_hours.html",
        {
            "credits": credits,
            "year": year,
            "years": sorted({*years, year, today.year}, reverse=True),
            "occupation": occupation,
            "occupations": Occupation.objects.all(),
            "summary": [{**o, "people": len(o["people"])} for o in by_occupation.values()],
            "total": sum((c.hours for c in credits), 0),
            "query": f"year={year}&occupation={occupation}",
        },
    )


# --- the city's attendance anomaly list [P2.3] ---------------------------------------------------------
ANOMALY_COLUMNS = ["培训机构", "班次", "职业", "等级", "异常类型", "说明", "依据", "考勤记录编号"]


@allows(Cap.SUPERVISE_CITY)
def anomalies(request):
    """City-wide attendance anomalies for the city officer and the auditor, by institution and kind
    of anomaly [P2.3]; ``format=csv`` downloads the same list."""
    raw = request.GET.get("institution", "")
    institution_id = int(raw) if raw.isdigit() else None
    kind = request.GET.get("kind", "")
    kind = kind if kind in rules.ANOMALY_KINDS else ""
    rows = selectors.anomalies_citywide(actor=request.user, institution_id=institution_id, kind=kind)
    if request.GET.get("format") == "csv":
        table = [
            [
                r["institution"].name,
                r["klass"].name,
                r["klass"].plan.occupation.name,
                r["klass"].plan.level.name,
                r["anomaly"].label,
                r["anomaly"].message,
                r["anomaly"].clause,
                " ".join(str(i) for i in r["anomaly"].attendance_ids),
            ]
            for r in rows
        ]
        today = timezone.localdate(clock.now())
        return table_response(header=ANOMALY_COLUMNS, rows=table, filename=f"anomalies-{today}", fmt="csv")
    return render(
        request,
        "training/anomalies.html",
        {
            "rows": rows,
            "institutions": Institution.objects.filter(plans__isnull=False).distinct().order_by("name"),
            "kinds": rules.ANOMALY_KINDS,
            "institution_id": institution_id,
            "kind": kind,
            "query": f"institution={institution_id or ''}&kind={kind}",
        },
    )
