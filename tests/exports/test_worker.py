"""INTEGRATION, marked `worker`: a real Celery worker (in a thread) consuming the real Redis
broker (db 11, kept apart from the cache's) renders an export end to end: the page's POST
commits, on_commit sends the task to the `pdf` queue, the worker picks it up there, re-loads
the export inside its organization and stores the PDF."""

import time

import pytest
from django.urls import reverse

from exports.models import Export
from tests import factories
from tests.celery_worker import real_worker

BROKER_URL = "redis://127.0.0.1:6379/11"

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker():
    """The worker consumes the `pdf` queue only: a task sent to the wrong queue would never run."""
    with real_worker(BROKER_URL, queues=["pdf"]):
        yield


def test_a_real_worker_renders_an_export_from_the_pdf_queue(client, worker, seller, plan):
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
