"""The production profile (DTE_ENV): HTTPS-only settings, a CSP without inline script, and files under
var/ private to the platform's user. Settings are read in a fresh process with the variables given, as
a deployment would start."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "dte"


def _run(code: str, var_dir: Path, **env: str) -> subprocess.CompletedProcess:
    # The browser tests' conftest sets DJANGO_ALLOW_ASYNC_UNSAFE for the whole run (Playwright's event
    # loop); a deployment never has it, and the deploy check rightly refuses it (async.E001).
    dropped = {"DATABASE_URL", "DEBUG", "DTE_ENV", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    environ = {k: v for k, v in os.environ.items() if k not in dropped}
    environ.update(DJANGO_SETTINGS_MODULE="dte.settings", DTE_VAR_DIR=str(var_dir), **env)
    return subprocess.run(
        [sys.executable, "-c", code], env=environ, capture_output=True, text=True, timeout=300
    )


SHOW_SETTINGS = """
import json, django
django.setup()
from django.conf import settings as s
print(json.dumps({k: getattr(s, k, None) for k in (
    "DTE_ENV", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD", "SECURE_PROXY_SSL_HEADER")}))
"""


def _settings(tmp_path, **env) -> dict:
    done = _run(SHOW_SETTINGS, tmp_path / "var", **env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_production_is_the_profile_whenever_debug_is_off_and_it_requires_https(tmp_path):
    s = _settings(tmp_path)
    assert s["DTE_ENV"] == "production"
    assert s["SESSION_COOKIE_SECURE"] and s["CSRF_COOKIE_SECURE"] and s["SECURE_SSL_REDIRECT"]
    assert s["SECURE_HSTS_SECONDS"] >= 365 * 24 * 3600
    assert s["SECURE_HSTS_INCLUDE_SUBDOMAINS"] and not s["SECURE_HSTS_PRELOAD"]
    assert s["SECURE_PROXY_SSL_HEADER"] is None  # X-Forwarded-Proto believed only behind a TLS proxy


def test_development_profile_serves_plain_http_and_is_the_default_with_debug(tmp_path):
    for env in ({"DTE_ENV": "development"}, {"DEBUG": "1"}):
        s = _settings(tmp_path, **env)
        assert s["DTE_ENV"] == "development"
        assert (
            not s["SECURE_SSL_REDIRECT"] and not s["SESSION_COOKIE_SECURE"] and s["SECURE_HSTS_SECONDS"] == 0
        )


def test_behind_a_tls_terminating_proxy_forwarded_proto_https_counts_as_secure_and_redirect_stays_on(
    tmp_path,
):
    s = _settings(tmp_path, DTE_TLS_PROXY="1")
    assert s["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert s["SECURE_SSL_REDIRECT"]


def test_an_unknown_profile_name_is_refused_at_start(tmp_path):
    done = _run(SHOW_SETTINGS, tmp_path / "var", DTE_ENV="prod")
    assert done.returncode != 0 and "DTE_ENV must be 'production' or 'development'" in done.stderr


def test_check_deploy_is_clean_under_the_production_profile(tmp_path):
    code = (
        "import django; django.setup()\n"
        "from django.core.management import call_command\n"
        "call_command('check', deploy=True, fail_level='WARNING')\n"
    )
    done = _run(code, tmp_path / "var", DTE_ENV="production")
    assert done.returncode == 0, done.stderr
    assert "System check identified no issues" in done.stdout + done.stderr


def test_check_deploy_is_not_clean_in_the_development_profile(tmp_path):
    """The deploy check above can fail: without the production profile it warns."""
    code = (
        "import django; django.setup()\n"
        "from django.core.management import call_command\n"
        "call_command('check', deploy=True, fail_level='WARNING')\n"
    )
    done = _run(code, tmp_path / "var", DTE_ENV="development")
    assert done.returncode != 0
    assert "security.W004" in done.stderr and "security.W008" in done.stderr


FRESH_FILES = """
import json, os, stat, django
django.setup()
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
with connection.cursor() as c:  # an open connection that has written: -wal and -shm exist now
    c.execute("INSERT INTO django_content_type (app_label, model) VALUES ('ops_test', 'probe')")
name = default_storage.save("evidence/2026/scan.pdf", ContentFile(b"%PDF-1.4 probe"))
var = settings.VAR_DIR
paths = {n: var / n for n in ("dte.sqlite3", "dte.sqlite3-wal", "dte.sqlite3-shm", "tasks.sqlite3",
                              "secret_key", "data_key")}
paths["upload"] = settings.MEDIA_ROOT / name
paths["upload_dir"] = (settings.MEDIA_ROOT / name).parent
paths["var"] = var
print(json.dumps({k: oct(stat.S_IMODE(os.stat(p).st_mode)) for k, p in paths.items()}))
"""


def test_a_fresh_instance_keeps_its_database_keys_and_uploads_private_to_its_user(tmp_path):
    var = tmp_path / "var"
    environ = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    environ.update(DJANGO_SETTINGS_MODULE="dte.settings", DTE_VAR_DIR=str(var), DTE_ENV="development")
    migrate = subprocess.run(
        [sys.executable, "-m", "dte", "migrate", "--no-input", "-v0"],
        env=environ,
        capture_output=True,
        text=True,
    )
    assert migrate.returncode == 0, migrate.stderr
    # A second process with the usual umask 022 (a WSGI server importing dte.wsgi, say): the database's
    # -wal and -shm take the database file's mode, uploads FILE_UPLOAD_PERMISSIONS.
    old = os.umask(0o022)
    try:
        done = _run(FRESH_FILES, var, DTE_ENV="development")
    finally:
        os.umask(old)
    assert done.returncode == 0, done.stderr
    modes = json.loads(done.stdout.strip().splitlines()[-1])
    assert modes == {
        "dte.sqlite3": "0o600",
        "dte.sqlite3-wal": "0o600",
        "dte.sqlite3-shm": "0o600",
        "tasks.sqlite3": "0o600",
        "secret_key": "0o600",
        "data_key": "0o600",
        "upload": "0o600",
        "upload_dir": "0o700",
        "var": "0o700",
    }
    assert stat.S_IMODE(os.stat(var / "dte.sqlite3").st_mode) == 0o600


INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>(?!\s*</script>)", re.I)
HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.I)
INLINE_STYLE = re.compile(r"<style\b|\sstyle\s*=", re.I)


@pytest.mark.parametrize(
    "pattern", [INLINE_SCRIPT, HANDLER, INLINE_STYLE], ids=["script", "handler", "style"]
)
def test_no_template_carries_inline_script_event_handlers_or_styles_the_csp_would_block(pattern):
    offenders = [
        f"{path.relative_to(SRC)}:{m.group(0)[:60]}"
        for path in SRC.rglob("templates/**/*.html")
        for m in pattern.finditer(path.read_text())
        if not m.group(0).lower().startswith('<script type="application/json"')
    ]
    assert offenders == []


def test_every_page_carries_a_csp_without_inline_script(client, db):
    response = client.get("/")
    policy = response["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
