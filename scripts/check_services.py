#!/usr/bin/env python3
"""Check that the PostgreSQL and Redis the test suite will use answer.

Reads DATABASE_URL and REDIS_URL with the same defaults as mapapp/test_settings.py.
Exits 0 when both answer; otherwise prints how to start them and exits 1.
With --create-db, also creates the configured database if it does not exist
(the test suite does not need that: pytest-django creates test_<name> itself;
the benchmarks do).
"""

import argparse
import os
import sys

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/mapapp"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/15"

HOW_TO_START = """
How to start them (Debian, as root; the same commands .ci/run uses):

    pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no

PostgreSQL must accept the user in DATABASE_URL from 127.0.0.1 (the default URL,
{db_default}, needs 'trust' for postgres on host connections, or put a password in
the URL). Or point DATABASE_URL / REDIS_URL at servers you already run, e.g.

    DATABASE_URL=postgres://me:secret@db.local:5432/mapapp REDIS_URL=redis://cache.local:6379/15 make test
"""


def redact(url: str) -> str:
    """Hide a password in a URL before printing it."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        cred, host = rest.rsplit("@", 1)
        if ":" in cred:
            cred = cred.split(":", 1)[0] + ":***"
        return f"{scheme}://{cred}@{host}"
    return url


def check_postgres(url: str, create_db: bool) -> str | None:
    try:
        import dj_database_url
        import psycopg
        from psycopg import sql
    except ImportError as exc:  # the venv is not installed
        return f"cannot import {exc.name}; run `make install` first"
    cfg = dj_database_url.parse(url)
    if cfg.get("ENGINE") != "django.db.backends.postgresql":
        return f"DATABASE_URL does not point at PostgreSQL ({cfg.get('ENGINE')}); the test suite needs PostgreSQL"
    params = {
        "host": cfg.get("HOST") or None,
        "port": cfg.get("PORT") or None,
        "user": cfg.get("USER") or None,
        "password": cfg.get("PASSWORD") or None,
        "connect_timeout": 3,
    }
    params = {k: v for k, v in params.items() if v is not None}
    name = cfg.get("NAME")
    try:
        # The maintenance database, as Django uses to create the test database.
        with psycopg.connect(dbname="postgres", autocommit=True, **params) as conn:
            version = conn.execute("show server_version").fetchone()[0]
            exists = conn.execute("select 1 from pg_database where datname = %s", [name]).fetchone()
            if create_db and name and not exists:
                conn.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
                print(f"    created database {name}")
    except Exception as exc:
        return f"{type(exc).__name__}: {str(exc).strip()}"
    print(f"==> services: PostgreSQL {version} answers at {redact(url)}")
    return None


def check_redis(url: str) -> str | None:
    try:
        import redis
    except ImportError as exc:
        return f"cannot import {exc.name}; run `make install` first"
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3)
        client.ping()
        version = client.info("server").get("redis_version", "?")
    except Exception as exc:
        return f"{type(exc).__name__}: {str(exc).strip()}"
    print(f"==> services: Redis {version} answers at {redact(url)}")
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--create-db", action="store_true", help="create the DATABASE_URL database if missing")
    args = parser.parse_args()

    db_url = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    redis_url = os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL
    problems = []
    if err := check_postgres(db_url, args.create_db):
        problems.append(f"PostgreSQL at {redact(db_url)} does not answer: {err}")
    if err := check_redis(redis_url):
        problems.append(f"Redis at {redact(redis_url)} does not answer: {err}")
    if not problems:
        return 0
    print("\n==> services: the test suite needs PostgreSQL and Redis, and they are not both reachable.", file=sys.stderr)
    for problem in problems:
        print(f"    - {problem}", file=sys.stderr)
    print(HOW_TO_START.format(db_default=DEFAULT_DATABASE_URL), file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
