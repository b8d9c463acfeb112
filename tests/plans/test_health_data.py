"""Health and projection gathered from the database: a small plan by hand, the buyer's room
visits and recent slips as reasons, constant queries for any plan size and any number of
plans, and the same dates west and east of UTC."""

import datetime
import itertools

import pytest
from django.utils import timezone

from deals.models import Side
from plans import health_data
from plans.models import RoomLink, RoomVisit, Slip, Task, TaskDependency, TaskStatus
from tests import factories

D = datetime.date
TODAY = D(2027, 3, 1)  # a Monday


@pytest.fixture
def small_plan(plan):
    """A (buyer, 3 d) -> B (seller, 2 d) -> lag 1 -> C (joint, 1 d, the decision); D (buyer)
    overdue; E done long ago. Target Fri 5 Mar 2027, not agreed."""
    org = plan.organization
    make = lambda title, side, due, days, **kw: factories.TaskFactory(
        plan=plan, organization=org, title=title, side=side, due_date=due, duration_days=days, **kw)
    a = make("A", "buyer", D(2027, 3, 3), 3)
    b = make("B", "seller", D(2027, 3, 5), 2)
    c = make("C", "joint", D(2027, 3, 5), 1)
    make("D", "buyer", D(2027, 2, 25), 1)
    make("E", "seller", D(2027, 2, 1), 5, status=TaskStatus.DONE)
    TaskDependency.objects.create(organization=org, task=b, prerequisite=a)
    TaskDependency.objects.create(organization=org, task=c, prerequisite=b, lag_days=1)
    plan.target_close_date, plan.decision_task = D(2027, 3, 5), c
    plan.save()
    return plan


def test_a_small_plans_projection_and_health_match_the_hand_calculation(small_plan):
    # From Mon 1 Mar: A Mon 1 .. Wed 3; B Thu 4 .. Fri 5; C waits one business day after B:
    # Tue 9 .. Tue 9. Projected decision Tue 9 Mar: 2 business days (Mon 8, Tue 9) after Fri 5.
    # D (1 d, no prerequisites) Mon 1 and E (done) do not drive it.
    result = health_data.plan_health(small_plan, today=TODAY)
    tasks = {t.title: t.pk for t in Task.objects.filter(plan=small_plan)}
    assert result.projected_close_date == D(2027, 3, 9) and result.business_days_late == 2
    assert result.critical_path == [tasks["A"], tasks["B"], tasks["C"]]
    assert (result.dates[tasks["B"]].start, result.dates[tasks["B"]].due) == (D(2027, 3, 4), D(2027, 3, 5))
    # Not agreed 4 business days before the decision: red; D 4 days overdue on the buyer's
    # side: amber; 2 business days late: amber.
    assert result.level == "red"
    assert [(r.code, r.level) for r in result.reasons] == [
        ("not_agreed", "red"), ("overdue_items", "amber"), ("projected_late", "amber")]
    assert result.reasons[1].params == {"side": "buyer", "count": 1, "max_days_overdue": 4}


def test_without_a_decision_task_the_whole_plan_is_projected(small_plan):
    small_plan.decision_task = None
    small_plan.save()
    result = health_data.plan_health(small_plan, today=TODAY)
    assert result.projected_close_date == D(2027, 3, 9)


def test_recent_slips_and_a_silent_buyer_are_reasons(small_plan, buyer, seller):
    task = Task.objects.get(plan=small_plan, title="B")
    for days in (3, 4):
        Slip.objects.create(organization=small_plan.organization, plan=small_plan, task=task, from_date=D(2027, 3, 1),
                            to_date=D(2027, 3, 1) + datetime.timedelta(days=days), days=days, actor_name="x")
    RoomLink.objects.create(organization=small_plan.organization, stakeholder=buyer, token_hash="h" * 64,
                            expires_at=timezone.now() + datetime.timedelta(days=14))
    today = timezone.localdate()
    never = health_data.plan_health(small_plan, today=today)
    assert {"recent_slips", "buyer_never_opened"} <= {r.code for r in never.reasons}
    assert next(r for r in never.reasons if r.code == "recent_slips").params["days"] == 7
    RoomVisit.objects.create(organization=small_plan.organization, plan=small_plan, stakeholder=buyer,
                             started_at=timezone.now() - datetime.timedelta(days=12),
                             last_seen_at=timezone.now() - datetime.timedelta(days=12))
    silent = health_data.plan_health(small_plan, today=today)
    assert next(r for r in silent.reasons if r.code == "buyer_silent").params == {"days": 12}


def plan_of_size(org, seller, n):
    deal = factories.DealFactory(organization=org, owner=seller)
    plan = factories.PlanFactory(deal=deal, organization=org, target_close_date=D(2027, 6, 1))
    tasks = Task.objects.bulk_create([
        Task(organization=org, plan=plan, title=f"T{i}", side=["buyer", "seller", "joint"][i % 3],
             due_date=D(2027, 1, 4) + datetime.timedelta(days=i), duration_days=1 + i % 4, order=i)
        for i in range(n)
    ])
    TaskDependency.objects.bulk_create([
        TaskDependency(organization=org, task=b, prerequisite=a, lag_days=i % 2)
        for i, (a, b) in enumerate(itertools.pairwise(tasks))
    ])
    stakeholder = factories.StakeholderFactory(deal=deal, organization=org, side=Side.BUYER)
    RoomLink.objects.create(organization=org, stakeholder=stakeholder, token_hash=f"{plan.pk:064d}",
                            expires_at=timezone.now() + datetime.timedelta(days=14))
    RoomVisit.objects.create(organization=org, plan=plan, stakeholder=stakeholder)
    Slip.objects.create(organization=org, plan=plan, task=tasks[0], from_date=D(2027, 1, 4), to_date=D(2027, 1, 6),
                        days=2, actor_name="x")
    plan.decision_task = tasks[-1]
    plan.save()
    return plan


@pytest.mark.parametrize("size", [5, 100])
def test_one_plans_health_costs_the_same_queries_for_5_and_100_tasks(org, seller, size, django_assert_num_queries):
    plan = plan_of_size(org, seller, size)
    # Tasks, dependencies, recent slips, buyers invited, buyers' last visits.
    with django_assert_num_queries(5):
        result = health_data.plan_health(plan, today=D(2027, 1, 4))
    assert len(result.critical_path) == size


@pytest.mark.parametrize("plans", [1, 12])
def test_the_health_of_a_list_of_plans_costs_the_same_queries_for_1_and_12_plans(
    org, seller, plans, django_assert_num_queries
):
    many = [plan_of_size(org, seller, 3 + i) for i in range(plans)]
    with django_assert_num_queries(5):
        results = health_data.plans_health(many, today=D(2027, 1, 4))
    assert set(results) == {p.pk for p in many}
    assert all(not any(r.code == "buyer_never_opened" for r in h.reasons) for h in results.values())


@pytest.mark.parametrize("zone", ["America/Los_Angeles", "Asia/Tokyo"])
def test_projected_dates_are_the_same_west_and_east_of_utc(small_plan, zone):
    with timezone.override(zone):
        result = health_data.plan_health(small_plan, today=TODAY)
    assert result.projected_close_date == D(2027, 3, 9)
    assert type(result.projected_close_date) is datetime.date
