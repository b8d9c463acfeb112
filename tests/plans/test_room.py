"""The buyer's deal room page: what the buyer sees, what they never see, and its cost."""

import datetime
import itertools

import pytest
from django.urls import reverse
from django.utils import timezone

from deals.models import Side
from plans import room_access
from plans.activity import Actor
from plans.models import Activity, Comment, RoomLink, TaskDependency, TaskSide, TaskStatus
from plans.services import task_set_status
from tests import factories


def open_room(client, stakeholder, invited_by) -> RoomLink:
    _link, url = room_access.buyer_invite(stakeholder=stakeholder, invited_by=invited_by)
    client.post(reverse("plans:room-link", kwargs={"token": url.rstrip("/").rsplit("/", 1)[1]}))
    return RoomLink.objects.filter(stakeholder=stakeholder).latest("created_at")


def room_url(plan) -> str:
    return reverse("plans:room", kwargs={"plan_id": plan.public_id})


@pytest.fixture
def buyer_client(client, plan, buyer, seller):
    open_room(client, buyer, seller)
    return client


@pytest.fixture
def furnished(plan, buyer, deal):
    org = plan.organization
    plan.buyer_objective = "Cut onboarding time in half"
    plan.success_criteria = "Ten teams live by Q3"
    plan.value_proposition = "Saves 400 hours a month"
    plan.go_live_date = datetime.date(2027, 3, 1)
    plan.save()
    rep = factories.StakeholderFactory(deal=deal, side=Side.SELLER, name="Sam Rep")
    milestone = factories.MilestoneFactory(plan=plan, organization=org, title="Technical validation")
    shared = factories.TaskFactory(
        plan=plan, organization=org, milestone=milestone, title="Deliver architecture document", owner=rep,
    )
    mine = factories.TaskFactory(
        plan=plan, organization=org, milestone=milestone, title="Security review", side=TaskSide.BUYER, owner=buyer,
    )
    hidden = factories.TaskFactory(plan=plan, organization=org, title="Discount approval by finance", internal=True)
    TaskDependency.objects.create(organization=org, task=mine, prerequisite=shared)
    TaskDependency.objects.create(organization=org, task=mine, prerequisite=hidden)
    factories.RiskFactory(plan=plan, organization=org, description="Budget freeze in Q2", owner=buyer)
    factories.RiskFactory(plan=plan, organization=org, description="Old closed risk", status="closed")
    return {"shared": shared, "mine": mine, "hidden": hidden, "rep": rep}


def test_the_buyer_sees_goals_value_milestones_tasks_people_and_risks(buyer_client, plan, deal, furnished):
    html = buyer_client.get(room_url(plan)).content.decode()
    for text in (
        plan.title, deal.name, deal.buyer_company, "Cut onboarding time in half", "Ten teams live by Q3",
        "Saves 400 hours a month", "Technical validation", "Deliver architecture document", "Security review",
        "Sarah Chen", "Sam Rep", "Budget freeze in Q2", "0 of 2 done", "Your items", "Seller's item",
    ):
        assert text in html, text
    assert "Old closed risk" not in html


def test_the_buyer_never_sees_internal_tasks_amount_or_stage(buyer_client, plan, deal, furnished):
    deal.amount = "987654.32"
    deal.stage = "negotiation"
    deal.save()
    html = buyer_client.get(room_url(plan)).content.decode()
    assert "Discount approval by finance" not in html  # neither as a task nor in an "after:" list
    for amount in ("987654", "987,654", "987.654"):
        assert amount not in html
    assert "negotiation" not in html.lower() and "Stage" not in html


def test_your_items_come_first_with_their_due_dates(buyer_client, plan, furnished):
    html = buyer_client.get(room_url(plan)).content.decode()
    mine = html.index('id="room-mine"')
    assert html.index("Security review", mine) < html.index('id="room-milestones"')
    assert furnished["mine"].due_date.isoformat() in html[mine:html.index('id="room-milestones"')]


def test_what_changed_since_the_last_visit(client, plan, buyer, seller, furnished):
    open_room(client, buyer, seller)
    html = client.get(room_url(plan)).content.decode()
    assert "This is your first visit" in html
    link = RoomLink.objects.get(stakeholder=buyer)
    RoomLink.objects.filter(pk=link.pk).update(last_used_at=timezone.now() - datetime.timedelta(hours=1))
    shared = furnished["shared"]
    task_set_status(task=shared, actor=Actor(user=seller), status=TaskStatus.DONE, version=shared.version)
    hidden = furnished["hidden"]
    task_set_status(task=hidden, actor=Actor(user=seller), status=TaskStatus.DONE, version=hidden.version)
    # The next exchange of a link makes the last visit "an hour ago".
    _link, url = room_access.buyer_invite(stakeholder=buyer, invited_by=seller)
    RoomLink.objects.filter(pk=_link.pk).update(last_used_at=timezone.now() - datetime.timedelta(hours=1))
    client.post(reverse("plans:room-link", kwargs={"token": url.rstrip("/").rsplit("/", 1)[1]}))
    html = client.get(room_url(plan)).content.decode()
    changes = html[html.index('id="room-changes"'):html.index('id="room-mine"')]
    assert "Deliver architecture document" in changes
    assert "Discount approval" not in changes
    assert Activity.objects.filter(plan=plan, verb="invited").exists() and "invited" not in changes


def test_buyer_text_is_escaped(buyer_client, plan, furnished):
    shared = furnished["shared"]
    shared.title = "<script>alert(1)</script>"
    shared.save()
    plan.buyer_objective = '<img src=x onerror="alert(2)">'
    plan.save()
    html = buyer_client.get(room_url(plan)).content.decode()
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html
    assert "<img src=x" not in html


def test_the_buyer_nav_has_no_seller_links(buyer_client, plan):
    html = buyer_client.get(room_url(plan)).content.decode()
    assert reverse("deals:list") not in html
    assert "Log out" not in html and "Log in" not in html and "Sign up" not in html


def test_a_member_who_may_see_the_deal_gets_a_preview(seller_client, plan, furnished):
    response = seller_client.get(room_url(plan))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Preview: this is what the buyer sees" in html
    assert "Discount approval by finance" not in html


def test_a_member_who_may_not_see_the_deal_gets_404(client, plan, other_seller, outsider):
    for user in (other_seller, outsider):
        client.force_login(user)
        assert client.get(room_url(plan)).status_code == 404


@pytest.mark.parametrize("count", [5, 100])
def test_the_room_costs_the_same_queries_for_5_and_100_tasks(
    client, plan, buyer, seller, count, django_assert_num_queries
):
    org = plan.organization
    milestone = factories.MilestoneFactory(plan=plan, organization=org)
    tasks = [
        factories.TaskFactory(plan=plan, organization=org, milestone=milestone if i % 2 else None,
                              owner=buyer if i % 3 else None, side=TaskSide.BUYER if i % 3 else TaskSide.SELLER)
        for i in range(count)
    ]
    for before, after in itertools.pairwise(tasks):
        TaskDependency.objects.create(organization=org, task=after, prerequisite=before)
    factories.RiskFactory(plan=plan, organization=org, owner=buyer)
    link = open_room(client, buyer, seller)
    RoomLink.objects.filter(pk=link.pk).update(previous_visit_at=timezone.now() - datetime.timedelta(days=1))
    for task in tasks[::3]:
        Comment.objects.create(organization=org, plan=plan, task=task, author_stakeholder=buyer, body="Noted")
    # 1 session, 2 the room link with its stakeholder, deal and plan, 3 the visit (plans.engagement:
    # extends the current one), 4 the live refresh stamp (plans.live), 5 milestones, 6 tasks (not
    # internal), 7 dependency links, 8 stakeholders, 9 open risks, 10 the comments of the room's
    # tasks, 11 changes since the last visit, 12 the files of the tasks that are not internal,
    # 13 pending access requests (the buyer is the champion; other buyers do not cost this one).
    client.get(room_url(plan))  # the visit starts: the next view only extends it
    with django_assert_num_queries(13):
        response = client.get(room_url(plan))
    assert response.status_code == 200


def test_changes_to_fields_the_room_does_not_show_stay_out_of_what_changed(client, plan, buyer, seller):
    from plans.services import plan_update

    link = open_room(client, buyer, seller)
    RoomLink.objects.filter(pk=link.pk).update(previous_visit_at=timezone.now() - datetime.timedelta(hours=1))
    plan_update(plan=plan, actor=Actor(user=seller), version=plan.version,
                data={"budget_amount": "4321987.00", "seller_objective": "Upsell the analytics add-on"})
    plan.refresh_from_db()
    plan_update(plan=plan, actor=Actor(user=seller), version=plan.version,
                data={"go_live_date": datetime.date(2027, 5, 3), "budget_notes": "Secret discount"})
    html = client.get(room_url(plan)).content.decode()
    changes = html[html.index('id="room-changes"'):html.index('id="room-mine"')]
    assert "4321987" not in html and "4,321,987" not in html and "Upsell" not in html and "Secret discount" not in html
    assert "2027" in changes


def test_a_dependency_change_naming_an_internal_task_stays_out_of_what_changed(client, plan, buyer, seller, furnished):
    from plans.services import task_set_dependencies

    link = open_room(client, buyer, seller)
    RoomLink.objects.filter(pk=link.pk).update(previous_visit_at=timezone.now() - datetime.timedelta(hours=1))
    task_set_dependencies(task=furnished["shared"], actor=Actor(user=seller), prerequisites=[furnished["hidden"]])
    html = client.get(room_url(plan)).content.decode()
    assert "Discount approval by finance" not in html
