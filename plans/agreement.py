"""The buyer's commitment: accepting the plan, the agreed version, and what changed since.

When a buyer accepts the plan, its committed dates and owners are saved as a Baseline (the
plan's target and go-live dates, each milestone's target date, each non-internal task's due
date and owner). Later changes to those are differences from the agreed version, shown to
both sides; the side that did not make the change is asked to re-confirm, which saves a new
baseline. Services that change committed fields call `note_committed_change(plan, actor)`.

Everything here reads in a fixed number of queries, whatever the size of the plan.
"""

import datetime
import hashlib
import json
from types import SimpleNamespace

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _

from deals.models import Side, Stakeholder
from mapapp.concurrency import StaleEdit

from .activity import Actor, record
from .models import Activity, Baseline, Milestone, Plan, PlanStatus, Task

COMMITTED_PLAN_FIELDS = ("target_close_date", "go_live_date")
# Task fields whose change can make a difference from the agreed version ("internal" hides a
# task from the buyer: for the agreement it is then removed, or added when it is shown again).
COMMITTED_TASK_FIELDS = frozenset({"due_date", "owner", "internal"})
COMMITTED_MILESTONE_FIELDS = frozenset({"target_date"})
# Keys of Activity.changes that tell who moved a committed date or owner.
_MOVE_KEYS = ["due_date", "owner", "internal", "target_date", *COMMITTED_PLAN_FIELDS]


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def side_of(actor: Actor) -> str:
    """A signed-in member acts for the seller; a stakeholder for their own side."""
    if actor.stakeholder is not None:
        return actor.stakeholder.side
    return Side.SELLER


def other_side(side: str) -> str:
    return Side.SELLER if side == Side.BUYER else Side.BUYER


# Snapshots ----------------------------------------------------------------------------------

def snapshot_of(plan: Plan, *, milestones, tasks, people: dict) -> dict:
    """The committed dates and owners, from rows already loaded (no query).

    `milestones`: rows with public_id, title, target_date; `tasks`: rows with public_id, title,
    due_date, owner_id, internal (internal ones are skipped); `people`: owner_id → stakeholder.
    Shape as plans.models.Baseline describes; ids are public ids, dates ISO strings.
    """
    snap_tasks = {}
    for task in tasks:
        if task.internal:
            continue
        owner = people.get(task.owner_id)
        snap_tasks[str(task.public_id)] = {
            "title": task.title,
            "due_date": _iso(task.due_date),
            "owner": str(owner.public_id) if owner is not None else None,
            "owner_name": owner.name if owner is not None else "",
        }
    return {
        "plan": {name: _iso(getattr(plan, name)) for name in COMMITTED_PLAN_FIELDS},
        "milestones": {
            str(m.public_id): {"title": m.title, "target_date": _iso(m.target_date)} for m in milestones
        },
        "tasks": snap_tasks,
    }


def take_snapshot(plan: Plan) -> dict:
    """The plan's committed dates and owners as stored now (two queries: milestones, tasks)."""
    org_id = plan.organization_id
    milestones = list(
        Milestone.objects.filter(organization_id=org_id, plan=plan)
        .values_list("public_id", "title", "target_date", named=True)
    )
    tasks = list(
        Task.objects.filter(organization_id=org_id, plan=plan, internal=False).values_list(
            "public_id", "title", "due_date", "owner_id", "internal", "owner__public_id", "owner__name", named=True
        )
    )
    people = {
        t.owner_id: SimpleNamespace(public_id=t.owner__public_id, name=t.owner__name)
        for t in tasks if t.owner_id is not None
    }
    return snapshot_of(plan, milestones=milestones, tasks=tasks, people=people)


def digest(snapshot: dict) -> str:
    """A short fingerprint of the committed values a page showed (dates, owners, which items).

    Accept and confirm forms carry it: if the committed values changed since the page was
    made, the request is stale even when the plan's own version did not move (a task did).
    """
    committed = {
        "plan": snapshot.get("plan", {}),
        "milestones": {k: v.get("target_date") for k, v in snapshot.get("milestones", {}).items()},
        "tasks": {k: [v.get("due_date"), v.get("owner")] for k, v in snapshot.get("tasks", {}).items()},
    }
    return hashlib.sha256(json.dumps(committed, sort_keys=True).encode()).hexdigest()[:20]


def newest_baseline(plan: Plan) -> Baseline | None:
    return Baseline.objects.filter(organization_id=plan.organization_id, plan=plan).order_by("-created_at", "-id").first()


# Differences --------------------------------------------------------------------------------

def compare(before: dict, after: dict) -> list[dict]:
    """Differences between two snapshots, plan first, then milestones and tasks in the order of
    `after`, then what was removed. Pure: each item is {"kind", "change", "key", "label", "field",
    "old", "new", and for owners "old_name"/"new_name"}; dates stay ISO strings."""
    out = []
    for field in COMMITTED_PLAN_FIELDS:
        old, new = before.get("plan", {}).get(field), after.get("plan", {}).get(field)
        if old != new:
            out.append({"kind": "plan", "change": "date", "key": "", "label": "", "field": field, "old": old, "new": new})
    for kind, date_field in (("milestones", "target_date"), ("tasks", "due_date")):
        was, now = before.get(kind, {}), after.get(kind, {})
        single = kind[:-1]
        for key, item in now.items():
            old_item = was.get(key)
            if old_item is None:
                out.append({"kind": single, "change": "added", "key": key, "label": item["title"], "field": date_field,
                            "old": None, "new": item.get(date_field), "new_name": item.get("owner_name", "")})
                continue
            if old_item.get(date_field) != item.get(date_field):
                out.append({"kind": single, "change": "date", "key": key, "label": item["title"], "field": date_field,
                            "old": old_item.get(date_field), "new": item.get(date_field)})
            if kind == "tasks" and old_item.get("owner") != item.get("owner"):
                out.append({"kind": single, "change": "owner", "key": key, "label": item["title"], "field": "owner",
                            "old": old_item.get("owner"), "new": item.get("owner"),
                            "old_name": old_item.get("owner_name", ""), "new_name": item.get("owner_name", "")})
        removed = [(key, item) for key, item in was.items() if key not in now]
        for key, item in sorted(removed, key=lambda pair: pair[1].get("title", "")):
            out.append({"kind": single, "change": "removed", "key": key, "label": item.get("title", ""),
                        "field": date_field, "old": item.get(date_field), "new": None})
    return out


def attach_movers(plan: Plan, baseline: Baseline, changes: list[dict]) -> list[dict]:
    """Add who made each difference ("by", "by_side") from the newest matching activity since
    the baseline: one query, whatever the number of differences."""
    if not changes:
        return changes
    ids = {c["key"] for c in changes if c["key"]}
    if any(c["kind"] == "plan" for c in changes):
        ids.add(str(plan.public_id))
    rows = (
        Activity.objects.filter(
            organization_id=plan.organization_id, plan=plan, created_at__gt=baseline.created_at, target_id__in=ids
        )
        .filter(Q(verb__in=["created", "deleted"]) | Q(changes__has_any_keys=_MOVE_KEYS))
        .order_by("-created_at", "-id")
        .values_list("target_id", "verb", "changes", "actor_name", "actor_stakeholder__side", named=True)
    )
    newest: dict[tuple[str, str], tuple[str, str]] = {}
    for row in rows:
        who = (row.actor_name, row.actor_stakeholder__side or Side.SELLER)
        key = str(row.target_id)
        keys = set(row.changes or {})
        if row.verb == "created":
            keys |= {"added"}
        if row.verb == "deleted":
            keys |= {"removed"}
        if "internal" in keys:
            keys |= {"added", "removed"}
        for name in keys:
            newest.setdefault((key, name), who)
    plan_key = str(plan.public_id)
    for change in changes:
        if change["kind"] == "plan":
            lookup = (plan_key, change["field"])
        elif change["change"] in ("added", "removed"):
            lookup = (change["key"], change["change"])
        else:
            lookup = (change["key"], change["field"])
        change["by"], change["by_side"] = newest.get(lookup, ("", ""))
    return changes


def _labelled(changes: list[dict], dates) -> list[dict]:
    """Dates as the active language writes them (`dates`: plans.selectors.DateLabels)."""
    # Lower case: they follow a name, "moved by Dana (seller)".
    side_labels = {Side.BUYER: _("buyer"), Side.SELLER: _("seller")}
    no_owner = _("no owner")
    field_labels = {
        "target_close_date": _("Target decision date"),
        "go_live_date": _("Go-live date"),
    }
    for change in changes:
        for name in ("old", "new"):
            value = change[name]
            if change["field"] != "owner":
                change[f"{name}_label"] = dates(datetime.date.fromisoformat(value)) if value else ""
            else:
                change[f"{name}_label"] = change.get(f"{name}_name") or no_owner
        change["field_label"] = field_labels.get(change["field"], "")
        change["by_side_label"] = side_labels.get(change.get("by_side", ""), "")
    return changes


def differences(plan: Plan) -> list[dict]:
    """What changed since the newest baseline, with who made each change, ready for display.

    Four queries at most (baseline, milestones, tasks, activity); none of them per row.
    Empty for a plan that was never agreed.
    """
    from .selectors import DateLabels

    if plan.agreed_at is None:
        return []
    baseline = newest_baseline(plan)
    if baseline is None:
        return []
    changes = compare(baseline.snapshot, take_snapshot(plan))
    return _labelled(attach_movers(plan, baseline, changes), DateLabels())


# Page data ------------------------------------------------------------------------------------

_UNLOADED = object()


def agreement_data(plan: Plan, *, milestones, tasks, stakeholders, dates, viewer: str, baseline=_UNLOADED) -> dict:
    """The agreement card of a page, from the page's rows: who accepted and when, the
    differences from the agreed version and whether `viewer` ("buyer" or "seller") is asked to
    confirm them. No query for a plan not yet agreed; then one (the baseline, unless given:
    the newest or None), plus one for who made the changes when there are differences."""
    people = {s.pk: s for s in stakeholders}
    data = {"agreed": plan.agreed_at is not None, "plan": plan, "changes": [],
            "viewer": viewer, "asked": False, "waiting_for": "", "agreed_by": None, "reconfirmed": None}
    if plan.agreed_at is None:
        # Printed only by the room's "Accept this plan" form: not computed (a snapshot of every
        # task, hashed) for pages that never show it, such as the seller's.
        data["seen"] = SimpleLazyObject(
            lambda: digest(snapshot_of(plan, milestones=milestones, tasks=tasks, people=people))
        )
        return {"agreement": data}
    current = snapshot_of(plan, milestones=milestones, tasks=tasks, people=people)
    data["seen"] = digest(current)
    data["agreed_by"] = people.get(plan.agreed_by_id)
    if baseline is _UNLOADED:
        baseline = newest_baseline(plan)
    if baseline is not None:
        changes = compare(baseline.snapshot, current)
        data["changes"] = _labelled(attach_movers(plan, baseline, changes), dates)
        if baseline.created_at != plan.agreed_at:
            data["reconfirmed"] = baseline
    if data["changes"]:
        asked = plan.reconfirm_side
        data["asked"] = asked == viewer or not asked
        data["waiting_for"] = asked
        data["waiting_for_label"] = dict(Side.choices).get(asked, "")
    return {"agreement": data}


def plan_agreement(plan: Plan, *, viewer: str) -> dict:
    """The agreement card on its own (its rows loaded here, in a fixed number of queries)."""
    from .selectors import DateLabels

    org_id = plan.organization_id
    milestones = list(
        Milestone.objects.filter(organization_id=org_id, plan=plan).values_list("public_id", "title", "target_date",
                                                                                named=True)
    )
    tasks = list(
        Task.objects.filter(organization_id=org_id, plan=plan, internal=False)
        .values_list("public_id", "title", "due_date", "owner_id", "internal", named=True)
    )
    stakeholders = list(Stakeholder.objects.filter(organization_id=org_id, deal_id=plan.deal_id))
    return agreement_data(plan, milestones=milestones, tasks=tasks, stakeholders=stakeholders, dates=DateLabels(),
                          viewer=viewer)


# Writes ---------------------------------------------------------------------------------------

def _lock(plan: Plan) -> Plan:
    locked = Plan.objects.select_for_update().filter(pk=plan.pk, organization_id=plan.organization_id).first()
    if locked is None:
        raise StaleEdit(None)
    return locked


def _check_seen(plan: Plan, locked: Plan, *, version: int, seen: str) -> dict:
    """The snapshot now; StaleEdit when the plan or its committed values moved since the page."""
    snapshot = take_snapshot(locked)
    if locked.version != version or digest(snapshot) != seen:
        raise StaleEdit(locked)
    return snapshot


@transaction.atomic
def plan_accept(
    *, plan: Plan, stakeholder: Stakeholder, version: int, seen: str, notify: bool = True
) -> Baseline:
    """The buyer accepts the plan as they saw it: records who and when, saves the agreed
    version as a Baseline, records "accepted" and e-mails the deal owner after commit.

    `version` and `seen` (plans.agreement.digest of what the page showed) must still match,
    else StaleEdit; a person of the seller's side, of another deal, or a plan already agreed
    or closed gives ValidationError.
    """
    from .tasks import send_plan_accepted

    if stakeholder.side != Side.BUYER or stakeholder.deal_id != plan.deal_id:
        raise ValidationError(_("Only a person on the buyer's side of this deal can accept the plan."),
                              code="not_buyer")
    locked = _lock(plan)
    if locked.agreed_at is not None:
        raise ValidationError(_("This plan has already been accepted."), code="already_agreed")
    if locked.status == PlanStatus.CLOSED:
        raise ValidationError(_("This plan is closed."), code="closed")
    snapshot = _check_seen(plan, locked, version=version, seen=seen)
    baseline = Baseline.objects.create(
        organization_id=plan.organization_id, plan=plan, side=Side.BUYER, confirmed_by_stakeholder=stakeholder,
        confirmed_by_name=stakeholder.name[:150], confirmed_by_title=stakeholder.title[:150], snapshot=snapshot,
    )
    old_status = locked.status
    # The same instant as the baseline's: a newer baseline is a re-confirmation.
    now = baseline.created_at
    fields = {"status": PlanStatus.AGREED, "agreed_at": now, "agreed_by": stakeholder, "reconfirm_side": "",
              "version": locked.version + 1, "updated_at": now}
    if locked.shared_at is None:  # accepted from a room that was opened before any "shared"
        fields["shared_at"] = now
    Plan.objects.filter(pk=plan.pk).update(**fields)
    for name, value in fields.items():
        setattr(plan, name, value)
    record(plan=plan, actor=Actor(stakeholder=stakeholder), verb="accepted", target=plan,
           changes={"status": (old_status, PlanStatus.AGREED)} if old_status != PlanStatus.AGREED else None)
    if not notify:  # the demo data's past
        return baseline
    organization_id, plan_id, baseline_id = plan.organization_id, plan.pk, baseline.pk
    transaction.on_commit(
        lambda: send_plan_accepted.delay(organization_id=organization_id, plan_id=plan_id, baseline_id=baseline_id)
    )
    return baseline


@transaction.atomic
def plan_confirm(*, plan: Plan, actor: Actor, version: int, seen: str) -> Baseline:
    """The side asked re-confirms the plan as it is now: a new Baseline (side, who, title), the
    request cleared, "confirmed" recorded. StaleEdit when the plan moved since the page that
    showed the differences; ValidationError when nothing waits for this side's confirmation."""
    side = side_of(actor)
    locked = _lock(plan)
    if locked.agreed_at is None:
        raise ValidationError(_("This plan has not been accepted yet."), code="not_agreed")
    if locked.reconfirm_side and locked.reconfirm_side != side:
        raise ValidationError(_("The other side is asked to confirm these changes, not you."), code="other_side")
    snapshot = _check_seen(plan, locked, version=version, seen=seen)
    baseline = newest_baseline(plan)
    if baseline is not None and not compare(baseline.snapshot, snapshot):
        raise ValidationError(_("Nothing has changed since the plan was agreed."), code="nothing")
    if actor.stakeholder is not None:
        name, title = actor.stakeholder.name, actor.stakeholder.title
    else:
        name = actor.name
        title = (
            Stakeholder.objects.filter(organization_id=plan.organization_id, deal_id=plan.deal_id, user=actor.user)
            .values_list("title", flat=True).first() or ""
        )
    now = timezone.now()
    Plan.objects.filter(pk=plan.pk).update(reconfirm_side="", version=locked.version + 1, updated_at=now)
    plan.reconfirm_side, plan.version = "", locked.version + 1
    baseline = Baseline.objects.create(
        organization_id=plan.organization_id, plan=plan, side=side, confirmed_by_user=actor.user,
        confirmed_by_stakeholder=actor.stakeholder, confirmed_by_name=name[:150], confirmed_by_title=title[:150],
        snapshot=snapshot,
    )
    record(plan=plan, actor=actor, verb="confirmed", target=plan)
    return baseline


def note_committed_change(plan: Plan, actor: Actor) -> str:
    """Call after a change to a committed date or owner (task due date or owner, a task added,
    removed or made internal, a milestone's target date, the plan's target or go-live date).

    Before the agreement it does nothing. After it, when the plan now differs from the agreed
    version, it asks the other side than `actor`'s to re-confirm (Plan.reconfirm_side); when
    the change undid the last difference, nobody is asked. Answers the side asked, or "".
    Runs inside the caller's transaction; a few queries, none per task.
    """
    locked = Plan.objects.select_for_update().filter(pk=plan.pk, organization_id=plan.organization_id).first()
    if locked is None or locked.agreed_at is None:
        return ""
    baseline = newest_baseline(plan)
    differs = baseline is not None and bool(compare(baseline.snapshot, take_snapshot(locked)))
    side = other_side(side_of(actor)) if differs else ""
    if side != locked.reconfirm_side:
        Plan.objects.filter(pk=plan.pk).update(reconfirm_side=side, updated_at=timezone.now())
    plan.reconfirm_side = side
    return side
