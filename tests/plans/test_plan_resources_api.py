"""Milestones, risks and the history of a plan through the public API: the contract's fields,
list and create under the plan, read / PATCH against the version (409 when stale) / DELETE one,
bad input by field, another tenant's ids 404."""

import pytest
from django.urls import reverse

from plans.models import Activity, Milestone, Risk
from tests import factories

pytestmark = pytest.mark.django_db


def post(client, url, body):
    return client.post(url, body, content_type="application/json")


def patch(client, url, body):
    return client.patch(url, body, content_type="application/json")


@pytest.fixture
def api(client, seller):
    client.force_login(seller)
    return client


def plan_url(name, plan):
    return reverse(f"api:plan-{name}", kwargs={"plan_id": plan.public_id})


def test_milestones_listed_created_edited_against_the_version_and_deleted(api, plan):
    response = post(api, plan_url("milestones", plan), {"title": "Security review", "target_date": "2027-01-31"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert {"id", "plan", "title", "target_date", "completed_at", "order", "version"} <= set(body)
    milestone = Milestone.objects.get(public_id=body["id"])
    url = reverse("api:milestone-detail", kwargs={"milestone_id": milestone.public_id})
    assert response["Location"] == url
    assert [m["title"] for m in api.get(plan_url("milestones", plan)).json()["results"]] == ["Security review"]
    assert patch(api, url, {"title": "x"}).status_code == 400  # no version
    edited = patch(api, url, {"title": "Security sign-off", "version": milestone.version})
    assert edited.status_code == 200 and edited.json()["title"] == "Security sign-off"
    stale = patch(api, url, {"title": "Lost", "version": milestone.version})
    assert stale.status_code == 409 and stale.json()["current"]["title"] == "Security sign-off"
    assert post(api, plan_url("milestones", plan), {"title": "x", "target_date": "9999-01-01"}).status_code == 400
    assert api.delete(url).status_code == 204 and not Milestone.objects.filter(pk=milestone.pk).exists()


def test_risks_with_an_owner_of_the_deal_and_scores_from_1_to_5(api, plan, buyer, outsider):
    body = {"description": "Budget frozen until Q2", "probability": 4, "impact": 5, "owner": str(buyer.public_id),
            "mitigation": "Phase the rollout"}
    response = post(api, plan_url("risks", plan), body)
    assert response.status_code == 201, response.content
    risk = Risk.objects.get(public_id=response.json()["id"])
    assert (risk.owner, risk.probability, risk.impact) == (buyer, 4, 5)
    assert {"id", "plan", "description", "probability", "impact", "mitigation", "owner", "status"} <= set(
        response.json())
    for bad in ({"probability": 6}, {"impact": 0}, {"status": "solved"}):
        response = post(api, plan_url("risks", plan), {"description": "x", **bad})
        assert response.status_code == 400 and set(bad) <= set(response.json())
    foreign = factories.StakeholderFactory(deal=factories.DealFactory(
        organization=outsider.memberships.get().organization, owner=outsider))
    response = post(api, plan_url("risks", plan), {"description": "x", "owner": str(foreign.public_id)})
    assert response.status_code == 400 and "owner" in response.json()
    url = reverse("api:risk-detail", kwargs={"risk_id": risk.public_id})
    response = patch(api, url, {"status": "mitigating", "version": risk.version})
    assert response.status_code == 200 and response.json()["status"] == "mitigating"
    assert Risk.objects.count() == 1


def test_the_history_newest_first_with_each_change(api, plan, seller_actor):
    from plans import services

    task = factories.TaskFactory(plan=plan, organization=plan.organization, title="Architecture document")
    services.task_update(task=task, actor=seller_actor, version=task.version, data={"title": "Architecture doc"})
    services.milestone_create(plan=plan, actor=seller_actor, title="Decision")
    results = api.get(plan_url("activity", plan)).json()["results"]
    assert [r["verb"] for r in results] == ["created", "updated"]
    change = results[1]["changes"][0]
    assert (results[1]["actor"], results[1]["actor_side"], change["old"], change["new"]) == (
        "Sam Seller", "seller", "Architecture document", "Architecture doc")
    assert post(api, plan_url("activity", plan), {}).status_code == 405
    assert Activity.objects.filter(plan=plan).count() == 2


def test_another_tenant_gets_404_on_every_plan_resource(client, plan, outsider):
    milestone = factories.MilestoneFactory(plan=plan, organization=plan.organization)
    risk = factories.RiskFactory(plan=plan, organization=plan.organization)
    client.force_login(outsider)
    for name in ("milestones", "risks", "activity"):
        assert client.get(plan_url(name, plan)).status_code == 404
        assert post(client, plan_url(name, plan), {"title": "x", "description": "x"}).status_code == 404
    for url in (reverse("api:milestone-detail", kwargs={"milestone_id": milestone.public_id}),
                reverse("api:risk-detail", kwargs={"risk_id": risk.public_id})):
        assert client.get(url).status_code == 404
        assert patch(client, url, {"title": "x", "version": 1}).status_code == 404
        assert client.delete(url).status_code == 404
    assert Milestone.objects.count() == 1 and Risk.objects.count() == 1
