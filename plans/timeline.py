"""The plan's timeline: a Gantt-like picture of milestones and tasks over calendar time, drawn
by the server as positioned boxes (no script, no canvas), with the critical path, today, the
target and projected decision dates, and slips.

`Axis` and `task_bars` are plain functions of dates (tested without a database);
`timeline_data` gathers what they need in a fixed number of queries, whatever the size of the
plan: milestones, tasks, slips, and the five of plans.health_data.plan_health.

The room's timeline is the same picture without internal tasks (the buyer never learns they
exist); the projection behind it still counts them, because the dates do.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, replace

from django.db.models import Count, Min, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from . import health_data, health_text, scheduling
from .models import Milestone, Plan, Slip, Task, TaskSide, TaskStatus
from .scheduling.backward import span_of
from .selectors import DateLabels, _labels

Date = datetime.date

#: Calendar days shown before the earliest and after the latest date of the plan.
MARGIN_DAYS = 3
#: The shortest axis: a plan of three days still reads as days on a month.
MIN_DAYS = 28
#: Up to this many days on the axis, Mondays are marked; beyond, only the first of each month.
WEEK_TICKS_UP_TO = 150


@dataclass(frozen=True)
class Axis:
    """Calendar days `first`..`last` (both included) mapped onto 0–100 % of the track's width."""

    first: Date
    last: Date

    @classmethod
    def around(cls, dates: Iterable[Date | None], *, today: Date) -> Axis:
        """An axis that holds `today` and every date given, with a margin on both sides, at
        least MIN_DAYS long (centred on the dates when they span less)."""
        known = [d for d in dates if d is not None] + [today]
        first, last = min(known), max(known)
        short = MIN_DAYS - ((last - first).days + 1 + 2 * MARGIN_DAYS)
        before = MARGIN_DAYS + max(0, short) // 2
        after = MARGIN_DAYS + max(0, short) - max(0, short) // 2
        return cls(first - datetime.timedelta(days=before), last + datetime.timedelta(days=after))

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def left(self, day: Date) -> float:
        """Where `day` begins, in % of the track (clamped to the axis)."""
        offset = min(max((day - self.first).days, 0), self.days)
        return round(offset * 100 / self.days, 3)

    def box(self, start: Date, end: Date) -> SafeString:
        """The CSS custom properties of a box covering `start`..`end` (both included)."""
        start, end = min(start, end), max(start, end)
        left = self.left(start)
        right = self.left(end + datetime.timedelta(days=1))
        return SafeString(f"--l:{left}%;--w:{max(round(right - left, 3), 0.4)}%")

    def middle(self, day: Date) -> float:
        """Where the middle of `day` lies, in % of the track."""
        return round((self.left(day) + self.left(day + datetime.timedelta(days=1))) / 2, 3)

    def at(self, day: Date) -> SafeString:
        """The CSS custom property placing a line or a diamond at the middle of `day`."""
        return SafeString(f"--l:{self.middle(day)}%")

    def ticks(self) -> list[dict]:
        """Marks along the top: the first of each month (labelled with the month, and the year
        on January and on the first mark), and Mondays (labelled with the day) on axes short
        enough for them to stay readable."""
        weeks = self.days <= WEEK_TICKS_UP_TO
        marks = []
        day = self.first
        year_shown = False
        while day <= self.last:
            if day.day == 1:
                label = date_format(day, "M")
                if day.month == 1 or not year_shown:
                    label, year_shown = f"{label} {day.year}", True
                marks.append({"style": self.at(day), "label": label, "month": True})
            elif weeks and day.weekday() == 0 and not _near_first_of_month(day):
                marks.append({"style": self.at(day), "label": str(day.day), "month": False})
            day += datetime.timedelta(days=1)
        if not year_shown and marks:
            # No first of a month on the axis: name the month and year once, at the start.
            marks.insert(0, {"style": self.at(self.first), "label": date_format(self.first, "M Y"), "month": True})
        return marks


def _near_first_of_month(day: Date) -> bool:
    """A Monday within three days of the first of a month: its label would overlap the month's."""
    return any((day + datetime.timedelta(days=shift)).day == 1 for shift in range(-3, 4))


def planned_start(due: Date, duration: int, calendar=scheduling.WEEKDAYS) -> Date:
    """When a task due on `due` with `duration` business days of work starts (the engine's
    convention: it occupies the business days start..due, both included)."""
    due = calendar.on_or_before(due)
    return calendar.day_at(calendar.rank(due) - span_of(duration))


@dataclass(frozen=True)
class TaskBars:
    """The dates one task row draws: its planned window, the projected window of an open task
    that is forecast to end after its due date (or has none), and its date before it slipped."""

    planned: tuple[Date, Date] | None
    projected: tuple[Date, Date] | None
    original_due: Date | None


def task_bars(
    *, due: Date | None, duration: int, done: bool, projected: scheduling.Span | None, first_slip_from: Date | None,
) -> TaskBars:
    planned = (planned_start(due, duration), due) if due else None
    late = projected is not None and not done and (due is None or projected.due > due)
    original = first_slip_from if due and first_slip_from and first_slip_from != due else None
    return TaskBars(planned, (projected.start, projected.due) if late else None, original)


def _row_text(task, *, bars: TaskBars, projected_late: int | None, slipped: tuple[int, int] | None,
              dates: DateLabels, critical: bool) -> list[str]:
    """What a row says in words: the same facts as its bars, for phones and screen readers."""
    parts = []
    if bars.planned:
        start, due = bars.planned
        if start == due:
            parts.append(_("due %(due)s") % {"due": dates(due)})
        else:
            parts.append(_("%(start)s → %(due)s") % {"start": dates(start), "due": dates(due)})
    else:
        parts.append(_("no due date"))
    if bars.projected:
        if projected_late:
            parts.append(ngettext(
                "projected to finish %(date)s, %(days)d business day late",
                "projected to finish %(date)s, %(days)d business days late", projected_late,
            ) % {"date": dates(bars.projected[1]), "days": projected_late})
        else:
            parts.append(_("projected to finish %(date)s") % {"date": dates(bars.projected[1])})
    if slipped:
        days, moves = slipped
        parts.append(ngettext(
            "slipped %(days)d day", "slipped %(days)d days", days
        ) % {"days": days} + " " + ngettext("(%(count)d move)", "(%(count)d moves)", moves) % {"count": moves})
    if critical:
        parts.append(_("on the critical path"))
    return parts


def timeline_data(plan: Plan, *, room: bool = False, today: Date | None = None) -> dict:
    """Everything the timeline page draws. With `room`, internal tasks are left out."""
    today = today or timezone.localdate()
    org_id = plan.organization_id
    dates = DateLabels()
    milestones = list(
        Milestone.objects.filter(organization_id=org_id, plan=plan)
        .values_list("pk", "title", "target_date", "completed_at", named=True)
    )
    tasks = Task.objects.filter(organization_id=org_id, plan=plan)
    if room:
        tasks = tasks.filter(internal=False)
    tasks = list(tasks.values_list(
        "pk", "public_id", "title", "side", "status", "due_date", "duration_days", "milestone_id", "internal",
        "owner__name", named=True,
    ))
    slips = {
        row["task_id"]: row for row in Slip.objects.filter(organization_id=org_id, plan=plan)
        .order_by().values("task_id").annotate(days=Sum("days"), moves=Count("id"), first=Min("from_date"))
    }
    health = health_data.plan_health(plan, today=today)
    critical = set(health.critical_path)

    bars = {}
    for t in tasks:
        slip = slips.get(t.pk)
        bars[t.pk] = task_bars(
            due=t.due_date, duration=t.duration_days, done=t.status == TaskStatus.DONE,
            projected=health.dates.get(t.pk), first_slip_from=slip["first"] if slip else None,
        )
    every_date = [plan.target_close_date, health.projected_close_date]
    every_date += [m.target_date for m in milestones]
    for b in bars.values():
        for window in (b.planned, b.projected):
            if window:
                every_date.extend(window)
        every_date.append(b.original_due)
    axis = Axis.around(every_date, today=today)

    side_labels = _labels(TaskSide)
    status_labels = _labels(TaskStatus)
    anchor = reverse("plans:room" if room else "plans:detail", kwargs={"plan_id": plan.public_id})
    rows_by_milestone: dict[int | None, list[dict]] = {}
    for t in tasks:
        b = bars[t.pk]
        slip = slips.get(t.pk)
        is_critical = t.pk in critical and t.status != TaskStatus.DONE
        late = (
            scheduling.WEEKDAYS.between(b.planned[1], b.projected[1]) if b.projected and b.planned else None
        )
        done = t.status == TaskStatus.DONE
        rows_by_milestone.setdefault(t.milestone_id, []).append({
            "id": str(t.public_id),
            "url": f"{anchor}#task-{t.public_id}",
            "title": t.title,
            "owner": t.owner__name or "",
            "side": t.side,
            "side_label": side_labels.get(t.side, t.side),
            "status": t.status,
            "status_label": status_labels.get(t.status, t.status),
            "done": done,
            "overdue": bool(t.due_date and t.due_date < today and not done),
            "internal": t.internal,
            "critical": is_critical,
            "planned": axis.box(*b.planned) if b.planned else "",
            "projected": axis.box(*b.projected) if b.projected else "",
            "original": axis.at(b.original_due) if b.original_due else "",
            "slip": axis.box(b.original_due, b.planned[1]) if b.original_due and b.planned else "",
            "text": _row_text(t, bars=b, projected_late=late, slipped=(slip["days"], slip["moves"]) if slip else None,
                              dates=dates, critical=is_critical),
            "sort": (b.planned or b.projected or (Date.max, Date.max)),
            "window": [d for w in (b.planned, b.projected) if w for d in w],
        })
    for rows in rows_by_milestone.values():
        rows.sort(key=lambda r: r["sort"])

    groups = []
    for m in milestones:
        rows = rows_by_milestone.get(m.pk, [])
        ends = [d for r in rows for d in r["window"]]
        late = bool(m.target_date and ends and max(ends) > m.target_date and m.completed_at is None)
        groups.append({
            "title": m.title,
            "target": dates(m.target_date),
            "diamond": axis.at(m.target_date) if m.target_date else "",
            "span": axis.box(min(ends), max(ends)) if ends else "",
            "complete": m.completed_at is not None,
            "late": late,
            "tasks": rows,
        })
    if rows_by_milestone.get(None):
        groups.append({"title": _("Other items"), "target": "", "diamond": "", "span": "", "complete": False,
                       "late": False, "tasks": rows_by_milestone[None]})

    def marker(kind: str, label: str, day: Date, late: bool = False) -> dict:
        # Past the middle of the track, the label reads leftwards from its line (never off the edge).
        return {"kind": kind, "label": label, "date": dates(day), "style": axis.at(day), "end": axis.middle(day) > 50,
                "late": late}

    markers = [marker("today", _("Today"), today)]
    if plan.target_close_date:
        markers.append(marker("target", _("Target decision"), plan.target_close_date))
    projected = health.projected_close_date
    if projected and projected != plan.target_close_date:
        markers.append(marker("projected", _("Projected decision"), projected,
                              late=bool(plan.target_close_date and projected > plan.target_close_date)))
    if room:
        # The buyer never learns the titles of internal tasks, on the critical path or not.
        shown = {t.pk for t in tasks}
        health = replace(health, driven_by=[
            named for pk, named in zip(health.critical_path, health.driven_by, strict=False) if pk in shown
        ])
    return {
        "plan": plan,
        "deal": plan.deal,
        "projection": health_text.projection_text(health, plan.target_close_date),
        "groups": groups,
        "ticks": axis.ticks(),
        "markers": markers,
        "axis": {"first": dates(axis.first), "last": dates(axis.last)},
        "health": health,
        "critical_count": sum(1 for rows in rows_by_milestone.values() for r in rows if r["critical"]),
        "task_count": len(tasks),
        "room": room,
    }

