"""Every figure of the dashboard on the hand-built organization of tests/deals/dashboard_data.py,
each worked out by hand in the comment next to it; then the empty cases (no deals, an empty
period, a stage with nothing closed) where a division by zero would hide."""

from decimal import Decimal

import pytest
from django.urls import reverse

from deals.dashboard import metrics
from deals.dashboard.filters import Filters
from deals.models import Outcome
from mapapp.models import Membership
from tests.deals import dashboard_data as data

pytestmark = pytest.mark.django_db


def dashboard(client, user, **params):
    client.force_login(user)
    response = client.get(reverse("dashboard:index"), {**data.PERIOD, **params})
    assert response.status_code == 200
    return response.context


def table_count(client, url: str) -> int:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.context["page"].paginator.count


# The headline comparison -----------------------------------------------------------------

def test_comparison_counts_win_rates_and_cycles_by_hand(client, cast):
    c = dashboard(client, cast["manager"])["comparison"]
    # With an agreed plan (agreed before the close): W1, W2, W3 won, L1 lost → 3 of 4 = 75 %.
    assert (c.with_map.won, c.with_map.lost, c.with_map.win_rate.rounded) == (3, 1, 75)
    # Cycles of W1, W2, W3: 60, 40, 110 days → median 60, mean 70.
    assert c.with_map.median_days == pytest.approx(60)
    assert c.with_map.mean_days == pytest.approx(70)
    # Without: W4, W5, W6 won; L2, L3 (agreed only after the close), L4 lost → 3 of 6 = 50 %.
    assert (c.without.won, c.without.lost, c.without.win_rate.rounded) == (3, 3, 50)
    # Cycles of W4, W5, W6: 89, 110, 10 → median 89, mean 209 / 3.
    assert c.without.median_days == pytest.approx(89)
    assert c.without.mean_days == pytest.approx(209 / 3)
    # Of which a plan, not agreed: W4 won; L3, L4 lost → 1 of 3; one cycle, 89.
    assert (c.plan_not_agreed.won, c.plan_not_agreed.lost, c.plan_not_agreed.win_rate.rounded) == (1, 2, 33)
    assert c.plan_not_agreed.median_days == pytest.approx(89)
    # Of which no plan: W5, W6 won; L2 lost → 2 of 3 = 67 %; cycles 110 and 10 → median 60, mean 60.
    assert (c.no_plan.won, c.no_plan.lost, c.no_plan.win_rate.rounded) == (2, 1, 67)
    assert c.no_plan.median_days == pytest.approx(60)
    assert c.no_plan.mean_days == pytest.approx(60)
    # W7 closed before the period; the outsider's won deal is not ours: 10 closed deals.
    assert c.closed == 10


def test_comparison_in_python_gives_the_databases_answer(cast, org):
    membership = Membership.objects.get(user=cast["manager"])
    filters = Filters(today=data.TODAY, period="custom", start=data.TODAY.replace(month=1, day=1), end=data.TODAY,
                      currency="USD")
    scope = metrics.population(membership, filters)
    in_db = metrics.comparison(scope, filters)
    rows = metrics.closed_in_period(scope, filters).values_list("kind", "outcome", "created_at", "closed_at")
    assert metrics.comparison_from_rows(rows) == in_db


def test_the_page_shows_the_counts_behind_each_rate_and_warns_of_small_samples(client, cast):
    context = dashboard(client, cast["manager"])
    html = context["rates_chart"] + context["cycles_chart"]
    assert "75 % (3 of 4)" in html and "50 % (3 of 6)" in html
    assert "61 days" not in html and "60 days (3 won deals)" in html
    # 4 and 6 closed deals: fewer than 10 on a side.
    assert context["small_sample"] is True
    page = client.get(reverse("dashboard:index"), data.PERIOD).content.decode()
    assert "read them as a hint, not a trend" in page


# Pipeline and adoption -------------------------------------------------------------------

def test_pipeline_by_stage_counts_every_open_deal_and_values_the_chosen_currency(client, cast):
    p = dashboard(client, cast["manager"])["pipeline"]
    stages = {row.stage: row for row in p.stages}
    # Every stage, in order, the empty ones too.
    assert [row.stage for row in p.stages] == ["qualification", "discovery", "evaluation", "proposal",
                                                "negotiation", "closing"]
    # Discovery: O1 (100,000) and O5 (25,000). Evaluation: O2 (USD 50,000) and O3 (EUR: counted, not valued).
    assert (stages["discovery"].count, stages["discovery"].value) == (2, Decimal(125000))
    assert (stages["evaluation"].count, stages["evaluation"].value, stages["evaluation"].other_currency) == (
        2, Decimal(50000), 1)
    # Proposal: O4, without an amount.
    assert (stages["proposal"].count, stages["proposal"].value, stages["proposal"].no_amount) == (1, 0, 1)
    assert stages["closing"].count == 0  # closed deals are not pipeline
    assert (p.count, p.value, p.other_currency) == (5, Decimal(175000), 1)
    assert p.currencies == {"USD": 4, "EUR": 1}


def test_values_follow_the_currency_filter(client, cast):
    p = dashboard(client, cast["manager"], currency="EUR")["pipeline"]
    assert (p.value, p.other_currency) == (Decimal(70000), 4)


def test_adoption_now_and_at_each_months_end(client, cast):
    a = dashboard(client, cast["manager"])["adoption"]
    # Open now: O1–O5. Shared: O1, O2, O5 → 3 of 5; agreed: O2, O5 → 2 of 5; no plan: O4.
    assert (a.shared.part, a.shared.whole, a.agreed.part, a.open_deals, a.no_plan) == (3, 5, 2, 5, 1)
    trend = [(str(p.month_end), p.shared.part, p.agreed.part, p.shared.whole) for p in a.trend]
    assert trend == [
        # 31 Jan: open W1 W3 W4 W5 L2 L4; shared by then W1 L4; none agreed.
        ("2026-01-31", 2, 0, 6),
        # 28 Feb: open W1 W2 W3 L1 W5 L2 L3 O2; shared W1 W2 W3 L3 O2; agreed W1.
        ("2026-02-28", 5, 1, 8),
        # 31 Mar: open W3 L1 W5 O1 O2; shared W3 L1 O1 O2; agreed W3 L1.
        ("2026-03-31", 4, 2, 5),
        # 30 Apr: open W5 O1 O2 O3; shared O1 O2; agreed O2.
        ("2026-04-30", 2, 1, 4),
        # 31 May: open O1–O5; shared O1 O2 O5; agreed O2 O5.
        ("2026-05-31", 3, 2, 5),
        # The running month, to today: the same.
        ("2026-06-15", 3, 2, 5),
    ]
    # 5 of 8 is 62.5 %: read as 63 %; 1 of 8 as 13 %.
    assert (a.trend[1].shared.rounded, a.trend[1].agreed.rounded) == (63, 13)


# Health, trouble and overdue items -------------------------------------------------------

def test_plans_in_trouble_with_their_slips_and_overdue_items_by_side(client, cast):
    context = dashboard(client, cast["manager"])
    health = context["health"]
    # O1 red, O2 amber, O3 green, O5 not scored yet, O4 without a plan; the outsider's red plans not ours.
    assert health.levels == {"red": 1, "amber": 1, "green": 1, "unscored": 1, "no_plan": 1}
    rows = context["troubled"]
    assert [r["deal"].name for r in rows] == ["O1", "O2"]  # red first
    o1, o2 = rows
    # O1: slipped 5 + 2 days by the buyer, 3 by the seller; one buyer and one seller item overdue.
    assert (o1["slipped_buyer"], o1["slipped_seller"], o1["overdue_buyer"], o1["overdue_seller"]) == (7, 3, 1, 1)
    assert o1["days_late"] == 7 and o1["reasons"]
    # O2: one joint item overdue, a 4-day seller slip.
    assert (o2["overdue_joint"], o2["slipped_seller"], o2["overdue_buyer"]) == (1, 4, 0)
    # Open deals' overdue items: buyer O1 + O3 (2 items in 2 deals), seller O1, joint O2.
    # Not W1's (closed), not O1's done item, not the outsider's.
    assert health.overdue == {"buyer": 2, "seller": 1, "joint": 1}
    assert health.overdue_deals == {"buyer": 2, "seller": 1, "joint": 1}


# Per seller and the next 30 days ---------------------------------------------------------

def test_per_seller_rows(client, cast):
    rows = {r["row"].user.name: r["row"] for r in dashboard(client, cast["manager"])["sellers"]}
    # Sellers only (not the manager, nor admins), Nina with nothing open included.
    assert list(rows) == ["Sam Seller", "Olga Other", "Nina New"]
    sam, olga, nina = rows.values()
    # Sam: O1, O2, O5 open; USD 175,000; shared 3, agreed O2 O5 → 2 of 3; overdue buyer 1, seller 1, joint 1;
    # slips in the period: O1's three (10 days); O2's was in December 2025.
    assert (sam.open_deals, sam.value, sam.shared, sam.agreed, sam.adoption.rounded) == (3, Decimal(175000), 3, 2, 67)
    assert sam.overdue == {"buyer": 1, "seller": 1, "joint": 1}
    assert (sam.slips, sam.slipped_days) == (3, 10)
    # Olga: O3 (EUR) and O4 (no amount): USD 0; nothing shared; O3's buyer item overdue.
    assert (olga.open_deals, olga.value, olga.agreed, olga.adoption.rounded, olga.overdue) == (
        2, Decimal(0), 0, 0, {"buyer": 1})
    assert (nina.open_deals, nina.adoption.percent, nina.overdue_total) == (0, None, 0)
    # Closed in the period: Sam won W1 W2 W4 W6, lost L2 L3 (W7 was before); Olga won W3 W5, lost L1 L4.
    assert (sam.won, sam.lost, sam.win_rate.rounded) == (4, 2, 67)
    assert (olga.won, olga.lost, olga.win_rate.rounded) == (2, 2, 50)
    assert nina.win_rate.percent is None


def test_decisions_and_checkins_in_the_next_30_days(client, cast):
    upcoming = dashboard(client, cast["manager"])["upcoming"]
    # Up to 15 July: O3 (deal target 30 June: its plan has none), O1 (plan 1 July), O4 (deal 15 July).
    # Not O2 (its plan says 1 August), not O5 (10 June, past).
    assert [(d.name, str(d.decision_date)) for d in upcoming.decisions] == [
        ("O3", "2026-06-30"), ("O1", "2026-07-01"), ("O4", "2026-07-15")]
    assert upcoming.decisions_total == 3
    # O3 today, O1 on 18 June; O2 has no cadence, O5's is after 15 July.
    assert [p.deal.name for p in upcoming.checkins] == ["O3", "O1"]
    assert upcoming.checkins_total == 2


# Filters ---------------------------------------------------------------------------------

def test_a_seller_sees_the_same_page_for_their_own_deals(client, cast):
    context = dashboard(client, cast["olga"])
    assert context["pipeline"].count == 2
    assert [r["row"].user.name for r in context["sellers"]] == ["Olga Other"]
    # Olga's closed deals: W3, W5 won; L1, L4 lost. W3 and L1 with an agreed plan.
    c = context["comparison"]
    assert (c.with_map.won, c.with_map.lost, c.without.won, c.without.lost) == (1, 1, 1, 1)
    assert "seller" not in context["form"].fields
    # Asking for another seller changes nothing for a seller.
    assert dashboard(client, cast["olga"], seller=cast["sam"].pk)["pipeline"].count == 2


def test_the_seller_filter_narrows_every_section(client, cast):
    context = dashboard(client, cast["manager"], seller=cast["olga"].pk)
    assert context["pipeline"].count == 2
    assert context["health"].overdue == {"buyer": 1}
    assert [r["row"].user.name for r in context["sellers"]] == ["Olga Other"]


def test_another_organizations_seller_is_refused_with_a_message_and_shows_nothing_of_theirs(client, cast, outsider):
    context = dashboard(client, cast["manager"], seller=outsider.pk)
    assert "seller" in context["form"].errors
    assert context["filters"].seller is None
    assert context["pipeline"].count == 5  # the whole organization, without the outsider's deals


def test_a_stage_with_nothing_closed_divides_by_nothing(client, cast):
    context = dashboard(client, cast["manager"], stage="evaluation")
    c = context["comparison"]
    assert c.closed == 0
    assert c.with_map.win_rate.percent is None and c.with_map.median_days is None
    assert context["cohorts"][0]["win_rate"] == "n/a (no deals)"
    assert context["pipeline"].count == 2


def test_an_empty_period_and_an_organization_without_deals(client, cast, outsider):
    context = dashboard(client, cast["manager"], start="2020-01-01", end="2020-02-15")
    assert context["comparison"].closed == 0
    assert [(p.shared.whole, p.shared.percent) for p in context["adoption"].trend] == [(0, None), (0, None)]
    # The outsider's organization seen by its own admin has deals; a new one has none at all.
    empty = Membership.objects.create(organization=cast["deals"]["O1"].organization.__class__.objects.create(
        name="Empty Co"), user=cast["nina"], role="manager")
    client.force_login(cast["nina"])
    session = client.session
    session["organization_id"] = empty.organization_id
    session.save()
    response = client.get(reverse("dashboard:index"))
    assert response.status_code == 200
    assert response.context["pipeline"].count == 0
    assert response.context["adoption"].shared.percent is None


def test_bad_period_input_is_reported_and_the_default_period_shown(client, cast):
    context = dashboard(client, cast["manager"], start="2026-06-01", end="2026-01-01")
    assert "end" in context["form"].errors
    assert context["filters"].period == "12m"
    context = dashboard(client, cast["manager"], start="not a date", end="2026-01-01")
    assert "start" in context["form"].errors


def test_outcome_narrows_the_population(client, cast):
    context = dashboard(client, cast["manager"], outcome=Outcome.LOST)
    assert context["pipeline"].count == 0
    c = context["comparison"]
    assert (c.with_map.won, c.with_map.lost, c.without.lost) == (0, 1, 3)


# Every figure links to the deals behind it ------------------------------------------------

def test_each_figures_link_lists_exactly_the_deals_it_counts(client, cast):
    context = dashboard(client, cast["manager"])
    cohorts = {c["key"]: c for c in context["cohorts"]}
    assert table_count(client, cohorts["agreed"]["url"]) == 4
    assert table_count(client, cohorts["agreed"]["won_url"]) == 3
    assert table_count(client, cohorts["without"]["url"]) == 6
    assert table_count(client, cohorts["without"]["lost_url"]) == 3
    assert table_count(client, cohorts["plan"]["url"]) == 3
    assert table_count(client, cohorts["none"]["won_url"]) == 2
    stages = {s["row"].stage: s for s in context["pipeline_rows"]}
    assert table_count(client, stages["discovery"]["url"]) == 2
    assert table_count(client, stages["closing"]["url"]) == 0
    urls = context["urls"]
    assert table_count(client, urls["open"]) == 5
    assert table_count(client, urls["shared"]) == 3
    assert table_count(client, urls["agreed"]) == 2
    assert table_count(client, urls["no_plan"]) == 1
    assert table_count(client, urls["not_shared"]) == 2  # O3 (draft) and O4 (no plan)
    assert table_count(client, urls["decisions"]) == 3
    assert table_count(client, urls["checkins"]) == 2
    assert table_count(client, context["troubled_url"]) == 2
    levels = {level["key"]: level for level in context["health_levels"]}
    assert table_count(client, levels["red"]["url"]) == 1
    assert table_count(client, levels["unscored"]["url"]) == 1
    overdue = {o["side"]: o for o in context["overdue"]}
    assert table_count(client, overdue["buyer"]["url"]) == 2
    assert table_count(client, overdue["joint"]["url"]) == 1
    sellers = {s["row"].user.name: s for s in context["sellers"]}
    assert table_count(client, sellers["Sam Seller"]["url"]) == 3
    assert table_count(client, sellers["Olga Other"]["overdue_url"]) == 1
    assert table_count(client, sellers["Sam Seller"]["closed_url"]) == 6
    assert table_count(client, sellers["Sam Seller"]["shared_url"]) == 3
    # Slips in the period: O1's three; O2's was in December 2025.
    assert table_count(client, sellers["Sam Seller"]["slipped_url"]) == 1
    assert table_count(client, sellers["Olga Other"]["slipped_url"]) == 0


def test_the_pipeline_bars_link_to_their_stage(client, cast):
    chart = dashboard(client, cast["manager"])["pipeline_chart"]
    assert "stage=discovery" in chart and "outcome=open" in chart


def test_dates_typed_without_choosing_custom_are_taken_not_dropped(client, cast):
    # No JavaScript: the select still says "Last 12 months", the dates were typed over.
    context = dashboard(client, cast["manager"], period="12m", start="2026-03-01", end="2026-03-31")
    assert (context["filters"].period, str(context["filters"].start), str(context["filters"].end)) == (
        "custom", "2026-03-01", "2026-03-31")
    # Closed in March: W1, W2, L2, L3, W6.
    assert context["comparison"].closed == 5


def test_a_named_period_shows_its_dates_in_the_fields(client, cast):
    context = dashboard(client, cast["manager"], period="quarter", start="", end="")
    form = context["form"]
    assert (form["start"].value(), form["end"].value()) == ("2026-04-01", "2026-06-15")
    # Submitting that form again, dates and all, is still "this quarter".
    again = dashboard(client, cast["manager"], period="quarter", start="2026-04-01", end="2026-06-15")
    assert again["filters"].period == "quarter"


def test_each_month_of_the_adoption_trend_links_to_the_deals_open_then(client, cast):
    context = dashboard(client, cast["manager"])
    assert "asof=2026-03-31" in context["adoption_chart"]
    for point in context["adoption"].trend:
        base = f"{reverse('dashboard:deals')}?{context['filters'].query(asof=point.month_end.isoformat())}"
        assert table_count(client, base) == point.shared.whole
        assert table_count(client, base + "&plan=shared") == point.shared.part
        assert table_count(client, base + "&plan=agreed") == point.agreed.part
