import pytest
from django.conf import settings
from django.db import connection


@pytest.mark.skipif(connection.vendor != "sqlite", reason="embedded SQLite settings")
def test_the_embedded_database_runs_in_wal_mode_with_immediate_transactions(db):
    with connection.cursor() as cur:
        cur.execute("PRAGMA journal_mode")
        assert cur.fetchone()[0] == "wal"
        cur.execute("PRAGMA synchronous")
        assert cur.fetchone()[0] == 1  # NORMAL
        cur.execute("PRAGMA busy_timeout")
        assert cur.fetchone()[0] >= 5000
        cur.execute("PRAGMA wal_autocheckpoint")
        assert cur.fetchone()[0] == 10000
    assert settings.DATABASES["default"]["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert settings.DATABASES["default"]["CONN_MAX_AGE"] is None


def test_secrets_are_generated_once_and_kept(tmp_path, monkeypatch):
    from dte.settings import _kept_secret

    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setattr("dte.settings.VAR_DIR", tmp_path)
    first = _kept_secret("secret_key", "SECRET_KEY")
    assert first == _kept_secret("secret_key", "SECRET_KEY")
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    assert _kept_secret("secret_key", "SECRET_KEY") == "from-the-environment"


def test_debug_is_off_unless_asked():
    import dte.settings as prod

    assert prod.DEBUG is False


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL settings")
def test_postgresql_binds_parameters_on_the_server_and_prepares_repeated_statements(db):
    options = settings.DATABASES["default"]["OPTIONS"]
    assert options["server_side_binding"] is True and options["prepare_threshold"] == 2
    assert connection.connection.prepare_threshold == 2
