"""The dashboard's figures, aggregated in the database: a fixed number of queries whatever the
size of the organization (each function says how many), over the deals one member may see.

- `population`: the deals the filters describe; a seller's own deals, everyone's for managers.
- `pipeline`: open deals by stage, count and value in the chosen currency.
- `adoption`: open deals with a shared / agreed plan now, and at each month's end of the period.
- `comparison`: deals closed in the period with an agreed plan (agreed before the close)
  against those without: win rate, and median and mean cycle (created → closed) of won deals.
- `overdue`: open items past due in open deals by owner and side (for health and sellers).
- `health`: open plans by stored health (plans.health_store), the worst ones with their
  reasons, slips and overdue items by side; overdue items of all open deals by side.
- `sellers`: per owner, open deals, value, adoption, overdue items; slips, wins and losses in
  the period.
- `upcoming`: decisions and check-ins in the next 30 days.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.db.models import (
    Aggregate,
    Avg,
    Case,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    Min,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from deals.models import Deal, Outcome, Stage
from mapapp.models import Membership, Role, User
from plans.health_store import reasons_from_json
from plans.models import Cadence, Plan, Slip, Task, TaskSide, TaskStatus

from . import stats
from .filters import SOON_DAYS, Filters

#: Plans in trouble listed on the page (the rest are a link away).
TROUBLE_LIMIT = 15
#: Upcoming decisions and check-ins listed on the page.
UPCOMING_LIMIT = 12


class Median(Aggregate):
    """PostgreSQL's median: percentile_cont(0.5), on numbers and intervals alike."""

    function = "PERCENTILE_CONT"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    allow_distinct = False


def start(day: datetime.date) -> datetime.datetime:
    """The first instant of `day` in the active time zone (the viewer's)."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def until(day: datetime.date) -> datetime.datetime:
    """The first instant after `day`: periods are [start of first day, until(last day))."""
    return start(day + datetime.timedelta(days=1))


def open_at(day: datetime.date) -> Q:
    """Deals open at the end of `day`: created before it ended, not closed by then."""
    end = until(day)
    return Q(created_at__lt=end) & (Q(closed_at__isnull=True) | Q(closed_at__gte=end))


@dataclass(frozen=True)
class Scope:
    """The organization and the deals of it that the filters describe."""

    organization_id: int
    deals: QuerySet[Deal]

    @property
    def open(self) -> QuerySet[Deal]:
        return self.deals.filter(outcome=Outcome.OPEN)


def population(membership: Membership, filters: Filters) -> Scope:
    """The deals of the organization the filters describe. Managers and admins see every deal
    (narrowed by the seller filter); a seller sees the deals they own."""
    deals = Deal.objects.for_org(membership.organization_id)
    if not membership.sees_all_deals:
        deals = deals.filter(owner_id=membership.user_id)
    elif filters.seller is not None:
        deals = deals.filter(owner_id=filters.seller.pk)
    if filters.stage:
        deals = deals.filter(stage=filters.stage)
    if filters.outcome:
        deals = deals.filter(outcome=filters.outcome)
    return Scope(membership.organization_id, deals)


def _money(value) -> Decimal:
    return value if value is not None else Decimal(0)


# Pipeline ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class StageRow:
    stage: str
    label: str
    count: int
    value: Decimal  # of the deals in the chosen currency
    other_currency: int  # deals of the stage in other currencies (not in `value`)
    no_amount: int  # deals of the stage without an amount


@dataclass(frozen=True)
class Pipeline:
    stages: list[StageRow]
    currency: str
    currencies: dict[str, int]  # open deals by currency, most used first

    @property
    def count(self) -> int:
        return sum(s.count for s in self.stages)

    @property
    def value(self) -> Decimal:
        return sum((s.value for s in self.stages), Decimal(0))

    @property
    def other_currency(self) -> int:
        return sum(s.other_currency for s in self.stages)


def pipeline(scope: Scope, filters: Filters) -> Pipeline:
    """Open deals by stage (every stage, in the pipeline's order, empty ones too). One query."""
    rows = (
        scope.open.order_by().values("stage", "currency")
        .annotate(n=Count("pk"), value=Sum("amount"), no_amount=Count("pk", filter=Q(amount__isnull=True)))
    )
    by_stage: dict[str, dict] = {s: {"count": 0, "value": Decimal(0), "other": 0, "no_amount": 0} for s in Stage.values}
    currencies: dict[str, int] = defaultdict(int)
    for row in rows:
        entry = by_stage.setdefault(row["stage"], {"count": 0, "value": Decimal(0), "other": 0, "no_amount": 0})
        entry["count"] += row["n"]
        currencies[row["currency"]] += row["n"]
        if row["currency"] == filters.currency:
            entry["value"] += _money(row["value"])
            entry["no_amount"] += row["no_amount"]
        else:
            entry["other"] += row["n"]
    labels = dict(Stage.choices)
    return Pipeline(
        stages=[StageRow(s, str(labels.get(s, s)), e["count"], e["value"], e["other"], e["no_amount"])
                for s, e in by_stage.items()],
        currency=filters.currency,
        currencies=dict(sorted(currencies.items(), key=lambda item: (-item[1], item[0]))),
    )


# Adoption ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class AdoptionPoint:
    month_end: datetime.date
    shared: stats.Rate
    agreed: stats.Rate


@dataclass(frozen=True)
class Adoption:
    open_deals: int
    no_plan: int
    shared: stats.Rate
    agreed: stats.Rate
    trend: list[AdoptionPoint]


_DEAL, _PLAN = Deal._meta.db_table, Plan._meta.db_table
# Raw, like plans.live's stamp: with three conditional counts per month the ORM spent ten times
# longer compiling this query than the database took to answer it. Plain SQL both PostgreSQL
# and SQLite (the demo) run; the deals come from the scope's own queryset, as a subquery.
_COUNT_IF = "SUM(CASE WHEN {} THEN 1 ELSE 0 END)"
_OPEN_AT = '"d"."created_at" < %s AND ("d"."closed_at" IS NULL OR "d"."closed_at" >= %s)'


def adoption(scope: Scope, filters: Filters) -> Adoption:
    """Share of open deals with a shared and with an agreed plan, now and at the end of each
    month of the period (a deal counts in a month when it was open at its end: created before,
    not closed by then; shared or agreed before then). One query of conditional counts."""
    adapt = connection.ops.adapt_datetimefield_value
    columns = [
        _COUNT_IF.format('"d"."outcome" = %s'),
        _COUNT_IF.format('"d"."outcome" = %s AND "p"."id" IS NULL'),
        _COUNT_IF.format('"d"."outcome" = %s AND "p"."shared_at" IS NOT NULL'),
        _COUNT_IF.format('"d"."outcome" = %s AND "p"."agreed_at" IS NOT NULL'),
    ]
    params: list = [Outcome.OPEN] * 4
    ends = stats.month_ends(filters.start, min(filters.end, filters.today))
    for end in ends:
        by_then = adapt(until(end))
        columns += [_COUNT_IF.format(_OPEN_AT), _COUNT_IF.format(f'{_OPEN_AT} AND "p"."shared_at" < %s'),
                    _COUNT_IF.format(f'{_OPEN_AT} AND "p"."agreed_at" < %s')]
        params += [by_then, by_then] + [by_then] * 3 + [by_then] * 3
    deals_sql, deals_params = scope.deals.order_by().values("pk").query.sql_with_params()
    # A deal closed before the first month ended counts nowhere: not read at all.
    first = adapt(until(ends[0])) if ends else None
    sql = (f'SELECT {", ".join(columns)} FROM "{_DEAL}" "d" LEFT OUTER JOIN "{_PLAN}" "p" ON "p"."deal_id" = "d"."id"'
           f' WHERE ("d"."outcome" = %s OR "d"."closed_at" IS NULL OR "d"."closed_at" >= %s)'
           f' AND "d"."id" IN ({deals_sql})')
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, Outcome.OPEN, first, *deals_params])
        row = [int(value or 0) for value in cursor.fetchone()]
    open_now, no_plan, shared, agreed, *months = row
    return Adoption(
        open_deals=open_now, no_plan=no_plan,
        shared=stats.Rate(shared, open_now), agreed=stats.Rate(agreed, open_now),
        trend=[AdoptionPoint(end, stats.Rate(months[3 * i + 1], months[3 * i]),
                             stats.Rate(months[3 * i + 2], months[3 * i]))
               for i, end in enumerate(ends)],
    )


# The headline comparison -------------------------------------------------------------------

AGREED, PLAN_NOT_AGREED, NO_PLAN, WITHOUT = "agreed", "plan", "none", "without"


@dataclass(frozen=True)
class Cohort:
    """Deals closed in the period of one kind: how many won and lost, and the cycle in days of
    the won ones (created → closed)."""

    won: int = 0
    lost: int = 0
    median_days: float | None = None
    mean_days: float | None = None

    @property
    def closed(self) -> int:
        return self.won + self.lost

    @property
    def win_rate(self) -> stats.Rate:
        return stats.Rate(self.won, self.closed)

    @property
    def small(self) -> bool:
        return self.closed < stats.SMALL_SAMPLE


@dataclass(frozen=True)
class Comparison:
    """`with_map`: closed with a plan the buyer agreed before the close; `without`: the rest,
    split into `plan_not_agreed` and `no_plan`."""

    with_map: Cohort
    without: Cohort
    plan_not_agreed: Cohort
    no_plan: Cohort

    @property
    def closed(self) -> int:
        return self.with_map.closed + self.without.closed


def closed_in_period(scope: Scope, filters: Filters) -> QuerySet[Deal]:
    return scope.deals.filter(
        outcome__in=[Outcome.WON, Outcome.LOST], closed_at__gte=start(filters.start), closed_at__lt=until(filters.end)
    ).annotate(
        kind=Case(
            When(plan__agreed_at__isnull=False, plan__agreed_at__lte=F("closed_at"), then=Value(AGREED)),
            When(plan__isnull=False, then=Value(PLAN_NOT_AGREED)),
            default=Value(NO_PLAN),
        ),
        cycle=ExpressionWrapper(F("closed_at") - F("created_at"), output_field=DurationField()),
    )


def comparison(scope: Scope, filters: Filters) -> Comparison:
    """Win rate and cycle of the deals closed in the period, with an agreed plan against
    without. One query of conditional aggregates (so "without" gets its own median, not a mix of
    its groups'); in the database on PostgreSQL, in Python from the closed deals elsewhere (the
    embedded SQLite demo has no percentile_cont)."""
    closed = closed_in_period(scope, filters).order_by()
    if connection.vendor != "postgresql":
        return comparison_from_rows(closed.values_list("kind", "outcome", "created_at", "closed_at"))
    kinds = {AGREED: Q(kind=AGREED), PLAN_NOT_AGREED: Q(kind=PLAN_NOT_AGREED), NO_PLAN: Q(kind=NO_PLAN),
             WITHOUT: ~Q(kind=AGREED)}
    won, lost = Q(outcome=Outcome.WON), Q(outcome=Outcome.LOST)
    aggregates = {}
    for key, kind in kinds.items():
        aggregates[f"{key}_won"] = Count("pk", filter=kind & won)
        aggregates[f"{key}_lost"] = Count("pk", filter=kind & lost)
        aggregates[f"{key}_median"] = Median("cycle", filter=kind & won, output_field=DurationField())
        aggregates[f"{key}_mean"] = Avg("cycle", filter=kind & won, output_field=DurationField())
    row = closed.aggregate(**aggregates)
    cohorts = {
        key: Cohort(row[f"{key}_won"], row[f"{key}_lost"], stats.days(row[f"{key}_median"]),
                    stats.days(row[f"{key}_mean"]))
        for key in kinds
    }
    return Comparison(with_map=cohorts[AGREED], without=cohorts[WITHOUT], plan_not_agreed=cohorts[PLAN_NOT_AGREED],
                      no_plan=cohorts[NO_PLAN])


def comparison_from_rows(rows) -> Comparison:
    """The comparison from (kind, outcome, created_at, closed_at) of each closed deal, in
    Python: the same answer as the database's aggregates (tested against them)."""
    cycles: dict[str, list[float]] = defaultdict(list)
    lost: dict[str, int] = defaultdict(int)
    for kind, outcome, created_at, closed_at in rows:
        for key in (kind, WITHOUT) if kind != AGREED else (kind,):
            if outcome == Outcome.WON:
                cycles[key].append(stats.days(closed_at - created_at))
            else:
                lost[key] += 1

    def cohort(key: str) -> Cohort:
        return Cohort(len(cycles[key]), lost[key], stats.median(cycles[key]), stats.mean(cycles[key]))

    return Comparison(with_map=cohort(AGREED), without=cohort(WITHOUT), plan_not_agreed=cohort(PLAN_NOT_AGREED),
                      no_plan=cohort(NO_PLAN))


# Health ------------------------------------------------------------------------------------

@dataclass
class TroubledPlan:
    plan: Plan  # with deal and deal.owner
    reasons: list  # plans.scheduling.Reason
    slipped: dict[str, int] = field(default_factory=dict)  # days slipped by the side that caused them
    overdue: dict[str, int] = field(default_factory=dict)  # open items past due by task side


@dataclass(frozen=True)
class Health:
    levels: dict[str, int]  # open deals by stored health: red, amber, green, unscored, no_plan
    troubled: list[TroubledPlan]
    overdue: dict[str, int]  # open items past due in open deals, by task side
    overdue_deals: dict[str, int]  # open deals with such items, by task side
    oldest: datetime.date | None = None  # the day the stalest stored health was worked out for

    @property
    def troubled_count(self) -> int:
        return self.levels.get("red", 0) + self.levels.get("amber", 0)


def _overdue_tasks(scope: Scope, filters: Filters) -> QuerySet[Task]:
    """Items of open deals past their due date and not done."""
    return Task.objects.filter(
        organization_id=scope.organization_id, due_date__lt=filters.today, plan__deal__in=scope.open.values("pk"),
    ).exclude(status=TaskStatus.DONE)


@dataclass(frozen=True)
class Overdue:
    """Open items past due in open deals, by deal owner and task side: how many, and in how
    many deals (a deal has one owner, so the owners' deal counts add up)."""

    items: dict[int, dict[str, int]]
    deals: dict[int, dict[str, int]]

    def _by_side(self, table: dict[int, dict[str, int]]) -> dict[str, int]:
        total: dict[str, int] = defaultdict(int)
        for sides in table.values():
            for side, n in sides.items():
                total[side] += n
        return dict(total)

    @property
    def items_by_side(self) -> dict[str, int]:
        return self._by_side(self.items)

    @property
    def deals_by_side(self) -> dict[str, int]:
        return self._by_side(self.deals)


def overdue(scope: Scope, filters: Filters) -> Overdue:
    """One query (on the partial index task_org_due_not_done): health's totals and the sellers'
    rows both come from it."""
    items: dict[int, dict[str, int]] = defaultdict(dict)
    deals: dict[int, dict[str, int]] = defaultdict(dict)
    for owner_id, side, n, n_deals in (
        _overdue_tasks(scope, filters).order_by().values_list("plan__deal__owner_id", "side")
        .annotate(n=Count("pk"), deals=Count("plan__deal_id", distinct=True))
    ):
        items[owner_id][side], deals[owner_id][side] = n, n_deals
    return Overdue(dict(items), dict(deals))


def health(scope: Scope, filters: Filters, overdue: Overdue) -> Health:
    """Open deals by stored plan health, the worst TROUBLE_LIMIT plans (red first, then most
    business days late, then soonest target) with their reasons, and overdue items by side (from
    `overdue`). Four queries: levels, the listed plans, their slips, their overdue items."""
    levels_rows = scope.open.order_by().values("plan__health").annotate(n=Count("pk"), oldest=Min("plan__health_on"))
    levels: dict[str, int] = defaultdict(int)
    oldest = []
    for row in levels_rows:
        health_level = row["plan__health"]
        levels["no_plan" if health_level is None else (health_level or "unscored")] += row["n"]
        if row["oldest"] is not None:
            oldest.append(row["oldest"])

    plans = list(
        Plan.objects.filter(organization_id=scope.organization_id, deal__in=scope.open.values("pk"),
                            health__in=["red", "amber"])
        .select_related("deal__owner")
        .order_by(Case(When(health="red", then=Value(0)), default=Value(1), output_field=IntegerField()),
                  F("health_days_late").desc(nulls_last=True), F("target_close_date").asc(nulls_last=True), "pk")
        [:TROUBLE_LIMIT]
    )
    troubled = {p.pk: TroubledPlan(p, reasons_from_json(p.health_reasons)) for p in plans}
    if troubled:
        for plan_id, side, days in (
            Slip.objects.filter(organization_id=scope.organization_id, plan_id__in=troubled).order_by()
            .values_list("plan_id", "side").annotate(days=Sum("days"))
        ):
            troubled[plan_id].slipped[side] = days
        for plan_id, side, n in (
            Task.objects.filter(organization_id=scope.organization_id, plan_id__in=troubled, due_date__lt=filters.today)
            .exclude(status=TaskStatus.DONE).order_by().values_list("plan_id", "side").annotate(n=Count("pk"))
        ):
            troubled[plan_id].overdue[side] = n

    return Health(levels=dict(levels), troubled=list(troubled.values()), overdue=overdue.items_by_side,
                  overdue_deals=overdue.deals_by_side, oldest=min(oldest, default=None))


# Sellers -----------------------------------------------------------------------------------

@dataclass
class SellerRow:
    user: User
    open_deals: int = 0
    value: Decimal = Decimal(0)
    shared: int = 0
    agreed: int = 0
    overdue: dict[str, int] = field(default_factory=dict)
    slips: int = 0
    slipped_days: int = 0
    won: int = 0  # of the deals closed in the period
    lost: int = 0

    @property
    def win_rate(self) -> stats.Rate:
        return stats.Rate(self.won, self.won + self.lost)

    @property
    def adoption(self) -> stats.Rate:
        return stats.Rate(self.agreed, self.open_deals)

    @property
    def shared_rate(self) -> stats.Rate:
        return stats.Rate(self.shared, self.open_deals)

    @property
    def overdue_total(self) -> int:
        return sum(self.overdue.values())


def sellers(scope: Scope, filters: Filters, *, overdue: Overdue, members: list[Membership],
            everyone: bool) -> list[SellerRow]:
    """One row per deal owner in the population (and, with `everyone`, per seller with nothing
    open right now, so an empty pipeline shows): open deals, their value in the chosen
    currency, how many have a shared / agreed plan, overdue items by side (from `overdue`), slips
    recorded in the period, deals won and lost in the period. Three queries; `members` are the
    organization's memberships with their users, loaded once by the page."""
    by_id = {m.user_id: m.user for m in members}
    rows: dict[int, SellerRow] = {}

    def row(user_id: int) -> SellerRow:
        if user_id not in rows:
            rows[user_id] = SellerRow(by_id.get(user_id) or User(pk=user_id, name="?"))
        return rows[user_id]

    for r in (
        scope.open.order_by().values("owner_id").annotate(
            n=Count("pk"), value=Sum("amount", filter=Q(currency=filters.currency)),
            shared=Count("pk", filter=Q(plan__shared_at__isnull=False)),
            agreed=Count("pk", filter=Q(plan__agreed_at__isnull=False)),
        )
    ):
        seller = row(r["owner_id"])
        seller.open_deals, seller.value = r["n"], _money(r["value"])
        seller.shared, seller.agreed = r["shared"], r["agreed"]
    for owner_id, sides in overdue.items.items():
        row(owner_id).overdue.update(sides)
    for owner_id, n, days in (
        Slip.objects.filter(organization_id=scope.organization_id, plan__deal__in=scope.deals.values("pk"),
                            created_at__gte=start(filters.start), created_at__lt=until(filters.end))
        .order_by().values_list("plan__deal__owner_id").annotate(n=Count("pk"), days=Sum("days"))
    ):
        seller = row(owner_id)
        seller.slips, seller.slipped_days = n, days
    for owner_id, won, lost in (
        scope.deals.filter(outcome__in=[Outcome.WON, Outcome.LOST], closed_at__gte=start(filters.start),
                           closed_at__lt=until(filters.end))
        .order_by().values_list("owner_id")
        .annotate(won=Count("pk", filter=Q(outcome=Outcome.WON)), lost=Count("pk", filter=Q(outcome=Outcome.LOST)))
    ):
        seller = row(owner_id)
        seller.won, seller.lost = won, lost
    if everyone:
        for membership in members:
            if membership.role == Role.SELLER:
                row(membership.user_id)
    return sorted(rows.values(), key=lambda s: (-s.open_deals, -s.value, str(s.user).lower()))


# The next 30 days --------------------------------------------------------------------------

@dataclass(frozen=True)
class Upcoming:
    decisions: list[Deal]  # each with `decision_date`, `plan` (or None) and `owner`
    decisions_total: int
    checkins: list[Plan]  # each with `deal` and `deal.owner`
    checkins_total: int


def decision_date():
    """A deal's decision date: its plan's target decision, else the deal's target close."""
    return Coalesce("plan__target_close_date", "target_close_date")


def upcoming(scope: Scope, filters: Filters) -> Upcoming:
    """Open deals whose decision falls in the next SOON_DAYS days, and plans with a check-in in
    them, soonest first; the totals ride along as a window count. Two queries."""
    last = filters.today + datetime.timedelta(days=SOON_DAYS)
    decisions = list(
        scope.open.annotate(decision_date=decision_date())
        .filter(decision_date__gte=filters.today, decision_date__lte=last)
        .select_related("owner", "plan").annotate(total=Window(Count("pk")))
        .order_by("decision_date", "pk")[:UPCOMING_LIMIT]
    )
    checkins = list(
        Plan.objects.filter(organization_id=scope.organization_id, deal__in=scope.open.values("pk"),
                            next_checkin_date__gte=filters.today, next_checkin_date__lte=last)
        .exclude(checkin_cadence=Cadence.NONE)
        .select_related("deal__owner").annotate(total=Window(Count("pk")))
        .order_by("next_checkin_date", "pk")[:UPCOMING_LIMIT]
    )
    return Upcoming(
        decisions=decisions, decisions_total=decisions[0].total if decisions else 0,
        checkins=checkins, checkins_total=checkins[0].total if checkins else 0,
    )


SIDES = (TaskSide.BUYER, TaskSide.SELLER, TaskSide.JOINT)
