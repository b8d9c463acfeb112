"""What the plans API reads: the plans a member may see, and for any number of them their
progress, health (with its reasons in words) and days slipped by side, in a fixed number of
queries (plans.health_data.plans_health and two more), however many plans there are."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import QuerySet, Sum
from django.http import HttpRequest

from deals.access import visible_deals
from deals.models import Side

from .. import health_data, health_text, scheduling
from ..health_data import PlanHealth
from ..models import Plan, Slip, Task


@dataclass(frozen=True)
class PlanFacts:
    """What the API tells about a plan beyond its own fields: progress {done, total, percent},
    health and projection, the health reasons as sentences in the active language (as on the
    plan page), and calendar days slipped, all told, by the side that caused them."""

    progress: dict[str, int]
    health: PlanHealth
    health_reasons: list[str]
    slipped_days: dict[str, int]


def visible_plans(request: HttpRequest) -> QuerySet[Plan]:
    """The plans of the deals the member may see (the deal list's rule), with their deal."""
    return (
        Plan.objects.for_org(request.organization)
        .filter(deal__in=visible_deals(request))
        .select_related("deal")
    )


def plan_search(plans: QuerySet[Plan], *, status: str = "") -> QuerySet[Plan]:
    """Narrow by status; newest first (a stable order for paging)."""
    if status:
        plans = plans.filter(status=status)
    return plans.order_by("-created_at", "-id")


def plans_facts(plans: Iterable[Plan], *, today: datetime.date | None = None) -> dict[int, PlanFacts]:
    """PlanFacts by plan pk: seven queries for any number of plans (plans_health's five, task
    statuses, slips summed by side)."""
    plans = list(plans)
    if not plans:
        return {}
    ids = [p.pk for p in plans]
    orgs = {p.organization_id for p in plans}
    health = health_data.plans_health(plans, today=today)
    statuses: dict[int, list[str]] = {pk: [] for pk in ids}
    for plan_id, status in Task.objects.filter(organization_id__in=orgs, plan_id__in=ids).values_list(
        "plan_id", "status"
    ):
        statuses[plan_id].append(status)
    slipped = {pk: dict.fromkeys(Side.values, 0) for pk in ids}
    for plan_id, side, days in (
        Slip.objects.filter(organization_id__in=orgs, plan_id__in=ids)
        .order_by().values("plan_id", "side").annotate(days=Sum("days")).values_list("plan_id", "side", "days")
    ):
        slipped[plan_id][side] = days
    return {
        plan.pk: PlanFacts(
            progress=scheduling.progress(statuses[plan.pk]),
            health=health[plan.pk],
            health_reasons=[health_text.reason_text(r) for r in health[plan.pk].reasons],
            slipped_days=slipped[plan.pk],
        )
        for plan in plans
    }


def with_facts(plans: Iterable[Plan], *, facts: dict[int, PlanFacts] | None = None) -> list[Plan]:
    """The plans, each carrying `facts` (computed here unless given) for the serializer."""
    plans = list(plans)
    facts = plans_facts(plans) if facts is None else facts
    for plan in plans:
        plan.facts = facts[plan.pk]
    return plans
