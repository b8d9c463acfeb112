"""A buyer's new date that pushes other items (services.room_task_propose_date): the row first
lists the room's items that will also move (never an internal task, not even a count), the
buyer confirms with the reason kept, and rescheduling.task_reschedule moves them all with a
slip each (buyer side). Nothing else moving: as before, no extra step."""

import datetime
import re

import pytest
from django.urls import reverse

from plans import rescheduling, services
from plans.activity import Actor
from plans.models import Activity, Slip, Task, TaskDependency, TaskSide
from tests import factories

from .test_room import open_room, room_url

HX = {"HTTP_HX_REQUEST": "true"}
D = datetime.date


@pytest.fixture
def buyer_client(client, plan, buyer, seller):
    open_room(client, buyer, seller)
    return client


@pytest.fixture
def chain(plan, buyer):
    """Mon 1 Mar 2027: Security questionnaire (the buyer's) → Security review (joint, 2 Mar) and
    → Pricing approval (internal, 2 Mar); Kickoff call (seller) on its own."""
    org = plan.organization

    def make(title, due, **kw):
        return factories.TaskFactory(plan=plan, organization=org, title=title, due_date=due, **kw)

    tasks = {
        "questionnaire": make("Security questionnaire", D(2027, 3, 1), side=TaskSide.BUYER, owner=buyer),
        "review": make("Security review", D(2027, 3, 2), side=TaskSide.JOINT),
        "pricing": make("Pricing approval", D(2027, 3, 2), internal=True),
        "kickoff": make("Kickoff call", D(2027, 3, 1)),
    }
    for task in ("review", "pricing"):
        TaskDependency.objects.create(organization=org, task=tasks[task], prerequisite=tasks["questionnaire"])
    return tasks


def date_url(task):
    return reverse("plans:room-task-date", kwargs={"task_id": task.public_id})


def dues(plan):
    return dict(Task.objects.filter(plan=plan).values_list("title", "due_date"))


def signature(html: str) -> str:
    return re.search(r'name="moves" value="([0-9a-f]+)"', html).group(1)


def test_the_preview_lists_the_room_items_that_also_move_and_changes_nothing(buyer_client, chain, plan):
    before = dues(plan)
    q = chain["questionnaire"]
    response = buyer_client.post(date_url(q), {"version": 1, "due_date": "2027-03-03", "reason": "Board meets later"},
                                 **HX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Moving “Security questionnaire” to March 3, 2027 also moves:" in html
    moved = html.split('class="also-moves"')[1].split("</ul>")[0]
    assert moved.count("<li") == 1
    assert "Security review" in moved and 'datetime="2027-03-02"' in moved and 'datetime="2027-03-04"' in moved
    # The internal task that moves too is neither named nor counted.
    assert "Pricing approval" not in html and "seller-side" not in html
    assert str(chain["pricing"].public_id) not in html
    # The reason is kept in the confirmation, and so are the date and the version.
    assert ">Board meets later</textarea>" in html and 'name="due_date" value="2027-03-03"' in html
    assert 'name="version" value="1"' in html and ">Move all</button>" in html
    assert dues(plan) == before and not Slip.objects.exists()
    assert not Activity.objects.filter(verb="rescheduled").exists()


def test_confirming_moves_them_all_with_a_slip_each_on_the_buyer_side(buyer_client, chain, plan, buyer):
    q = chain["questionnaire"]
    data = {"version": 1, "due_date": "2027-03-03", "reason": "Board meets later"}
    asked = buyer_client.post(date_url(q), data, **HX).content.decode()
    response = buyer_client.post(date_url(q), {**data, "reason": "Board meets on Wednesday",
                                               "moves": signature(asked)}, **HX)
    assert response.status_code == 200
    assert dues(plan) == {"Security questionnaire": D(2027, 3, 3), "Security review": D(2027, 3, 4),
                          "Pricing approval": D(2027, 3, 4), "Kickoff call": D(2027, 3, 1)}
    slips = {s.task.title: (s.days, s.side, s.reason, s.actor_stakeholder) for s in Slip.objects.filter(plan=plan)}
    assert slips == {
        "Security questionnaire": (2, "buyer", "Board meets on Wednesday", buyer),
        "Security review": (2, "buyer", "Board meets on Wednesday", buyer),
        "Pricing approval": (2, "buyer", "Board meets on Wednesday", buyer),
    }
    moved = Activity.objects.filter(plan=plan, verb="rescheduled")
    assert moved.count() == 3 and moved.get(target_id=chain["pricing"].public_id).internal
    # The answer: the row, and the dependant's row out of band with its new date.
    html = response.content.decode()
    assert f'<li id="task-{chain["review"].public_id}" class="task-row room-task" hx-swap-oob="true">' in html
    assert 'datetime="2027-03-04"' in html and "Pricing approval" not in html
    assert "also moves" not in html


def test_without_js_the_question_is_in_the_room_and_the_confirmation_redirects(buyer_client, chain, plan):
    q = chain["questionnaire"]
    data = {"version": 1, "due_date": "2027-03-03", "reason": "Later"}
    response = buyer_client.post(date_url(q), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "also moves:" in html and "Your change is not made yet: confirm it at the task." in html
    assert f'href="{room_url(plan)}#task-{q.public_id}"' in html  # Cancel
    response = buyer_client.post(date_url(q), {**data, "moves": signature(html)})
    assert response.status_code == 302 and dues(plan)["Security review"] == D(2027, 3, 4)


def test_cancel_changes_nothing(buyer_client, chain, plan):
    before = dues(plan)
    q = chain["questionnaire"]
    buyer_client.post(date_url(q), {"version": 1, "due_date": "2027-03-03", "reason": "Later"}, **HX)
    row = buyer_client.get(reverse("plans:room-task", kwargs={"task_id": q.public_id}), **HX).content.decode()
    assert f'id="task-{q.public_id}"' in row and "also moves" not in row
    assert dues(plan) == before and not Slip.objects.exists()


def test_a_list_that_changed_meanwhile_is_shown_again(buyer_client, chain, plan, seller):
    q = chain["questionnaire"]
    data = {"version": 1, "due_date": "2027-03-03", "reason": "Later"}
    asked = buyer_client.post(date_url(q), data, **HX).content.decode()
    # Meanwhile the seller makes another item of the room depend on it: the list is not the one shown.
    later = factories.TaskFactory(plan=plan, organization=plan.organization, title="Legal review",
                                  due_date=D(2027, 3, 2), side=TaskSide.BUYER)
    TaskDependency.objects.create(organization=plan.organization, task=later, prerequisite=q)
    response = buyer_client.post(date_url(q), {**data, "moves": signature(asked)}, **HX)
    html = response.content.decode()
    assert response.status_code == 200 and "changed meanwhile" in html and "Legal review" in html
    assert dues(plan)["Security questionnaire"] == D(2027, 3, 1)


def test_a_stale_version_answers_the_conflict(buyer_client, chain, plan, seller):
    q = chain["questionnaire"]
    data = {"version": 1, "due_date": "2027-03-03", "reason": "Later"}
    asked = buyer_client.post(date_url(q), data, **HX).content.decode()
    services.task_update(task=q, actor=Actor(user=seller), version=1, data={"title": "Security questionnaire v2"})
    response = buyer_client.post(date_url(q), {**data, "moves": signature(asked)}, **HX)
    assert response.status_code == 409 and "Someone else changed" in response.content.decode()
    assert dues(plan)["Security review"] == D(2027, 3, 2) and not Slip.objects.exists()


def test_nothing_else_moving_saves_directly_as_before(buyer_client, chain, plan):
    q = chain["questionnaire"]
    # Earlier: nothing is pulled along.
    response = buyer_client.post(date_url(q), {"version": 1, "due_date": "2027-02-26", "reason": "Faster"}, **HX)
    assert response.status_code == 200 and "also moves" not in response.content.decode()
    assert dues(plan)["Security questionnaire"] == D(2027, 2, 26) and dues(plan)["Security review"] == D(2027, 3, 2)
    # A task with no dependants: moved at once, one slip, no milestone or other task touched.
    review = chain["review"]
    review.refresh_from_db()
    response = buyer_client.post(date_url(review), {"version": review.version, "due_date": "2027-03-09",
                                                    "reason": "Auditor away"}, **HX)
    assert response.status_code == 200 and "also moves" not in response.content.decode()
    assert list(Slip.objects.values_list("task__title", "days")) == [("Security review", 7)]


def test_only_internal_dependants_moving_asks_nothing_and_they_follow(buyer_client, chain, plan):
    Task.objects.filter(pk=chain["review"].pk).update(due_date=D(2027, 3, 20))  # slack enough
    q = chain["questionnaire"]
    response = buyer_client.post(date_url(q), {"version": 1, "due_date": "2027-03-03", "reason": "Later"}, **HX)
    assert response.status_code == 200 and "also moves" not in response.content.decode()
    assert dues(plan)["Security questionnaire"] == D(2027, 3, 3) and dues(plan)["Pricing approval"] == D(2027, 3, 4)
    assert Slip.objects.count() == 2


def test_the_service_refuses_without_the_signature_of_the_current_list(chain, buyer):
    q = chain["questionnaire"]
    with pytest.raises(rescheduling.MovesToConfirm) as ask:
        services.room_task_propose_date(task=q, stakeholder=buyer, version=1, due_date=D(2027, 3, 3), reason="Later")
    assert [m.task.title for m in ask.value.moves] == ["Security questionnaire", "Security review"]
    assert not ask.value.changed
    with pytest.raises(rescheduling.MovesToConfirm) as again:
        services.room_task_propose_date(task=q, stakeholder=buyer, version=1, due_date=D(2027, 3, 3), reason="Later",
                                        confirmed="0" * 32)
    assert again.value.changed
    moved = services.room_task_propose_date(task=q, stakeholder=buyer, version=1, due_date=D(2027, 3, 3),
                                            reason="Later", confirmed=ask.value.signature)
    assert [t.title for t in moved] == ["Security review"]


def test_seller_items_stay_read_only_for_the_buyer(buyer_client, chain):
    kickoff = chain["kickoff"]
    response = buyer_client.post(date_url(kickoff), {"version": 1, "due_date": "2027-03-03", "reason": "Later"}, **HX)
    assert response.status_code == 422
    kickoff.refresh_from_db()
    assert kickoff.due_date == D(2027, 3, 1)
