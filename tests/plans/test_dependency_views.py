"""Starting or finishing a task before its prerequisites are done, on the seller's plan page
(the row's check, the task editor) and in the buyer's deal room: the confirmation is shown in
place of the row or the editor (a page of its own without JS), Confirm applies the change and
the history shows the override, Cancel changes nothing."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from plans.models import Activity, Task, TaskDependency, TaskSide, TaskStatus
from tests import factories

from .test_room import open_room, room_url

HX = {"HTTP_HX_REQUEST": "true"}
D = datetime.date


@pytest.fixture
def tasks(plan, buyer):
    """Legal review (buyer, 3 June, not done) and Pricing approval (internal) come before
    Rollout, a buyer item of the buyer's."""
    org = plan.organization
    legal = factories.TaskFactory(plan=plan, organization=org, title="Legal review", side=TaskSide.BUYER,
                                  due_date=D(2027, 6, 3))
    pricing = factories.TaskFactory(plan=plan, organization=org, title="Pricing approval", internal=True,
                                    due_date=D(2027, 6, 1))
    rollout = factories.TaskFactory(plan=plan, organization=org, title="Rollout", side=TaskSide.BUYER, owner=buyer,
                                    due_date=D(2027, 6, 20))
    TaskDependency.objects.create(organization=org, task=rollout, prerequisite=legal)
    return {"legal": legal, "pricing": pricing, "rollout": rollout}


def status_url(task):
    return reverse("plans:task-status", kwargs={"task_id": task.public_id})


def unchanged(task) -> bool:
    task.refresh_from_db()
    return task.status == TaskStatus.NOT_STARTED and task.version == 1 and not Activity.objects.filter(
        target_id=task.public_id).exists()


# The plan page ----------------------------------------------------------------------------------

def test_marking_done_before_the_prerequisites_asks_in_the_row(seller_client, tasks):
    rollout = tasks["rollout"]
    response = seller_client.post(status_url(rollout), {"version": 1, "status": "done"}, **HX)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<li id="task-{rollout.public_id}" class="editor dependency-confirm task-row">' in html
    assert "“Legal review” is not done yet (due June 3, 2027, buyer)." in html and "Mark it done anyway?" in html
    assert 'name="override_dependencies" value="1"' in html
    assert 'name="version" value="1"' in html and 'name="status" value="done"' in html
    assert f'hx-post="{status_url(rollout)}"' in html and ">Confirm</button>" in html
    # Cancel brings the row back.
    cancel = reverse("plans:task", kwargs={"task_id": rollout.public_id})
    assert f'hx-get="{cancel}"' in html and ">Cancel</a>" in html
    assert unchanged(rollout)
    row = seller_client.get(cancel, **HX).content.decode()
    assert f'id="task-{rollout.public_id}"' in row and "dependency-confirm" not in row
    assert unchanged(rollout)


def test_confirm_applies_the_change_and_the_history_shows_the_override(seller_client, tasks, plan, seller):
    rollout = tasks["rollout"]
    response = seller_client.post(status_url(rollout), {"version": 1, "status": "done", "override_dependencies": "1"},
                                  **HX)
    assert response.status_code == 200
    rollout.refresh_from_db()
    assert rollout.status == TaskStatus.DONE and rollout.version == 2
    activity = Activity.objects.get(target_id=rollout.public_id)
    assert activity.actor_user == seller and activity.changes["overridden"] == [None, ["Legal review"]]
    html = response.content.decode()
    assert "dependency overridden" in html  # the history card, out of band
    page = seller_client.get(reverse("plans:activity", kwargs={"plan_id": plan.public_id})).content.decode()
    assert "dependency overridden:" in page and "Legal review" in page


def test_without_js_the_confirmation_is_a_page_of_its_own(seller_client, tasks, plan):
    rollout = tasks["rollout"]
    response = seller_client.post(status_url(rollout), {"version": 1, "status": "in_progress"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Start anyway?" in html and "hx-post" not in html.split('class="editor dependency-confirm')[1]
    assert f'action="{status_url(rollout)}"' in html
    assert unchanged(rollout)
    response = seller_client.post(status_url(rollout),
                                  {"version": 1, "status": "in_progress", "override_dependencies": "1"})
    assert response.status_code == 302
    rollout.refresh_from_db()
    assert rollout.status == TaskStatus.IN_PROGRESS


def test_a_stale_confirmation_is_a_conflict(seller_client, tasks):
    rollout = tasks["rollout"]
    Task.objects.filter(pk=rollout.pk).update(version=2, title="Rollout (renamed)")
    response = seller_client.post(status_url(rollout), {"version": 1, "status": "done", "override_dependencies": "1"},
                                  **HX)
    assert response.status_code == 409
    rollout.refresh_from_db()
    assert rollout.status == TaskStatus.NOT_STARTED


def test_the_task_editor_asks_and_keeps_what_was_typed(seller_client, tasks):
    rollout = tasks["rollout"]
    url = reverse("plans:task-edit", kwargs={"task_id": rollout.public_id})
    data = {
        "version": 1, "title": "Rollout to ten teams", "side": "buyer", "owner": "", "due_date": "2027-06-20",
        "status": "in_progress", "milestone": "", "description": "", "blocked_reason": "",
        "depends_on": [str(tasks["legal"].public_id)], "duration_days": 1,
    }
    response = seller_client.post(url, data, **HX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Start anyway?" in html and 'value="Rollout to ten teams"' in html
    assert f'name="depends_on" value="{tasks["legal"].public_id}"' in html
    assert unchanged(rollout)
    response = seller_client.post(url, {**data, "override_dependencies": "1"}, **HX)
    assert response.status_code == 200
    rollout.refresh_from_db()
    assert (rollout.title, rollout.status) == ("Rollout to ten teams", TaskStatus.IN_PROGRESS)
    assert Activity.objects.get(target_id=rollout.public_id).changes["overridden"] == [None, ["Legal review"]]


def test_an_outsider_cannot_reach_the_confirmation(client, outsider, tasks):
    client.force_login(outsider)
    response = client.post(status_url(tasks["rollout"]), {"version": 1, "status": "done"})
    assert response.status_code == 404


# The deal room ----------------------------------------------------------------------------------

@pytest.fixture
def buyer_client(client, plan, buyer, seller):
    open_room(client, buyer, seller)
    return client


def room_status_url(task):
    return reverse("plans:room-task-status", kwargs={"task_id": task.public_id})


def test_the_buyer_starting_early_sees_a_confirmation_in_the_row(buyer_client, tasks):
    rollout = tasks["rollout"]
    response = buyer_client.post(room_status_url(rollout), {"version": 1, "status": "in_progress", "reason": ""}, **HX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith(f'<li id="task-{rollout.public_id}"')
    assert "“Legal review” is not done yet (due June 3, 2027, buyer)." in html and "Start anyway?" in html
    assert 'name="override_dependencies" value="1"' in html and ">Confirm</button>" in html
    assert f'hx-get="{reverse("plans:room-task", kwargs={"task_id": rollout.public_id})}"' in html
    assert unchanged(rollout)


def test_an_internal_prerequisite_is_a_seller_side_step_in_the_room(buyer_client, tasks, plan):
    rollout = tasks["rollout"]
    TaskDependency.objects.create(organization=plan.organization, task=rollout, prerequisite=tasks["pricing"])
    html = buyer_client.post(room_status_url(rollout), {"version": 1, "status": "done"}, **HX).content.decode()
    assert "a seller-side step" in html and "Pricing approval" not in html and "June 1," not in html
    assert "Mark it done anyway?" in html


def test_the_buyer_confirms_and_the_seller_and_the_room_see_the_override(buyer_client, tasks, plan, buyer, seller):
    from django.utils import timezone

    from plans.models import RoomLink

    rollout = tasks["rollout"]
    TaskDependency.objects.create(organization=plan.organization, task=rollout, prerequisite=tasks["pricing"])
    RoomLink.objects.filter(stakeholder=buyer).update(previous_visit_at=timezone.now() - datetime.timedelta(hours=1))
    response = buyer_client.post(
        room_status_url(rollout), {"version": 1, "status": "in_progress", "override_dependencies": "1"}, **HX
    )
    assert response.status_code == 200 and "Start anyway?" not in response.content.decode()
    rollout.refresh_from_db()
    assert rollout.status == TaskStatus.IN_PROGRESS
    # The room's "what changed": a sentence, and no internal title.
    html = buyer_client.get(room_url(plan)).content.decode()
    changes = html[html.index('id="room-changes"'):html.index('id="room-mine"')]
    assert "dependency overridden: Legal review, a seller-side step" in changes
    assert "Pricing approval" not in html
    # The seller's history names both.
    member = Client()
    member.force_login(seller)
    page = member.get(reverse("plans:activity", kwargs={"plan_id": plan.public_id})).content.decode()
    assert "dependency overridden:" in page and "Legal review, Pricing approval" in page


def test_without_js_the_room_shows_the_question_at_the_task(buyer_client, tasks, plan):
    rollout = tasks["rollout"]
    response = buyer_client.post(room_status_url(rollout), {"version": 1, "status": "in_progress"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Your change is not made yet: confirm it at the task." in html and "Start anyway?" in html
    assert f'href="{room_url(plan)}#task-{rollout.public_id}"' in html  # Cancel: back to the room
    assert unchanged(rollout)


def test_cancel_in_the_room_brings_the_row_back_unchanged(buyer_client, tasks):
    rollout = tasks["rollout"]
    buyer_client.post(room_status_url(rollout), {"version": 1, "status": "in_progress"}, **HX)
    row = buyer_client.get(reverse("plans:room-task", kwargs={"task_id": rollout.public_id}), **HX).content.decode()
    assert f'id="task-{rollout.public_id}"' in row and "Start anyway?" not in row
    assert unchanged(rollout)
