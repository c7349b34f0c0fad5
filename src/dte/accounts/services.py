"""Writes to accounts: creation, trainee sign-up, password change. Every write is audited."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth import password_validation
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from dte.accounts.models import Role, User
from dte.audit import services as audit
from dte.core.bounds import REASON_MAX, clean_text
from dte.core.permissions import Cap, require
from dte.people import services as people


def _check_password(password: str, user: User | None = None) -> None:
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc


@transaction.atomic
def account_create(
    *,
    username: str,
    password: str,
    role: str,
    actor=None,
    at: datetime,
    display_name: str = "",
    person=None,
    institution=None,
    evaluation_body=None,
    county=None,
    check_password: bool = True,
) -> User:
    """Create an account with its role and scope. ``check_password`` is off only for demo data."""
    if User.objects.filter(username=username).exists():
        raise ValidationError({"username": "该账号名已被使用"})
    user = User(
        username=username,
        role=role,
        display_name=display_name,
        person=person,
        institution=institution,
        evaluation_body=evaluation_body,
        county=county,
    )
    user.clean()
    if check_password:
        _check_password(password, user)
    user.set_password(password)
    user.save()
    audit.record(
        actor=actor,
        action="account.create",
        obj=user,
        at=at,
        after={"username": username, "role": role, "scope": user.scope_label},
    )
    return user


@transaction.atomic
def trainee_sign_up(*, name: str, id_number: str, phone: str, password: str, at: datetime) -> User:
    """Real-name sign-up of a trainee [P4.3]: the person is registered (ID number validated, one
    account per ID number) and a trainee account is created; the phone number is the login name."""
    errors: dict[str, list[str]] = {}
    if not phone:
        errors["phone"] = ["请填写手机号码,用作登录账号"]
    try:
        phone = people.clean_phone(phone)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        # Checked against the account it would be: the phone number is its username, the name the person's.
        _check_password(password, User(username=phone, display_name=(name or "").strip()))
    except ValidationError as exc:
        errors.update(exc.message_dict)
    existing = people.find_person(id_number=id_number) if id_number else None
    if existing is not None and hasattr(existing, "account"):
        errors["id_number"] = ["该身份证号码已注册账号,不能重复注册;如忘记密码请联系经办机构"]
    elif existing is not None and (
        existing.name != (name or "").strip() or (existing.phone and existing.phone != phone)
    ):
        # A person registered by an institution or a bureau: the account is theirs only if the name and the
        # phone on record match; knowing someone's ID number must not be enough to take their record.
        errors["id_number"] = [
            "姓名或手机号码与该身份证号码的登记信息不一致;如信息有变,请联系培训机构或经办机构核实"
        ]
    if phone and User.objects.filter(username=phone).exists():
        errors["phone"] = ["该手机号码已注册账号"]
    if errors:
        raise ValidationError(errors)
    person = existing or people.person_register(name=name, id_number=id_number, phone=phone, at=at)
    return account_create(
        username=phone,
        password=password,
        role=Role.TRAINEE,
        person=person,
        display_name=person.name,
        at=at,
        actor=None,
    )


@transaction.atomic
def password_change(*, user: User, old_password: str, new_password: str, at: datetime) -> None:
    if not user.check_password(old_password):
        raise ValidationError({"old_password": "原密码不正确"})
    _check_password(new_password, user)
    user.set_password(new_password)
    user.save(update_fields=["password"])
    audit.record(
        actor=user, action="account.password_change", obj=user, at=at, changes={"password": "changed"}
    )


# Which staff roles each managing role may create (trainees sign up themselves, real-name).
CREATABLE_ROLES = {
    Role.ADMINISTRATOR: [
        Role.INSTITUTION_STAFF,
        Role.EVALUATION_STAFF,
        Role.COUNTY_REVIEWER,
        Role.COUNTY_APPROVER,
        Role.CITY_OFFICER,
        Role.AUDITOR,
        Role.ADMINISTRATOR,
    ],
    Role.CITY_OFFICER: [
        Role.INSTITUTION_STAFF,
        Role.EVALUATION_STAFF,
        Role.COUNTY_REVIEWER,
        Role.COUNTY_APPROVER,
    ],
}


def _require_manager(actor: User, role: str | None = None) -> None:
    require(actor, Cap.MANAGE_ACCOUNTS)
    if role is not None and role not in CREATABLE_ROLES.get(Role(actor.role), []):
        raise PermissionDenied(f"当前账号不能管理“{Role(role).label}”账号")


@transaction.atomic
def staff_account_create(
    *,
    actor: User,
    username: str,
    password: str,
    role: str,
    display_name: str,
    institution=None,
    evaluation_body=None,
    county=None,
    at: datetime,
) -> User:
    """An administrator or the city bureau opens an account for staff, with its role and scope."""
    _require_manager(actor, role)
    return account_create(
        username=username,
        password=password,
        role=role,
        display_name=display_name,
        institution=institution,
        evaluation_body=evaluation_body,
        county=county,
        actor=actor,
        at=at,
    )


@transaction.atomic
def account_set_active(*, actor: User, user: User, active: bool, reason: str, at: datetime) -> None:
    _require_manager(actor, user.role)
    if user.pk == actor.pk:
        raise ValidationError({"active": "不能停用自己的账号"})
    reason = clean_text(reason, field="reason", label="理由", max_length=REASON_MAX)
    if not reason:
        raise ValidationError({"reason": "请填写理由"})
    if user.is_active == active:
        return
    audit.audited_save(
        obj=user,
        actor=actor,
        action="account.activate" if active else "account.deactivate",
        at=at,
        values={"is_active": active},
        reason=reason,
    )


@transaction.atomic
def account_reset_password(*, actor: User, user: User, new_password: str, at: datetime) -> None:
    _require_manager(actor, user.role)
    _check_password(new_password, user)
    user.set_password(new_password)
    user.save(update_fields=["password"])
    audit.record(actor=actor, action="account.password_reset", obj=user, changes={"password": "reset"}, at=at)
