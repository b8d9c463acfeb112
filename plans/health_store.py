"""Stored plan health: the level, reasons and projection of plans.health_data written onto
the plan row, so pages that look at thousands of plans (the pipeline dashboard) filter and
count by health in the database instead of projecting every plan per request.

When it is rewritten:
- after every committed change to a plan: every change leaves an Activity row
  (plans.activity.record, plans.rescheduling's bulk history), and both call
  `refresh_on_commit`; so does a buyer's new visit to the room (it ends "buyer silent");
- each morning, because "overdue", "buyer silent" and "not agreed, decision near" move with
  the date alone: the hourly beat task plans.tasks.sweep_health picks the open plans whose
  stored health is for an earlier day than their owner's today (`stale_plans`).

"Today" is the deal owner's own date (their time zone), the same for every viewer of the
dashboard; the seller's pages keep computing health live for the person looking.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from deals.models import Outcome
from mapapp.models import User
from mapapp.timezones import zone

from . import health_data
from .models import Plan
from .scheduling import Reason

#: Plans written per UPDATE (and per task of the sweep).
BATCH = 500
_DATE_PARAMS = ("projected", "target", "decision")


def reasons_to_json(reasons: Iterable[Reason]) -> list[dict]:
    return [
        {"code": r.code, "level": r.level,
         "params": {k: v.isoformat() if isinstance(v, datetime.date) else v for k, v in r.params.items()}}
        for r in reasons
    ]


def reasons_from_json(rows: list[dict]) -> list[Reason]:
    """The stored reasons as plans.scheduling.Reason, dates as dates again (for health_text)."""
    reasons = []
    for row in rows or ():
        params = dict(row.get("params") or {})
        for key in _DATE_PARAMS:
            if isinstance(params.get(key), str):
                params[key] = datetime.date.fromisoformat(params[key])
        reasons.append(Reason(row["code"], row["level"], params))
    return reasons


def owner_today(timezone_name: str, now: datetime.datetime | None = None) -> datetime.date:
    """Today in the zone called `timezone_name` (settings.TIME_ZONE for an unknown one)."""
    now = now or timezone.now()
    chosen = zone(timezone_name)
    return timezone.localtime(now, chosen).date() if chosen else timezone.localdate(now)


def plans_refresh(*, organization_id: int, plan_ids: Iterable[int], now: datetime.datetime | None = None) -> int:
    """Recompute and store the health of these plans of the organization (ids of another
    organization are ignored). Answers how many were written. Queries: one for the plans, the
    five of health_data.plans_health per owner time zone among them, one UPDATE per BATCH."""
    plans = list(
        Plan.objects.filter(organization_id=organization_id, pk__in=list(plan_ids))
        .select_related("deal__owner").only(
            "pk", "organization_id", "deal_id", "target_close_date", "decision_task_id", "agreed_at",
            "deal__owner__timezone",
        )
    )
    by_zone: dict[str, list[Plan]] = defaultdict(list)
    for plan in plans:
        by_zone[plan.deal.owner.timezone].append(plan)
    for zone_name, group in by_zone.items():
        today = owner_today(zone_name, now)
        by_pk = {p.pk: p for p in group}
        for pk, health in health_data.plans_health(group, today=today).items():
            plan = by_pk[pk]
            plan.health = health.level
            plan.health_reasons = reasons_to_json(health.reasons)
            plan.health_projected_close = health.projected_close_date
            plan.health_days_late = health.business_days_late
            plan.health_on = today
    # Only these columns: the plan's own fields and `version` belong to whoever edits it.
    Plan.objects.bulk_update(
        plans, ["health", "health_reasons", "health_projected_close", "health_days_late", "health_on"],
        batch_size=BATCH,
    )
    return len(plans)


@dataclass(frozen=True)
class _Refresh:
    """The on-commit callback for one plan; equal callbacks mean one refresh per transaction."""

    organization_id: int
    plan_id: int

    def __call__(self) -> None:
        from .tasks import refresh_health

        refresh_health.delay(organization_id=self.organization_id, plan_ids=[self.plan_id])


def refresh_on_commit(plan: Plan) -> None:
    """Rewrite the plan's stored health once the current transaction commits (at once outside
    one). Several changes in one transaction queue one refresh; a rolled-back change none."""
    callback = _Refresh(plan.organization_id, plan.pk)
    # Django keeps the pending callbacks with their savepoints and drops those of a rolled-back
    # one; looking there (not in a list of our own) keeps "once per transaction" right on rollback.
    if connection.in_atomic_block and any(func == callback for _, func, _ in connection.run_on_commit):
        return
    transaction.on_commit(callback)


def stale_plans(now: datetime.datetime | None = None) -> dict[int, list[int]]:
    """Plan ids by organization whose stored health is missing or for a day before their
    owner's today: open deals only (won and lost deals keep what they had). One query per
    time zone that deal owners use."""
    stale: dict[int, list[int]] = defaultdict(list)
    zones = User.objects.filter(owned_deals__outcome=Outcome.OPEN).values_list("timezone", flat=True).distinct()
    for zone_name in zones.order_by():
        today = owner_today(zone_name, now)
        rows = Plan.objects.filter(deal__outcome=Outcome.OPEN, deal__owner__timezone=zone_name).filter(
            Q(health_on__isnull=True) | Q(health_on__lt=today)
        ).order_by().values_list("organization_id", "pk")
        for organization_id, pk in rows:
            stale[organization_id].append(pk)
    return dict(stale)
