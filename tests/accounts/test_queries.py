"""Each hand-written statement of dte.accounts.queries gives what its ORM equivalent gives (the
pages that use them are tested in test_loading.py)."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from dte.accounts import queries
from dte.accounts.models import User

CONCRETE = [f.attname for f in User._meta.concrete_fields]


def test_an_account_equals_the_orms(trainee, city_officer):
    for user in (trainee, city_officer):
        mine, orm = queries.user_by_pk(user.pk), User.objects.filter(pk=user.pk).first()
        assert [getattr(mine, a) for a in CONCRETE] == [getattr(orm, a) for a in CONCRETE]
    assert queries.user_by_pk(-1) is None


def test_a_live_session_equals_the_orms_up_to_its_expiry(db):
    store = SessionStore()
    store["k"] = "值"
    store.create()
    expires = Session.objects.get(pk=store.session_key).expire_date
    now = timezone.now()
    for at in (now, expires - timedelta(microseconds=1), expires, expires + timedelta(seconds=1)):
        mine = queries.live_session(store.session_key, at)
        orm = Session.objects.filter(session_key=store.session_key, expire_date__gt=at).first()
        assert (mine and (mine.pk, mine.session_data, mine.expire_date)) == (
            orm and (orm.pk, orm.session_data, orm.expire_date)
        ), at
    assert queries.live_session(store.session_key, now).get_decoded() == {"k": "值"}
    assert queries.live_session("no-such-key", now) is None
