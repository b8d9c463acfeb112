"""Slips: a task's due date moved later, by how many days, by whom and why.

`slip_record` is called by every due-date change that moves a date later (the seller's task
editor through services.task_update, the buyer's "propose a new date" through
`task_propose_date`), so the plan keeps an honest record of the time lost.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from mapapp.concurrency import save_versioned

from . import agreement
from .activity import Actor, record
from .models import Slip, Task

REASON_MAX = 1000


def slip_record(*, task: Task, actor: Actor, from_date, to_date, reason: str = "") -> Slip | None:
    """Write a Slip when `to_date` is later than `from_date`; nothing for an earlier or a first date.

    The caller holds the transaction and has already written the new date on the task.
    """
    if from_date is None or to_date is None or to_date <= from_date:
        return None
    return Slip.objects.create(
        organization_id=task.organization_id,
        plan_id=task.plan_id,
        task=task,
        from_date=from_date,
        to_date=to_date,
        days=(to_date - from_date).days,
        reason=(reason or "").strip()[:REASON_MAX],
        actor_user=actor.user,
        actor_stakeholder=actor.stakeholder,
        actor_name=actor.name[:150],
        side=agreement.side_of(actor),
    )


@transaction.atomic
def task_propose_date(
    *, task: Task, actor: Actor, version: int, due_date: datetime.date, reason: str, reason_required: bool = True
) -> Slip | None:
    """Move a task's due date against the version the editor saw (StaleEdit otherwise).

    A buyer's proposal needs a reason (`reason_required`); the seller may leave it out. A
    later date writes a Slip; every move leaves an activity row naming the reason.
    Answers the Slip, or None when the date moved earlier (or was the first one).
    """
    reason = (reason or "").strip()
    errors = {}
    if due_date is None:
        errors["due_date"] = _("Pick the new date.")
    elif due_date == task.due_date:
        errors["due_date"] = _("That is already the task's due date.")
    if reason_required and not reason:
        errors["reason"] = _("Say why the date moves: the other side sees the reason.")
    if len(reason) > REASON_MAX:
        errors["reason"] = _("Please keep the reason under %(limit)d characters.") % {"limit": REASON_MAX}
    if errors:
        raise ValidationError(errors)
    old = task.due_date
    changed = save_versioned(task, version=version, fields={"due_date": due_date})
    slip = slip_record(task=task, actor=actor, from_date=old, to_date=due_date, reason=reason)
    changes = dict(changed)
    if reason:
        changes["reason"] = (None, reason[:200])
    record(plan=task.plan, actor=actor, verb="rescheduled", target=task, changes=changes, internal=task.internal)
    # A committed date moved: once the plan is agreed, the other side is asked to re-confirm.
    agreement.note_committed_change(task.plan, actor)
    return slip


def slip_rows(*, organization_id: int, plan_id: int) -> list:
    """The plan's slips, newest first, as named rows (one query): task_id, days, reason,
    actor_name, from_date, to_date, side, created_at."""
    return list(
        Slip.objects.filter(organization_id=organization_id, plan_id=plan_id)
        .order_by("-created_at", "-id")
        .values_list("task_id", "days", "reason", "actor_name", "from_date", "to_date", "side", "created_at",
                     named=True)
    )


def slip_summaries(rows, dates) -> dict[int, list[dict]]:
    """Each task's slips as the rows show them, in the order of `rows` (slip_rows), by task pk."""
    slips: dict[int, list[dict]] = {}
    for row in rows:
        slips.setdefault(row.task_id, []).append({
            "days": row.days, "reason": row.reason, "by": row.actor_name,
            "from": dates(row.from_date), "to": dates(row.to_date),
        })
    return slips
