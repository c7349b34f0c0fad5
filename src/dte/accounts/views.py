from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from dte.accounts import selectors, services
from dte.accounts.forms import AccountActionForm, LoginForm, PasswordChangeForm, SignUpForm, StaffAccountForm
from dte.accounts.models import Role
from dte.core import clock
from dte.core.forms import add_form_errors
from dte.core.permissions import Cap, allows


def login_view(request):
    form = LoginForm(request.POST or None)
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = ""
    if request.method == "POST" and form.is_valid():
        user = authenticate(
            request, username=form.cleaned_data["username"], password=form.cleaned_data["password"]
        )
        if getattr(request, "axes_locked_out", False):
            return render(request, "accounts/locked.html", status=429)
        if user is None:
            form.add_error(None, "账号或密码不正确。连续输错10次,账号将被锁定30分钟。")
        else:
            login(request, user)
            return redirect(next_url or "accounts:home")
    return render(request, "accounts/login.html", {"form": form, "next": next_url})


@require_POST
def logout_view(request):
    logout(request)
    messages.info(request, "您已安全退出。")
    return redirect("web:home")


@allows(Cap.SIGNED_IN)
def home(request):
    return render(request, "accounts/home.html", {"summary": selectors.home_summary(user=request.user)})


@allows(Cap.SIGNED_IN)
def password_change(request):
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.password_change(
                user=request.user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password"],
                at=clock.now(),
            )
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            update_session_auth_hash(request, request.user)
            messages.success(request, "密码已修改。")
            return redirect("accounts:home")
    return render(request, "accounts/password_change.html", {"form": form})


def sign_up(request):
    if request.user.is_authenticated:
        return redirect("accounts:home")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            user = services.trainee_sign_up(
                name=d["name"],
                id_number=d["id_number"],
                phone=d["phone"],
                password=d["password"],
                at=clock.now(),
            )
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            login(request, user, backend="dte.accounts.backends.ModelBackend")
            messages.success(request, "实名注册成功。")
            return redirect("accounts:home")
    return render(request, "accounts/sign_up.html", {"form": form})


@allows(Cap.MANAGE_ACCOUNTS)
def manage(request):
    roles = services.CREATABLE_ROLES.get(Role(request.user.role), [])
    form = StaffAccountForm(request.POST or None, roles=roles)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            user = services.staff_account_create(
                actor=request.user,
                username=d["username"],
                password=d["password"],
                role=d["role"],
                display_name=d["display_name"],
                institution=d["institution"],
                evaluation_body=d["evaluation_body"],
                county=d["county"],
                at=clock.now(),
            )
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            messages.success(request, f"已创建账号 {user.username}({user.role_label})。")
            return redirect("accounts:manage")
    accounts = selectors.accounts_for_manager(
        actor=request.user, role=request.GET.get("role", ""), q=request.GET.get("q", "").strip()
    )
    context = {
        "form": form,
        "accounts": accounts,
        "roles": roles,
        "role": request.GET.get("role", ""),
        "q": request.GET.get("q", ""),
    }
    if request.htmx:
        return render(request, "accounts/manage.html#results", context)
    return render(request, "accounts/manage.html", context)


@allows(Cap.MANAGE_ACCOUNTS)
def manage_account(request, pk: int):
    account = get_object_or_404(selectors.accounts_for_manager(actor=request.user), pk=pk)
    form = AccountActionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            if d["action"] == "reset":
                services.account_reset_password(
                    actor=request.user, user=account, new_password=d["new_password"], at=clock.now()
                )
                messages.success(request, "密码已重置。")
            else:
                services.account_set_active(
                    actor=request.user,
                    user=account,
                    active=d["action"] == "activate",
                    reason=d["reason"],
                    at=clock.now(),
                )
                messages.success(request, "账号已启用。" if d["action"] == "activate" else "账号已停用。")
        except ValidationError as exc:
            for msgs in exc.message_dict.values():
                for m in msgs:
                    messages.error(request, m)
        return redirect("accounts:manage_account", pk=account.pk)
    return render(request, "accounts/manage_account.html", {"account": account})
