"""The signed-in account and its session are loaded on every request by plain statements
(dte.accounts.backends, dte.accounts.sessions): they must give exactly what the ORM gives, and
refuse what Django refuses (inactive accounts, expired sessions, malformed ids)."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.sessions.models import Session
from django.utils import timezone

from dte.accounts.backends import ModelBackend
from dte.accounts.models import User
from dte.accounts.sessions import SessionStore

CONCRETE = [f.attname for f in User._meta.concrete_fields]


def test_the_account_loaded_by_plain_sql_equals_the_orms(trainee):
    loaded = ModelBackend().get_user(trainee.pk)
    orm = User.objects.get(pk=trainee.pk)
    assert [getattr(loaded, a) for a in CONCRETE] == [getattr(orm, a) for a in CONCRETE]
    assert loaded.last_login == orm.last_login and loaded.is_active is True
    assert loaded.person.name == "陈晓明"


def test_an_inactive_account_or_a_malformed_id_loads_no_one(trainee):
    assert ModelBackend().get_user("not-a-number") is None
    assert ModelBackend().get_user(None) is None
    assert ModelBackend().get_user(trainee.pk + 1000) is None
    trainee.is_active = False
    trainee.save()
    assert ModelBackend().get_user(trainee.pk) is None


def test_a_signed_in_client_stays_signed_in(trainee, client_as):
    page = client_as(trainee).get("/accounts/home/")
    assert page.status_code == 200 and "陈晓明" in page.content.decode()


def test_a_session_is_read_back_and_an_expired_one_is_not(db):
    store = SessionStore()
    store["k"] = "值"
    store.create()
    assert SessionStore(store.session_key)["k"] == "值"
    Session.objects.filter(session_key=store.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    expired = SessionStore(store.session_key)
    assert expired.get("k") is None and expired.session_key is None
