"""Starting or finishing a task before its prerequisites are done: allowed, but only when the
person confirms it, and then the history says which dependencies were overridden.

services.task_update applies the rule to every status change (the plan page, the task editor,
the deal room and, through the same service, the API): a move to "in progress" or "done"
while a prerequisite is not done raises UnfinishedPrerequisites unless the caller passes
`override_dependencies=True`. The exception carries the prerequisites, so each caller can ask
in its own way; `confirmation` gives the words. In the deal room a seller-internal
prerequisite is "a seller-side step", never its title.
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from .models import Task, TaskStatus

# The statuses that start or finish a task.
STARTING = frozenset({TaskStatus.IN_PROGRESS, TaskStatus.DONE})

# Keys of Activity.changes of an override: the prerequisites the room may name, and the
# seller-internal ones (the room shows only how many: plans.room._room_changes).
OVERRIDDEN = "overridden"
OVERRIDDEN_INTERNAL = "overridden_internal"


@dataclass(frozen=True)
class Prerequisite:
    """A prerequisite that is not done, as a confirmation names it."""

    public_id: uuid.UUID
    title: str
    due_date: datetime.date | None
    side: str
    status: str
    internal: bool


class UnfinishedPrerequisites(ValidationError):
    """The new status starts or finishes a task whose prerequisites are not all done.

    `prerequisites` lists them (due date first), `status` is the status asked for. The
    message names them as the actor may read them (a buyer: internal ones unnamed), so a
    caller that does not offer the override still shows a clear refusal.
    """

    def __init__(self, prerequisites: list[Prerequisite], *, status: str, for_buyer: bool):
        self.prerequisites = prerequisites
        self.status = status
        self.for_buyer = for_buyer
        words = confirmation(prerequisites, status=status, for_buyer=for_buyer)
        listed = [_("%(items)s.") % {"items": ", ".join(words["items"])}] if words["items"] else []
        super().__init__(" ".join([words["intro"], *listed, words["question"]]), code="unfinished_prerequisites")


def unfinished_prerequisites(task: Task, prerequisites: list[Task] | None = None) -> list[Prerequisite]:
    """What `task` depends on that is not done, earliest due date first. One query; none when
    the caller already holds the prerequisites (the task editor's new list)."""
    if prerequisites is not None:
        rows = [
            (p.public_id, p.title, p.due_date, p.side, p.status, p.internal)
            for p in sorted(prerequisites, key=lambda p: (p.due_date is None, p.due_date or datetime.date.min,
                                                          p.title))
            if p.status != TaskStatus.DONE
        ]
    else:
        rows = (
            Task.objects.filter(organization_id=task.organization_id, dependant_links__task_id=task.pk)
            .exclude(status=TaskStatus.DONE)
            .order_by(F("due_date").asc(nulls_last=True), "title", "pk")
            .values_list("public_id", "title", "due_date", "side", "status", "internal")
        )
    return [Prerequisite(*row) for row in rows]


def override_changes(prerequisites: list[Prerequisite]) -> dict:
    """The Activity.changes keys recording an override: {key: (None, [titles])}."""
    changes = {}
    shown = [p.title for p in prerequisites if not p.internal]
    hidden = [p.title for p in prerequisites if p.internal]
    if shown:
        changes[OVERRIDDEN] = (None, shown)
    if hidden:
        changes[OVERRIDDEN_INTERNAL] = (None, hidden)
    return changes


def seller_side_steps(count: int) -> str:
    return ngettext("a seller-side step", "%(count)d seller-side steps", count) % {"count": count}


def _side(side: str) -> str:
    return {
        "buyer": pgettext("task side", "buyer"),
        "seller": pgettext("task side", "seller"),
        "joint": pgettext("task side", "joint"),
    }.get(side, side)


def _facts(p: Prerequisite) -> str:
    if p.due_date is None:
        return _("no due date, %(side)s") % {"side": _side(p.side)}
    date = formats.date_format(p.due_date, "DATE_FORMAT")
    return _("due %(date)s, %(side)s") % {"date": date, "side": _side(p.side)}


def confirmation(prerequisites: list[Prerequisite], *, status: str, for_buyer: bool) -> dict:
    """The words of the confirmation: {"intro", "items", "question"}. One prerequisite is a
    sentence of its own ("Legal review is not done yet (due 3 June, buyer)."); several are
    listed under "These are not done yet:". For a buyer, internal prerequisites become "a
    seller-side step" (or "2 seller-side steps"), without title or date."""
    named = [p for p in prerequisites if not (for_buyer and p.internal)]
    hidden = len(prerequisites) - len(named)
    question = _("Start anyway?") if status == TaskStatus.IN_PROGRESS else _("Mark it done anyway?")
    if len(named) == 1 and not hidden:
        p = named[0]
        intro = _("“%(title)s” is not done yet (%(facts)s).") % {"title": p.title, "facts": _facts(p)}
        return {"intro": intro, "items": [], "question": question}
    if not named and hidden == 1:
        return {"intro": _("A seller-side step it depends on is not done yet."), "items": [], "question": question}
    items = [_("“%(title)s” (%(facts)s)") % {"title": p.title, "facts": _facts(p)} for p in named]
    if hidden:
        items.append(seller_side_steps(hidden))
    return {"intro": _("These steps it depends on are not done yet:"), "items": items, "question": question}
