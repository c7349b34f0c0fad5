"""Writes to accounts: creation, trainee sign-up, password change. Every write is audited."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction

from dte.accounts.models import Role, User
from dte.audit import services as audit
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
        _check_password(password)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    existing = people.find_person(id_number=id_number) if id_number else None
    if existing is not None and hasattr(existing, "account"):
        errors["id_number"] = ["该身份证号码已注册账号,不能重复注册;如忘记密码请联系经办机构"]
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
