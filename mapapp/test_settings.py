"""Settings for the test suite: real PostgreSQL and Redis on 127.0.0.1 unless told otherwise."""

import os
import tempfile

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/mapapp")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "test-only-secret-key")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")

from mapapp.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tasks run in-process in tests, but the cache (rate limits, later) is the real Redis. Its keys
# carry the database's name, so two test runs against different databases (two checkouts,
# or a run next to CI) share the Redis db without resetting each other's counters.
CACHES["default"]["KEY_PREFIX"] = f"test-{DATABASES['default']['NAME']}"  # noqa: F405
CELERY_TASK_ALWAYS_EAGER = True
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
# Attachments go to a throw-away folder per test run.
STORAGES["attachments"] = {  # noqa: F405
    "BACKEND": "plans.storage.PrivateFileSystemStorage",
    "OPTIONS": {"location": tempfile.mkdtemp(prefix="mapapp-attachments-")},
}
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
# Static files are served from the app directories in tests; no collectstatic needed.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
