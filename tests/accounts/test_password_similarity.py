"""A password may not resemble the account's own facts: its username (a trainee's phone number), its
display name or the person's name (Django's UserAttributeSimilarityValidator, over user.person.name)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from dte.accounts.forms import PasswordChangeForm
from dte.accounts.models import Role, User
from dte.accounts.services import account_create, password_change, trainee_sign_up
from dte.people.models import Person
from tests.conftest import AT, PASSWORD

SIGN_UP = {
    "name": "林雅琪",
    "id_number": "11010519491231002X",
    "phone": "13805770022",
    "password": "13805770022lyq",
    "password2": "13805770022lyq",
}


def test_sign_up_with_a_password_made_of_the_phone_number_is_refused_in_chinese(client, reference):
    html = client.post("/accounts/sign-up/", SIGN_UP).content.decode()
    assert "密码与账号名过于相似" in html
    assert not User.objects.exists() and not Person.objects.exists()


def test_the_sign_up_service_refuses_the_password_on_its_field_and_writes_nothing(reference):
    with pytest.raises(ValidationError) as exc:
        trainee_sign_up(
            name="林雅琪", id_number="11010519491231002X", phone="13805770022", password="13805770022", at=AT
        )
    assert any("密码与账号名过于相似" in m for m in exc.value.message_dict["password"])
    assert not User.objects.exists() and not Person.objects.exists()


def test_a_password_equal_to_the_username_is_refused_on_change(reference):
    user = account_create(
        username="zhang.wei.2026", password=PASSWORD, role=Role.CITY_OFFICER, display_name="", at=AT
    )
    form = PasswordChangeForm(
        {"old_password": PASSWORD, "new_password": "zhang.wei.2026", "new_password2": "zhang.wei.2026"}
    )
    assert form.is_valid()
    with pytest.raises(ValidationError) as exc:
        password_change(
            user=user, old_password=PASSWORD, new_password=form.cleaned_data["new_password"], at=AT
        )
    assert exc.value.message_dict["password"] == ["密码与账号名过于相似,请另设一个密码"]
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_a_password_built_on_the_persons_name_is_refused_on_change(reference, make_person):
    person = make_person("阿卜杜热合曼·买买提")
    user = account_create(username="abduraxman", password=PASSWORD, role=Role.TRAINEE, person=person, at=AT)
    with pytest.raises(ValidationError) as exc:
        password_change(user=user, old_password=PASSWORD, new_password="阿卜杜热合曼·买买提2026", at=AT)
    assert "密码与本人姓名过于相似,请另设一个密码" in exc.value.message_dict["password"]


def test_the_password_change_page_shows_the_similarity_message(client_as, trainee):
    trainee.username = "chenxiaoming88"
    trainee.save(update_fields=["username"])
    html = (
        client_as(trainee)
        .post(
            "/accounts/password/",
            {"old_password": PASSWORD, "new_password": "Chenxiaoming88", "new_password2": "Chenxiaoming88"},
        )
        .content.decode()
    )
    assert "密码与账号名过于相似" in html
    trainee.refresh_from_db()
    assert trainee.check_password(PASSWORD)


def test_a_password_unlike_the_accounts_facts_is_accepted(reference, make_person):
    person = make_person("阿卜杜热合曼·买买提")
    user = account_create(username="abduraxman", password=PASSWORD, role=Role.TRAINEE, person=person, at=AT)
    password_change(user=user, old_password=PASSWORD, new_password="Kashgar-Oasis-Morning-7", at=AT)
    user.refresh_from_db()
    assert user.check_password("Kashgar-Oasis-Morning-7")
