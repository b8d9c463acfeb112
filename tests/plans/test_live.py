"""Live refresh stamps (plans.live): 304 while nothing the page shows changed, 200 with a new
ETag after a change, scoped exactly like the pages, and never moved by what the buyer may not see."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from deals.models import Side
from deals.services import stakeholder_create, stakeholder_update
from plans import room_access, services
from plans.activity import Actor
from plans.models import RoomLink, TaskStatus
from tests import factories

from .test_room import open_room


def plan_stamp_url(plan) -> str:
    return reverse("plans:stamp", kwargs={"plan_id": plan.public_id})


def room_stamp_url(plan) -> str:
    return reverse("plans:room-stamp", kwargs={"plan_id": plan.public_id})


def etag_of(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    assert response.json() == {"etag": response["ETag"]}
    return response["ETag"]


def conditional(client, url, etag):
    return client.get(url, HTTP_IF_NONE_MATCH=etag)


@pytest.fixture
def task(plan, buyer):
    return factories.TaskFactory(plan=plan, organization=plan.organization, title="Security review", owner=buyer)


@pytest.fixture
def buyer_client(client, plan, buyer, seller):
    open_room(client, buyer, seller)
    return client


# The seller's plan page ------------------------------------------------------------------------

def test_the_plan_stamp_answers_304_while_nothing_changed(seller_client, plan, task, seller_actor):
    services.plan_update(plan=plan, actor=seller_actor, version=plan.version, data={"title": "Northwind MAP"})
    etag = etag_of(seller_client, plan_stamp_url(plan))
    response = conditional(seller_client, plan_stamp_url(plan), etag)
    assert response.status_code == 304
    assert response["ETag"] == etag and response.content == b""
    assert "no-cache" in response["Cache-Control"]


def test_the_stamps_answer_only_get(seller_client, plan):
    for url in (plan_stamp_url(plan), room_stamp_url(plan)):
        assert seller_client.post(url).status_code == 405


def test_the_plan_stamp_changes_after_a_seller_change(seller_client, plan, task, seller_actor):
    etag = etag_of(seller_client, plan_stamp_url(plan))
    services.task_set_status(task=task, actor=seller_actor, status=TaskStatus.DONE, version=task.version)
    response = conditional(seller_client, plan_stamp_url(plan), etag)
    assert response.status_code == 200
    assert response["ETag"] != etag


def test_the_plan_page_carries_its_stamp_and_the_poller(seller_client, plan, task):
    page = seller_client.get(reverse("plans:detail", kwargs={"plan_id": plan.public_id})).content.decode()
    etag = etag_of(seller_client, plan_stamp_url(plan))
    assert f'data-live-url="{plan_stamp_url(plan)}"' in page
    assert 'data-live-etag="{}"'.format(etag.replace('"', "&quot;")) in page
    assert "js/live.js" in page
    for region in ("plan-summary", "plan-progress", "plan-milestones", "stakeholders", "plan-activity",
                   "plan-engagement"):
        assert f'id="{region}"' in page and page.split(f'id="{region}"', 1)[1].split(">", 1)[0].count("data-live")


@pytest.mark.parametrize("change", ["buyer_comment", "buyer_status", "stakeholder", "move", "invite", "visit"])
def test_what_the_plan_page_shows_moves_its_stamp(seller_client, plan, task, buyer, seller, change):
    """Comments, the buyer's changes, the deal's people, reordering, links and room visits all show
    on the plan page, so each of them must move its stamp."""
    other = factories.TaskFactory(plan=plan, organization=plan.organization, title="Second")
    etag = etag_of(seller_client, plan_stamp_url(plan))
    as_buyer = Actor(stakeholder=buyer)
    if change == "buyer_comment":
        services.comment_create(plan=plan, actor=as_buyer, task=task, body="Done on our side")
    elif change == "buyer_status":
        services.task_set_status(task=task, actor=as_buyer, status=TaskStatus.IN_PROGRESS, version=task.version)
    elif change == "stakeholder":
        stakeholder_update(stakeholder=buyer, actor=Actor(user=seller), version=buyer.version,
                           data={"title": "COO"})
    elif change == "move":
        assert services.move(obj=other, siblings=services.task_siblings(other), direction="up",
                             actor=Actor(user=seller))
    elif change == "invite":
        room_access.buyer_invite(stakeholder=buyer, invited_by=seller)
    elif change == "visit":
        RoomLink.objects.filter(stakeholder=buyer).delete()
        _link, url = room_access.buyer_invite(stakeholder=buyer, invited_by=seller)
        etag = etag_of(seller_client, plan_stamp_url(plan))  # after the invitation
        buyer_browser = Client()  # `client` is the seller's
        buyer_browser.post(reverse("plans:room-link", kwargs={"token": url.rstrip("/").rsplit("/", 1)[1]}))
        assert buyer_browser.get(reverse("plans:room", kwargs={"plan_id": plan.public_id})).status_code == 200
    assert conditional(seller_client, plan_stamp_url(plan), etag).status_code == 200


def test_the_plan_stamp_is_404_for_foreign_and_unshared_plans_and_for_buyers(
    client, plan, outsider, other_seller, buyer, seller
):
    for user in (outsider, other_seller):
        client.force_login(user)
        assert client.get(plan_stamp_url(plan)).status_code == 404
        assert client.post(plan_stamp_url(plan)).status_code == 404
    client.logout()
    assert client.get(plan_stamp_url(plan)).status_code == 404  # not a login redirect the poller would follow
    open_room(client, buyer, seller)
    assert client.get(plan_stamp_url(plan)).status_code == 404  # a buyer session, even of this very deal


def test_the_plan_stamp_costs_two_queries_after_the_middleware(
    seller_client, plan, task, django_assert_num_queries
):
    etag = etag_of(seller_client, plan_stamp_url(plan))
    # 1 session, 2 user, 3 membership and organization (middleware), 4 the plan's id if the
    # seller may see its deal, 5 the stamp (newest activity ids and newest room visit).
    with django_assert_num_queries(5):
        assert conditional(seller_client, plan_stamp_url(plan), etag).status_code == 304


# The buyer's deal room ------------------------------------------------------------------------

def test_the_room_stamp_answers_304_then_200_after_a_seller_change(buyer_client, plan, task, seller_actor):
    etag = etag_of(buyer_client, room_stamp_url(plan))
    assert conditional(buyer_client, room_stamp_url(plan), etag).status_code == 304
    services.task_set_status(task=task, actor=seller_actor, status=TaskStatus.DONE, version=task.version)
    response = conditional(buyer_client, room_stamp_url(plan), etag)
    assert response.status_code == 200 and response["ETag"] != etag
    assert response["Referrer-Policy"] == "no-referrer"


@pytest.mark.parametrize("change", ["internal_task", "internal_comment", "budget", "invite", "deal_amount"])
def test_internal_changes_do_not_move_the_room_stamp(buyer_client, plan, task, deal, seller, seller_actor, change):
    """Not even as a changed ETag: a buyer polling the room learns nothing of internal work."""
    hidden = factories.TaskFactory(plan=plan, organization=plan.organization, title="Margin check", internal=True)
    other = factories.StakeholderFactory(deal=deal, name="Omar Other", email="omar@northwind.example")
    etag = etag_of(buyer_client, room_stamp_url(plan))
    if change == "internal_task":
        services.task_set_status(task=hidden, actor=seller_actor, status=TaskStatus.DONE, version=hidden.version)
        services.task_create(plan=plan, actor=seller_actor, title="Another internal one", internal=True)
    elif change == "internal_comment":
        services.comment_create(plan=plan, actor=seller_actor, task=task, body="Discount?", internal=True)
    elif change == "budget":
        services.plan_update(plan=plan, actor=seller_actor, version=plan.version,
                             data={"budget_amount": "120000.00", "payment_terms": "Net 30"})
    elif change == "invite":
        room_access.buyer_invite(stakeholder=other, invited_by=seller)
    elif change == "deal_amount":
        from deals.services import deal_update

        deal_update(deal=deal, actor=seller_actor, version=deal.version, data={"amount": "999999.00"})
    assert conditional(buyer_client, room_stamp_url(plan), etag).status_code == 304


def test_a_change_the_room_shows_moves_its_stamp(buyer_client, plan, deal, seller_actor):
    etag = etag_of(buyer_client, room_stamp_url(plan))
    services.plan_update(plan=plan, actor=seller_actor, version=plan.version, data={"buyer_objective": "Go live"})
    etag2 = conditional(buyer_client, room_stamp_url(plan), etag)["ETag"]
    assert etag2 != etag
    stakeholder_create(deal=deal, actor=seller_actor, data={"side": Side.SELLER, "name": "Sam Rep"})
    assert conditional(buyer_client, room_stamp_url(plan), etag2).status_code == 200


def test_renaming_the_deal_moves_the_room_stamp_and_shows_in_what_changed(buyer_client, plan, deal, seller_actor):
    """The deal's name and the buyer's company are on the room's page; its amount is not."""
    from deals.services import deal_update
    from plans.models import Activity

    etag = etag_of(buyer_client, room_stamp_url(plan))
    deal_update(deal=deal, actor=seller_actor, version=deal.version,
                data={"name": "Northwind: analytics for all hubs", "amount": "999999.00"})
    assert conditional(buyer_client, room_stamp_url(plan), etag).status_code == 200
    shown = Activity.objects.get(plan=plan, target_type="deal", internal=False)
    assert set(shown.changes) == {"name"}
    assert set(Activity.objects.get(plan=plan, target_type="deal", internal=True).changes) == {"amount"}
    body = buyer_client.get(reverse("plans:room", kwargs={"plan_id": plan.public_id})).content.decode()
    assert "Northwind: analytics for all hubs" in body and "999999" not in body and "999,999" not in body


def test_a_late_committing_change_still_moves_the_stamp(seller_client, plan, task, seller_actor):
    """Ids are handed out before commit: a change with a lower id and an earlier time that commits
    after a newer one must still move the stamp (the newest few ids, not only the highest)."""
    from plans.models import Activity

    services.comment_create(plan=plan, actor=seller_actor, task=task, body="first")
    services.comment_create(plan=plan, actor=seller_actor, task=task, body="second")
    older, newer = Activity.objects.filter(plan=plan).order_by("id")[:2]
    assert older.created_at <= newer.created_at
    older.delete()  # not committed yet when the page polls
    etag = etag_of(seller_client, plan_stamp_url(plan))
    older.save(force_insert=True)  # commits now, with its lower id and earlier time
    assert conditional(seller_client, plan_stamp_url(plan), etag).status_code == 200


def test_the_room_stamp_is_404_for_other_rooms_and_outsiders(client, plan, buyer, seller, outsider, org, other_seller):
    from tests.test_isolation import open_room_of_other_deal

    open_room_of_other_deal(client, org, other_seller)
    assert client.get(room_stamp_url(plan)).status_code == 404
    assert client.post(room_stamp_url(plan)).status_code == 404
    client.cookies.clear()
    assert client.get(room_stamp_url(plan)).status_code == 404  # no session at all
    client.force_login(outsider)
    assert client.get(room_stamp_url(plan)).status_code == 404


def test_members_previewing_the_room_poll_the_rooms_stamp(seller_client, plan, task, seller_actor):
    etag = etag_of(seller_client, room_stamp_url(plan))
    services.comment_create(plan=plan, actor=seller_actor, task=task, body="Internal note", internal=True)
    assert conditional(seller_client, room_stamp_url(plan), etag).status_code == 304
    page = seller_client.get(reverse("plans:room", kwargs={"plan_id": plan.public_id})).content.decode()
    assert f'data-live-url="{room_stamp_url(plan)}"' in page


def test_a_revoked_link_answers_the_dead_link_page_to_the_open_room(buyer_client, plan, buyer, seller):
    etag = etag_of(buyer_client, room_stamp_url(plan))
    room_access.buyer_revoke(stakeholder=buyer, actor=Actor(user=seller))
    response = conditional(buyer_client, room_stamp_url(plan), etag)
    assert response.status_code == 410
    html = response.content.decode()
    assert "This link has been withdrawn." in html and "Send me a fresh link" in html
    assert 'id="main"' in html  # live.js swaps the page's <main> for this one
    assert plan.title not in html


def test_an_expired_link_answers_the_dead_link_page_too(buyer_client, plan, buyer):
    RoomLink.objects.filter(stakeholder=buyer).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    response = buyer_client.get(room_stamp_url(plan))
    assert response.status_code == 410 and "This link has expired." in response.content.decode()


def test_the_room_stamp_of_another_room_stays_404_for_a_revoked_session(client, plan, buyer, seller, org, other_seller):
    """410 is only for the session's own room: any other plan id stays a plain 404."""
    other_deal = factories.DealFactory(organization=org, owner=other_seller)
    other_plan = factories.PlanFactory(deal=other_deal, organization=org)
    open_room(client, buyer, seller)
    room_access.buyer_revoke(stakeholder=buyer, actor=Actor(user=seller))
    assert client.get(room_stamp_url(other_plan)).status_code == 404


def test_the_room_stamp_costs_two_queries_on_a_quiet_poll(buyer_client, plan, task, django_assert_num_queries):
    etag = etag_of(buyer_client, room_stamp_url(plan))  # records the poll's visit: the next minute is quiet
    # 1 session, 2 the room link with its stakeholder, deal and plan, 3 the stamp. The visit is
    # not written again within the minute (counted in the cache).
    with django_assert_num_queries(3):
        assert conditional(buyer_client, room_stamp_url(plan), etag).status_code == 304


@pytest.mark.parametrize("what", ["task", "milestone", "risk", "stakeholder"])
def test_reordering_from_the_pages_moves_both_stamps(client, seller_client, plan, deal, buyer, seller, what):
    """Order is part of what both pages show: a move leaves a "moved" activity (internal only for
    an internal task), so the open pages notice it."""
    org = plan.organization
    if what == "task":
        factories.TaskFactory(plan=plan, organization=org, order=1)
        obj = factories.TaskFactory(plan=plan, organization=org, order=2)
        url = reverse("plans:task-move", kwargs={"task_id": obj.public_id})
    elif what == "milestone":
        factories.MilestoneFactory(plan=plan, organization=org, order=1)
        obj = factories.MilestoneFactory(plan=plan, organization=org, order=2)
        url = reverse("plans:milestone-move", kwargs={"milestone_id": obj.public_id})
    elif what == "risk":
        factories.RiskFactory(plan=plan, organization=org, order=1)
        obj = factories.RiskFactory(plan=plan, organization=org, order=2)
        url = reverse("plans:risk-move", kwargs={"risk_id": obj.public_id})
    else:
        obj = factories.StakeholderFactory(deal=deal, name="Second Buyer", order=buyer.order + 1)
        url = reverse("deals:stakeholder-move", kwargs={"stakeholder_id": obj.public_id})
    buyer_browser = Client()
    open_room(buyer_browser, buyer, seller)
    room_etag = etag_of(buyer_browser, room_stamp_url(plan))  # first: the poll records the visit
    plan_etag = etag_of(seller_client, plan_stamp_url(plan))
    assert seller_client.post(url, {"direction": "up"}).status_code == 302
    assert conditional(seller_client, plan_stamp_url(plan), plan_etag).status_code == 200
    assert conditional(buyer_browser, room_stamp_url(plan), room_etag).status_code == 200
    history = seller_client.get(reverse("plans:activity", kwargs={"plan_id": plan.public_id})).content.decode()
    assert "Sam Seller</strong> moved" in history
