"""The project's wiring: the real Redis behind the cache, and a start that fails loudly on
a bad environment value (checked in a fresh interpreter, as a deployment would see it)."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.core.cache import caches

ROOT = Path(__file__).resolve().parent.parent


def test_the_cache_is_the_real_redis():
    cache = caches["default"]
    assert type(cache).__name__ == "RedisCache"
    key = f"wiring-{uuid.uuid4()}"
    cache.set(key, "ok", 5)
    assert cache.get(key) == "ok"
    cache.delete(key)


def start(**env):
    """Run `manage.py check` with exactly these settings variables."""
    clean = {k: v for k, v in os.environ.items() if k not in {
        "DATABASE_URL", "REDIS_URL", "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_SETTINGS_MODULE", "EMAIL_PORT",
    }}
    return subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True,
        timeout=60,
    )


def test_the_embedded_default_starts_with_nothing_set():
    result = start()
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    "env, message",
    [
        ({"DEBUG": "maybe"}, "DEBUG='maybe' is not a boolean"),
        ({"DATABASE_URL": "mysql://db/x", "SECRET_KEY": "k"}, "DATABASE_URL must point at PostgreSQL or SQLite"),
        ({"DATABASE_URL": "postgres://postgres@127.0.0.1/x"}, "SECRET_KEY must be set when DEBUG is off"),
        ({"REDIS_URL": "localhost:6379"}, "REDIS_URL='localhost:6379' must start with"),
        ({"EMAIL_HOST": "smtp.example", "EMAIL_PORT": "twenty-five"}, "EMAIL_PORT='twenty-five' is not a whole number"),
    ],
)
def test_a_bad_value_stops_the_start_with_a_message_naming_it(env, message):
    result = start(**env)
    assert result.returncode != 0
    assert message in result.stderr
