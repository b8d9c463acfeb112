"""A plan's health and projection from the database: gathers the inputs of
plans.scheduling.project and plans.scheduling.health in a fixed number of queries, for one
plan or for a whole list of them (the deal list), whatever their size.

"Today" is the active time zone's date (timezone.localdate()) unless given; every other
date is a calendar date as stored, so no zone shifts a due date.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Max
from django.utils import timezone

from deals.models import Side

from . import scheduling
from .models import Plan, RoomLink, RoomVisit, Slip, Task, TaskDependency, TaskStatus
from .scheduling.health import SLIP_WINDOW_DAYS


@dataclass(frozen=True)
class PlanHealth:
    """Health level and reasons (plans.scheduling.health), the projected decision date (the
    decision task's projected finish, or the whole plan's without one), business days it
    lies after the target (negative: before), and the critical path as task pks, first to
    last, and `driven_by` the same tasks as (title, side) for the page to name them. `dates`:
    each open task's projected (start, due)."""

    level: str
    reasons: list[scheduling.Reason]
    projected_close_date: datetime.date | None
    business_days_late: int | None
    critical_path: list[int] = field(default_factory=list)
    dates: dict[int, scheduling.Span] = field(default_factory=dict)
    driven_by: list[tuple[str, str]] = field(default_factory=list)


def remaining_days(task, today: datetime.date) -> int:
    """Business days of work left: the duration, or for a task in progress what is left of it
    until its due date (at least one day, at most the duration)."""
    if task.status == TaskStatus.IN_PROGRESS and task.due_date is not None:
        left = scheduling.WEEKDAYS.between(today, task.due_date) + 1
        return max(1, min(task.duration_days, left))
    return task.duration_days


def plans_health(plans: Iterable[Plan], *, today: datetime.date | None = None) -> dict[int, PlanHealth]:
    """Health and projection of each plan, by plan pk: five queries for any number of plans
    (tasks, dependencies, recent slips, buyers invited, buyers' last visits)."""
    plans = list(plans)
    if not plans:
        return {}
    today = today or timezone.localdate()
    ids = [p.pk for p in plans]
    orgs = {p.organization_id for p in plans}
    tasks: dict[int, list] = {pk: [] for pk in ids}
    for row in Task.objects.filter(organization_id__in=orgs, plan_id__in=ids).order_by("order", "id").values_list(
        "pk", "plan_id", "title", "side", "due_date", "status", "duration_days", named=True
    ):
        tasks[row.plan_id].append(row)
    prerequisites: dict[int, dict[int, dict[int, int]]] = {pk: {} for pk in ids}
    for plan_id, task_id, prerequisite_id, lag in TaskDependency.objects.filter(
        organization_id__in=orgs, task__plan_id__in=ids
    ).values_list("task__plan_id", "task_id", "prerequisite_id", "lag_days"):
        prerequisites[plan_id].setdefault(task_id, {})[prerequisite_id] = lag
    # Slips count in health's window only; a day's margin on both sides of any time zone.
    since = timezone.now() - datetime.timedelta(days=SLIP_WINDOW_DAYS + 1)
    slips: dict[int, list[tuple[datetime.date, int]]] = {pk: [] for pk in ids}
    for plan_id, created_at, days in Slip.objects.filter(
        organization_id__in=orgs, plan_id__in=ids, created_at__gte=since
    ).values_list("plan_id", "created_at", "days"):
        slips[plan_id].append((timezone.localdate(created_at), days))
    deal_plan = {p.deal_id: p.pk for p in plans}
    invited = {
        deal_plan[deal_id] for deal_id in RoomLink.objects.filter(
            organization_id__in=orgs, stakeholder__deal_id__in=deal_plan, stakeholder__side=Side.BUYER
        ).values_list("stakeholder__deal_id", flat=True).distinct()
    }
    visits = dict(
        RoomVisit.objects.filter(organization_id__in=orgs, plan_id__in=ids, stakeholder__side=Side.BUYER)
        .order_by().values("plan_id").annotate(last=Max("last_seen_at")).values_list("plan_id", "last")
    )

    return {
        plan.pk: health_from(
            plan, tasks=tasks[plan.pk], prerequisites=prerequisites[plan.pk], recent_slips=slips[plan.pk],
            buyer_invited=plan.pk in invited, buyer_last_visit=visits.get(plan.pk), today=today,
        )
        for plan in plans
    }


def health_from(
    plan: Plan, *, tasks: list, prerequisites: dict[int, dict[int, int]], recent_slips: list[tuple[datetime.date, int]],
    buyer_invited: bool, buyer_last_visit: datetime.datetime | None, today: datetime.date,
) -> PlanHealth:
    """One plan's health and projection from rows already loaded (no query): `tasks` with pk,
    title, side, due_date, status and duration_days; `prerequisites` {task: {prerequisite:
    lag}}; `recent_slips` (local date, days) of the last SLIP_WINDOW_DAYS + 1 days at least."""
    projection = scheduling.project(
        {t.pk: scheduling.OpenTask(remaining_days(t, today), t.status == TaskStatus.DONE) for t in tasks},
        prerequisites, today=today, target=plan.target_close_date,
        finish_task=plan.decision_task_id if plan.decision_task_id in {t.pk for t in tasks} else None,
    )
    result = scheduling.health(
        today=today,
        tasks=[scheduling.HealthTask(t.side, t.due_date, t.status == TaskStatus.DONE) for t in tasks],
        target=plan.target_close_date,
        projected=projection.finish,
        slips=recent_slips,
        buyer_invited=buyer_invited,
        buyer_last_visit=timezone.localdate(buyer_last_visit) if buyer_last_visit else None,
        agreed=plan.agreed_at is not None,
    )
    by_pk = {t.pk: t for t in tasks}
    return PlanHealth(
        level=result.level, reasons=result.reasons, projected_close_date=projection.finish,
        business_days_late=projection.business_days_late, critical_path=list(projection.critical_path),
        dates=dict(projection.dates),
        driven_by=[(by_pk[pk].title, by_pk[pk].side) for pk in projection.critical_path if pk in by_pk],
    )


def plan_health(plan: Plan, *, today: datetime.date | None = None) -> PlanHealth:
    """One plan's health and projection (the five queries of `plans_health`)."""
    return plans_health([plan], today=today)[plan.pk]
