"""Cascade reschedule: one task moves, its dependants follow exactly as far as they must.

Uses the conventions of `backward` (durations, finish-to-start with lag in business days).
A task's current dates are a `TaskDates`: its due date and either its start date, its
duration, or neither (a one-day task: it starts on its due date). Tasks without dates (not
in `dates`) are never moved and pass no move on: they impose nothing until they get a date.
"""

from __future__ import annotations

import datetime
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field

from .backward import span_of
from .business_days import WEEKDAYS, BusinessCalendar
from .graph import Prerequisites, dependants_of, normalize, topological_order

Date = datetime.date


@dataclass(frozen=True)
class TaskDates:
    """A task's current dates: `due`, plus `start` or `duration` (business days), or neither."""

    due: Date
    start: Date | None = None
    duration: int | None = None

    def ranks(self, calendar: BusinessCalendar) -> tuple[int, int]:
        """(start rank, due rank); a start after the due date counts as the due date."""
        end = calendar.rank(self.due)
        if self.start is not None:
            begin = min(calendar.start_rank(self.start), end)
        elif self.duration is not None:
            begin = end - span_of(self.duration)
        else:
            begin = end
        return begin, end


@dataclass(frozen=True)
class Move:
    """One task that moves: its dates before and after, and by how many business days."""

    task: Hashable
    old_start: Date
    new_start: Date
    old_due: Date
    new_due: Date
    business_days: int


@dataclass(frozen=True)
class CascadeResult:
    """The answer of `cascade_reschedule`; nothing has been written anywhere.

    `moved` is the task the user moved; `cascaded` the dependants that follow it, each
    after its prerequisites (the list to show under "these will move"); `conflicts` the
    prerequisites of the moved task that now end too late for its new start (a date moved
    earlier than its prerequisites allow: the caller warns, the engine pulls nothing back).
    """

    moved: Move
    cascaded: list[Move] = field(default_factory=list)
    conflicts: list[Hashable] = field(default_factory=list)

    @property
    def moves(self) -> list[Move]:
        """The moved task, then its dependants: (task, old due, new due) for each."""
        return [self.moved, *self.cascaded]

    def apply(self, dates: Mapping[Hashable, TaskDates]) -> dict[Hashable, TaskDates]:
        """A copy of `dates` with the moves made (start and due dates given explicitly)."""
        new = dict(dates)
        for move in self.moves:
            new[move.task] = TaskDates(due=move.new_due, start=move.new_start)
        return new


def cascade_reschedule(
    prerequisites: Prerequisites,
    dates: Mapping[Hashable, TaskDates],
    task: Hashable,
    new_due: Date,
    *,
    calendar: BusinessCalendar = WEEKDAYS,
) -> CascadeResult:
    """Move `task` to `new_due` (keeping its duration) and push its dependants as needed.

    A dependant moves only when a prerequisite that moved now ends too late for it (due +
    1 + lag business days after its start), and then by exactly the business days needed:
    it starts on the first day that prerequisite allows, keeping its own duration. Moving a
    task earlier pulls nothing earlier. Tasks with no dependency path from `task` never move;
    nor do tasks whose dates already left room enough. The input is not changed. Raises
    KeyError when `task` has no dates, CycleError on cyclic dependencies.
    """
    graph = normalize(prerequisites, dates)
    reverse = dependants_of(graph)
    old_start, old_end = dates[task].ranks(calendar)
    span = old_end - old_start
    new_end = calendar.rank(new_due)
    moved = Move(
        task=task,
        old_start=dates[task].start or calendar.day_at(old_start),
        new_start=calendar.day_at(new_end - span),
        old_due=dates[task].due,
        new_due=new_due,
        business_days=new_end - old_end,
    )
    conflicts = []
    for prerequisite, lag in graph[task].items():
        if prerequisite in dates and calendar.rank(dates[prerequisite].due) + 1 + lag > new_end - span:
            conflicts.append(prerequisite)

    # Only the tasks downstream of `task` can move; visit them after their prerequisites.
    downstream: set[Hashable] = set()
    todo = [task]
    while todo:
        for dependant in reverse[todo.pop()]:
            if dependant not in downstream:
                downstream.add(dependant)
                todo.append(dependant)
    ends = {task: new_end}  # new due ranks of the tasks that moved
    cascaded: list[Move] = []
    for current in topological_order(graph):
        if current not in downstream or current not in dates or current == task:
            continue
        begin, end = dates[current].ranks(calendar)
        needed = max(
            (ends[p] + 1 + lag for p, lag in graph[current].items() if p in ends), default=begin
        )
        if needed <= begin:
            continue
        shift = needed - begin
        ends[current] = end + shift
        cascaded.append(
            Move(
                task=current,
                old_start=dates[current].start or calendar.day_at(begin),
                new_start=calendar.day_at(needed),
                old_due=dates[current].due,
                new_due=calendar.day_at(end + shift),
                business_days=shift,
            )
        )
    return CascadeResult(moved=moved, cascaded=cascaded, conflicts=conflicts)


def violations(
    prerequisites: Prerequisites,
    dates: Mapping[Hashable, TaskDates],
    *,
    calendar: BusinessCalendar = WEEKDAYS,
) -> list[tuple[Hashable, Hashable, int]]:
    """Every (task, prerequisite, business days short) where the task starts too early.

    Only dated tasks count. Empty for a consistent plan; the property tests check that no
    sequence of cascaded reschedules leaves one behind.
    """
    graph = normalize(prerequisites, dates)
    found = []
    for current, lags in graph.items():
        if current not in dates:
            continue
        begin, _ = dates[current].ranks(calendar)
        for prerequisite, lag in lags.items():
            if prerequisite in dates:
                earliest = calendar.rank(dates[prerequisite].due) + 1 + lag
                if earliest > begin:
                    found.append((current, prerequisite, earliest - begin))
    return found


def milestone_dates(
    due_dates: Mapping[Hashable, Date | None],
    milestone_of: Mapping[Hashable, Hashable | None],
    milestones: Iterable[Hashable] = (),
) -> dict[Hashable, Date | None]:
    """Each milestone's date: the latest due date of its tasks (None when none is dated).

    `milestone_of` maps task -> milestone (None for a task outside any milestone);
    `milestones` adds milestones without tasks, so they answer None too.
    """
    answer: dict[Hashable, Date | None] = dict.fromkeys(milestones)
    for current, milestone in milestone_of.items():
        if milestone is None:
            continue
        due = due_dates.get(current)
        previous = answer.get(milestone)
        answer[milestone] = due if previous is None or (due is not None and due > previous) else previous
    return answer
