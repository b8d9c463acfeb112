"""The dashboard's pages: who gets them, what another tenant gets (nothing of ours), the CSV, the
fixed number of queries whatever the size of the organization, and hostile text."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from deals.models import Outcome, Stage
from plans.models import Cadence, PlanStatus, TaskSide
from tests import factories
from tests.deals import dashboard_data as data

pytestmark = pytest.mark.django_db

PAGES = ("dashboard:index", "dashboard:deals", "dashboard:csv")


def csv_rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


@pytest.mark.parametrize("name", PAGES)
def test_signed_out_visitors_are_sent_to_log_in(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", PAGES)
def test_a_user_without_an_organization_gets_404(client, name):
    client.force_login(factories.UserFactory())
    assert client.get(reverse(name)).status_code == 404


@pytest.mark.parametrize("name", PAGES)
def test_the_pages_answer_get_only(client, manager, name):
    client.force_login(manager)
    assert client.post(reverse(name)).status_code == 405


def test_another_organization_sees_nothing_of_ours_anywhere(client, cast, outsider):
    client.force_login(outsider)
    ours = [d.name for d in cast["deals"].values()]
    page = client.get(reverse("dashboard:index"), data.PERIOD)
    assert page.context["pipeline"].count == 2  # their two open deals
    assert [r["row"].user.pk for r in page.context["sellers"]] != [cast["sam"].pk]
    table = client.get(reverse("dashboard:deals"), data.PERIOD)
    names = [d.name for d in table.context["page"].object_list]
    assert names and not set(names) & set(ours)
    rows = csv_rows(client.get(reverse("dashboard:csv"), data.PERIOD))
    assert not {r[1] for r in rows[1:]} & set(ours)
    # Our seller's id as their filter: refused, and still nothing of ours.
    page = client.get(reverse("dashboard:index"), {**data.PERIOD, "seller": cast["sam"].pk})
    assert "seller" in page.context["form"].errors and page.context["pipeline"].count == 2


def test_a_sellers_deal_table_and_csv_hold_only_their_deals(client, cast):
    client.force_login(cast["olga"])
    table = client.get(reverse("dashboard:deals"), {**data.PERIOD, "seller": cast["sam"].pk})
    assert {d.owner_id for d in table.context["page"].object_list} == {cast["olga"].pk}
    rows = csv_rows(client.get(reverse("dashboard:csv"), data.PERIOD))
    assert {r[4] for r in rows[1:]} == {"Olga Other"}


def test_the_csv_is_the_deal_table_with_every_column(client, cast):
    client.force_login(cast["manager"])
    params = {**data.PERIOD, "closed": "1", "map": "agreed"}
    response = client.get(reverse("dashboard:csv"), params)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="deals-2026-06-15.csv"'
    rows = csv_rows(response)
    header, body = rows[0], rows[1:]
    assert header[:3] == ["Deal id", "Deal", "Buyer company"] and "Cycle (days)" in header
    assert sorted(r[1] for r in body) == ["L1", "W1", "W2", "W3"]
    w1 = dict(zip(header, next(r for r in body if r[1] == "W1"), strict=True))
    assert (w1["Outcome"], w1["Cycle (days)"], w1["Plan status"], w1["Owner"]) == ("Won", "60.0", "Closed", "Sam Seller")
    assert w1["Plan agreed at"] == "2026-02-15T12:00:00+00:00"
    # W1 has an item past due, but a closed deal has no "overdue" nor a health any more.
    assert (w1["Overdue buyer-side items"], w1["Health"], w1["Projected decision"]) == ("", "", "")
    table = client.get(reverse("dashboard:deals"), params)
    assert table.context["page"].paginator.count == len(body)


def test_the_csv_row_of_an_open_deal_carries_health_overdue_and_slips(client, cast):
    client.force_login(cast["manager"])
    rows = csv_rows(client.get(reverse("dashboard:csv"), {**data.PERIOD, "health": "red"}))
    o1 = dict(zip(rows[0], rows[1], strict=True))
    assert (o1["Deal"], o1["Health"], o1["Overdue buyer-side items"], o1["Overdue seller-side items"]) == (
        "O1", "Off track", "1", "1")
    assert (o1["Days slipped by the buyer"], o1["Days slipped by the seller"], o1["Tasks"], o1["Tasks done"]) == (
        "7", "3", "4", "1")
    assert "overdue" in o1["Health reasons"]


def test_text_a_spreadsheet_would_run_as_a_formula_is_exported_as_text(client, org, manager, seller, frozen):
    factories.DealFactory(organization=org, owner=seller, name="=HYPERLINK(\"http://evil\",\"x\")",
                          buyer_company="@SUM(A1:A9)", external_id="-2+3")
    client.force_login(manager)
    rows = csv_rows(client.get(reverse("dashboard:csv")))
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["Deal"] == "'=HYPERLINK(\"http://evil\",\"x\")"
    assert row["Buyer company"] == "'@SUM(A1:A9)"
    assert row["CRM id"] == "'-2+3"
    assert row["Amount"] == "120000.00"  # numbers stay numbers


def test_hostile_names_are_escaped_on_the_pages(client, org, manager, seller, frozen):
    deal = factories.DealFactory(organization=org, owner=seller, name="<script>alert(1)</script>",
                                 target_close_date=data.TODAY)
    plan = factories.PlanFactory(deal=deal, organization=org)
    plan.__class__.objects.filter(pk=plan.pk).update(health="red", health_reasons=[])
    client.force_login(manager)
    for name in ("dashboard:index", "dashboard:deals"):
        html = client.get(reverse(name)).content.decode()
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def _grow(org, sellers, *, deals: int):
    """`deals` more deals of every kind: open with plans in trouble, check-ins and overdue items,
    closed with and without agreed plans, across the sellers."""
    for i in range(deals):
        owner = sellers[i % len(sellers)]
        outcome = (Outcome.OPEN, Outcome.WON, Outcome.LOST)[i % 3]
        deal = data._deal(org, owner, f"Grown {i}", created="2026-02-01",
                          closed=None if outcome == Outcome.OPEN else "2026-04-01", outcome=outcome,
                          stage=Stage.values[i % 6], currency=("USD", "EUR")[i % 2],
                          target=data.TODAY)
        plan = data._plan(deal, shared="2026-02-02", agreed="2026-02-03" if i % 2 else None,
                          status=PlanStatus.SHARED, health=("red", "amber", "green")[i % 3], days_late=i,
                          cadence=Cadence.WEEKLY, checkin="2026-06-20")
        for side in TaskSide.values:
            data._task(plan, side, "2026-06-01")


def test_the_dashboard_costs_the_same_queries_for_a_small_and_a_big_organization(
        client, cast, org, django_assert_num_queries):
    client.force_login(cast["manager"])

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("dashboard:index"), data.PERIOD).status_code == 200
        return len(queries.captured_queries)

    small = count()
    _grow(org, [cast["sam"], cast["olga"], cast["nina"]], deals=45)
    assert count() == small
    # session, user, membership + organization (middleware); memberships with their users, currencies
    # in use (the page); pipeline, adoption, comparison, overdue items by owner and side, health
    # levels, troubled plans, their slips, their overdue items, sellers' deals, sellers' slips,
    # sellers' wins and losses, decisions, check-ins (metrics); the seller filter's choices
    # (rendering the form).
    with django_assert_num_queries(19):
        client.get(reverse("dashboard:index"), data.PERIOD)


def test_the_deal_table_costs_the_same_queries_for_any_page_size(client, cast, org):
    client.force_login(cast["manager"])
    url = reverse("dashboard:deals")
    with CaptureQueriesContext(connection) as small:
        client.get(url, data.PERIOD)
    _grow(org, [cast["sam"]], deals=30)
    with CaptureQueriesContext(connection) as big:
        response = client.get(url, data.PERIOD)
    assert len(response.context["page"].object_list) == 46
    assert len(big.captured_queries) == len(small.captured_queries)


def test_the_csv_streams_in_chunks_with_two_count_queries_each(client, cast, monkeypatch):
    from deals.dashboard import table

    monkeypatch.setattr(table, "CSV_CHUNK", 5)
    client.force_login(cast["manager"])
    response = client.get(reverse("dashboard:csv"), data.PERIOD)
    with CaptureQueriesContext(connection) as queries:
        rows = csv_rows(response)
    # 16 deals: chunks of 5, 5, 5 and 1, each with its task and slip counts; the deals themselves
    # come through a server-side cursor (a DECLARE, then a FETCH per chunk).
    counts = [q for q in queries.captured_queries if "plans_task" in q["sql"] or "plans_slip" in q["sql"]]
    assert len(rows) == 17 and len(counts) == 8
    o1 = dict(zip(rows[0], next(r for r in rows if r[1] == "O1"), strict=True))
    assert (o1["Overdue buyer-side items"], o1["Days slipped by the buyer"], o1["Tasks"]) == ("1", "7", "4")


@pytest.mark.parametrize(("sort", "first"), [("name", "L1"), ("-amount", "O1"), ("health", "O1"),
                                              ("decision", "O5"), ("-closed", "W5")])
def test_the_deal_table_sorts_by_its_columns_and_keeps_the_sort_across_pages(client, cast, sort, first):
    client.force_login(cast["manager"])
    response = client.get(reverse("dashboard:deals"), {**data.PERIOD, "sort": sort})
    assert response.context["page"].object_list[0].name == first
    assert f"sort={sort}" in response.context["page_query"]


def test_an_unknown_sort_falls_back_to_the_default(client, cast):
    client.force_login(cast["manager"])
    response = client.get(reverse("dashboard:deals"), {**data.PERIOD, "sort": "password; DROP TABLE"})
    assert response.status_code == 200 and response.context["sort"] == "name"


@pytest.mark.parametrize("params", [
    {"seller": "99999999999999999999999"}, {"seller": "-1"}, {"seller": "abc"},
    {"stage": "<script>alert(1)</script>"}, {"currency": "XXX"}, {"period": "forever"},
    {"start": "9999-12-31", "end": "9999-12-31"}, {"asof": "0001-01-01"}, {"page": "999999"}, {"sort": "x" * 5000},
    {"closed": "yes", "map": "maybe", "health": "purple", "overdue": "nobody", "soon": "never", "slipped": "2"},
])
def test_bad_filter_input_is_reported_never_an_error_page(client, cast, params):
    client.force_login(cast["manager"])
    for name in PAGES:
        response = client.get(reverse(name), params)
        assert response.status_code == 200, (name, params)
    page = client.get(reverse("dashboard:index"), params).content.decode()
    assert "<script>alert(1)</script>" not in page
