"""End to end with a real Celery worker on the real Redis broker: the beat's sweep task, queued
on the broker, finds the agenda that is due, queues its mail task, and the worker sends it."""

import datetime
import time

import pytest
from celery.result import EagerResult
from django.core import mail as outbox
from django.utils import timezone

from checkins.models import AgendaMail
from checkins.tasks import sweep_checkin_agendas
from plans.models import Cadence
from tests import factories
from tests.celery_worker import real_worker

BROKER = "redis://127.0.0.1:6379/13"

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker():
    with real_worker(BROKER, queues=["celery"]):
        yield


def _zone_in_the_morning(now):
    """A fixed-offset zone where it is now between 08:00 and 23:59 (one always exists)."""
    for hours in range(-12, 15):
        name = f"Etc/GMT{'-' if hours > 0 else '+'}{abs(hours)}" if hours else "UTC"
        local = now.astimezone(__import__("zoneinfo").ZoneInfo(name))
        if 8 <= local.hour <= 22:
            return name, local.date()
    raise AssertionError("no zone in the morning")


def test_a_real_worker_sends_the_agenda_the_sweep_finds(worker):
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
