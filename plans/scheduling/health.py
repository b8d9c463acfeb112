"""Plan health: green, amber or red, always with the reasons, as codes the UI translates.

Every threshold is a named constant below. A reason is a `Reason(code, level, params)`;
the plan is as bad as its worst reason, green when there is none. Codes and their params:

- ``overdue_items`` {side, count, max_days_overdue}: open items past their due date, per
  side (buyer / seller / joint; days are calendar days past due).
- ``projected_late`` {business_days, projected, target}: projected decision after the target.
- ``recent_slips`` {count, days, window_days}: dates moved later in the last SLIP_WINDOW_DAYS.
- ``buyer_silent`` {days}: days since a buyer last opened the deal room.
- ``buyer_never_opened`` {}: the buyer was invited but never opened the room.
- ``not_agreed`` {business_days_to_decision, decision}: plan not yet agreed, decision near
  (or past: negative business days).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .business_days import WEEKDAYS, BusinessCalendar

Date = datetime.date

GREEN, AMBER, RED = "green", "amber", "red"
_SEVERITY = {GREEN: 0, AMBER: 1, RED: 2}

#: Overdue items on one side: amber from 1, red from this many ...
OVERDUE_RED_ITEMS = 3
#: ... or when one of them is this many calendar days past its due date.
OVERDUE_RED_DAYS = 7
#: Projected decision after the target: amber from 1 business day late, red past this many.
LATE_RED_BUSINESS_DAYS = 5
#: Slips count over this many calendar days back from today (today included).
SLIP_WINDOW_DAYS = 14
#: Amber from this many slips in the window, or from this many days slipped in total ...
SLIPS_AMBER_COUNT = 2
SLIPPED_DAYS_AMBER = 5
#: ... red from this many days slipped in the window.
SLIPPED_DAYS_RED = 15
#: Days since a buyer last opened the room: amber from, red from.
BUYER_SILENT_AMBER_DAYS = 10
BUYER_SILENT_RED_DAYS = 21
#: Plan not agreed and the decision this many business days away or fewer: amber, red.
NOT_AGREED_AMBER_BUSINESS_DAYS = 20
NOT_AGREED_RED_BUSINESS_DAYS = 10


@dataclass(frozen=True)
class HealthTask:
    """An item as health sees it: its side, due date and whether it is done."""

    side: str
    due: Date | None
    done: bool = False


@dataclass(frozen=True)
class Reason:
    """One reason, machine-readable: `code` and `params` are for the UI to put in words."""

    code: str
    level: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Health:
    """`level` is the worst of the reasons' levels (green when there are none)."""

    level: str
    reasons: list[Reason]


def health(
    *,
    today: Date,
    tasks: Iterable[HealthTask] = (),
    target: Date | None = None,
    projected: Date | None = None,
    slips: Iterable[tuple[Date, int]] = (),
    buyer_invited: bool = False,
    buyer_last_visit: Date | None = None,
    agreed: bool = True,
    calendar: BusinessCalendar = WEEKDAYS,
) -> Health:
    """The plan's health on `today` and why.

    `tasks`: every item of the plan. `target` / `projected`: the target decision date and
    the projection's finish (see `project`). `slips`: (date the slip was recorded, calendar
    days it moved) for the plan's slips. `buyer_last_visit`: the date a buyer last opened the
    room (None: never); only looked at once `buyer_invited`. `agreed`: the buyer accepted it.
    Reasons come worst first, then in the order of the codes in the module docstring.
    """
    reasons: list[Reason] = []

    overdue: dict[str, list[int]] = {}
    for task in tasks:
        if not task.done and task.due is not None and task.due < today:
            overdue.setdefault(task.side, []).append((today - task.due).days)
    for side in sorted(overdue):
        days = overdue[side]
        red = len(days) >= OVERDUE_RED_ITEMS or max(days) >= OVERDUE_RED_DAYS
        reasons.append(
            Reason("overdue_items", RED if red else AMBER, {"side": side, "count": len(days), "max_days_overdue": max(days)})
        )

    if target is not None and projected is not None:
        late = calendar.between(target, projected)
        if late > 0:
            level = RED if late > LATE_RED_BUSINESS_DAYS else AMBER
            reasons.append(
                Reason("projected_late", level, {"business_days": late, "projected": projected, "target": target})
            )

    window_start = today - datetime.timedelta(days=SLIP_WINDOW_DAYS - 1)
    recent = [days for when, days in slips if window_start <= when <= today and days > 0]
    total = sum(recent)
    if total >= SLIPPED_DAYS_RED:
        level = RED
    elif len(recent) >= SLIPS_AMBER_COUNT or total >= SLIPPED_DAYS_AMBER:
        level = AMBER
    else:
        level = GREEN
    if level != GREEN:
        reasons.append(Reason("recent_slips", level, {"count": len(recent), "days": total, "window_days": SLIP_WINDOW_DAYS}))

    if buyer_invited:
        if buyer_last_visit is None:
            reasons.append(Reason("buyer_never_opened", AMBER))
        else:
            silent = (today - buyer_last_visit).days
            if silent >= BUYER_SILENT_AMBER_DAYS:
                level = RED if silent >= BUYER_SILENT_RED_DAYS else AMBER
                reasons.append(Reason("buyer_silent", level, {"days": silent}))

    if not agreed and target is not None:
        left = calendar.between(today, target)
        if left <= NOT_AGREED_AMBER_BUSINESS_DAYS:
            level = RED if left <= NOT_AGREED_RED_BUSINESS_DAYS else AMBER
            reasons.append(Reason("not_agreed", level, {"business_days_to_decision": left, "decision": target}))

    reasons.sort(key=lambda r: -_SEVERITY[r.level])  # stable: code order within a level
    level = max((r.level for r in reasons), key=_SEVERITY.__getitem__, default=GREEN)
    return Health(level=level, reasons=reasons)
