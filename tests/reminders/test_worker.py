"""End to end with a real Celery worker on the real Redis broker: beat's task goes through
Redis, the worker sweeps, enqueues the digest's send, sends it (locmem: the worker is a thread
of this process, so mail.outbox sees it)."""

import datetime
import time
import zoneinfo

import pytest
from django.core import mail
from django.utils import timezone

from deals.models import Side
from mapapp.celery import app
from plans import room_access
from plans.models import PlanStatus
from reminders import tasks
from reminders.models import ReminderDigest
from tests import celery_worker, factories

BROKER = "redis://127.0.0.1:6379/12"

pytestmark = pytest.mark.worker


@pytest.fixture
def real_worker(transactional_db):
    with celery_worker.real_worker(BROKER, queues=["celery"]):
        yield


def a_zone_in_the_morning() -> str:
    """A zone where it is between 09:00 and 19:00 now, so the reminder may go out."""
    now = timezone.now()
    for offset in range(-12, 15):
        name = "UTC" if offset == 0 else f"Etc/GMT{-offset:+d}"
        if 9 <= now.astimezone(zoneinfo.ZoneInfo(name)).hour < 19:
            return name
    raise AssertionError("no zone")


def test_a_real_worker_sweeps_and_sends_the_digest(real_worker):
    organization = factories.OrganizationFactory()
    seller = factories.MembershipFactory(organization=organization).user
    deal = factories.DealFactory(organization=organization, owner=seller, name="Worker deal")
    plan = factories.PlanFactory(deal=deal, organization=organization, status=PlanStatus.SHARED)
    zone = a_zone_in_the_morning()
    buyer = factories.StakeholderFactory(deal=deal, side=Side.BUYER, timezone=zone, email="worker@buyer.example")
    room_access.link_issue(stakeholder=buyer, created_by=seller, mail=False)
    today = timezone.now().astimezone(zoneinfo.ZoneInfo(zone)).date()
    factories.TaskFactory(plan=plan, organization=organization, owner=buyer, side="buyer", due_date=today,
                          title="Countersign the pilot agreement")
    factories.TaskFactory(plan=plan, organization=organization, owner=buyer, side="buyer",
                          due_date=today + datetime.timedelta(days=1), title="Name the project lead")
    mail.outbox.clear()

    assert not app.conf.task_always_eager
    result = tasks.sweep_reminders.delay()  # through Redis, as beat sends it
    assert result.id
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not mail.outbox:
        time.sleep(0.2)
    [message] = mail.outbox
    assert message.to == ["worker@buyer.example"]
    assert "Countersign the pilot agreement" in message.body and "Name the project lead" in message.body
    assert "/r/" in message.body  # their fresh room link
    digest = ReminderDigest.objects.get()
    assert digest.sent_at is not None and digest.attempts == 1

    tasks.sweep_reminders.delay()  # a second sweep, through the worker too: nothing more
    time.sleep(2)
    assert len(mail.outbox) == 1
