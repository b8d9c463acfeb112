"""Everything that changes a plan: validate, write, record the activity.

Functions are keyword-only and take already-authorised objects (views get them through
plans.access). Each write leaves an Activity row with the values before and after.
"""

import hashlib

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from deals.models import Deal, Side, Stakeholder
from mapapp.concurrency import StaleEdit, save_versioned

from . import agreement, dependencies, rescheduling, scheduling, slips
from .activity import Actor, record
from .models import Comment, Milestone, Plan, PlanStatus, Risk, Task, TaskDependency, TaskSide, TaskStatus

PLAN_FIELDS = (
    "title", "status", "buyer_objective", "seller_objective", "success_criteria", "value_proposition",
    "first_value_date", "budget_amount", "budget_notes", "payment_terms", "kpis", "target_close_date",
    "go_live_date", "checkin_cadence", "next_checkin_date",
)
MILESTONE_FIELDS = ("title", "target_date")
TASK_FIELDS = (
    "title", "description", "side", "owner", "due_date", "status", "blocked_reason", "internal", "milestone",
    "duration_days",
)
MAX_BUSINESS_DAYS = 250  # a task's duration, a dependency's lag


def _check_days(value, field: str) -> None:
    if not isinstance(value, int) or not 0 <= value <= MAX_BUSINESS_DAYS:
        raise ValidationError({field: _("Between 0 and %(max)d business days.") % {"max": MAX_BUSINESS_DAYS}})
RISK_FIELDS = ("description", "probability", "impact", "mitigation", "owner", "status")


def _next_order(queryset) -> int:
    return (queryset.aggregate(m=Max("order"))["m"] or 0) + 1


def _check_same_plan(plan: Plan, *, milestone: Milestone | None = None, owner: Stakeholder | None = None) -> None:
    # Forms limit the choices already; this keeps a crafted request from linking across plans.
    if milestone is not None and milestone.plan_id != plan.pk:
        raise ValidationError({"milestone": _("That milestone belongs to another plan.")})
    if owner is not None and owner.deal_id != plan.deal_id:
        raise ValidationError({"owner": _("That person is not on this deal.")})


# Plan ---------------------------------------------------------------------------------

@transaction.atomic
def plan_create(*, deal: Deal, actor: Actor, title: str = "") -> Plan:
    """Start the (one) plan of a deal, as a draft with the deal's target date."""
    if Plan.objects.filter(deal=deal).exists():
        raise ValidationError(_("This deal already has a plan."))
    plan = Plan.objects.create(
        organization_id=deal.organization_id,
        deal=deal,
        title=title or _("Mutual Action Plan: %(company)s") % {"company": deal.buyer_company},
        target_close_date=deal.target_close_date,
    )
    record(plan=plan, actor=actor, verb="created", target=plan)
    return plan


@transaction.atomic
def plan_update(*, plan: Plan, actor: Actor, version: int, data: dict) -> dict:
    """Change the plan's own fields (goals, value, budget, dates, status)."""
    fields = {k: v for k, v in data.items() if k in PLAN_FIELDS}
    changed = save_versioned(plan, version=version, fields=fields)
    if plan.status in (PlanStatus.SHARED, PlanStatus.AGREED) and plan.shared_at is None:
        plan_mark_shared(plan)
    if changed:
        from .room import ROOM_PLAN_FIELDS

        # A change only to what the room does not show (budget, the seller's goals, payment
        # terms, check-ins) is the seller's business: internal, so not even the room's live
        # refresh stamp moves (plans.live).
        internal = not (set(changed) & ROOM_PLAN_FIELDS)
        record(plan=plan, actor=actor, verb="updated", target=plan, changes=changed, internal=internal)
    if changed.keys() & set(agreement.COMMITTED_PLAN_FIELDS):
        agreement.note_committed_change(plan, actor)
    return changed


def plan_mark_shared(plan: Plan) -> None:
    """Stamp when the plan was first shared with the buyer (once; not a change of the plan's
    content, so neither its version nor its history moves)."""
    plan.shared_at = timezone.now()
    Plan.objects.filter(pk=plan.pk, shared_at__isnull=True).update(shared_at=plan.shared_at)


# Milestones ---------------------------------------------------------------------------

@transaction.atomic
def milestone_create(*, plan: Plan, actor: Actor, title: str, target_date=None) -> Milestone:
    milestone = Milestone.objects.create(
        organization_id=plan.organization_id,
        plan=plan,
        title=title,
        target_date=target_date,
        order=_next_order(plan.milestones.all()),
    )
    record(plan=plan, actor=actor, verb="created", target=milestone, changes={"target_date": (None, target_date)})
    agreement.note_committed_change(plan, actor)
    return milestone


@transaction.atomic
def milestone_update(*, milestone: Milestone, actor: Actor, version: int, data: dict) -> dict:
    changed = save_versioned(milestone, version=version, fields={k: v for k, v in data.items() if k in MILESTONE_FIELDS})
    if changed:
        record(plan=milestone.plan, actor=actor, verb="updated", target=milestone, changes=changed)
    if changed.keys() & agreement.COMMITTED_MILESTONE_FIELDS:
        agreement.note_committed_change(milestone.plan, actor)
    return changed


@transaction.atomic
def milestone_delete(*, milestone: Milestone, actor: Actor) -> None:
    """Delete a milestone; its tasks stay in the plan, ungrouped."""
    record(plan=milestone.plan, actor=actor, verb="deleted", target=milestone)
    milestone.delete()
    agreement.note_committed_change(milestone.plan, actor)


def _refresh_milestone_completion(milestone_id: int | None) -> None:
    """A milestone is complete when it has tasks and all of them are done."""
    if milestone_id is None:
        return
    statuses = list(Task.objects.filter(milestone_id=milestone_id).values_list("status", flat=True))
    complete = bool(statuses) and all(s == TaskStatus.DONE for s in statuses)
    if complete:
        Milestone.objects.filter(pk=milestone_id, completed_at__isnull=True).update(completed_at=timezone.now())
    else:
        Milestone.objects.filter(pk=milestone_id, completed_at__isnull=False).update(completed_at=None)


# Tasks --------------------------------------------------------------------------------

def _status_side_effects(fields: dict, task: Task | None = None) -> dict:
    status = fields.get("status")
    if status is None:
        return fields
    if status == TaskStatus.DONE and (task is None or task.status != TaskStatus.DONE):
        fields["completed_at"] = timezone.now()
    elif status != TaskStatus.DONE:
        fields["completed_at"] = None
    if status != TaskStatus.BLOCKED and "blocked_reason" not in fields:
        fields["blocked_reason"] = ""
    return fields


@transaction.atomic
def task_create(*, plan: Plan, actor: Actor, title: str, depends_on: list[Task] | None = None, **data) -> Task:
    """Add a task to a plan; owners and milestones must belong to the same plan."""
    fields = {k: v for k, v in data.items() if k in TASK_FIELDS}
    _check_same_plan(plan, milestone=fields.get("milestone"), owner=fields.get("owner"))
    if "duration_days" in fields:
        _check_days(fields["duration_days"], "duration_days")
    fields = _status_side_effects(fields)
    task = Task.objects.create(
        organization_id=plan.organization_id,
        plan=plan,
        title=title,
        order=_next_order(plan.tasks.all()),
        **fields,
    )
    changes = {k: (None, v) for k, v in fields.items() if v not in (None, "", False) and k in TASK_FIELDS}
    record(plan=plan, actor=actor, verb="created", target=task, changes=changes, internal=task.internal)
    if depends_on:
        task_set_dependencies(task=task, actor=actor, prerequisites=depends_on, record_activity=False)
    _refresh_milestone_completion(task.milestone_id)
    if not task.internal:
        agreement.note_committed_change(plan, actor)
    return task


def _check_prerequisites(
    task: Task, actor: Actor, version: int, status: str | None, depends_on: list[Task] | None, override: bool
) -> dict:
    """Starting or finishing a task before its prerequisites are done needs `override`
    (plans.dependencies); answers the activity keys recording the override, or {}. One query
    at most, none when the status does not start or finish the task. A stale version is left
    to save_versioned, so the conflict is reported before any confirmation is asked."""
    if status not in dependencies.STARTING or status == task.status or task.version != version:
        return {}
    unfinished = dependencies.unfinished_prerequisites(task, depends_on)
    if not unfinished:
        return {}
    if not override:
        raise dependencies.UnfinishedPrerequisites(unfinished, status=status, for_buyer=actor.stakeholder is not None)
    return dependencies.override_changes(unfinished)


@transaction.atomic
def task_update(
    *, task: Task, actor: Actor, version: int, data: dict, depends_on: list[Task] | None = None,
    override_dependencies: bool = False,
) -> dict:
    """Edit a task against the version the editor saw; a stale version raises StaleEdit.

    A status that starts or finishes the task while a prerequisite (with `depends_on`, of the
    new list) is not done raises dependencies.UnfinishedPrerequisites, nothing changed, unless
    `override_dependencies`: then the history records which dependencies were overridden.
    """
    fields = {k: v for k, v in data.items() if k in TASK_FIELDS}
    _check_same_plan(task.plan, milestone=fields.get("milestone"), owner=fields.get("owner"))
    if "duration_days" in fields:
        _check_days(fields["duration_days"], "duration_days")
    overridden = _check_prerequisites(
        task, actor, version, fields.get("status"), depends_on, override_dependencies
    )
    old_milestone = task.milestone_id
    changed = save_versioned(task, version=version, fields=_status_side_effects(fields, task))
    changed.pop("completed_at", None)
    if "status" in changed:
        changed.update(overridden)
    if "due_date" in changed:
        # A later date is time lost: the slip says how much and who moved it.
        slips.slip_record(task=task, actor=actor, from_date=changed["due_date"][0], to_date=changed["due_date"][1])
    if depends_on is not None:
        dep_change = task_set_dependencies(task=task, actor=actor, prerequisites=depends_on, record_activity=False)
        if dep_change and not changed:
            # Dependencies are part of the task: another editor holding the old version is stale too.
            if not Task.objects.filter(pk=task.pk, version=version).update(
                version=F("version") + 1, updated_at=timezone.now()
            ):
                raise StaleEdit(Task.objects.filter(pk=task.pk).first())
            task.version = version + 1
        changed.update(dep_change)
    if changed:
        record(plan=task.plan, actor=actor, verb="updated", target=task, changes=changed, internal=task.internal)
    if "status" in changed or "milestone" in changed:
        _refresh_milestone_completion(old_milestone)
        _refresh_milestone_completion(task.milestone_id)
    if changed.keys() & agreement.COMMITTED_TASK_FIELDS and not (task.internal and "internal" not in changed):
        agreement.note_committed_change(task.plan, actor)
    return changed


@transaction.atomic
def task_set_status(
    *, task: Task, actor: Actor, status: str, version: int, reason: str = "", override_dependencies: bool = False
) -> dict:
    """Move a task to another status (blocked carries a reason). Starting or finishing it
    before its prerequisites are done needs `override_dependencies` (see task_update)."""
    if status not in TaskStatus.values:
        raise ValidationError({"status": _("Unknown status.")})
    data = {"status": status}
    if status == TaskStatus.BLOCKED:
        data["blocked_reason"] = reason.strip()[:300]
    return task_update(
        task=task, actor=actor, version=version, data=data, override_dependencies=override_dependencies
    )


@transaction.atomic
def task_delete(*, task: Task, actor: Actor) -> None:
    record(plan=task.plan, actor=actor, verb="deleted", target=task, internal=task.internal)
    milestone_id = task.milestone_id
    task.delete()
    _refresh_milestone_completion(milestone_id)
    if not task.internal:
        agreement.note_committed_change(task.plan, actor)


def task_set_dependencies(
    *, task: Task, actor: Actor, prerequisites: list[Task], record_activity: bool = True,
    lags: dict[int, int] | None = None,
) -> dict:
    """Replace what `task` depends on. Refuses another plan's tasks and any cycle, naming it.

    `lags`: {prerequisite pk: business days between its end and this task's start}; a link not
    named keeps its lag (0 when new).
    """
    for prerequisite in prerequisites:
        if prerequisite.plan_id != task.plan_id:
            raise ValidationError({"depends_on": _("A task can only depend on tasks of the same plan.")})
        if prerequisite.pk == task.pk:
            raise ValidationError({"depends_on": _("A task cannot depend on itself.")})
    for lag in (lags or {}).values():
        _check_days(lag, "lag_days")
    links = TaskDependency.objects.filter(task__plan_id=task.plan_id).values_list(
        "task_id", "prerequisite_id", "lag_days"
    )
    graph: dict[int, list[int]] = {}
    current_lags: dict[int, int] = {}
    for task_id, prerequisite_id, lag in links:
        graph.setdefault(task_id, []).append(prerequisite_id)
        if task_id == task.pk:
            current_lags[prerequisite_id] = lag
    wanted = {p.pk for p in prerequisites}
    cycle = scheduling.find_cycle(graph, task.pk, wanted)
    if cycle:
        titles = dict(Task.objects.filter(pk__in=cycle).values_list("pk", "title"))
        chain = " → ".join(titles[pk] for pk in cycle)
        raise ValidationError(
            {"depends_on": _("That would make a cycle: %(chain)s. Each arrow reads “depends on”.") % {"chain": chain}}
        )
    current = set(current_lags)
    new_lags = {pk: (lags or {}).get(pk, current_lags.get(pk, 0)) for pk in wanted}
    if new_lags == current_lags:
        return {}
    with transaction.atomic():
        TaskDependency.objects.filter(task=task).exclude(prerequisite_id__in=wanted).delete()
        TaskDependency.objects.bulk_create(
            [
                TaskDependency(organization_id=task.organization_id, task=task, prerequisite_id=pk,
                               lag_days=new_lags[pk])
                for pk in wanted - current
            ]
        )
        for pk in wanted & current:
            if new_lags[pk] != current_lags[pk]:
                TaskDependency.objects.filter(task=task, prerequisite_id=pk).update(lag_days=new_lags[pk])
    names = dict(Task.objects.filter(pk__in=current | wanted).values_list("pk", "title"))

    def label(pk: int, lag: int) -> str:
        return f"{names[pk]} (+{lag})" if lag else names[pk]

    changed = {"depends_on": (sorted(label(pk, lag) for pk, lag in current_lags.items()),
                              sorted(label(pk, lag) for pk, lag in new_lags.items()))}
    if record_activity:
        record(plan=task.plan, actor=actor, verb="updated", target=task, changes=changed, internal=task.internal)
    return changed


# Risks --------------------------------------------------------------------------------

@transaction.atomic
def risk_create(*, plan: Plan, actor: Actor, description: str, **data) -> Risk:
    fields = {k: v for k, v in data.items() if k in RISK_FIELDS}
    _check_same_plan(plan, owner=fields.get("owner"))
    risk = Risk.objects.create(
        organization_id=plan.organization_id,
        plan=plan,
        description=description,
        order=_next_order(plan.risks.all()),
        **fields,
    )
    record(plan=plan, actor=actor, verb="created", target=risk)
    return risk


@transaction.atomic
def risk_update(*, risk: Risk, actor: Actor, version: int, data: dict) -> dict:
    fields = {k: v for k, v in data.items() if k in RISK_FIELDS}
    _check_same_plan(risk.plan, owner=fields.get("owner"))
    changed = save_versioned(risk, version=version, fields=fields)
    if changed:
        record(plan=risk.plan, actor=actor, verb="updated", target=risk, changes=changed)
    return changed


@transaction.atomic
def risk_delete(*, risk: Risk, actor: Actor) -> None:
    record(plan=risk.plan, actor=actor, verb="deleted", target=risk)
    risk.delete()


# Ordering -----------------------------------------------------------------------------

@transaction.atomic
def move(*, obj, siblings, direction: str, actor: Actor | None = None) -> bool:
    """Swap `obj` with its neighbour among `siblings` ("up" or "down"); renumbers the group.

    With an actor, a move is recorded ("moved"): the order is part of what both sides see, and
    the pages' live refresh (plans.live) notices changes by their activity.
    """
    items = list(siblings.select_for_update().order_by("order", "id"))
    index = next(i for i, item in enumerate(items) if item.pk == obj.pk)
    other = index - 1 if direction == "up" else index + 1
    if direction not in ("up", "down") or not 0 <= other < len(items):
        return False
    items[index], items[other] = items[other], items[index]
    for position, item in enumerate(items, start=1):
        item.order = position
    type(obj).objects.bulk_update(items, ["order"])
    if actor is not None:
        plan = obj.plan if hasattr(obj, "plan_id") else plan_of(obj.deal)
        if plan is not None:
            record(plan=plan, actor=actor, verb="moved", target=obj, internal=getattr(obj, "internal", False))
    return True


def task_siblings(task: Task):
    return Task.objects.filter(plan_id=task.plan_id, milestone_id=task.milestone_id)


def stakeholder_siblings(stakeholder: Stakeholder):
    return Stakeholder.objects.filter(deal_id=stakeholder.deal_id, side=stakeholder.side)


# Comments -----------------------------------------------------------------------------

@transaction.atomic
def comment_create(*, plan: Plan, actor: Actor, body: str, task: Task | None = None, internal: bool = False) -> Comment:
    body = body.strip()
    if not body:
        raise ValidationError({"body": _("A comment cannot be empty.")})
    if task is not None and task.plan_id != plan.pk:
        raise ValidationError({"task": _("That task belongs to another plan.")})
    comment = Comment.objects.create(
        organization_id=plan.organization_id,
        plan=plan,
        task=task,
        author_user=actor.user,
        author_stakeholder=actor.stakeholder,
        body=body,
        internal=internal or bool(task and task.internal),
    )
    record(
        plan=plan, actor=actor, verb="commented", target=task or plan,
        changes={"comment": (None, body[:200])}, internal=comment.internal,
    )
    return comment


# Stakeholders are the deal's, but their changes belong in the plan's history too.

def plan_of(deal: Deal) -> Plan | None:
    return Plan.objects.filter(deal_id=deal.pk).first()



# Buyer edits in the deal room ----------------------------------------------------------------
#
# The buyer acts as a stakeholder (Actor(stakeholder=…)). The room's views reach only the
# tasks of the buyer's one plan that are not internal; these functions re-check what matters
# (side, plan) so that a crafted request cannot reach further. Each change that the deal owner
# should hear about is mailed after commit, one mail per change.

def _notify_owner(task: Task, stakeholder: Stakeholder, kind: str, **extra) -> None:
    from .tasks import send_room_change_notice

    payload = {
        "organization_id": task.organization_id, "task_id": task.pk, "stakeholder_id": stakeholder.pk,
        "kind": kind, **extra,
    }
    transaction.on_commit(lambda: send_room_change_notice.delay(**payload))


def _check_room_task(task: Task, stakeholder: Stakeholder) -> None:
    if task.internal or task.plan.deal_id != stakeholder.deal_id:
        raise ValidationError(_("That task is not in your deal room."))


def is_seller_item(task: Task) -> bool:
    """The seller's own item: on the seller side, or owned by someone on the seller side. The
    buyer sees it, comments on it and attaches files to it, but its status and date are the
    seller's to change."""
    return task.side == TaskSide.SELLER or (task.owner_id is not None and task.owner.side == Side.SELLER)


def check_buyer_may_update(task: Task, stakeholder: Stakeholder) -> None:
    """A buyer changes the status and the date of the buyer's and the joint items only."""
    _check_room_task(task, stakeholder)
    if is_seller_item(task):
        raise ValidationError(
            _("This is the seller's item: its status and date are theirs to change. Comment on it instead.")
        )


@transaction.atomic
def room_task_set_status(
    *, task: Task, stakeholder: Stakeholder, status: str, version: int, reason: str = "",
    override_dependencies: bool = False,
) -> dict:
    """The buyer moves a task to another status; blocked needs a reason (ValidationError, nothing changes).
    Starting or finishing it before its prerequisites are done raises
    dependencies.UnfinishedPrerequisites (internal ones unnamed) unless `override_dependencies`.

    Answers what the buyer may undo: {"task", "version" (after the change), "status",
    "blocked_reason" (before it)}, or {} when nothing changed. Mails the deal owner.
    """
    check_buyer_may_update(task, stakeholder)
    reason = (reason or "").strip()
    if status == TaskStatus.BLOCKED and not reason:
        raise ValidationError({"reason": _("Say what blocks the task: the other side needs to know.")})
    before = {"status": task.status, "blocked_reason": task.blocked_reason}
    changed = task_set_status(
        task=task, actor=Actor(stakeholder=stakeholder), status=status, version=version, reason=reason,
        override_dependencies=override_dependencies,
    )
    if not changed:
        return {}
    _notify_owner(task, stakeholder, "status", old_status=before["status"], new_status=task.status)
    return {"task": str(task.public_id), "version": task.version, **before}


def room_moves_signature(moves: list) -> str:
    """A short fingerprint of the moves the buyer was shown (task and new date each), posted
    back with the confirmation; it names nothing the page does not show."""
    text = ";".join(f"{m.task.public_id}:{m.new_due.isoformat()}" for m in moves)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


@transaction.atomic
def room_task_propose_date(
    *, task: Task, stakeholder: Stakeholder, version: int, due_date, reason: str, confirmed: str = ""
) -> list[Task]:
    """The buyer moves the date of their own or a joint item, with a reason.

    When nothing else has to move, as ever: plans.slips.task_propose_date (a later date is a
    slip). When the new date pushes dependants, through rescheduling.task_reschedule with
    cascade (a slip per moved task, buyer side, the reason, who; milestones follow), but
    only once the buyer saw what moves: unless `confirmed` is the room_moves_signature of
    the moves the room shows, computed under the lock, raises rescheduling.MovesToConfirm
    (those moves, the task first) and changes nothing. Internal tasks that move are never
    named nor counted (the room does not show that they exist); when only they move, the
    buyer is not asked, for the same reason. A stale `version` raises StaleEdit.
    Answers the other tasks of the room that moved with it.
    """
    check_buyer_may_update(task, stakeholder)
    actor = Actor(stakeholder=stakeholder)
    try:
        moves = rescheduling.task_reschedule(
            task=task, actor=actor, version=version, due_date=due_date, reason=reason, preview=True
        )
    except ValidationError:
        moves = []  # e.g. a first date, a missing reason: the plain path says what is wrong
    if len(moves) <= 1:
        slips.task_propose_date(task=task, actor=actor, version=version, due_date=due_date, reason=reason)
        return []

    def check(moves: list) -> None:
        shown = [moves[0], *(m for m in moves[1:] if not m.task.internal)]
        signature = room_moves_signature(shown)
        if len(shown) > 1 and confirmed != signature:
            raise rescheduling.MovesToConfirm(shown, signature=signature, changed=bool(confirmed))

    check(moves)  # the first time, before taking any lock
    moved = rescheduling.task_reschedule(
        task=task, actor=actor, version=version, due_date=due_date, reason=reason, cascade=True, confirm=check
    )
    return [m.task for m in moved[1:] if not m.task.internal]


@transaction.atomic
def room_task_undo_status(*, task: Task, stakeholder: Stakeholder, undo: dict) -> dict:
    """Put back the status the buyer's own last change replaced, if nobody changed the task since.

    `undo` is what room_task_set_status answered. A task changed meanwhile raises StaleEdit
    (with the task as it is now) and changes nothing. Records "reverted".
    """
    check_buyer_may_update(task, stakeholder)
    if not undo or undo.get("task") != str(task.public_id):
        raise ValidationError(_("There is no change of yours to undo on this task."))
    if task.version != undo.get("version"):
        raise StaleEdit(Task.objects.filter(pk=task.pk).first())
    old_status = task.status
    fields = _status_side_effects(
        {"status": undo["status"], "blocked_reason": undo.get("blocked_reason", "")}, task
    )
    changed = save_versioned(task, version=undo["version"], fields=fields)
    changed.pop("completed_at", None)
    if changed:
        record(plan=task.plan, actor=Actor(stakeholder=stakeholder), verb="reverted", target=task, changes=changed)
        _refresh_milestone_completion(task.milestone_id)
        _notify_owner(task, stakeholder, "undo", old_status=old_status, new_status=task.status)
    return changed


@transaction.atomic
def room_comment_create(*, task: Task, stakeholder: Stakeholder, body: str) -> Comment:
    """The buyer comments on a task of the room (never internal); mails the deal owner."""
    _check_room_task(task, stakeholder)
    comment = comment_create(plan=task.plan, actor=Actor(stakeholder=stakeholder), body=body, task=task)
    _notify_owner(task, stakeholder, "comment", comment_id=comment.pk)
    return comment


@transaction.atomic
def room_task_create(
    *, plan: Plan, stakeholder: Stakeholder, title: str, owner: Stakeholder | None = None, due_date=None,
    milestone: Milestone | None = None,
) -> Task:
    """The buyer adds a task on the buyer side, owned by someone on the buyer side; never internal."""
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("Give the task a title.")})
    if plan.deal_id != stakeholder.deal_id:
        raise ValidationError(_("That plan is not your deal room's."))
    if owner is not None and owner.side != "buyer":
        raise ValidationError({"owner": _("Tasks added in the deal room are owned by someone on your side.")})
    return task_create(
        plan=plan, actor=Actor(stakeholder=stakeholder), title=title, side="buyer", owner=owner, due_date=due_date,
        milestone=milestone, internal=False,
    )


ROOM_STAKEHOLDER_FIELDS = ("name", "title", "email", "phone", "decision_role", "availability", "timezone", "language")


def room_stakeholder_create(*, plan: Plan, stakeholder: Stakeholder, data: dict) -> Stakeholder:
    """The buyer adds a person on the buyer side of the deal."""
    from deals.services import stakeholder_create

    if plan.deal_id != stakeholder.deal_id:
        raise ValidationError(_("That plan is not your deal room's."))
    fields = {k: v for k, v in data.items() if k in ROOM_STAKEHOLDER_FIELDS}
    return stakeholder_create(deal=plan.deal, actor=Actor(stakeholder=stakeholder), data={**fields, "side": "buyer"})


def room_stakeholder_update(*, person: Stakeholder, stakeholder: Stakeholder, version: int, data: dict) -> dict:
    """The buyer edits a person on the buyer side (never the seller's people, never their side)."""
    from deals.services import stakeholder_update

    if person.side != "buyer" or person.deal_id != stakeholder.deal_id:
        raise ValidationError(_("Only people on your side can be edited here."))
    fields = {k: v for k, v in data.items() if k in ROOM_STAKEHOLDER_FIELDS}
    return stakeholder_update(stakeholder=person, actor=Actor(stakeholder=stakeholder), version=version, data=fields)
