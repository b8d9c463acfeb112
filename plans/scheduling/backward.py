"""Backward scheduling: place a template's items so that the last one lands on the anchor.

Conventions shared by the whole engine (see also `business_days`):

- An item with a duration of n business days (n >= 1) that starts on day S is due on the
  n-th business day counting S itself: it occupies the business days S..due, both included.
  A duration of 0 is a one-day event (a meeting, a signature): start == due.
- A finish-to-start dependency with lag L (business days) means the dependant starts no
  earlier than the (L + 1)-th business day after its prerequisite is due: with lag 0, the
  day after.
- The anchor (the decision or go-live date) is the latest date any item may be due on; when
  it is not a business day, the business day before it.
"""

from __future__ import annotations

import datetime
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .business_days import WEEKDAYS, BusinessCalendar
from .graph import dependants_of, normalize, topological_order

Date = datetime.date


@dataclass(frozen=True)
class Span:
    """When an item starts and when it is due (both calendar dates, both included)."""

    start: Date
    due: Date


@dataclass(frozen=True)
class TemplateItem:
    """One step of a template, as the backward scheduler needs it.

    `duration`: business days of work (0 = a one-day event). `offset`: when set, the item is
    due at the latest `offset` business days before the anchor (0 = on the anchor); None lets
    its dependants alone decide. `depends_on`: {prerequisite key: lag in business days}.
    """

    key: Hashable
    duration: int
    offset: int | None = None
    depends_on: Mapping[Any, int] = field(default_factory=dict)


@dataclass(frozen=True)
class BackwardSchedule:
    """The answer of `schedule_backward`.

    `dates` holds every item's Span, in template order, also when the plan does not fit:
    the service then creates it as computed (first items in the past) and shows the warning.
    `missing_business_days` is how many business days the earliest start lies before the
    first business day on or after `today`: 0 when the plan fits. `anchor_that_fits` is the
    earliest anchor at which it would fit (the anchor itself when it fits).
    """

    anchor: Date
    today: Date
    dates: dict[Hashable, Span]
    earliest_start: Date | None
    missing_business_days: int
    anchor_that_fits: Date

    @property
    def fits(self) -> bool:
        return self.missing_business_days == 0


def span_of(duration: int) -> int:
    """Business days from an item's start to its due date (0 for a one-day item or event)."""
    if duration < 0:
        raise ValueError(f"negative duration {duration}")
    return max(duration, 1) - 1


def schedule_backward(
    items: Iterable[TemplateItem],
    *,
    anchor: Date,
    today: Date,
    calendar: BusinessCalendar = WEEKDAYS,
) -> BackwardSchedule:
    """Place every item as late as its dependants, its offset and the anchor allow.

    Each item is due on the latest business day that is (a) not after the anchor, (b) not
    later than `offset` business days before the anchor when it has one, and (c) early
    enough for every dependant: due + 1 + lag business days <= the dependant's start. It
    starts `duration` business days before (counting its due day). Never compresses: when
    the earliest start is before today the dates stay as computed and the answer says how
    many business days are missing. Raises CycleError on cyclic dependencies, ValueError on
    a dependency on an unknown item, a negative duration, offset or lag.
    """
    items = list(items)
    by_key = {item.key: item for item in items}
    graph = normalize({item.key: item.depends_on for item in items}, by_key)
    unknown = [k for k in graph if k not in by_key]
    if unknown:
        raise ValueError(f"dependencies on unknown items: {unknown!r}")
    dependants = dependants_of(graph)
    anchor_rank = calendar.rank(anchor)

    due: dict[Hashable, int] = {}
    start: dict[Hashable, int] = {}
    for key in reversed(topological_order(graph)):
        item = by_key[key]
        latest = anchor_rank
        if item.offset is not None:
            if item.offset < 0:
                raise ValueError(f"negative offset on {key!r}: nothing goes after the anchor")
            latest = min(latest, anchor_rank - item.offset)
        for dependant, lag in dependants[key].items():
            latest = min(latest, start[dependant] - 1 - lag)
        due[key] = latest
        start[key] = latest - span_of(item.duration)

    first_free = calendar.start_rank(today)
    earliest = min(start.values(), default=None)
    missing = max(0, first_free - earliest) if earliest is not None else 0
    return BackwardSchedule(
        anchor=anchor,
        today=today,
        dates={
            k: Span(calendar.day_at(start[k]), calendar.day_at(due[k])) for k in by_key
        },
        earliest_start=calendar.day_at(earliest) if earliest is not None else None,
        missing_business_days=missing,
        anchor_that_fits=anchor if not missing else calendar.day_at(anchor_rank + missing),
    )
