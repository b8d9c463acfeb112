"""The timeline: its axis and bars as plain functions (dates worked out by hand), the seller's
page and the room's (no internal task, not even on the critical path), and its cost."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from plans import scheduling, slips, timeline
from plans.activity import Actor
from plans.models import TaskDependency, TaskSide, TaskStatus
from tests import factories
from tests.plans.test_room import open_room

D = datetime.date
MONDAY = D(2026, 11, 23)


# The axis ------------------------------------------------------------------------------------

def test_the_axis_holds_every_date_and_today_with_a_margin():
    axis = timeline.Axis.around([D(2026, 12, 1), None, D(2027, 1, 29)], today=MONDAY)
    assert axis.first == MONDAY - datetime.timedelta(days=timeline.MARGIN_DAYS)
    assert axis.last == D(2027, 1, 29) + datetime.timedelta(days=timeline.MARGIN_DAYS)


def test_a_short_plan_still_gets_four_weeks_centred_on_it():
    axis = timeline.Axis.around([MONDAY + datetime.timedelta(days=2)], today=MONDAY)
    assert axis.days == timeline.MIN_DAYS
    # 3 days of dates + 2 × 3 days of margin = 9; the 19 missing split 9 before, 10 after.
    assert axis.first == MONDAY - datetime.timedelta(days=3 + 9)


def test_boxes_are_days_in_percent_of_the_axis():
    axis = timeline.Axis(D(2026, 11, 1), D(2026, 11, 10))  # ten days: 10 % each
    assert axis.box(D(2026, 11, 1), D(2026, 11, 1)) == "--l:0.0%;--w:10.0%"
    assert axis.box(D(2026, 11, 3), D(2026, 11, 7)) == "--l:20.0%;--w:50.0%"
    assert axis.at(D(2026, 11, 10)) == "--l:95.0%"
    # Dates outside the axis are clamped to it, never drawn outside the track.
    assert axis.box(D(2026, 10, 1), D(2026, 12, 1)) == "--l:0.0%;--w:100.0%"


def test_ticks_mark_months_with_the_year_once_and_mondays_on_short_axes():
    ticks = timeline.Axis(D(2026, 11, 20), D(2027, 1, 5)).ticks()
    labels = [t["label"] for t in ticks]
    # Mondays are labelled with their day, except next to the first of a month (30 November
    # would overlap "Dec 2026"; 4 January "Jan 2027").
    assert labels == ["23", "Dec 2026", "7", "14", "21", "28", "Jan 2027"]
    assert "Dec 2026" in labels and "Jan 2027" in labels
    assert sum(1 for t in ticks if t["month"]) == 2
    long = timeline.Axis(D(2026, 1, 1), D(2026, 12, 31)).ticks()
    assert all(t["month"] for t in long) and len(long) == 12


# Bars -------------------------------------------------------------------------------------

def test_a_task_occupies_its_duration_in_business_days_up_to_its_due_date():
    # Due Friday 4 December with 5 days of work: Monday 30 November to Friday.
    assert timeline.planned_start(D(2026, 12, 4), 5) == D(2026, 11, 30)
    # Due Tuesday with 3 days: Friday before, over the weekend.
    assert timeline.planned_start(D(2026, 12, 1), 3) == D(2026, 11, 27)
    # A one-day event and a zero-day event both sit on their day.
    assert timeline.planned_start(D(2026, 12, 1), 1) == D(2026, 12, 1)
    assert timeline.planned_start(D(2026, 12, 1), 0) == D(2026, 12, 1)


def test_a_projection_is_drawn_only_when_it_ends_after_the_due_date():
    on_time = scheduling.Span(D(2026, 11, 23), D(2026, 11, 25))
    late = scheduling.Span(D(2026, 11, 23), D(2026, 11, 27))
    assert timeline.task_bars(due=D(2026, 11, 25), duration=3, done=False, projected=on_time,
                              first_slip_from=None).projected is None
    bars = timeline.task_bars(due=D(2026, 11, 25), duration=3, done=False, projected=late, first_slip_from=None)
    assert bars.projected == (D(2026, 11, 23), D(2026, 11, 27))
    assert timeline.task_bars(due=None, duration=3, done=False, projected=on_time,
                              first_slip_from=None).projected == (D(2026, 11, 23), D(2026, 11, 25))
    done = timeline.task_bars(due=D(2026, 11, 25), duration=3, done=True, projected=late, first_slip_from=None)
    assert done.projected is None


def test_a_slipped_task_keeps_its_earlier_date():
    bars = timeline.task_bars(due=D(2026, 12, 4), duration=2, done=False, projected=None,
                              first_slip_from=D(2026, 11, 27))
    assert bars.original_due == D(2026, 11, 27)
    assert bars.planned == (D(2026, 12, 3), D(2026, 12, 4))


# The page, on a small plan checked by hand ---------------------------------------------------

@pytest.fixture
def small_plan(plan, buyer, seller):
    """Today Monday 23 November; target Thursday 3 December.
    Security review (seller, 5 days) → Legal review (buyer, 5 days) → Decision (joint, 1 day),
    and Reference call (seller, 2 days) → Decision. Internal: Pricing approval (3 days) →
    Decision, done early enough not to matter.

    From today: security 23–27 Nov, legal 30 Nov–4 Dec, decision 7 Dec: 2 business days after
    the target, driven by security → legal → decision. Security is due 25 Nov: projected 2
    business days late."""
    org = plan.organization
    plan.target_close_date = D(2026, 12, 3)
    plan.save()
    milestone = factories.MilestoneFactory(plan=plan, organization=org, title="Validation", target_date=D(2026, 12, 2))
    make = lambda title, side, days, due, **kw: factories.TaskFactory(
        plan=plan, organization=org, title=title, side=side, duration_days=days, due_date=due, **kw)
    security = make("Security review", TaskSide.SELLER, 5, D(2026, 11, 25), milestone=milestone)
    legal = make("Legal review", TaskSide.BUYER, 5, D(2026, 12, 2), milestone=milestone, owner=buyer)
    reference = make("Reference call", TaskSide.SELLER, 2, D(2026, 11, 26))
    pricing = make("Pricing approval", TaskSide.SELLER, 3, D(2026, 11, 20), internal=True)
    decision = make("Decision", TaskSide.JOINT, 1, D(2026, 12, 3))
    for task, prerequisite in [(legal, security), (decision, legal), (decision, reference), (decision, pricing)]:
        TaskDependency.objects.create(organization=org, task=task, prerequisite=prerequisite)
    plan.decision_task = decision
    plan.save()
    return {"plan": plan, "security": security, "legal": legal, "reference": reference, "pricing": pricing,
            "decision": decision}


def _rows(data):
    return {t["title"]: t for g in data["groups"] for t in g["tasks"]}


def test_the_projection_and_critical_path_match_the_hand_calculation(small_plan):
    data = timeline.timeline_data(small_plan["plan"], today=MONDAY)
    rows = _rows(data)
    assert data["health"].projected_close_date == D(2026, 12, 7)
    assert data["projection"] == (
        "Projected Dec. 7, 2026, 2 business days after the target, driven by: "
        "Security review, Legal review (buyer), Decision (joint)"
    )
    assert [t for t, r in rows.items() if r["critical"]] == ["Security review", "Legal review", "Decision"]
    assert "projected to finish Nov. 27, 2026, 2 business days late" in rows["Security review"]["text"]
    assert rows["Reference call"]["projected"] == ""  # 23–24 Nov: before its due date
    assert [(m["kind"], m["late"]) for m in data["markers"]] == [("today", False), ("target", False), ("projected", True)]


def test_milestones_group_their_tasks_by_start_and_flag_a_late_target(small_plan):
    data = timeline.timeline_data(small_plan["plan"], today=MONDAY)
    validation, other = data["groups"]
    assert validation["title"] == "Validation" and validation["late"]  # legal's projection ends 4 Dec
    assert [t["title"] for t in validation["tasks"]] == ["Security review", "Legal review"]
    # Planned starts: pricing 18 Nov, reference 25 Nov, decision 3 Dec.
    assert [t["title"] for t in other["tasks"]] == ["Pricing approval", "Reference call", "Decision"]


def test_slips_show_the_earlier_date_and_the_days_lost(small_plan, seller):
    legal = small_plan["legal"]
    slips.slip_record(task=legal, actor=Actor(user=seller), from_date=D(2026, 11, 25), to_date=D(2026, 12, 2),
                      reason="Counsel away")
    row = _rows(timeline.timeline_data(small_plan["plan"], today=MONDAY))["Legal review"]
    assert "slipped 7 days (1 move)" in row["text"]
    assert row["original"] and row["slip"]


def test_the_seller_page_shows_every_task_and_the_lines(seller_client, small_plan):
    body = seller_client.get(reverse("plans:timeline", kwargs={"plan_id": small_plan["plan"].public_id})).content.decode()
    assert "Pricing approval" in body and "internal" in body
    for line in ("tl-line-today", "tl-line-target", "tl-line-projected"):
        assert line in body
    assert body.count("tl-row tl-task") == 5
    assert f'href="/plans/{small_plan["plan"].public_id}/#task-{small_plan["legal"].public_id}"' in body


def test_the_room_timeline_never_names_an_internal_task(client, small_plan, buyer, seller):
    plan = small_plan["plan"]
    # Make the internal task drive the decision: not done, long.
    pricing = small_plan["pricing"]
    pricing.duration_days = 20
    pricing.save()
    assert timeline.timeline_data(plan, today=MONDAY)["health"].critical_path[0] == pricing.pk
    open_room(client, buyer, seller)
    response = client.get(reverse("plans:room-timeline", kwargs={"plan_id": plan.public_id}))
    body = response.content.decode()
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] and response["Referrer-Policy"] == "no-referrer"
    assert "Pricing approval" not in body
    assert "Legal review" in body and body.count("tl-row tl-task") == 4
    assert re.search(r"driven by: Decision \(joint\)", body)
    assert f'href="/room/{plan.public_id}/#task-{small_plan["legal"].public_id}"' in body


def test_a_member_previews_the_room_timeline(seller_client, small_plan):
    url = reverse("plans:room-timeline", kwargs={"plan_id": small_plan["plan"].public_id})
    body = seller_client.get(url).content.decode()
    assert "Preview: this is what the buyer sees." in body and "Pricing approval" not in body


def test_another_room_and_another_organization_answer_404(client, small_plan, buyer, seller, outsider):
    other_deal = factories.DealFactory(organization=small_plan["plan"].organization, owner=seller)
    other_plan = factories.PlanFactory(deal=other_deal, organization=other_deal.organization)
    open_room(client, buyer, seller)
    assert client.get(reverse("plans:room-timeline", kwargs={"plan_id": other_plan.public_id})).status_code == 404
    assert client.get(reverse("plans:timeline", kwargs={"plan_id": other_plan.public_id})).status_code in (302, 404)
    client.force_login(outsider)
    for name in ("plans:timeline", "plans:room-timeline"):
        assert client.get(reverse(name, kwargs={"plan_id": small_plan["plan"].public_id})).status_code == 404


def test_an_empty_plan_says_how_to_fill_the_timeline(seller_client, plan):
    body = seller_client.get(reverse("plans:timeline", kwargs={"plan_id": plan.public_id})).content.decode()
    assert "No tasks yet" in body


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_queries_do_not_grow_with_the_plan(seller_client, plan, buyer, seller):
    org = plan.organization
    milestone = factories.MilestoneFactory(plan=plan, organization=org)
    previous = factories.TaskFactory(plan=plan, organization=org, milestone=milestone)
    url = reverse("plans:timeline", kwargs={"plan_id": plan.public_id})
    room_client = seller_client.__class__()
    open_room(room_client, buyer, seller)
    room_url = reverse("plans:room-timeline", kwargs={"plan_id": plan.public_id})
    small, small_room = _queries(seller_client, url), _queries(room_client, room_url)
    for n in range(40):
        task = factories.TaskFactory(plan=plan, organization=org, milestone=milestone if n % 2 else None,
                                     status=TaskStatus.DONE if n % 5 == 0 else TaskStatus.NOT_STARTED)
        TaskDependency.objects.create(organization=org, task=task, prerequisite=previous)
        slips.slip_record(task=task, actor=Actor(user=seller), from_date=task.due_date - datetime.timedelta(days=3),
                          to_date=task.due_date)
        previous = task
    assert _queries(seller_client, url) == small
    assert _queries(room_client, room_url) == small_room
