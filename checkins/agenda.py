"""A check-in's agenda, built from the plan: what was done since the last check-in, what is in
flight, what is blocked (and why), what comes up in the next two weeks, and which dates moved
(by how much, caused by which side, and why).

`agenda_build` answers plain data (JSON-safe: it is what CheckIn.agenda keeps) in four queries
whatever the size of the plan. With `room=True` nothing internal to the seller is even loaded:
not internal tasks, not their slips, not internal comments nor comments on internal tasks.
A frozen agenda (built without `room`) is cut for the room by `room_view`. `display` turns the
stored values into what templates show (dates, translated labels), in the active language.
"""

from __future__ import annotations

import datetime

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from deals.models import Side
from plans.models import Comment, Plan, Slip, Task, TaskSide, TaskStatus

from .models import CheckIn

#: Without an earlier check-in the agenda looks back this far (or to the plan's start).
LOOKBACK_DAYS = 14
#: "Coming up": due within this many days after the check-in.
AHEAD_DAYS = 14
#: The newest comments since the last check-in that the agenda lists.
COMMENTS_SHOWN = 20
COMMENT_CLIP = 300

SECTIONS = ("done", "in_flight", "blocked", "coming_up", "moved", "comments")


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _since(plan: Plan, on: datetime.date) -> tuple[datetime.datetime, datetime.date | None]:
    """Where the agenda starts: when the previous held check-in was held (and its date), or,
    without one, 14 days before the check-in or the plan's start, whichever is later. One query."""
    previous = (
        CheckIn.objects.filter(organization_id=plan.organization_id, plan=plan, date__lt=on, held_at__isnull=False)
        .order_by("-date").values_list("date", "held_at").first()
    )
    if previous is not None:
        return previous[1], previous[0]
    back = datetime.datetime.combine(on - datetime.timedelta(days=LOOKBACK_DAYS), datetime.time.min,
                                     tzinfo=datetime.UTC)
    return max(back, plan.created_at), None


def agenda_build(plan: Plan, *, on: datetime.date, room: bool = False) -> dict:
    """The agenda of the plan's check-in on `on` (see the module's docstring). Four queries:
    the previous check-in, the tasks that matter, the slips and the comments since then."""
    org_id = plan.organization_id
    since, previous_date = _since(plan, on)
    ahead = on + datetime.timedelta(days=AHEAD_DAYS)

    tasks = Task.objects.filter(organization_id=org_id, plan=plan).filter(
        Q(status__in=[TaskStatus.IN_PROGRESS, TaskStatus.BLOCKED])
        | Q(status=TaskStatus.DONE, completed_at__gt=since)
        | Q(status=TaskStatus.NOT_STARTED, due_date__lte=ahead)
    )
    slips = Slip.objects.filter(organization_id=org_id, plan=plan, created_at__gt=since)
    comments = Comment.objects.filter(organization_id=org_id, plan=plan, created_at__gt=since)
    if room:
        tasks = tasks.filter(internal=False)
        slips = slips.filter(task__internal=False)
        # As the room shows comments (plans.room.room_comments): on its tasks, never internal.
        comments = comments.filter(internal=False, task__isnull=False, task__internal=False)

    done, in_flight, blocked, coming_up = [], [], [], []
    rows = tasks.values_list(
        "public_id", "title", "side", "status", "due_date", "completed_at", "blocked_reason", "internal",
        "owner__name", "owner__side", "milestone__title", "order", named=True,
    )
    for t in sorted(rows, key=lambda r: (r.due_date is None, r.due_date or on, r.order)):
        item = {
            "id": str(t.public_id), "title": t.title, "side": t.side, "status": t.status,
            "due": _iso(t.due_date), "completed": _iso(t.completed_at), "blocked_reason": t.blocked_reason,
            "internal": t.internal, "owner": t.owner__name or "", "owner_side": t.owner__side or "",
            "milestone": t.milestone__title or "",
        }
        if t.status == TaskStatus.DONE:
            done.append(item)
        elif t.status == TaskStatus.IN_PROGRESS:
            in_flight.append(item)
        elif t.status == TaskStatus.BLOCKED:
            blocked.append(item)
        else:
            item["overdue"] = t.due_date is not None and t.due_date < on
            coming_up.append(item)

    moved = [
        {
            "task": str(s.task__public_id), "title": s.task__title, "internal": s.task__internal,
            "from": _iso(s.from_date), "to": _iso(s.to_date), "days": s.days, "side": s.side,
            "reason": s.reason, "by": s.actor_name, "at": _iso(s.created_at),
        }
        for s in slips.order_by("created_at", "id").values_list(
            "task__public_id", "task__title", "task__internal", "from_date", "to_date", "days", "side", "reason",
            "actor_name", "created_at", named=True,
        )
    ]
    notes = [
        {
            "id": str(c.public_id), "task": c.task__title or "", "internal": c.internal or bool(c.task__internal),
            "author": c.author_stakeholder__name or c.author_user__name or c.author_user__email or "",
            "body": c.body if len(c.body) <= COMMENT_CLIP else c.body[: COMMENT_CLIP - 1] + "…",
            "at": _iso(c.created_at),
        }
        for c in comments.order_by("-created_at", "-id").values_list(
            "public_id", "body", "internal", "task__title", "task__internal", "author_stakeholder__name",
            "author_user__name", "author_user__email", "created_at", named=True,
        )[:COMMENTS_SHOWN]
    ]
    return {
        "date": on.isoformat(),
        "since": since.isoformat(),
        "previous_date": _iso(previous_date),
        "built_at": timezone.now().isoformat(),
        "done": done,
        "in_flight": in_flight,
        "blocked": blocked,
        "coming_up": coming_up,
        "moved": moved,
        "comments": notes,
    }


def room_view(agenda: dict) -> dict:
    """The agenda as the buyer may read it: every item internal to the seller left out."""
    return {
        **agenda,
        **{section: [item for item in agenda.get(section, []) if not item.get("internal")] for section in SECTIONS},
    }


def days_lost(agenda: dict) -> dict[str, int]:
    """Days lost to moved dates since the last check-in, per side that caused them."""
    totals = {Side.BUYER.value: 0, Side.SELLER.value: 0}
    for move in agenda.get("moved", []):
        totals[move["side"]] = totals.get(move["side"], 0) + move["days"]
    return totals


def _date(value: str | None):
    return datetime.date.fromisoformat(value) if value else None


def _instant(value: str | None):
    return datetime.datetime.fromisoformat(value) if value else None


def display(agenda: dict) -> dict:
    """A stored agenda as templates show it: dates and instants as objects (the templates format
    them in the reader's language and zone), sides and statuses as translated labels."""
    sides = {**dict(TaskSide.choices), **dict(Side.choices)}
    statuses = dict(TaskStatus.choices)

    def task(item: dict) -> dict:
        return {
            **item, "due": _date(item.get("due")), "completed": _instant(item.get("completed")),
            "side_label": sides.get(item.get("side"), ""), "status_label": statuses.get(item.get("status"), ""),
        }

    shown = {
        "date": _date(agenda["date"]),
        "since": _instant(agenda.get("since")),
        "previous_date": _date(agenda.get("previous_date")),
        "built_at": _instant(agenda.get("built_at")),
        "moved": [
            {**m, "from": _date(m["from"]), "to": _date(m["to"]), "at": _instant(m.get("at")),
             "side_label": sides.get(m["side"], "")}
            for m in agenda.get("moved", [])
        ],
        "comments": [{**c, "at": _instant(c.get("at"))} for c in agenda.get("comments", [])],
        "days_lost": [
            {"side": side, "label": _("buyer side") if side == Side.BUYER else _("seller side"), "days": days}
            for side, days in days_lost(agenda).items() if days
        ],
    }
    for section in ("done", "in_flight", "blocked", "coming_up"):
        shown[section] = [task(item) for item in agenda.get(section, [])]
    shown["empty"] = not any(shown[section] for section in SECTIONS)
    return shown
