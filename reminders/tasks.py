"""Celery tasks of reminders. Thin: the sweep claims, one task per digest sends."""

from celery import shared_task
from django.db import transaction

from mapapp.mail import MAIL_TASK_OPTIONS

from . import services, sweep


@shared_task
def sweep_reminders() -> int:
    """The periodic sweep over every organization (mapapp/celery.py: every 15 minutes). Claims what
    is due, then enqueues one send per digest after the claim committed. Answers how many."""
    result = sweep.run()
    to_send = result.digests + result.retried
    for organization_id, digest_id in to_send:
        transaction.on_commit(
            lambda o=organization_id, d=digest_id: send_digest.delay(organization_id=o, digest_id=d)
        )
    return len(to_send)


@shared_task(**MAIL_TASK_OPTIONS)
def send_digest(*, organization_id: int, digest_id: int) -> None:
    """Send one claimed digest of the organization (at most two attempts, reminders.services)."""
    services.digest_send(organization_id=organization_id, digest_id=digest_id)
