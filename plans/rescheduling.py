"""Moving a task's date with its dependants (plans.scheduling.cascade_reschedule), and the
plan's slips added up by side and by milestone.

Both read the plan in a fixed number of queries, whatever its size: its tasks and its
dependencies, one query each; writes are bulk statements.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from deals.models import Side
from mapapp.bulk import insert_rows
from mapapp.concurrency import StaleEdit

from . import agreement, health_store, scheduling
from .activity import Actor, _plain
from .models import Activity, Baseline, Milestone, Plan, Slip, Task, TaskDependency, TaskStatus
from .slips import REASON_MAX


@dataclass(frozen=True)
class Rescheduled:
    """One task that moves (or would, in a preview): its due date before and after."""

    task: Task
    old_due: datetime.date
    new_due: datetime.date
    business_days: int

    @property
    def days(self) -> int:
        """Calendar days (what a Slip records)."""
        return (self.new_due - self.old_due).days


class MovesToConfirm(Exception):
    """A move carries others along and the person has not confirmed this list (yet): `moves`
    are what they may see move (the task first), `signature` goes back with the
    confirmation, `changed` says they had confirmed a list that is no longer the list."""

    def __init__(self, moves: list[Rescheduled], *, signature: str, changed: bool):
        super().__init__("moves to confirm")
        self.moves = moves
        self.signature = signature
        self.changed = changed


def _check(task: Task, actor: Actor, due_date, reason: str) -> str:
    reason = (reason or "").strip()
    errors = {}
    if due_date is None:
        errors["due_date"] = _("Pick the new date.")
    elif task.due_date is None:
        errors["due_date"] = _("Give the task a due date first.")
    elif due_date == task.due_date:
        errors["due_date"] = _("That is already the task's due date.")
    if actor.stakeholder is not None and not reason:
        errors["reason"] = _("Say why the date moves: the other side sees the reason.")
    if len(reason) > REASON_MAX:
        errors["reason"] = _("Please keep the reason under %(limit)d characters.") % {"limit": REASON_MAX}
    if errors:
        raise ValidationError(errors)
    return reason


def _graph(plan_id: int, organization_id: int, *, lock: bool):
    """The plan's tasks by pk and its {task: {prerequisite: lag}}: two queries."""
    tasks = Task.objects.filter(organization_id=organization_id, plan_id=plan_id).order_by("order", "id")
    if lock:
        tasks = tasks.select_for_update()
    by_pk = {t.pk: t for t in tasks}
    prerequisites: dict[int, dict[int, int]] = {}
    links = TaskDependency.objects.filter(organization_id=organization_id, task__plan_id=plan_id)
    for task_id, prerequisite_id, lag in links.values_list("task_id", "prerequisite_id", "lag_days"):
        prerequisites.setdefault(task_id, {})[prerequisite_id] = lag
    return by_pk, prerequisites


def task_reschedule(
    *, task: Task, actor: Actor, version: int, due_date: datetime.date, reason: str = "", cascade: bool = True,
    preview: bool = False, confirm: Callable[[list[Rescheduled]], None] | None = None,
) -> list[Rescheduled]:
    """Move `task` to `due_date` (keeping its duration) and, with `cascade`, its dependants
    by exactly as much as they must (plans.scheduling.cascade_reschedule); answers the moves,
    the task itself first, then its dependants after their prerequisites.

    With `preview` nothing is written: the answer is the "these will move" list. Otherwise,
    in one transaction: the task against `version` (StaleEdit, nothing written, when it
    moved on), every dependant with a version bump, a Slip for each move later (reason, who,
    the actor's side), one "rescheduled" Activity per moved task, milestones whose target date
    their tasks now pass moved with them, and one agreement.note_committed_change.
    Done tasks neither move nor pass a move on (the work is finished). A stakeholder must
    give a reason (ValidationError). Queries: a fixed number, whatever the plan's size.

    `confirm`, when given, sees the moves computed under the lock before anything is written
    and may raise to write nothing (e.g. the list a person confirmed is no longer the list).
    """
    reason = _check(task, actor, due_date, reason)
    if preview:
        return _moves(task, version, due_date, cascade, lock=False)[0]
    with transaction.atomic():
        moves, by_pk = _moves(task, version, due_date, cascade, lock=True)
        if confirm is not None:
            confirm(moves)
        _write(task, actor, moves, by_pk, reason)
    return moves


def _moves(task: Task, version: int, due_date, cascade: bool, *, lock: bool):
    by_pk, prerequisites = _graph(task.plan_id, task.organization_id, lock=lock)
    current = by_pk.get(task.pk)
    if current is None or current.version != version:
        raise StaleEdit(current)
    dates = {
        pk: scheduling.TaskDates(due=t.due_date, duration=t.duration_days)
        for pk, t in by_pk.items() if t.due_date is not None and (t.status != TaskStatus.DONE or pk == task.pk)
    }
    result = scheduling.cascade_reschedule(prerequisites, dates, task.pk, due_date)
    moves = result.moves if cascade else [result.moved]
    return [Rescheduled(by_pk[m.task], m.old_due, m.new_due, m.business_days) for m in moves], by_pk


def _write(task: Task, actor: Actor, moves: list[Rescheduled], by_pk: dict[int, Task], reason: str) -> None:
    now = timezone.now()
    for move in moves:
        row = move.task
        row.due_date, row.version, row.updated_at = move.new_due, row.version + 1, now
    _update_dues(moves, task.organization_id, now)
    # The caller's instance is now the stored row.
    task.due_date, task.version, task.updated_at = by_pk[task.pk].due_date, by_pk[task.pk].version, now

    side = agreement.side_of(actor)
    who = {"actor_user_id": actor.user.pk if actor.user else None,
           "actor_stakeholder_id": actor.stakeholder.pk if actor.stakeholder else None,
           "actor_name": actor.name[:150]}
    tenant = {"organization_id": task.organization_id, "plan_id": task.plan_id}
    insert_rows(Slip, [
        {**tenant, **who, "public_id": uuid.uuid4(), "task_id": m.task.pk, "from_date": m.old_due,
         "to_date": m.new_due, "days": m.days, "reason": reason[:REASON_MAX], "side": side, "created_at": now}
        for m in moves if m.new_due > m.old_due
    ])
    activities = []
    for i, m in enumerate(moves):
        changes = {"due_date": [_plain(m.old_due), _plain(m.new_due)]}
        if reason:
            changes["reason"] = [None, reason[:200]]
        if i:
            # A dependant: say which move carried it along.
            changes["moved_with"] = [None, task.title[:200]]
        activities.append({
            **tenant, **who, "public_id": uuid.uuid4(), "verb": "rescheduled", "target_type": "task",
            "target_id": m.task.public_id, "target_label": str(m.task)[:300], "changes": changes,
            "internal": m.task.internal, "created_at": now,
        })
    insert_rows(Activity, activities)
    health_store.refresh_on_commit(task.plan)
    _milestones_follow(task, by_pk)
    agreement.note_committed_change(task.plan, actor)


def _update_dues(moves: list[Rescheduled], organization_id: int, now: datetime.datetime) -> None:
    """One UPDATE for every moved task: the new due date, the version bumped. On PostgreSQL
    from a VALUES list (bulk_update's CASE per row costs ~0.5 ms a row in Python to build)."""
    if connection.vendor != "postgresql":
        Task.objects.bulk_update([m.task for m in moves], ["due_date", "version", "updated_at"])
        return
    table = Task._meta.db_table
    values = ", ".join(["(%s, %s::date)"] * len(moves))
    params: list = [now]
    for m in moves:
        params += [m.task.pk, m.new_due]
    with connection.cursor() as cursor:
        cursor.execute(
            f'UPDATE "{table}" SET "due_date" = v.due, "version" = "{table}"."version" + 1, "updated_at" = %s '
            f'FROM (VALUES {values}) AS v(id, due) WHERE "{table}"."id" = v.id AND "{table}"."organization_id" = %s',
            [*params, organization_id],
        )


def _milestones_follow(task: Task, by_pk: dict[int, Task]) -> None:
    """A milestone whose tasks are now due after its target date moves to its latest task
    (two queries at most); a milestone is never pulled earlier here."""
    latest = scheduling.milestone_dates(
        {pk: t.due_date for pk, t in by_pk.items()}, {pk: t.milestone_id for pk, t in by_pk.items()}
    )
    milestones = list(Milestone.objects.filter(organization_id=task.organization_id, plan_id=task.plan_id,
                                               target_date__isnull=False))
    later = []
    for milestone in milestones:
        due = latest.get(milestone.pk)
        if due is not None and due > milestone.target_date:
            milestone.target_date, milestone.version = due, milestone.version + 1
            later.append(milestone)
    if later:
        Milestone.objects.bulk_update(later, ["target_date", "version"])


# Slip totals -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SlipTotals:
    """Calendar days slipped, all told and by the side that caused them, and per milestone
    ({milestone pk or None: days}, with `milestone_titles`). `since_baseline` is the same by
    side since the plan's newest Baseline (None when it was never agreed), and `net_days`
    how far the committed due dates are now, summed, from that baseline's (later is
    positive; tasks added or removed since do not count)."""

    total: int = 0
    by_side: dict[str, int] = field(default_factory=dict)
    by_milestone: dict[int | None, int] = field(default_factory=dict)
    milestone_titles: dict[int, str] = field(default_factory=dict)
    baseline_at: datetime.datetime | None = None
    since_baseline: dict[str, int] | None = None
    net_days: int | None = None


def slip_totals(plan: Plan) -> SlipTotals:
    """The plan's slips added up (see SlipTotals): four queries at most, whatever its size
    (baseline, slips, milestone titles, task dates when agreed)."""
    org_id = plan.organization_id
    baseline = None
    if plan.agreed_at is not None:
        baseline = (Baseline.objects.filter(organization_id=org_id, plan=plan).order_by("-created_at", "-id")
                    .only("created_at", "snapshot").first())
    rows = list(
        Slip.objects.filter(organization_id=org_id, plan=plan).order_by()
        .values_list("side", "task__milestone_id", "days", "created_at")
    )
    titles = dict(
        Milestone.objects.filter(organization_id=org_id, plan=plan).values_list("pk", "title")
    ) if rows else {}
    dues = dict(
        Task.objects.filter(organization_id=org_id, plan=plan).values_list("public_id", "due_date")
    ) if baseline is not None else {}
    return slip_totals_from(slips=rows, milestone_titles=titles, baseline=baseline, task_dues=dues)


def slip_totals_from(*, slips, milestone_titles: dict[int, str], baseline: Baseline | None, task_dues: dict) -> SlipTotals:
    """SlipTotals from rows already loaded (no query): `slips` as (side, milestone pk, days,
    created_at); `baseline` the plan's newest (None when never agreed); `task_dues` {task
    public id: due date}, read only with a baseline."""
    by_side = dict.fromkeys(Side.values, 0)
    since_side = dict.fromkeys(Side.values, 0)
    by_milestone: dict[int | None, int] = {}
    for side, milestone_id, days, created_at in slips:
        by_side[side] = by_side.get(side, 0) + days
        if baseline is not None and created_at > baseline.created_at:
            since_side[side] = since_side.get(side, 0) + days
        by_milestone[milestone_id] = by_milestone.get(milestone_id, 0) + days
    net = None
    if baseline is not None:
        committed = baseline.snapshot.get("tasks", {})
        net = 0
        for public_id, due in task_dues.items():
            was = committed.get(str(public_id), {}).get("due_date")
            if was and due:
                net += (due - datetime.date.fromisoformat(was)).days
    return SlipTotals(
        total=sum(by_side.values()), by_side=by_side, by_milestone=by_milestone,
        milestone_titles={pk: t for pk, t in milestone_titles.items() if pk in by_milestone},
        baseline_at=baseline.created_at if baseline else None, since_baseline=since_side if baseline else None,
        net_days=net,
    )
