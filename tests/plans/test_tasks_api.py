"""The tasks resource of the public API: a plan's tasks (list, filters, create) and one task
(read, PATCH against its version with 409 when stale, DELETE); ids from another plan or tenant
refused; cycles refused by name; the contract's fields and enums."""

import datetime

import pytest
from django.urls import reverse

from plans.models import Activity, Task, TaskDependency
from tests import factories

pytestmark = pytest.mark.django_db

CONTRACT = {"id", "plan", "milestone", "title", "description", "side", "owner", "due_date", "status", "depends_on",
            "version"}


def tasks_url(plan):
    return reverse("api:plan-tasks", kwargs={"plan_id": plan.public_id})


def task_url(task):
    return reverse("api:task-detail", kwargs={"task_id": task.public_id})


def post(client, url, body):
    return client.post(url, body, content_type="application/json")


def patch(client, url, body):
    return client.patch(url, body, content_type="application/json")


@pytest.fixture
def api(client, seller):
    client.force_login(seller)
    return client


@pytest.fixture
def chain(plan, buyer):
    """Architecture document → security review → legal review."""
    doc = factories.TaskFactory(plan=plan, organization=plan.organization, title="Architecture document",
                                side="seller", due_date=datetime.date(2027, 1, 10))
    review = factories.TaskFactory(plan=plan, organization=plan.organization, title="Security review",
                                   side="buyer", owner=buyer, due_date=datetime.date(2027, 1, 20))
    legal = factories.TaskFactory(plan=plan, organization=plan.organization, title="Legal review", side="joint",
                                  due_date=datetime.date(2027, 2, 1), status="blocked")
    TaskDependency.objects.create(organization=plan.organization, task=review, prerequisite=doc)
    TaskDependency.objects.create(organization=plan.organization, task=legal, prerequisite=review)
    return doc, review, legal


def test_a_task_has_every_field_of_the_contract(api, chain, buyer):
    _doc, review, _legal = chain
    body = api.get(task_url(review)).json()
    assert CONTRACT <= set(body)
    assert body["owner"] == str(buyer.public_id) and body["side"] == "buyer" and body["due_date"] == "2027-01-20"
    assert body["depends_on"] == [str(chain[0].public_id)]


def test_listing_a_plans_tasks_with_filters(api, plan, chain):
    def titles(**params):
        response = api.get(tasks_url(plan), params)
        assert response.status_code == 200, response.content
        return [t["title"] for t in response.json()["results"]]

    assert titles() == ["Architecture document", "Security review", "Legal review"]
    assert titles(status="blocked") == ["Legal review"]
    assert titles(side="buyer") == ["Security review"]
    assert titles(due_from="2027-01-15", due_to="2027-01-31") == ["Security review"]
    assert api.get(tasks_url(plan), {"status": "finished"}).status_code == 400


def test_the_list_costs_the_same_queries_for_3_and_30_tasks(api, plan, chain):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        api.get(tasks_url(plan))
    for i in range(27):
        factories.TaskFactory(plan=plan, organization=plan.organization, title=f"Step {i}")
    with CaptureQueriesContext(connection) as big:
        assert len(api.get(tasks_url(plan)).json()["results"]) == 30
    assert len(big.captured_queries) == len(small.captured_queries)


def test_creating_a_task_with_owner_milestone_and_prerequisites(api, plan, chain, buyer):
    milestone = factories.MilestoneFactory(plan=plan, organization=plan.organization)
    response = post(api, tasks_url(plan), {
        "title": "Sign the order form", "side": "buyer", "owner": str(buyer.public_id),
        "milestone": str(milestone.public_id), "due_date": "2027-02-15",
        "depends_on": [str(chain[2].public_id)],
    })
    assert response.status_code == 201, response.content
    task = Task.objects.get(public_id=response.json()["id"])
    assert response["Location"] == task_url(task)
    assert (task.owner, task.milestone, task.side) == (buyer, milestone, "buyer")
    assert list(task.depends_on.all()) == [chain[2]]
    assert Activity.objects.filter(plan=plan, verb="created", target_id=task.public_id).exists()


@pytest.mark.parametrize(("body", "field"), [
    ({}, "title"),
    ({"title": "x", "side": "vendor"}, "side"),
    ({"title": "x", "status": "done-ish"}, "status"),
    ({"title": "x", "due_date": "31/12/2027"}, "due_date"),
    ({"title": "x", "due_date": "9999-12-31"}, "due_date"),
    ({"title": "x", "duration_days": 9999}, "duration_days"),
    ({"title": "x", "owner": "not-a-uuid"}, "owner"),
    ({"title": "x" * 201}, "title"),
])
def test_bad_task_input_answers_400_by_field(api, plan, body, field):
    response = post(api, tasks_url(plan), body)
    assert response.status_code == 400 and field in response.json(), response.content
    assert not Task.objects.filter(plan=plan).exists()


def test_ids_of_another_plan_or_tenant_are_refused_like_unknown_ones(api, plan, org, seller, outsider):
    other_plan = factories.PlanFactory(deal=factories.DealFactory(organization=org, owner=seller), organization=org)
    other_task = factories.TaskFactory(plan=other_plan, organization=org)
    foreign_person = factories.StakeholderFactory(deal=factories.DealFactory(
        organization=outsider.memberships.get().organization, owner=outsider))
    response = post(api, tasks_url(plan), {"title": "x", "depends_on": [str(other_task.public_id)],
                                           "owner": str(foreign_person.public_id)})
    assert response.status_code == 400 and {"depends_on", "owner"} <= set(response.json())


def test_a_cycle_is_refused_naming_it(api, chain):
    doc, _review, legal = chain
    response = patch(api, task_url(doc), {"depends_on": [str(legal.public_id)], "version": doc.version})
    assert response.status_code == 400
    message = " ".join(response.json()["depends_on"])
    assert "That would make a cycle" in message and "Legal review" in message and "Security review" in message
    assert not TaskDependency.objects.filter(task=doc).exists()


def test_editing_needs_the_version_and_a_stale_edit_answers_409_with_the_task(api, chain):
    doc = chain[0]
    assert patch(api, task_url(doc), {"title": "Architecture doc v2"}).status_code == 400
    response = patch(api, task_url(doc), {"title": "Architecture doc v2", "version": doc.version})
    assert response.status_code == 200 and response.json()["version"] == doc.version + 1
    stale = patch(api, task_url(doc), {"title": "Lost", "version": doc.version})
    assert stale.status_code == 409 and stale.json()["current"]["title"] == "Architecture doc v2"
    doc.refresh_from_db()
    assert doc.title == "Architecture doc v2"


def test_finishing_before_the_prerequisites_needs_the_override(api, chain):
    review = chain[1]
    response = patch(api, task_url(review), {"status": "done", "version": review.version})
    assert response.status_code == 400 and response.json()["code"] == "unfinished_prerequisites"
    response = patch(api, task_url(review), {"status": "done", "version": review.version,
                                             "override_dependencies": True})
    assert response.status_code == 200 and response.json()["status"] == "done"
    assert response.json()["completed_at"] is not None


def test_deleting_a_task(api, chain):
    legal = chain[2]
    assert api.delete(task_url(legal)).status_code == 204
    assert not Task.objects.filter(pk=legal.pk).exists()


def test_another_tenant_and_a_seller_without_access_get_404(client, chain, outsider, other_seller):
    doc = chain[0]
    for user in (outsider, other_seller):
        client.force_login(user)
        assert client.get(task_url(doc)).status_code == 404
        assert client.get(tasks_url(doc.plan)).status_code == 404
        assert patch(client, task_url(doc), {"title": "x", "version": doc.version}).status_code == 404
        assert client.delete(task_url(doc)).status_code == 404
        assert post(client, tasks_url(doc.plan), {"title": "x"}).status_code == 404
    doc.refresh_from_db()
    assert doc.title == "Architecture document" and Task.objects.count() == 3
