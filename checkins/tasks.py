"""Celery tasks of check-ins. Thin: the sweep asks checkins.mail who is due and queues one task
per plan; that task re-loads the plan inside its organization and calls one service."""

import datetime

from celery import shared_task

from mapapp.mail import MAIL_TASK_OPTIONS
from plans.models import Plan

from . import mail


@shared_task
def sweep_checkin_agendas() -> int:
    """Every 15 minutes (mapapp.celery beat_schedule): queue the agenda mails that are due.
    Answers how many plans have mails queued."""
    due = mail.agenda_mail_due()
    for item in due:
        send_checkin_agenda.delay(
            organization_id=item.organization_id, plan_id=item.plan_id, date=item.date.isoformat(),
            recipients=list(item.recipients),
        )
    return len(due)


@shared_task(**MAIL_TASK_OPTIONS)
def send_checkin_agenda(*, organization_id: int, plan_id: int, date: str, recipients: list[str]) -> int:
    """Send one plan's agenda mails (checkins.mail.agenda_mail_send); nothing for a plan that is
    gone or of another organization."""
    plan = (
        Plan.objects.filter(organization_id=organization_id, pk=plan_id)
        .select_related("deal__owner").first()
    )
    if plan is None:
        return 0
    return mail.agenda_mail_send(plan=plan, on=datetime.date.fromisoformat(date), recipients=recipients)
