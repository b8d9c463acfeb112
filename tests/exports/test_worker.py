"""INTEGRATION, marked `worker`: a real Celery worker (in a thread) consuming the real Redis
broker (db 11, kept apart from the cache's) renders an export end to end: the page's POST
commits, on_commit sends the task to the `pdf` queue, the worker picks it up there, re-loads
the export inside its organization and stores the PDF."""

import time

import kombu.pools
import pytest
import redis
from celery.contrib.testing.worker import start_worker
from django.urls import reverse

from exports.models import Export
from mapapp.celery import app as celery_app
from tests import factories

BROKER_URL = "redis://127.0.0.1:6379/11"

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _fresh_pools() -> None:
    """Forget every broker connection and producer pool (made for whichever broker URL was set
    when something was first sent), as Celery and kombu do after a fork: the next send makes
    new ones for the broker URL then set. Closing only ours would leave closed pools in kombu's
    registry for the next test that sends."""
    kombu.pools.reset()
    celery_app._after_fork()


@pytest.fixture
def real_worker():
    """Tasks go through Redis for this test only; the worker consumes the `pdf` queue only, so
    a task sent to the wrong queue would never run and the test would fail."""
    redis.Redis.from_url(BROKER_URL).flushdb()
    saved = {key: celery_app.conf[key] for key in ("broker_url", "task_always_eager")}
    celery_app.conf.update(broker_url=BROKER_URL, task_always_eager=False)
    _fresh_pools()
    try:
        with start_worker(celery_app, pool="solo", concurrency=1, perform_ping_check=False, queues=["pdf"],
                          shutdown_timeout=30):
            yield
    finally:
        _fresh_pools()
        celery_app.conf.update(saved)


def test_a_real_worker_renders_an_export_from_the_pdf_queue(client, real_worker, seller, plan):
    factories.TaskFactory(plan=plan, title="セキュリティ審査")
    client.force_login(seller)
    response = client.post(reverse("exports:plan-export-create", kwargs={"plan_id": plan.public_id}),
                           {"audience": "buyer"})
    assert response.status_code == 302
    export = Export.objects.get(plan=plan)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        export.refresh_from_db()
        if export.status in ("done", "failed"):
            break
        time.sleep(0.2)
    assert export.status == "done", (export.status, export.error)
    with export.file.open("rb") as handle:
        assert handle.read(5) == b"%PDF-"
    download = client.get(reverse("exports:export-download", kwargs={"export_id": export.public_id}))
    assert download.status_code == 200
