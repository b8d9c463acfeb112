"""POST /api/v1/tasks/{id}/reschedule/: the page's cascade (plans.rescheduling.task_reschedule)
through the API: exactly the dependants move, slips are written, a dry run writes nothing,
a stale version is a 409, bad input a 400 (never a 500), and only members who may see the
deal get past the 404."""

import datetime
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from deals.models import DealShare
from plans import services
from plans.activity import Actor
from plans.models import Activity, Milestone, Slip, Task, TaskDependency, TaskStatus
from tests import factories
from tests.conftest import login
from tests.plans.test_reschedule_views import HTMX, dues, edit_url, form
from tests.test_isolation import open_room_of_other_deal

D = datetime.date


def url(task) -> str:
    return reverse("api:task-reschedule", kwargs={"task_id": task.public_id})


def post(client, task, body):
    return client.post(url(task), body, content_type="application/json")


def make_chain(plan):
    """Mon 1 Mar 2027: A → B → C, one business day each, D on its own; A, B, C in one milestone,
    B internal to the seller."""
    org = plan.organization
    milestone = factories.MilestoneFactory(plan=plan, organization=org, title="Validation", target_date=D(2027, 3, 3))

    def make(title, due, **extra):
        return factories.TaskFactory(plan=plan, organization=org, title=title, due_date=due, **extra)

    a = make("Architecture doc", D(2027, 3, 1), milestone=milestone)
    b = make("Security review", D(2027, 3, 2), milestone=milestone, internal=True)
    c = make("Legal review", D(2027, 3, 3), milestone=milestone)
    d = make("Kickoff call", D(2027, 3, 1))
    TaskDependency.objects.create(organization=org, task=b, prerequisite=a)
    TaskDependency.objects.create(organization=org, task=c, prerequisite=b)
    return {"a": a, "b": b, "c": c, "d": d, "milestone": milestone}


@pytest.fixture
def chain(plan):
    return make_chain(plan)


def test_cascade_moves_exactly_the_dependants_and_writes_slips(seller_client, chain, plan, seller):
    a, b, c = chain["a"], chain["b"], chain["c"]
    response = post(seller_client, a, {"due_date": "2027-03-03", "reason": "Architect was ill", "cascade": True,
                                       "version": 1})
    assert response.status_code == 200, response.content
    assert response.json() == [
        {"id": str(a.public_id), "title": "Architecture doc", "old_due_date": "2027-03-01",
         "new_due_date": "2027-03-03", "days": 2, "business_days": 2, "version": 2},
        # The internal task is in the answer: the caller is on the seller side.
        {"id": str(b.public_id), "title": "Security review", "old_due_date": "2027-03-02",
         "new_due_date": "2027-03-04", "days": 2, "business_days": 2, "version": 2},
        {"id": str(c.public_id), "title": "Legal review", "old_due_date": "2027-03-03",
         "new_due_date": "2027-03-05", "days": 2, "business_days": 2, "version": 2},
    ]
    assert dues(plan) == {"Architecture doc": D(2027, 3, 3), "Security review": D(2027, 3, 4),
                          "Legal review": D(2027, 3, 5), "Kickoff call": D(2027, 3, 1)}
    slips = {s.task.title: (s.days, s.side, s.reason, s.actor_user) for s in Slip.objects.filter(plan=plan)}
    assert slips == {title: (2, "seller", "Architect was ill", seller)
                     for title in ("Architecture doc", "Security review", "Legal review")}
    assert Activity.objects.filter(plan=plan, verb="rescheduled").count() == 3
    # The milestone follows its tasks.
    assert Milestone.objects.get(pk=chain["milestone"].pk).target_date == D(2027, 3, 5)


def test_the_api_and_the_page_move_the_same_tasks_and_write_the_same_slips(client, seller, org):
    by_page, by_api = (make_chain(factories.PlanFactory(deal=factories.DealFactory(organization=org, owner=seller),
                                                        organization=org)) for _ in range(2))
    login(client, seller)
    a = by_page["a"]
    moves = ";".join(f"{by_page[k].public_id}:{d}" for k, d in (("a", "2027-03-08"), ("b", "2027-03-09"),
                                                                 ("c", "2027-03-10")))
    page = client.post(edit_url(a), form(a, due_date="2027-03-08", cascade="all", reason="Late", moves=moves), **HTMX)
    assert page.status_code == 200
    api = post(client, by_api["a"], {"due_date": "2027-03-08", "reason": "Late", "cascade": True})
    assert api.status_code == 200

    def outcome(chain):
        plan = chain["a"].plan
        return (dues(plan), sorted(Slip.objects.filter(plan=plan).values_list("task__title", "days", "side", "reason")),
                Milestone.objects.get(pk=chain["milestone"].pk).target_date)

    assert outcome(by_page) == outcome(by_api)


@pytest.mark.parametrize("zone", ["Pacific/Honolulu", "Pacific/Kiritimati"])
def test_dates_are_the_same_calendar_dates_west_and_east_of_utc(seller_client, chain, plan, zone):
    plan.target_close_date = D(2027, 3, 31)
    plan.save()
    with timezone.override(zone):
        response = post(seller_client, chain["a"], {"due_date": "2027-03-03", "cascade": True})
        assert [m["new_due_date"] for m in response.json()] == ["2027-03-03", "2027-03-04", "2027-03-05"]
        assert dues(plan)["Legal review"] == D(2027, 3, 5)
        detail = seller_client.get(reverse("api:plan-detail", kwargs={"plan_id": plan.public_id})).json()
        assert detail["target_close_date"] == "2027-03-31"


def test_without_cascade_only_the_task_moves(seller_client, chain, plan):
    response = post(seller_client, chain["a"], {"due_date": "2027-03-03", "cascade": False})
    assert [m["title"] for m in response.json()] == ["Architecture doc"]
    assert dues(plan)["Security review"] == D(2027, 3, 2)
    assert list(Slip.objects.values_list("task__title", flat=True)) == ["Architecture doc"]


def test_an_earlier_date_moves_back_without_a_slip(seller_client, chain, plan):
    response = post(seller_client, chain["c"], {"due_date": "2027-03-02", "cascade": True})
    assert response.json()[0]["days"] == -1 and response.json()[0]["business_days"] == -1
    assert dues(plan)["Legal review"] == D(2027, 3, 2) and not Slip.objects.exists()


def test_done_tasks_do_not_move(seller_client, chain, plan):
    Task.objects.filter(pk=chain["b"].pk).update(status=TaskStatus.DONE)
    response = post(seller_client, chain["a"], {"due_date": "2027-03-03", "cascade": True})
    assert [m["title"] for m in response.json()] == ["Architecture doc"]


def test_a_dry_run_answers_the_moves_and_writes_nothing(seller_client, chain, plan):
    before = (dues(plan), list(Task.objects.values_list("version", flat=True)), Milestone.objects.get().target_date)
    response = post(seller_client, chain["a"], {"due_date": "2027-03-03", "cascade": True, "dry_run": True,
                                                "reason": "x"})
    assert response.status_code == 200
    assert [(m["title"], m["new_due_date"], m["version"]) for m in response.json()] == [
        ("Architecture doc", "2027-03-03", 1), ("Security review", "2027-03-04", 1), ("Legal review", "2027-03-05", 1)]
    after = (dues(plan), list(Task.objects.values_list("version", flat=True)), Milestone.objects.get().target_date)
    assert after == before
    assert not Slip.objects.exists() and not Activity.objects.exists()


def test_a_stale_version_answers_409_with_the_current_version_and_moves_nothing(seller_client, chain, plan, seller):
    a = chain["a"]
    services.task_update(task=a, actor=Actor(user=seller), version=1, data={"title": "Their title"})
    for dry_run in (False, True):
        response = post(seller_client, a, {"due_date": "2027-03-03", "cascade": True, "version": 1,
                                           "dry_run": dry_run})
        assert response.status_code == 409
        assert response.json() == {"detail": "Someone else changed this task meanwhile; nothing was moved.",
                                   "code": "stale_version", "version": 2, "due_date": "2027-03-01"}
    assert dues(plan)["Their title"] == D(2027, 3, 1) and not Slip.objects.exists()
    # Against the current version, or without one, it moves.
    assert post(seller_client, a, {"due_date": "2027-03-03", "cascade": True, "version": 2}).status_code == 200
    assert post(seller_client, a, {"due_date": "2027-03-04", "cascade": False}).status_code == 200
    assert dues(plan)["Their title"] == D(2027, 3, 4)


def test_the_services_refusals_are_400s_with_their_field(seller_client, chain, plan):
    a = chain["a"]
    same = post(seller_client, a, {"due_date": "2027-03-01", "cascade": True})
    assert same.status_code == 400 and same.json() == {"due_date": ["That is already the task's due date."]}
    long = post(seller_client, a, {"due_date": "2027-03-03", "cascade": True, "reason": "x" * 1001})
    assert long.status_code == 400 and long.json() == {"reason": ["Please keep the reason under 1000 characters."]}
    undated = factories.TaskFactory(plan=plan, organization=plan.organization, due_date=None)
    assert post(seller_client, undated, {"due_date": "2027-03-03", "cascade": True}).json() == {
        "due_date": ["Give the task a due date first."]}
    assert dues(plan)["Architecture doc"] == D(2027, 3, 1) and not Slip.objects.exists()


@pytest.mark.parametrize("body, field", [
    ({"cascade": True}, "due_date"),
    ({"due_date": "2027-03-03"}, "cascade"),
    ({"due_date": "garbage", "cascade": True}, "due_date"),
    ({"due_date": "2027-13-01", "cascade": True}, "due_date"),
    ({"due_date": "2027-03-03T10:00:00Z", "cascade": True}, "due_date"),
    ({"due_date": "0001-01-01", "cascade": True}, "due_date"),
    ({"due_date": "9999-12-31", "cascade": True}, "due_date"),
    ({"due_date": None, "cascade": True}, "due_date"),
    ({"due_date": 20270303, "cascade": True}, "due_date"),
    ({"due_date": ["2027-03-03"], "cascade": True}, "due_date"),
    ({"due_date": {"y": 2027}, "cascade": True}, "due_date"),
    ({"due_date": "2027-03-03", "cascade": "banana"}, "cascade"),
    ({"due_date": "2027-03-03", "cascade": []}, "cascade"),
    ({"due_date": "2027-03-03", "cascade": {}}, "cascade"),
    ({"due_date": "2027-03-03", "cascade": True, "version": "one"}, "version"),
    ({"due_date": "2027-03-03", "cascade": True, "version": 0}, "version"),
    ({"due_date": "2027-03-03", "cascade": True, "version": 10**40}, "version"),
    ({"due_date": "2027-03-03", "cascade": True, "version": [1]}, "version"),
    ({"due_date": "2027-03-03", "cascade": True, "dry_run": "maybe"}, "dry_run"),
    ({"due_date": "2027-03-03", "cascade": True, "reason": ["why"]}, "reason"),
    ({"due_date": "2027-03-03", "cascade": True, "reason": {"a": 1}}, "reason"),
    ({"due_date": "2027-03-03", "cascade": True, "reason": "y" * 200_000}, "reason"),
    ({"due_date": "2027-03-03", "cascade": True, "reason": "a\x00b"}, "reason"),
])
def test_bad_input_is_a_400_naming_the_field_and_moves_nothing(seller_client, chain, plan, body, field):
    response = post(seller_client, chain["a"], body)
    assert response.status_code == 400, response.content
    assert field in response.json() and response.json()[field][0], response.json()
    assert dues(plan)["Architecture doc"] == D(2027, 3, 1) and not Slip.objects.exists()


@pytest.mark.parametrize("raw", [
    "", "not json", "[]", "3", '{"due_date": "2027-03-03", "cascade": tru}', "[" * 100_000 + "]" * 100_000,
    '{"due_date": "2027-03-03", "cascade": NaN}',
])
def test_a_body_that_is_not_a_json_object_is_a_400(seller_client, chain, plan, raw):
    response = seller_client.post(url(chain["a"]), raw, content_type="application/json")
    assert response.status_code == 400
    assert dues(plan)["Architecture doc"] == D(2027, 3, 1)


# Who gets what -------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["outsider", "other_seller"])
def test_someone_who_may_not_see_the_deal_gets_404_and_nothing_moves(client, chain, plan, who, request):
    login(client, request.getfixturevalue(who))
    for body in ({"due_date": "2027-03-03", "cascade": True}, {"due_date": "garbage"}, {}):
        assert post(client, chain["a"], body).status_code == 404
    assert dues(plan)["Architecture doc"] == D(2027, 3, 1) and not Slip.objects.exists()


def test_a_made_up_or_malformed_id_is_404(seller_client, chain):
    body = {"due_date": "2027-03-03", "cascade": True}
    made_up = reverse("api:task-reschedule", kwargs={"task_id": uuid.uuid4()})
    assert seller_client.post(made_up, body, content_type="application/json").status_code == 404
    assert seller_client.post("/api/v1/tasks/123/reschedule/", body, content_type="application/json").status_code == 404


def test_a_shared_deals_seller_and_a_manager_may_move_dates_a_buyer_session_may_not(
    client, chain, plan, deal, org, other_seller, manager
):
    open_room_of_other_deal(client, org, other_seller)
    assert post(client, chain["d"], {"due_date": "2027-03-02", "cascade": True}).status_code == 404
    client.logout()
    assert post(login(client, manager), chain["d"], {"due_date": "2027-03-02", "cascade": True}).status_code == 200
    DealShare.objects.create(organization=deal.organization, deal=deal, user=other_seller)
    assert post(login(client, other_seller), chain["d"], {"due_date": "2027-03-03", "cascade": True}).status_code == 200
    assert dues(plan)["Kickoff call"] == D(2027, 3, 3)



def test_a_method_the_route_lacks_is_404_to_others_and_405_to_the_member(client, chain, seller, outsider):
    for user, status in ((outsider, 404), (seller, 405)):
        login(client, user)
        assert client.get(url(chain["a"])).status_code == status
        assert client.get(reverse("api:deal-plan", kwargs={"deal_id": chain["a"].plan.deal.public_id})).status_code == (
            status)
        assert client.patch(reverse("api:plan-detail", kwargs={"plan_id": chain["a"].plan.public_id}), {},
                            content_type="application/json").status_code == status
