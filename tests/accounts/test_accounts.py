import pytest

from dte.accounts.models import User
from dte.audit.models import AuditEntry
from dte.people.models import Person
from tests.conftest import PASSWORD

SIGN_UP = {
    "name": "林雅琪",
    "id_number": "11010519491231002X",
    "phone": "13805770022",
    "password": "Yaqi-Secret-2026",
    "password2": "Yaqi-Secret-2026",
}


def test_passwords_are_hashed_with_argon2(trainee):
    assert trainee.password.startswith("argon2$argon2id$")


def test_the_production_settings_hash_with_argon2_first():
    import dte.settings as prod

    assert prod.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_a_person_signs_in_and_sees_their_role_home(client, trainee):
    resp = client.post("/accounts/login/", {"username": "trainee", "password": PASSWORD})
    assert resp.status_code == 302 and resp["Location"] == "/accounts/home/"
    html = client.get("/accounts/home/").content.decode()
    assert "学员工作台" in html and "330302********" in html


def test_a_wrong_password_gets_a_clear_message(client, trainee):
    html = client.post("/accounts/login/", {"username": "trainee", "password": "nope"}).content.decode()
    assert "账号或密码不正确" in html


def test_ten_wrong_passwords_lock_the_account_even_for_the_right_password(client, trainee):
    for _ in range(10):
        client.post("/accounts/login/", {"username": "trainee", "password": "wrong-password"})
    resp = client.post("/accounts/login/", {"username": "trainee", "password": PASSWORD})
    assert resp.status_code == 429
    assert "锁定" in resp.content.decode()
    assert "_auth_user_id" not in client.session


def test_sign_out_ends_the_session(client_as, trainee):
    client = client_as(trainee)
    resp = client.post("/accounts/logout/")
    assert resp.status_code == 302
    assert client.get("/accounts/home/").status_code == 302


def test_sign_out_by_get_is_refused(client_as, trainee):
    assert client_as(trainee).get("/accounts/logout/").status_code == 405


def test_password_change_needs_the_old_password_and_is_audited(client_as, trainee):
    client = client_as(trainee)
    html = client.post(
        "/accounts/password/",
        {"old_password": "wrong", "new_password": "Brand-New-Pass-1", "new_password2": "Brand-New-Pass-1"},
    ).content.decode()
    assert "原密码不正确" in html
    resp = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password": "Brand-New-Pass-1", "new_password2": "Brand-New-Pass-1"},
    )
    assert resp.status_code == 302
    trainee.refresh_from_db()
    assert trainee.check_password("Brand-New-Pass-1")
    assert AuditEntry.objects.filter(action="account.password_change").count() == 1


def test_a_trainee_signs_up_with_real_name(client, reference):
    resp = client.post("/accounts/sign-up/", SIGN_UP)
    assert resp.status_code == 302
    user = User.objects.get(username="13805770022")
    assert user.role == "trainee" and user.person.name == "林雅琪"


def test_a_second_account_for_the_same_id_number_is_refused(client, reference):
    client.post("/accounts/sign-up/", SIGN_UP)
    client.post("/accounts/logout/")
    again = {**SIGN_UP, "phone": "13805770033"}
    html = client.post("/accounts/sign-up/", again).content.decode()
    assert "该身份证号码已注册账号" in html
    assert User.objects.filter(role="trainee").count() == 1
    assert Person.objects.count() == 1


def test_sign_up_with_an_invalid_id_number_writes_nothing(client, reference):
    html = client.post("/accounts/sign-up/", {**SIGN_UP, "id_number": "110105194912310021"}).content.decode()
    assert "校验码不正确" in html
    assert not User.objects.exists() and not Person.objects.exists()


def test_a_weak_password_is_refused_in_chinese(client, reference):
    html = client.post(
        "/accounts/sign-up/", {**SIGN_UP, "password": "123", "password2": "123"}
    ).content.decode()
    assert User.objects.count() == 0
    assert "密码" in html


@pytest.mark.parametrize("persona", ["institution_staff", "county_reviewer", "city_officer"], indirect=True)
def test_the_api_registers_a_person_with_precise_field_errors(client_as, persona):
    client = client_as(persona)
    bad = client.post(
        "/api/people", {"name": "李华", "id_number": "110105194912310021"}, content_type="application/json"
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "id_number"
    ok = client.post(
        "/api/people", {"name": "李华", "id_number": "11010519491231002X"}, content_type="application/json"
    )
    assert ok.status_code == 201
    assert ok.json()["id_number_masked"] == "110105********002X"
    dup = client.post(
        "/api/people", {"name": "李华", "id_number": "11010519491231002X"}, content_type="application/json"
    )
    assert dup.status_code == 422 and "已登记" in dup.json()["errors"][0]["message"]


def test_a_person_registered_by_staff_signs_up_with_the_name_and_phone_on_record(client, reference, at):
    from dte.people.services import person_register

    person_register(name="林雅琪", id_number=SIGN_UP["id_number"], phone=SIGN_UP["phone"], at=at)
    assert client.post("/accounts/sign-up/", SIGN_UP).status_code == 302
    assert User.objects.get(username=SIGN_UP["phone"]).person.name == "林雅琪"
    assert Person.objects.count() == 1


@pytest.mark.parametrize("change", [{"name": "冒名者"}, {"phone": "13905779999"}])
def test_knowing_someones_id_number_is_not_enough_to_take_their_record(client, reference, at, change):
    from dte.people.services import person_register

    person_register(name="林雅琪", id_number=SIGN_UP["id_number"], phone=SIGN_UP["phone"], at=at)
    html = client.post("/accounts/sign-up/", {**SIGN_UP, **change}).content.decode()
    assert "登记信息不一致" in html
    assert not User.objects.filter(role="trainee").exists()
