"""The deals behind the dashboard's figures: the filters plus a figure's drill-down keys as one
queryset, its rows with the columns the page and the CSV show (one query for a page of them,
or for the whole export streamed in chunks), and the CSV itself."""

from __future__ import annotations

import csv
import datetime
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import Case, Count, F, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce, Lower
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from deals.models import Deal, Outcome, Stage
from plans import health_text
from plans.health_store import reasons_from_json
from plans.models import Cadence, Plan, PlanStatus, Slip, Task, TaskSide, TaskStatus

from . import metrics
from .filters import (
    HEALTH_SEGMENTS,
    MAP_SEGMENTS,
    OVERDUE_SEGMENTS,
    PLAN_SEGMENTS,
    SOON_DAYS,
    SOON_SEGMENTS,
    Filters,
)
from .page import money

CSV_CHUNK = 2000


def deals_behind(scope: metrics.Scope, filters: Filters) -> QuerySet[Deal]:
    """The deals of the scope narrowed by the drill-down keys in `filters.segment`:
    plan (none, draft, shared, not_shared, agreed, not_agreed), closed=1 with map (agreed,
    without), health (red, amber, green, troubled, unscored), overdue (buyer, seller, joint,
    any) and soon (decision, checkin). Keys that concern open deals imply open deals."""
    seg = filters.segment
    deals = scope.deals
    if seg.get("closed"):
        deals = metrics.closed_in_period(scope, filters)
        kind = seg.get("map")
        if kind == "without":
            deals = deals.exclude(kind=metrics.AGREED)
        elif kind:
            deals = deals.filter(kind=kind)  # agreed, plan (not agreed) or none: metrics' kinds
    elif seg.get("asof"):
        deals = deals.filter(metrics.open_at(datetime.date.fromisoformat(seg["asof"])))
    elif any(k in seg for k in ("plan", "health", "overdue", "soon")):
        deals = deals.filter(outcome=Outcome.OPEN)
    plan = seg.get("plan")
    if seg.get("asof") and plan in ("shared", "agreed"):
        # Shared / agreed by the end of that day, as the trend counted them.
        until = metrics.until(datetime.date.fromisoformat(seg["asof"]))
        return deals.filter(**{f"plan__{plan}_at__lt": until})
    if plan == "none":
        deals = deals.filter(plan__isnull=True)
    elif plan == "draft":
        deals = deals.filter(plan__isnull=False, plan__shared_at__isnull=True)
    elif plan == "shared":
        deals = deals.filter(plan__shared_at__isnull=False)
    elif plan == "not_shared":
        deals = deals.filter(Q(plan__isnull=True) | Q(plan__shared_at__isnull=True))
    elif plan == "agreed":
        deals = deals.filter(plan__agreed_at__isnull=False)
    elif plan == "not_agreed":
        deals = deals.filter(Q(plan__isnull=True) | Q(plan__agreed_at__isnull=True))
    health = seg.get("health")
    if health in ("red", "amber", "green"):
        deals = deals.filter(plan__health=health)
    elif health == "troubled":
        deals = deals.filter(plan__health__in=["red", "amber"])
    elif health == "unscored":
        deals = deals.filter(plan__isnull=False, plan__health="")
    overdue = seg.get("overdue")
    if overdue:
        tasks = Task.objects.filter(organization_id=scope.organization_id, due_date__lt=filters.today).exclude(
            status=TaskStatus.DONE)
        if overdue != "any":
            tasks = tasks.filter(side=overdue)
        deals = deals.filter(pk__in=tasks.values("plan__deal_id"))
    if seg.get("slipped"):
        slips = Slip.objects.filter(organization_id=scope.organization_id, created_at__gte=metrics.start(filters.start),
                                    created_at__lt=metrics.until(filters.end))
        deals = deals.filter(pk__in=slips.values("plan__deal_id"))
    soon = seg.get("soon")
    last = filters.today + datetime.timedelta(days=SOON_DAYS)
    if soon == "decision":
        deals = deals.annotate(decision_date=metrics.decision_date()).filter(
            decision_date__gte=filters.today, decision_date__lte=last)
    elif soon == "checkin":
        deals = deals.filter(plan__next_checkin_date__gte=filters.today, plan__next_checkin_date__lte=last).exclude(
            plan__checkin_cadence=Cadence.NONE)
    return deals


def with_plan(deals: QuerySet[Deal]) -> QuerySet[Deal]:
    return deals.select_related("owner", "plan")


def attach_counts(deals: list[Deal], *, organization_id: int, today: datetime.date) -> list[Deal]:
    """Give each deal `task_total`, `task_done`, `overdue_<side>` (open items past due, per task
    side) and `slipped_<side>` (days slipped, per side that caused them): two grouped queries for
    the whole list, whatever its length (a page of the table, or a chunk of the CSV)."""
    by_pk = {deal.pk: deal for deal in deals}
    for deal in deals:
        deal.task_total = deal.task_done = 0
        for side in TaskSide.values:
            setattr(deal, f"overdue_{side}", 0)
        deal.slipped_buyer = deal.slipped_seller = 0
    if not by_pk:
        return deals
    open_ = ~Q(status=TaskStatus.DONE)
    for deal_id, side, total, done, late in (
        Task.objects.filter(organization_id=organization_id, plan__deal_id__in=by_pk).order_by()
        .values_list("plan__deal_id", "side")
        .annotate(total=Count("pk"), done=Count("pk", filter=Q(status=TaskStatus.DONE)),
                  late=Count("pk", filter=open_ & Q(due_date__lt=today)))
    ):
        deal = by_pk[deal_id]
        deal.task_total += total
        deal.task_done += done
        setattr(deal, f"overdue_{side}", late)
    for deal_id, side, days in (
        Slip.objects.filter(organization_id=organization_id, plan__deal_id__in=by_pk).order_by()
        .values_list("plan__deal_id", "side").annotate(days=Sum("days"))
    ):
        setattr(by_pk[deal_id], f"slipped_{side}", days)
    return deals


def page_rows(deals, *, organization_id: int, today: datetime.date) -> None:
    """A page of the table ready to show: the counts (`attach_counts`), the amount in words, and
    while the deal is open its health label and reasons."""
    attach_counts(deals, organization_id=organization_id, today=today)
    for deal in deals:
        deal.amount_text = money(deal.amount, deal.currency) if deal.amount is not None else "—"
        plan = live_plan(deal)
        deal.health_label = health_text.level_label(plan.health) if plan and plan.health else ""
        deal.reasons = [health_text.reason_text(r) for r in reasons(plan)]


SORTS = {
    "name": (Lower("name"), "pk"),
    "owner": (Lower("owner__name"), Lower("name"), "pk"),
    "-amount": (F("amount").desc(nulls_last=True), "pk"),
    "decision": (Coalesce("plan__target_close_date", "target_close_date").asc(nulls_last=True), "pk"),
    # Worst first: open deals' red, amber, green plans, then the rest (closed deals have no health
    # any more); the latest projection first.
    "health": (Case(When(outcome=Outcome.OPEN, plan__health="red", then=Value(0)),
                    When(outcome=Outcome.OPEN, plan__health="amber", then=Value(1)),
                    When(outcome=Outcome.OPEN, plan__health="green", then=Value(2)), default=Value(3)),
               F("plan__health_days_late").desc(nulls_last=True), "pk"),
    "-created": ("-created_at", "-pk"),
    "-closed": (F("closed_at").desc(nulls_last=True), "-pk"),
}


def default_sort(filters: Filters) -> str:
    return "-closed" if filters.segment.get("closed") else "name"


def ordered(deals: QuerySet[Deal], filters: Filters, sort: str = "") -> QuerySet[Deal]:
    """The deals in the order asked for (one of SORTS), else the closed first for "closed in the
    period" and by name for the rest."""
    return deals.order_by(*SORTS.get(sort) or SORTS[default_sort(filters)])


def describe(filters: Filters, form) -> list[str]:
    """What the table holds, phrase by phrase ("Closed 1 Dec 2025 – 30 Nov 2026", "Plan agreed"):
    the page's heading, so a figure's click says where it came from."""
    seg = filters.segment
    parts = []
    if seg.get("closed"):
        parts.append(_("Closed %(start)s – %(end)s") % {
            "start": date_format(filters.start, "DATE_FORMAT"), "end": date_format(filters.end, "DATE_FORMAT")})
    if seg.get("asof"):
        parts.append(_("Open on %(date)s") % {"date": date_format(datetime.date.fromisoformat(seg["asof"]),
                                                                    "DATE_FORMAT")})
    if filters.outcome:
        parts.append(str(dict(Outcome.choices)[filters.outcome]))
    elif not seg.get("asof") and any(k in seg for k in ("plan", "health", "overdue", "soon")):
        parts.append(str(Outcome.OPEN.label))
    if filters.stage:
        parts.append(str(dict(Stage.choices)[filters.stage]))
    if filters.seller is not None and "seller" in form.fields:
        parts.append(_("Seller: %(name)s") % {"name": filters.seller.get_full_name()})
    for key, labels in (("map", MAP_SEGMENTS), ("plan", PLAN_SEGMENTS), ("health", HEALTH_SEGMENTS),
                        ("overdue", OVERDUE_SEGMENTS), ("soon", SOON_SEGMENTS)):
        if seg.get(key):
            parts.append(str(labels[seg[key]]))
    if seg.get("slipped"):
        parts.append(_("A date slipped %(start)s – %(end)s") % {
            "start": date_format(filters.start, "DATE_FORMAT"), "end": date_format(filters.end, "DATE_FORMAT")})
    return parts or [_("All deals")]


# CSV ---------------------------------------------------------------------------------------

def _cell(value) -> str:
    """A cell a spreadsheet shows as text: a leading =, +, -, @, tab or CR would make Excel or
    LibreOffice run it as a formula (CSV injection), so such text gets a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, datetime.date):
        return value.isoformat()
    text = str(value)
    if text and text[0] in "=+-@\t\r" and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def header() -> list[str]:
    return [
        _("Deal id"), _("Deal"), _("Buyer company"), _("CRM id"), _("Owner"), _("Owner e-mail"), _("Stage"),
        _("Outcome"), _("Amount"), _("Currency"), _("Created"), _("Target close date"), _("Closed at"),
        _("Cycle (days)"), _("Plan status"), _("Plan shared at"), _("Plan agreed at"), _("Health"),
        _("Health reasons"), _("Target decision"), _("Projected decision"), _("Tasks"), _("Tasks done"),
        _("Overdue buyer-side items"), _("Overdue seller-side items"), _("Overdue joint items"),
        _("Days slipped by the buyer"), _("Days slipped by the seller"),
    ]


def live_plan(deal: Deal) -> Plan | None:
    """The deal's plan while the deal is open, for its health and projection: a closed deal's
    plan has no "on track" any more (what is stored is from its last change, not its close)."""
    plan = getattr(deal, "plan", None)
    return plan if deal.outcome == Outcome.OPEN else None


@dataclass(frozen=True)
class Labels:
    """Choice labels translated once per export, not once per row: get_FOO_display() on lazy
    choices costs more than the rest of a row."""

    stages: dict[str, str]
    outcomes: dict[str, str]
    plan_statuses: dict[str, str]
    health: dict[str, str]

    @classmethod
    def now(cls) -> Labels:
        return cls(
            stages={k: str(v) for k, v in Stage.choices}, outcomes={k: str(v) for k, v in Outcome.choices},
            plan_statuses={k: str(v) for k, v in PlanStatus.choices},
            health={level: health_text.level_label(level) for level in ("green", "amber", "red")},
        )


def row(deal: Deal, *, labels: Labels) -> list:
    plan: Plan | None = getattr(deal, "plan", None)
    live = live_plan(deal)
    cycle = None
    if deal.closed_at is not None and deal.outcome != Outcome.OPEN:
        cycle = round((deal.closed_at - deal.created_at).total_seconds() / 86400, 1)
    return [
        deal.public_id, deal.name, deal.buyer_company, deal.external_id, deal.owner.get_full_name(), deal.owner.email,
        labels.stages.get(deal.stage, deal.stage), labels.outcomes.get(deal.outcome, deal.outcome), deal.amount,
        deal.currency, deal.created_at, deal.target_close_date, deal.closed_at, cycle,
        labels.plan_statuses.get(plan.status, plan.status) if plan else "", plan.shared_at if plan else None,
        plan.agreed_at if plan else None, labels.health.get(live.health, "") if live else "",
        " ".join(health_text.reason_text(r) for r in reasons(live)) if live else "",
        plan.target_close_date if plan else None, live.health_projected_close if live else None,
        deal.task_total, deal.task_done,
        # Past due means something only while the deal is open.
        *((deal.overdue_buyer, deal.overdue_seller, deal.overdue_joint) if deal.outcome == Outcome.OPEN
          else (None, None, None)),
        deal.slipped_buyer, deal.slipped_seller,
    ]


def reasons(plan: Plan | None) -> list:
    return reasons_from_json(plan.health_reasons) if plan is not None else []


class _Echo:
    def write(self, value: str) -> str:
        return value


def _chunks(deals: QuerySet[Deal]) -> Iterator[list[Deal]]:
    chunk: list[Deal] = []
    for deal in deals.iterator(chunk_size=CSV_CHUNK):
        chunk.append(deal)
        if len(chunk) == CSV_CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def csv_lines(deals: QuerySet[Deal], *, organization_id: int, today: datetime.date) -> Iterator[str]:
    """The CSV, a line at a time (a byte-order mark first, so Excel reads UTF-8): the deals are
    read CSV_CHUNK rows per round trip, never all into memory, with two grouped queries per
    chunk for their counts (`attach_counts`)."""
    writer = csv.writer(_Echo())
    labels = Labels.now()
    yield "\ufeff"
    yield writer.writerow([_cell(v) for v in header()])
    for chunk in _chunks(deals):
        for deal in attach_counts(chunk, organization_id=organization_id, today=today):
            yield writer.writerow([_cell(v) for v in row(deal, labels=labels)])
