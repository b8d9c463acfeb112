"""Exactly once: a claim is never sent twice; a crash between claim and send is retried once.

The rule (reminders.services): a digest gets at most two send attempts. An attempt is recorded
(committed) before the mail goes; a digest still unsent 15 minutes after its claim or its last
attempt is tried again by the next sweep; after the second attempt, never again.
"""

import datetime
import threading
from unittest import mock

import pytest
import time_machine
from django.core import mail
from django.db import connection

from reminders import services, sweep
from reminders.models import ReminderDigest, ReminderLog

from .conftest import NOW, days, reminders_to, task_for


def test_running_the_sweep_twice_sends_once(clock, room_buyer, run_sweep):
    task_for(room_buyer, days(0))
    assert run_sweep() == 1
    assert run_sweep() == 0
    assert len(reminders_to(room_buyer.email)) == 1
    assert ReminderLog.objects.get().sent_at is not None


def test_a_crash_after_the_claim_is_sent_by_a_later_sweep_once(room_buyer, run_sweep):
    task_for(room_buyer, days(0), title="Pilot sign-off")
    with time_machine.travel(NOW, tick=False):
        claimed = sweep.run()  # the worker dies here: claimed, nothing enqueued, nothing sent
    assert len(claimed.digests) == 1 and not mail.outbox
    with time_machine.travel(NOW + datetime.timedelta(minutes=10), tick=False):
        assert run_sweep() == 0  # too early to tell a crash from a slow worker
    with time_machine.travel(NOW + datetime.timedelta(minutes=16), tick=False):
        assert run_sweep() == 1
    with time_machine.travel(NOW + datetime.timedelta(hours=2), tick=False):
        assert run_sweep() == 0
    [message] = reminders_to(room_buyer.email)
    assert "Pilot sign-off" in message.body


def test_a_crash_while_sending_is_retried_once_never_twice(room_buyer, run_sweep):
    task_for(room_buyer, days(0))
    with time_machine.travel(NOW, tick=False):
        [(organization_id, digest_id)] = sweep.run().digests
        # Attempt 1 dies mid-send (a worker killed: not an error the task would retry).
        with mock.patch("reminders.services.send_templated", side_effect=SystemExit), pytest.raises(SystemExit):
            services.digest_send(organization_id=organization_id, digest_id=digest_id)
    with time_machine.travel(NOW + datetime.timedelta(minutes=16), tick=False), \
            mock.patch("reminders.services.send_templated", side_effect=SystemExit), pytest.raises(SystemExit):
        run_sweep()  # attempt 2, the retry, dies too
    for minutes in (32, 60, 180):  # (the next day brings the next reminder, overdue)
        with time_machine.travel(NOW + datetime.timedelta(minutes=minutes), tick=False):
            assert run_sweep() == 0  # never a third attempt
    assert not mail.outbox
    assert ReminderDigest.objects.get().attempts == 2


def test_a_mail_server_that_refuses_gives_the_attempt_back(clock, room_buyer):
    task_for(room_buyer, days(0))
    [(organization_id, digest_id)] = sweep.run().digests
    with mock.patch("reminders.services.send_templated", side_effect=ConnectionRefusedError), \
            pytest.raises(ConnectionRefusedError):
        services.digest_send(organization_id=organization_id, digest_id=digest_id)
    assert ReminderDigest.objects.get().attempts == 0  # nothing went out: the task's retry may send
    assert services.digest_send(organization_id=organization_id, digest_id=digest_id)
    assert not services.digest_send(organization_id=organization_id, digest_id=digest_id)  # a redelivery
    assert len(mail.outbox) == 1


def test_a_digest_of_another_organization_is_not_sent(clock, room_buyer, outsider):
    task_for(room_buyer, days(0))
    [(_organization_id, digest_id)] = sweep.run().digests
    other = outsider.memberships.get().organization_id
    assert not services.digest_send(organization_id=other, digest_id=digest_id)
    assert not mail.outbox


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_racing_send_each_reminder_once(room_buyer):
    """Two sweeps at the same moment in two connections: the unique claim lets one of them win."""
    for n in range(20):
        task_for(room_buyer, days(n % 3 - 1), title=f"Item {n}")
    barrier = threading.Barrier(2)
    results, errors = [], []

    def one_sweep():
        try:
            with time_machine.travel(NOW, tick=False):
                barrier.wait()
                result = sweep.run()
                for organization_id, digest_id in result.digests:
                    services.digest_send(organization_id=organization_id, digest_id=digest_id)
                results.append(result)
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=one_sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sum(len(r.digests) for r in results) == 1
    [message] = reminders_to(room_buyer.email)
    assert all(f"Item {n}" in message.body for n in range(20))
    assert ReminderLog.objects.count() == 20
