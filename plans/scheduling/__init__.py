"""Pure scheduling logic over plain data: no database, no request, no time zone.

Split by concern; everything a caller needs is importable from here:

- `business_days`: the business-day calendar (dates only, never datetimes).
- `graph`: dependency graphs, `find_cycle`, topological order, `progress`.
- `backward`: backward scheduling of a template from an anchor date.
- `cascade`: moving one task and its dependants; milestone dates; violations.
- `projection`: earliest dates, projected finish, critical path, slack.
- `health`: green / amber / red with machine-readable reasons.
- `starter_templates`: the built-in templates' steps as plain data.
"""

from .backward import BackwardSchedule, Span, TemplateItem, schedule_backward
from .business_days import (
    WEEKDAYS,
    BusinessCalendar,
    add_business_days,
    business_days_between,
    subtract_business_days,
)
from .cascade import CascadeResult, Move, TaskDates, cascade_reschedule, milestone_dates, violations
from .graph import CycleError, find_cycle, normalize, progress, topological_order
from .health import AMBER, GREEN, RED, Health, HealthTask, Reason, health
from .projection import OpenTask, Projection, project
from .starter_templates import (
    ENTERPRISE_EVALUATION,
    LITE_PLAN,
    MID_MARKET_DEAL,
    STARTERS,
    Starter,
    TemplateStep,
    template_items,
)

__all__ = [
    "AMBER",
    "ENTERPRISE_EVALUATION",
    "GREEN",
    "LITE_PLAN",
    "MID_MARKET_DEAL",
    "RED",
    "STARTERS",
    "WEEKDAYS",
    "BackwardSchedule",
    "BusinessCalendar",
    "CascadeResult",
    "CycleError",
    "Health",
    "HealthTask",
    "Move",
    "OpenTask",
    "Projection",
    "Reason",
    "Span",
    "Starter",
    "TaskDates",
    "TemplateItem",
    "TemplateStep",
    "add_business_days",
    "business_days_between",
    "cascade_reschedule",
    "find_cycle",
    "health",
    "milestone_dates",
    "normalize",
    "progress",
    "project",
    "schedule_backward",
    "subtract_business_days",
    "template_items",
    "topological_order",
    "violations",
]
