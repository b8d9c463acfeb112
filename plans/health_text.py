"""Plan health and slips in words, for the seller's pages: the reason codes of
plans.scheduling.health as translated sentences, the projection line ("projected 3 June, 9
business days after the target, driven by: security review (buyer), legal review"), and the
panel of days slipped (plans.rescheduling.slip_totals).

Only `page_context` queries (plans.health_data.plan_health and plans.rescheduling.slip_totals);
the rest puts their answers in words.
"""

from __future__ import annotations

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from . import health_data, rescheduling
from .health_data import PlanHealth
from .models import Plan, TaskSide
from .rescheduling import SlipTotals
from .scheduling import Reason


def _date(value) -> str:
    return date_format(value, "DATE_FORMAT")


def level_label(level: str) -> str:
    return {"green": _("On track"), "amber": _("At risk"), "red": _("Off track")}[level]


def _side(side: str) -> str:
    return {TaskSide.BUYER: _("buyer side"), TaskSide.SELLER: _("seller side"), TaskSide.JOINT: _("joint")}.get(
        side, side
    )


def reason_text(reason: Reason) -> str:
    """One health reason as a sentence in the active language."""
    p = reason.params
    if reason.code == "overdue_items":
        days = p["max_days_overdue"]
        values = {"count": p["count"], "side": _side(p["side"]),
                  "days": ngettext("%(days)d day", "%(days)d days", days) % {"days": days}}
        if p["side"] == TaskSide.JOINT:
            return ngettext(
                "%(count)d joint item is overdue, by %(days)s.",
                "%(count)d joint items are overdue, the oldest by %(days)s.", p["count"],
            ) % values
        return ngettext(
            "%(count)d item on the %(side)s is overdue, by %(days)s.",
            "%(count)d items on the %(side)s are overdue, the oldest by %(days)s.", p["count"],
        ) % values
    if reason.code == "projected_late":
        return ngettext(
            "The decision is projected for %(projected)s, %(days)d business day after the target (%(target)s).",
            "The decision is projected for %(projected)s, %(days)d business days after the target (%(target)s).",
            p["business_days"],
        ) % {"projected": _date(p["projected"]), "days": p["business_days"], "target": _date(p["target"])}
    if reason.code == "recent_slips":
        return ngettext(
            "%(count)d date moved later in the last %(window)d days (%(days)d days in all).",
            "%(count)d dates moved later in the last %(window)d days (%(days)d days in all).",
            p["count"],
        ) % {"count": p["count"], "window": p["window_days"], "days": p["days"]}
    if reason.code == "buyer_silent":
        return _("No one on the buyer side has opened the deal room for %(days)d days.") % {"days": p["days"]}
    if reason.code == "buyer_never_opened":
        return _("The buyer was invited but has not opened the deal room yet.")
    if reason.code == "not_agreed":
        left = p["business_days_to_decision"]
        if left < 0:
            return _("The plan is not agreed yet and the decision date (%(decision)s) has passed.") % {
                "decision": _date(p["decision"])}
        return ngettext(
            "The plan is not agreed yet and the decision (%(decision)s) is %(days)d business day away.",
            "The plan is not agreed yet and the decision (%(decision)s) is %(days)d business days away.",
            left,
        ) % {"decision": _date(p["decision"]), "days": left}
    return reason.code


def projection_text(health: PlanHealth, target) -> str:
    """"Projected 3 June, 9 business days after the target, driven by: …" (empty when nothing is
    left open). The critical path's tasks are named, with the side when it is not the seller's."""
    if health.projected_close_date is None:
        return ""
    projected = _date(health.projected_close_date)
    late = health.business_days_late
    if target is None or late is None:
        line = _("Projected %(date)s (no target date set)") % {"date": projected}
    elif late > 0:
        line = ngettext(
            "Projected %(date)s, %(days)d business day after the target",
            "Projected %(date)s, %(days)d business days after the target", late,
        ) % {"date": projected, "days": late}
    elif late < 0:
        line = ngettext(
            "Projected %(date)s, %(days)d business day before the target",
            "Projected %(date)s, %(days)d business days before the target", -late,
        ) % {"date": projected, "days": -late}
    else:
        line = _("Projected %(date)s, on the target") % {"date": projected}
    if not health.driven_by:
        return line
    names = [title if side == TaskSide.SELLER else f"{title} ({_side_short(side)})" for title, side in health.driven_by]
    return _("%(projection)s, driven by: %(tasks)s") % {"projection": line, "tasks": ", ".join(names)}


def _side_short(side: str) -> str:
    return {TaskSide.BUYER: _("buyer"), TaskSide.JOINT: _("joint")}.get(side, side)


def health_context(health: PlanHealth, *, target) -> dict:
    """The badge, its reasons as sentences, and the projection line."""
    return {
        "level": health.level,
        "label": level_label(health.level),
        "reasons": [{"level": r.level, "text": reason_text(r)} for r in health.reasons],
        "projection": projection_text(health, target),
    }


def slips_context(totals: SlipTotals) -> dict:
    """Days slipped by side and per milestone, and since the agreed baseline."""
    sides = [(_side_short(s) if s != TaskSide.SELLER else _("seller"), totals.by_side.get(s, 0))
             for s in TaskSide.values]
    milestones = sorted(
        ((totals.milestone_titles.get(pk, "") if pk is not None else _("Not in a milestone"), days)
         for pk, days in totals.by_milestone.items() if days),
        key=lambda item: -item[1],
    )
    since = None
    if totals.since_baseline is not None:
        since = [(_side_short(s) if s != TaskSide.SELLER else _("seller"), totals.since_baseline.get(s, 0))
                 for s in TaskSide.values]
    return {"total": totals.total, "by_side": sides, "by_milestone": milestones, "baseline_at": totals.baseline_at,
            "since_baseline": since, "since_total": sum(d for _s, d in since) if since else 0,
            "net_days": totals.net_days}


def context_from(health: PlanHealth, totals: SlipTotals, *, target) -> dict:
    """The plan page's health badge and slips panel, in words (no query)."""
    return {"health": health_context(health, target=target), "slip_panel": slips_context(totals)}


def page_context(plan: Plan) -> dict:
    """The same loaded on its own: plan_health (five queries) and slip_totals (one query; up to
    four once the plan is agreed and has slipped). The plan page has them from its own rows
    (plans.selectors.plan_page_data)."""
    return context_from(health_data.plan_health(plan), rescheduling.slip_totals(plan), target=plan.target_close_date)
