"""End to end with a real Celery worker on the real Redis broker: the beat's sweep task, queued
on the broker, finds the agenda that is due, queues its mail task, and the worker sends it."""

import datetime
import time

import pytest
from celery.contrib.testing.worker import start_worker
from celery.result import EagerResult
from celery.signals import task_postrun
from django.core import mail as outbox
from kombu import pools
from django.db import connections
from django.utils import timezone

from checkins.models import AgendaMail
from checkins.tasks import sweep_checkin_agendas
from mapapp.celery import app
from plans.models import Cadence
from tests import factories

BROKER = "redis://127.0.0.1:6379/13"

pytestmark = pytest.mark.django_db(transaction=True)


def _close_connections(**kwargs):
    # The worker thread's own database connection: closed after each task, so that the test
    # database can be dropped at the end of the run.
    connections.close_all()


def _reset_connections():
    # Connection pools made for the broker URL before are dropped (kombu keeps them in a
    # registry of its own); the next use opens new ones for the broker configured now.
    app._pool = None
    app.amqp._producer_pool = None
    pools.reset()


@pytest.fixture
def real_worker():
    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager")}
    app.conf.update(broker_url=BROKER, task_always_eager=False)
    _reset_connections()
    app.control.purge()  # nothing left over on this test's broker db
    task_postrun.connect(_close_connections, weak=False)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=10):
            yield
    finally:
        task_postrun.disconnect(_close_connections)
        app.conf.update(**saved)
        _reset_connections()


def _zone_in_the_morning(now):
    """A fixed-offset zone where it is now between 08:00 and 23:59 (one always exists)."""
    for hours in range(-12, 15):
        name = f"Etc/GMT{'-' if hours > 0 else '+'}{abs(hours)}" if hours else "UTC"
        local = now.astimezone(__import__("zoneinfo").ZoneInfo(name))
        if 8 <= local.hour <= 22:
            return name, local.date()
    raise AssertionError("no zone in the morning")


def test_a_real_worker_sends_the_agenda_the_sweep_finds(real_worker):
    zone, local_today = _zone_in_the_morning(timezone.now())
    membership = factories.MembershipFactory(user__timezone=zone, user__email="owner@acme.example")
    deal = factories.DealFactory(organization=membership.organization, owner=membership.user)
    plan = factories.PlanFactory(deal=deal, organization=deal.organization, checkin_cadence=Cadence.WEEKLY,
                                 next_checkin_date=local_today + datetime.timedelta(days=1))
    factories.TaskFactory(plan=plan, organization=plan.organization, title="Security review",
                          status="in_progress")
    outbox.outbox.clear()

    result = sweep_checkin_agendas.delay()
    assert not isinstance(result, EagerResult)  # through the broker, not in-process
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not AgendaMail.objects.filter(sent_at__isnull=False).exists():
        time.sleep(0.2)
    assert [m.to for m in outbox.outbox] == [["owner@acme.example"]]
    assert "Security review" in outbox.outbox[0].body

    # The next sweep (beat runs it every 15 minutes) sends nothing more.
    sweep_checkin_agendas.delay()
    time.sleep(2)
    assert len(outbox.outbox) == 1
    assert AgendaMail.objects.count() == 1
