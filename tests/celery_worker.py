"""A real Celery worker (a thread of the test process) on the real Redis broker, for the
integration tests marked `worker`. Each test names its own Redis db and the queues the worker
consumes, so a task sent to the wrong queue never runs and the test fails.

The app's settings are put back afterwards, and every connection pool made for the test's
broker is dropped (kombu keeps a registry of its own): later tests send to the eager default
again. Queues are always named: a worker started with queues=[...] selects them on the app for
good, so one left to the default would inherit the previous test's.
"""

from contextlib import contextmanager

import kombu.pools
import redis
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.db import connections

from mapapp.celery import app


def _fresh_pools() -> None:
    kombu.pools.reset()
    app._after_fork()


def _close_connections(**kwargs) -> None:
    # The worker thread's own database connection, closed after each task so that the test
    # database can be dropped at the end of the run.
    connections.close_all()


@contextmanager
def real_worker(broker_url: str, *, queues: list[str]):
    redis.Redis.from_url(broker_url).flushdb()
    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager")}
    app.conf.update(broker_url=broker_url, task_always_eager=False)
    _fresh_pools()
    task_postrun.connect(_close_connections, weak=False)
    try:
        with start_worker(app, pool="solo", concurrency=1, perform_ping_check=False, queues=queues,
                          loglevel="WARNING", shutdown_timeout=30):
            yield
    finally:
        task_postrun.disconnect(_close_connections)
        app.conf.update(saved)
        _fresh_pools()
