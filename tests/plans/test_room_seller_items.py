"""The seller's items in the room: the buyer sees them, comments on them, but their status and
date are the seller's to change (a buyer's item, or a joint one, the buyer may move)."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from deals.models import Side
from plans import services, slips
from plans.activity import Actor
from plans.models import Slip, TaskSide, TaskStatus
from tests import factories

from .test_room import open_room
from .test_room_edits import HX, edit_url, post_status

DUE = datetime.date(2027, 3, 1)


@pytest.fixture
def buyer_client(client, plan, buyer, seller):
    open_room(client, buyer, seller)
    return client


@pytest.fixture
def seller_item(plan, deal):
    engineer = factories.StakeholderFactory(deal=deal, side=Side.SELLER, name="Chris Donovan")
    return factories.TaskFactory(plan=plan, organization=plan.organization, title="Architecture document",
                                 side=TaskSide.JOINT, owner=engineer, due_date=DUE)


@pytest.fixture
def seller_side_task(plan):
    return factories.TaskFactory(plan=plan, organization=plan.organization, title="Pricing proposal",
                                 side=TaskSide.SELLER, due_date=DUE)


def test_a_seller_item_is_the_seller_side_or_a_seller_owned_task(seller_item, seller_side_task, plan, buyer):
    joint_of_buyer = factories.TaskFactory(plan=plan, organization=plan.organization, side=TaskSide.JOINT, owner=buyer)
    assert services.is_seller_item(seller_item) and services.is_seller_item(seller_side_task)
    assert not services.is_seller_item(joint_of_buyer)


@pytest.mark.parametrize("which", ["seller_item", "seller_side_task"])
def test_the_buyer_cannot_change_the_status_of_a_seller_item(buyer_client, which, request, buyer):
    task = request.getfixturevalue(which)
    with pytest.raises(ValidationError, match="the seller's item"):
        services.room_task_set_status(task=task, stakeholder=buyer, status=TaskStatus.DONE, version=task.version)
    response = post_status(buyer_client, task, TaskStatus.DONE, headers=HX)
    assert response.status_code == 422
    assert "the seller&#x27;s item" in response.content.decode() or "the seller's item" in response.content.decode()
    task.refresh_from_db()
    assert task.status == TaskStatus.NOT_STARTED and task.version == 1


def test_the_buyer_cannot_move_the_date_of_a_seller_item(buyer_client, seller_item, buyer):
    response = buyer_client.post(edit_url("date", seller_item), {
        "version": seller_item.version, "due_date": "2027-03-15", "reason": "We need it later",
    }, **HX)
    assert response.status_code == 422
    seller_item.refresh_from_db()
    assert seller_item.due_date == DUE and not Slip.objects.exists()


def test_the_buyer_still_comments_on_a_seller_item(buyer_client, seller_item):
    response = buyer_client.post(edit_url("comments", seller_item), {"body": "Can we see a draft first?"}, **HX)
    assert response.status_code == 200
    assert seller_item.comments.get().body == "Can we see a draft first?"


def test_the_seller_moves_their_own_item(seller_item, seller):
    slip = slips.task_propose_date(task=seller_item, actor=Actor(user=seller), version=seller_item.version,
                                   due_date=datetime.date(2027, 3, 8), reason="", reason_required=False)
    assert slip.days == 7


def test_the_room_offers_status_and_date_controls_on_the_buyers_items_only(buyer_client, seller_item, plan, buyer):
    from .test_room import room_url

    own = factories.TaskFactory(plan=plan, organization=plan.organization, title="Security questionnaire",
                                side=TaskSide.BUYER, owner=buyer, due_date=DUE)
    html = buyer_client.get(room_url(plan)).content.decode()

    def row(task):
        start = html.index(f'id="task-{task.public_id}"')
        return html[start:html.index("</li>", html.index('class="room-task-edit"', start))]

    assert 'name="status"' in row(own) and "Propose new date" in row(own)
    assert 'name="status"' not in row(seller_item) and "Propose new date" not in row(seller_item)
    assert f'id="comments-{seller_item.public_id}"' in row(seller_item)
