"""Settings for the test suite: the production settings with static files served from the finders
(no collectstatic needed) and a cheaper Argon2 cost so that hundreds of test logins stay quick."""

import os

from django.contrib.auth.hashers import Argon2PasswordHasher

from dte.settings import *  # noqa: F403
from dte.settings import HUEY, STORAGES


class QuickArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2id as in production, with test-sized cost parameters."""

    algorithm = "argon2"
    time_cost = 1
    memory_cost = 1024
    parallelism = 1


PASSWORD_HASHERS = ["dte.settings_test.QuickArgon2PasswordHasher"]
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405 (whitenoise warns when it is missing)
WHITENOISE_USE_FINDERS = True
# The production profile (DTE_ENV) less what needs TLS: the live test server speaks plain HTTP. The
# Content-Security-Policy stays on, so the browser tests run under it.
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = False
# Tasks run in the test process when enqueued (huey's immediate mode, in-memory storage); the
# scheduled jobs are called directly by their tests.
HUEY = {**HUEY, "immediate": True}
if DATABASES["default"]["ENGINE"] != "dte.sqlite":  # noqa: F405
    # Live-server threads must not hold connections past the test: the test database is dropped.
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
else:
    # One test database file per run, so that runs side by side on one machine do not share it.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}  # noqa: F405
