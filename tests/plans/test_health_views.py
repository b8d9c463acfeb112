"""Plan health on the seller's plan page: the badge, its reasons as sentences, the projection
against the target naming the critical path, and the slips panel."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from plans import health_text, slips
from plans.activity import Actor
from plans.models import TaskDependency, TaskSide
from plans.scheduling import Reason
from tests import factories

HTMX = {"HTTP_HX_REQUEST": "true"}
D = datetime.date


def page(client, plan):
    return client.get(reverse("plans:detail", kwargs={"plan_id": plan.public_id})).content.decode()


def health_section(body: str) -> str:
    return body.split('id="plan-health"')[1].split("</section>")[0]


@pytest.mark.parametrize("reason, sentence", [
    (Reason("overdue_items", "red", {"side": "buyer", "count": 3, "max_days_overdue": 9}),
     "3 items on the buyer side are overdue, the oldest by 9 days."),
    (Reason("overdue_items", "amber", {"side": "seller", "count": 1, "max_days_overdue": 2}),
     "1 item on the seller side is overdue, by 2 days."),
    (Reason("overdue_items", "amber", {"side": "joint", "count": 2, "max_days_overdue": 4}),
     "2 joint items are overdue, the oldest by 4 days."),
    (Reason("projected_late", "red", {"business_days": 9, "projected": D(2027, 6, 3), "target": D(2027, 5, 21)}),
     "The decision is projected for June 3, 2027, 9 business days after the target (May 21, 2027)."),
    (Reason("recent_slips", "amber", {"count": 2, "days": 6, "window_days": 14}),
     "2 dates moved later in the last 14 days (6 days in all)."),
    (Reason("buyer_silent", "red", {"days": 23}), "No one on the buyer side has opened the deal room for 23 days."),
    (Reason("buyer_never_opened", "amber", {}), "The buyer was invited but has not opened the deal room yet."),
    (Reason("not_agreed", "amber", {"business_days_to_decision": 12, "decision": D(2027, 5, 21)}),
     "The plan is not agreed yet and the decision (May 21, 2027) is 12 business days away."),
    (Reason("not_agreed", "red", {"business_days_to_decision": -3, "decision": D(2027, 5, 21)}),
     "The plan is not agreed yet and the decision date (May 21, 2027) has passed."),
])
def test_every_reason_code_reads_as_a_sentence(reason, sentence):
    with translation.override("en"):
        assert health_text.reason_text(reason) == sentence


@pytest.fixture
def late_plan(plan):
    """Target today; a buyer security review then a legal review, a week each, still ahead."""
    today = timezone.localdate()
    plan.target_close_date = today
    plan.save(update_fields=["target_close_date"])
    org = plan.organization
    security = factories.TaskFactory(plan=plan, organization=org, title="Security review", side=TaskSide.BUYER,
                                     duration_days=5, due_date=today + datetime.timedelta(days=7))
    legal = factories.TaskFactory(plan=plan, organization=org, title="Legal review", side=TaskSide.SELLER,
                                  duration_days=5, due_date=today + datetime.timedelta(days=14))
    TaskDependency.objects.create(organization=org, task=legal, prerequisite=security)
    return plan


def test_a_late_plan_shows_a_red_badge_the_projection_and_what_drives_it(seller_client, late_plan):
    section = health_section(page(seller_client, late_plan))
    assert "health-badge-red" in section and "Off track" in section
    assert "business days after the target, driven by: Security review (buyer), Legal review" in section
    assert "The decision is projected for" in section and 'class="reason-red"' in section


def test_overdue_items_are_a_reason_by_side(seller_client, plan):
    today = timezone.localdate()
    factories.TaskFactory(plan=plan, organization=plan.organization, side=TaskSide.BUYER,
                          due_date=today - datetime.timedelta(days=2))
    section = health_section(page(seller_client, plan))
    assert "health-badge-amber" in section and "At risk" in section
    assert "1 item on the buyer side is overdue, by 2 days." in section


def test_a_plan_on_track_is_green_without_reasons(seller_client, plan):
    factories.TaskFactory(plan=plan, organization=plan.organization)
    section = health_section(page(seller_client, plan))
    assert "health-badge-green" in section and "On track" in section and "health-reasons" not in section


def test_the_slips_panel_adds_days_up_by_side_and_milestone(seller_client, plan, buyer, seller):
    milestone = factories.MilestoneFactory(plan=plan, organization=plan.organization, title="Security")
    task = factories.TaskFactory(plan=plan, organization=plan.organization, milestone=milestone)
    slips.slip_record(task=task, actor=Actor(stakeholder=buyer), from_date=D(2027, 1, 1), to_date=D(2027, 1, 8))
    slips.slip_record(task=task, actor=Actor(user=seller), from_date=D(2027, 1, 8), to_date=D(2027, 1, 10))
    section = health_section(page(seller_client, plan))
    assert "9 days slipped in all" in section
    assert "buyer 7" in section and "seller 2" in section and "Security 9" in section


def test_an_edit_refreshes_the_health_badge_out_of_band(seller_client, plan):
    today = timezone.localdate()
    task = factories.TaskFactory(plan=plan, organization=plan.organization, side=TaskSide.BUYER,
                                 due_date=today + datetime.timedelta(days=3))
    response = seller_client.post(
        reverse("plans:task-edit", kwargs={"task_id": task.public_id}),
        {"version": 1, "title": task.title, "side": "buyer", "status": "not_started",
         "due_date": (today - datetime.timedelta(days=1)).isoformat()},
        **HTMX,
    )
    body = response.content.decode()
    assert re.search(r'<section[^>]*id="plan-health"[^>]*hx-swap-oob="true"', body)
    assert "1 item on the buyer side is overdue, by 1 day." in health_section(body)


def test_another_organization_sees_no_health(client, late_plan, outsider):
    client.force_login(outsider)
    assert client.get(reverse("plans:detail", kwargs={"plan_id": late_plan.public_id})).status_code == 404


def test_the_page_computes_health_and_slips_from_its_own_rows_as_the_loaders_do(late_plan, buyer, seller):
    """plans.selectors.plan_page_data builds the badge and the slips panel from the rows it
    loads; plans.health_text.page_context loads them itself: the same answer, on a plan with
    a buyer who was invited and came, slips on both sides, lags, and an agreed baseline."""
    from plans import agreement, room_access, selectors
    from plans.models import RoomVisit, Task

    org = late_plan.organization
    link, _url = room_access.buyer_invite(stakeholder=buyer, invited_by=seller)
    RoomVisit.objects.create(organization=org, plan=late_plan, stakeholder=buyer, link=link,
                             started_at=timezone.now() - datetime.timedelta(days=9),
                             last_seen_at=timezone.now() - datetime.timedelta(days=9))
    TaskDependency.objects.filter(task__plan=late_plan).update(lag_days=2)
    security, legal = Task.objects.filter(plan=late_plan).order_by("due_date")
    slips.slip_record(task=security, actor=Actor(stakeholder=buyer), from_date=security.due_date,
                      to_date=security.due_date + datetime.timedelta(days=3), reason="Pen test late")
    agreement.plan_accept(plan=late_plan, stakeholder=buyer, version=late_plan.version,
                          seen=agreement.digest(agreement.take_snapshot(late_plan)))
    late_plan.refresh_from_db()
    slips.slip_record(task=legal, actor=Actor(user=seller), from_date=legal.due_date,
                      to_date=legal.due_date + datetime.timedelta(days=2))
    late_plan.refresh_from_db()
    from_rows = selectors.plan_page_data(late_plan)
    loaded = health_text.page_context(late_plan)
    assert from_rows["health"] == loaded["health"]
    assert from_rows["slip_panel"] == loaded["slip_panel"]
    assert loaded["slip_panel"]["total"] == 5 and loaded["slip_panel"]["since_baseline"] is not None
    assert loaded["health"]["level"] == "red"
