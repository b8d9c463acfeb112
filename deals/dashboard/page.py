"""The dashboard page's content: the figures of metrics.py in words, links and charts. One call,
`dashboard_context`, for the view; every figure carries the link to the deals behind it."""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from mapapp.models import Membership
from plans import health_text

from . import charts, metrics
from .filters import Filters
from .stats import Rate


def money(value: Decimal | None, currency: str) -> str:
    """A full amount with grouping: "USD 1,250,000"."""
    if value is None:
        return "—"
    return f"{currency} {number_format(value, 0, force_grouping=True)}"


def money_short(value: Decimal, currency: str) -> str:
    """A compact amount for a chart's label: "USD 1.3M", "EUR 850k"."""
    amount = float(value)
    for size, unit in ((1e9, _("%(amount)sB")), (1e6, _("%(amount)sM")), (1e3, _("%(amount)sk"))):
        if abs(amount) >= size:
            digits = 1 if abs(amount) < 10 * size else 0
            return f"{currency} " + unit % {"amount": number_format(amount / size, digits)}
    return f"{currency} {number_format(amount, 0)}"


def rate_text(rate: Rate) -> str:
    """ "62 % (13 of 21)", or "n/a (0 deals)" when there is nothing to divide by."""
    if rate.percent is None:
        return _("n/a (no deals)")
    return _("%(percent)s %% (%(part)s of %(whole)s)") % {
        "percent": rate.rounded, "part": rate.part, "whole": rate.whole}


def days_text(value: float | None) -> str:
    if value is None:
        return _("n/a")
    whole = int(value + 0.5)
    return ngettext("%(days)s day", "%(days)s days", whole) % {"days": whole}


class Links:
    """URLs of the deal table (and its CSV) for the current filters with a drill-down applied."""

    def __init__(self, filters: Filters):
        self.filters = filters
        self.table = reverse("dashboard:deals")

    def deals(self, **change) -> str:
        query = self.filters.query(**change)
        return f"{self.table}?{query}" if query else self.table


def _pipeline_chart(pipeline: metrics.Pipeline, links: Links) -> str:
    bars = [
        charts.Bar(
            label=row.label, value=float(row.value),
            display=ngettext("%(count)s deal · %(value)s", "%(count)s deals · %(value)s", row.count) % {
                "count": row.count, "value": money_short(row.value, pipeline.currency)},
            href=links.deals(outcome="open", stage=row.stage),
        )
        for row in pipeline.stages
    ]
    return charts.hbar_chart(
        bars, title=_("Open pipeline by stage (%(currency)s)") % {"currency": pipeline.currency},
        description=_("Value of open deals in %(currency)s by stage; the number of deals is printed on each bar.")
        % {"currency": pipeline.currency},
    )


def _comparison_charts(comparison: metrics.Comparison, links: Links) -> tuple[str, str]:
    series = [charts.Series(_("With an agreed plan"), "solid", "success"),
              charts.Series(_("Without an agreed plan"), "hatched", "muted")]
    cohorts = [(comparison.with_map, "agreed"), (comparison.without, "without")]
    rates = charts.grouped_bar_chart(
        [charts.Group(_("Win rate"), [
            charts.GroupValue(c.win_rate.percent, rate_text(c.win_rate), links.deals(closed="1", map=key))
            for c, key in cohorts])],
        series=series, title=_("Win rate of deals closed in the period"), max_value=100,
        description=_("Won deals as a share of deals closed in the period, with and without an agreed plan."),
    )
    cycles = charts.grouped_bar_chart(
        [charts.Group(label, [
            charts.GroupValue(getattr(c, attr), days_text(getattr(c, attr)) + " " + ngettext(
                "(%(count)s won deal)", "(%(count)s won deals)", c.won) % {"count": c.won},
                links.deals(closed="1", map=key, outcome="won"))
            for c, key in cohorts])
         for label, attr in ((_("Median cycle"), "median_days"), (_("Mean cycle"), "mean_days"))],
        series=series, title=_("Cycle length of won deals, created to closed"),
        description=_("Median and mean days from creating the deal to winning it, with and without an agreed plan."),
    )
    return rates, cycles


def _adoption_chart(adoption: metrics.Adoption, links: Links) -> str:
    series = [charts.Series(_("Shared plan"), "dashed", "primary"),
              charts.Series(_("Agreed plan"), "solid", "success")]
    points = [
        charts.Point(
            label=date_format(p.month_end, "M Y"),  # "Dec 2026": short enough for the axis
            values=[p.shared.percent, p.agreed.percent],
            displays=[rate_text(p.shared), rate_text(p.agreed)],
            href=links.deals(asof=p.month_end.isoformat()),
        )
        for p in adoption.trend
    ]
    return charts.line_chart(
        points, series=series, title=_("MAP adoption at each month's end"),
        description=_("Share of the deals open at the end of each month that had a shared plan, and an agreed plan."),
    )


def _troubled_rows(health: metrics.Health) -> list[dict]:
    rows = []
    for item in health.troubled:
        plan = item.plan
        rows.append({
            "plan": plan, "deal": plan.deal, "level": plan.health, "level_label": health_text.level_label(plan.health),
            "reasons": [health_text.reason_text(r) for r in item.reasons],
            "target": plan.target_close_date, "projected": plan.health_projected_close,
            "days_late": plan.health_days_late,
            "slipped_buyer": item.slipped.get("buyer", 0), "slipped_seller": item.slipped.get("seller", 0),
            "overdue_buyer": item.overdue.get("buyer", 0), "overdue_seller": item.overdue.get("seller", 0),
            "overdue_joint": item.overdue.get("joint", 0),
            "url": reverse("plans:detail", kwargs={"plan_id": plan.public_id}),
        })
    return rows


def _cohort_rows(comparison: metrics.Comparison, links: Links) -> list[dict]:
    return [
        {"key": key, "label": label, "cohort": cohort, "win_rate": rate_text(cohort.win_rate),
         "median": days_text(cohort.median_days), "mean": days_text(cohort.mean_days),
         "url": links.deals(closed="1", map=key), "won_url": links.deals(closed="1", map=key, outcome="won"),
         "lost_url": links.deals(closed="1", map=key, outcome="lost")}
        for key, label, cohort in (
            ("agreed", _("With an agreed plan"), comparison.with_map),
            ("without", _("Without an agreed plan"), comparison.without),
            ("plan", _("… of which a plan, not agreed"), comparison.plan_not_agreed),
            ("none", _("… of which no plan"), comparison.no_plan),
        )
    ]


def _seller_rows(sellers: list[metrics.SellerRow], links: Links, *, by_seller: bool, currency: str) -> list[dict]:
    def link(row, **change):
        return links.deals(seller=str(row.user.pk) if by_seller else None, **change)

    return [
        {"row": row, "url": link(row, outcome="open"), "overdue_url": link(row, overdue="any"),
         "agreed_url": link(row, plan="agreed"), "shared_url": link(row, plan="shared"),
         "closed_url": link(row, closed="1"), "slipped_url": link(row, slipped="1"),
         "value": money(row.value, currency), "adoption": rate_text(row.adoption), "shared": rate_text(row.shared_rate),
         "win_rate": rate_text(row.win_rate)}
        for row in sellers
    ]


def dashboard_context(membership: Membership, filters: Filters, *, members: list[Membership]) -> dict:
    """Every section of the dashboard for this member and these filters (the queries of
    metrics.py: a fixed number, whatever the size of the organization)."""
    scope = metrics.population(membership, filters)
    links = Links(filters)
    pipeline = metrics.pipeline(scope, filters)
    adoption = metrics.adoption(scope, filters)
    comparison = metrics.comparison(scope, filters)
    overdue = metrics.overdue(scope, filters)
    health = metrics.health(scope, filters, overdue)
    sellers = metrics.sellers(scope, filters, overdue=overdue, members=members,
                              everyone=membership.sees_all_deals and filters.seller is None)
    rates_chart, cycles_chart = _comparison_charts(comparison, links)
    return {
        "filters": filters,
        "pipeline": pipeline,
        "pipeline_rows": [{"row": row, "value": money(row.value, pipeline.currency),
                           "url": links.deals(outcome="open", stage=row.stage)} for row in pipeline.stages],
        "pipeline_value": money(pipeline.value, pipeline.currency),
        "pipeline_chart": _pipeline_chart(pipeline, links),
        "other_currencies": [(c, n, "?" + filters.query(currency=c)) for c, n in pipeline.currencies.items()
                             if c != filters.currency],
        "adoption": adoption,
        "adoption_text": {"shared": rate_text(adoption.shared), "agreed": rate_text(adoption.agreed)},
        "adoption_chart": _adoption_chart(adoption, links),
        "comparison": comparison,
        "cohorts": _cohort_rows(comparison, links),
        "small_sample": comparison.with_map.small or comparison.without.small,
        "rates_chart": rates_chart,
        "cycles_chart": cycles_chart,
        "health": health,
        "health_levels": [
            {"key": key, "label": label, "count": health.levels.get(key, 0), "url": links.deals(health=key)}
            for key, label in (("red", health_text.level_label("red")), ("amber", health_text.level_label("amber")),
                               ("green", health_text.level_label("green")), ("unscored", _("Not scored yet")))
        ],
        "troubled": _troubled_rows(health),
        "troubled_url": links.deals(health="troubled"),
        "overdue": [
            {"side": side, "label": label, "count": health.overdue.get(side, 0),
             "deals": health.overdue_deals.get(side, 0), "url": links.deals(overdue=side)}
            for side, label in (("buyer", _("Buyer side")), ("seller", _("Seller side")), ("joint", _("Joint")))
        ],
        "sellers": _seller_rows(sellers, links, by_seller=membership.sees_all_deals, currency=filters.currency),
        "upcoming": metrics.upcoming(scope, filters),
        "urls": {
            "open": links.deals(outcome="open"),
            "shared": links.deals(plan="shared"), "not_shared": links.deals(plan="not_shared"),
            "agreed": links.deals(plan="agreed"), "no_plan": links.deals(plan="none"),
            "decisions": links.deals(soon="decision"), "checkins": links.deals(soon="checkin"),
            "closed": links.deals(closed="1"),
        },
        "sees_all": membership.sees_all_deals,
    }
