"""GET /api/v1/plans/ and /api/v1/plans/{id}/: the contract's fields and types, health with
its reasons as on the page, slips by side, the member's scope, and a list whose query count
does not grow with the page."""

import datetime
import decimal
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from deals.models import Side
from plans import health_data, health_text
from plans.models import PlanStatus, Slip, TaskSide, TaskStatus
from tests import factories
from tests.conftest import login
from tests.test_isolation import open_room_of_other_deal

LIST = "/api/v1/plans/"
CONTRACT = {
    "id", "deal", "title", "status", "buyer_objective", "seller_objective", "success_criteria", "value_proposition",
    "target_close_date", "go_live_date", "budget_amount", "budget_notes", "agreed_at", "progress",
    "projected_close_date", "health", "version",
}


def detail_url(plan) -> str:
    return reverse("api:plan-detail", kwargs={"plan_id": plan.public_id})


@pytest.fixture
def overdue_plan(plan, seller):
    """Two tasks, one done; the buyer's open one is 3 days overdue; a 5-day buyer slip, a 2-day seller one."""
    org = plan.organization
    today = timezone.localdate()
    plan.budget_amount = decimal.Decimal("250000.50")
    plan.buyer_objective = "Cut onboarding to a week"
    plan.save()
    done = factories.TaskFactory(plan=plan, organization=org, status=TaskStatus.DONE, title="Demo")
    late = factories.TaskFactory(
        plan=plan, organization=org, side=TaskSide.BUYER, title="Security questionnaire",
        due_date=today - datetime.timedelta(days=3),
    )
    for task, side, days in ((late, Side.BUYER, 5), (done, Side.SELLER, 2)):
        Slip.objects.create(
            organization=org, plan=plan, task=task, from_date=today, to_date=today + datetime.timedelta(days=days),
            days=days, actor_name="x", side=side,
        )
    return plan


def test_a_plan_answers_every_contract_field_with_its_type(seller_client, overdue_plan, deal):
    response = seller_client.get(detail_url(overdue_plan))
    assert response.status_code == 200, response.content
    body = response.json()
    assert CONTRACT <= set(body) and {"health_reasons", "slipped_days"} <= set(body)
    assert body["id"] == str(overdue_plan.public_id) and body["deal"] == str(deal.public_id)
    assert body["status"] in PlanStatus.values and body["status"] == "draft"
    assert body["budget_amount"] == "250000.50"  # a decimal string, never a float
    assert body["buyer_objective"] == "Cut onboarding to a week"
    assert body["target_close_date"] == overdue_plan.target_close_date and body["go_live_date"] is None
    assert body["agreed_at"] is None
    assert body["progress"] == {"done": 1, "total": 2, "percent": 50}
    assert body["health"] in ("green", "amber", "red")
    assert isinstance(body["version"], int) and body["version"] == overdue_plan.version
    assert body["slipped_days"] == {"buyer": 5, "seller": 2}
    datetime.date.fromisoformat(body["projected_close_date"])


def test_health_projection_and_reasons_are_the_plan_pages(seller_client, overdue_plan):
    expected = health_data.plan_health(overdue_plan)
    body = seller_client.get(detail_url(overdue_plan)).json()
    assert body["health"] == expected.level == "amber"
    assert body["projected_close_date"] == expected.projected_close_date.isoformat()
    page = health_text.health_context(expected, target=overdue_plan.target_close_date)
    assert body["health_reasons"] == [r["text"] for r in page["reasons"]]
    assert "1 item on the buyer side is overdue, by 3 days." in body["health_reasons"]


def test_an_empty_plan_is_green_at_zero_percent_with_nothing_slipped(seller_client, plan):
    body = seller_client.get(detail_url(plan)).json()
    assert body["progress"] == {"done": 0, "total": 0, "percent": 0}
    assert body["slipped_days"] == {"buyer": 0, "seller": 0}
    assert body["budget_amount"] is None and body["projected_close_date"] is None


# The list ------------------------------------------------------------------------------------


def make_plans(org, owner, n):
    plans = []
    for i in range(n):
        deal = factories.DealFactory(organization=org, owner=owner)
        plan = factories.PlanFactory(deal=deal, organization=org)
        factories.TaskFactory(plan=plan, organization=org, status=TaskStatus.DONE if i % 2 else TaskStatus.NOT_STARTED)
        factories.TaskFactory(plan=plan, organization=org, due_date=timezone.localdate() - datetime.timedelta(days=i % 3))
        Slip.objects.create(organization=org, plan=plan, task=plan.tasks.first(), from_date=datetime.date(2027, 1, 4),
                            to_date=datetime.date(2027, 1, 6), days=2, actor_name="x")
        plans.append(plan)
    return plans


def test_the_list_is_paginated_newest_first_with_the_same_fields(seller_client, org, seller):
    plans = make_plans(org, seller, 3)
    body = seller_client.get(LIST, {"page_size": 2}).json()
    assert body["count"] == 3 and body["next"] and body["previous"] is None
    assert [p["id"] for p in body["results"]] == [str(p.public_id) for p in reversed(plans)][:2]
    assert CONTRACT <= set(body["results"][0])
    assert seller_client.get(body["next"]).json()["results"][0]["id"] == str(plans[0].public_id)
    assert seller_client.get(LIST, {"page": 9}).status_code == 404


def test_the_list_costs_the_same_queries_for_2_plans_as_for_20(client, org, manager, seller):
    """12 queries: session, user, membership (middleware); count, the page of plans with their
    deals; plans_health's five (tasks, dependencies, recent slips, buyers invited, last visits);
    task statuses; slips by side."""
    login(client, manager)
    make_plans(org, seller, 2)
    with CaptureQueriesContext(connection) as two:
        assert len(client.get(LIST).json()["results"]) == 2
    make_plans(org, seller, 18)
    with CaptureQueriesContext(connection) as twenty:
        assert len(client.get(LIST).json()["results"]) == 20
    assert len(twenty) == len(two) == 12, [q["sql"] for q in twenty.captured_queries]
    with CaptureQueriesContext(connection) as filtered:
        client.get(LIST, {"health": "red", "status": "draft"})
    assert len(filtered) <= len(two)


def test_the_list_filters_by_health_and_status(seller_client, org, seller, overdue_plan):
    green = factories.PlanFactory(deal=factories.DealFactory(organization=org, owner=seller), organization=org,
                                  status=PlanStatus.SHARED)

    def ids(**query):
        return [p["id"] for p in seller_client.get(LIST, query).json()["results"]]

    assert ids(health="amber") == [str(overdue_plan.public_id)]
    assert ids(health="green") == [str(green.public_id)]
    assert ids(status="shared") == [str(green.public_id)]
    assert ids(status="shared", health="amber") == []
    assert seller_client.get(LIST, {"health": "amber"}).json()["count"] == 1


@pytest.mark.parametrize("query", [{"health": "purple"}, {"status": "won"}, {"health": "x" * 10_000}])
def test_an_unknown_filter_value_is_a_400_naming_the_field(seller_client, plan, query):
    response = seller_client.get(LIST, query)
    assert response.status_code == 400 and set(response.json()) == set(query)


def test_a_seller_lists_own_and_shared_deals_plans_a_manager_all_an_outsider_none(
    client, org, seller, other_seller, manager, outsider, plan
):
    theirs = factories.PlanFactory(deal=factories.DealFactory(organization=org, owner=other_seller), organization=org)
    factories.PlanFactory(organization=outsider.memberships.get().organization,
                          deal=factories.DealFactory(organization=outsider.memberships.get().organization,
                                                     owner=outsider))

    def ids(user):
        return {p["id"] for p in login(client, user).get(LIST).json()["results"]}

    assert ids(seller) == {str(plan.public_id)}
    assert ids(other_seller) == {str(theirs.public_id)}
    assert ids(manager) == {str(plan.public_id), str(theirs.public_id)}
    assert str(plan.public_id) not in ids(outsider) and len(ids(outsider)) == 1


# Who gets what -----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["outsider", "other_seller"])
def test_someone_who_may_not_see_the_deal_gets_404(client, plan, who, request):
    login(client, request.getfixturevalue(who))
    assert client.get(detail_url(plan)).status_code == 404


def test_a_made_up_id_is_404_and_anonymous_callers_401(client, seller, plan):
    for url in (detail_url(plan), LIST):
        response = client.get(url)
        assert response.status_code == 401 and response["WWW-Authenticate"] == "Bearer"
    login(client, seller)
    assert client.get(reverse("api:plan-detail", kwargs={"plan_id": uuid.uuid4()})).status_code == 404
    assert client.get("/api/v1/plans/not-a-uuid/").status_code == 404


def test_a_buyer_session_gets_404_from_both_routes(client, plan, org, other_seller):
    open_room_of_other_deal(client, org, other_seller)
    assert client.get(LIST).status_code == 404
    assert client.get(detail_url(plan)).status_code == 404
