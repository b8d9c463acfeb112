"""Projection: from today, when does the plan (or its decision) finish, and what drives it.

Uses the conventions of `backward`. Open tasks are scheduled as early as possible from the
first business day on or after `today`; a done task counts as finished (it constrains
nothing, lag included). A task in progress gives its *remaining* duration.
"""

from __future__ import annotations

import datetime
from collections.abc import Hashable, Mapping
from dataclasses import dataclass

from .backward import Span, span_of
from .business_days import WEEKDAYS, BusinessCalendar
from .graph import Prerequisites, normalize, topological_order

Date = datetime.date


@dataclass(frozen=True)
class OpenTask:
    """What the projection needs of a task: business days of work left, and whether it is done."""

    duration: int
    done: bool = False


@dataclass(frozen=True)
class Projection:
    """The answer of `project`.

    `finish`: the projected finish (of `finish_task` when one was named, else of the whole
    plan); None when nothing is left open. `critical_path`: the chain of open tasks that
    drives it, first to last: each one's start is set by the one before (or by today, for
    the first). `dates`: earliest start and finish of every open task. `business_days_late`:
    business days from `target` to `finish` (negative = early; None without a target or
    finish). `slack`: business days each open task could slip without moving `finish` (with a
    `finish_task`, only the tasks it waits for).
    """

    today: Date
    finish: Date | None
    critical_path: list[Hashable]
    dates: dict[Hashable, Span]
    slack: dict[Hashable, int]
    target: Date | None
    business_days_late: int | None


def project(
    tasks: Mapping[Hashable, OpenTask],
    prerequisites: Prerequisites,
    *,
    today: Date,
    target: Date | None = None,
    finish_task: Hashable | None = None,
    calendar: BusinessCalendar = WEEKDAYS,
) -> Projection:
    """Earliest dates of the open tasks, the projected finish and its critical path.

    Forward pass in topological order: an open task starts on the later of the first
    business day from `today` and, for each open prerequisite, its earliest finish + 1 + lag
    business days. The projected finish is the latest earliest finish (or `finish_task`'s).
    Ties are broken by the order of `tasks`: the first task listed wins, both for the task
    that ends the plan and for the prerequisite that drives a start. Tasks that appear only
    in `prerequisites` count as done. Raises CycleError on cyclic dependencies.
    """
    graph = normalize(prerequisites, tasks)
    position = {t: i for i, t in enumerate(graph)}
    first_day = calendar.start_rank(today)

    def is_open(t: Hashable) -> bool:
        return t in tasks and not tasks[t].done

    order = [t for t in topological_order(graph) if is_open(t)]
    start: dict[Hashable, int] = {}
    end: dict[Hashable, int] = {}
    driver: dict[Hashable, Hashable | None] = {}
    for t in order:
        begin, by = first_day, None
        for p in sorted((p for p in graph[t] if is_open(p)), key=position.__getitem__):
            candidate = end[p] + 1 + graph[t][p]
            if candidate > begin:
                begin, by = candidate, p
        start[t], driver[t] = begin, by
        end[t] = begin + span_of(tasks[t].duration)

    if finish_task is not None and is_open(finish_task):
        last = finish_task
    elif finish_task is not None or not order:
        last = None  # the decision is done already, or nothing is open
    else:
        last = min(order, key=lambda t: (-end[t], position[t]))

    path: list[Hashable] = []
    node = last
    while node is not None:
        path.append(node)
        node = driver[node]
    path.reverse()

    # Backward pass for slack, against the projected finish.
    slack: dict[Hashable, int] = {}
    if last is not None:
        horizon = end[last]
        # With a finish task, only the tasks it waits for have slack against it.
        latest_end: dict[Hashable, int] = {last: horizon}
        for t in reversed(order):
            if finish_task is None:
                latest_end.setdefault(t, horizon)
            elif t not in latest_end:
                continue
            latest_start = latest_end[t] - span_of(tasks[t].duration)
            slack[t] = latest_end[t] - end[t]
            for p in graph[t]:
                if is_open(p):
                    bound = latest_start - 1 - graph[t][p]
                    latest_end[p] = min(latest_end.get(p, horizon), bound)

    finish = calendar.day_at(end[last]) if last is not None else None
    return Projection(
        today=today,
        finish=finish,
        critical_path=path,
        dates={t: Span(calendar.day_at(start[t]), calendar.day_at(end[t])) for t in order},
        slack=slack,
        target=target,
        business_days_late=calendar.between(target, finish) if target and finish else None,
    )
