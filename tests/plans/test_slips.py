"""Slips: every due date moved later leaves one (days lost, who, why); the plan page shows them
on the task's row at a fixed cost."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from plans import services, slips
from plans.activity import Actor
from plans.models import Activity, Slip
from tests import factories

D = datetime.date


@pytest.fixture
def task(plan):
    return factories.TaskFactory(plan=plan, organization=plan.organization, title="Pilot", due_date=D(2027, 5, 3))


def test_slip_record_counts_the_days_lost_and_who(task, buyer):
    slip = slips.slip_record(task=task, actor=Actor(stakeholder=buyer), from_date=D(2027, 5, 3),
                             to_date=D(2027, 5, 17), reason="  Vendor late  ")
    assert (slip.days, slip.reason, slip.actor_name, slip.actor_stakeholder) == (14, "Vendor late", "Sarah Chen", buyer)
    assert slip.organization_id == task.organization_id and slip.plan_id == task.plan_id


@pytest.mark.parametrize("from_date, to_date", [(D(2027, 5, 3), D(2027, 5, 1)), (D(2027, 5, 3), D(2027, 5, 3)),
                                                (None, D(2027, 5, 3)), (D(2027, 5, 3), None)])
def test_no_slip_for_an_earlier_same_first_or_removed_date(task, seller, from_date, to_date):
    assert slips.slip_record(task=task, actor=Actor(user=seller), from_date=from_date, to_date=to_date) is None
    assert not Slip.objects.exists()


def test_the_sellers_later_due_date_writes_a_slip_without_a_reason(task, seller):
    services.task_update(task=task, actor=Actor(user=seller), version=1, data={"due_date": D(2027, 5, 10)})
    slip = Slip.objects.get()
    assert (slip.days, slip.reason, slip.actor_user, slip.actor_name) == (7, "", seller, "Sam Seller")
    services.task_update(task=task, actor=Actor(user=seller), version=2, data={"due_date": D(2027, 5, 5)})
    assert Slip.objects.count() == 1  # earlier: no time lost


def test_task_propose_date_for_sellers_takes_an_optional_reason(task, seller):
    slip = slips.task_propose_date(task=task, actor=Actor(user=seller), version=1, due_date=D(2027, 5, 4),
                                   reason="", reason_required=False)
    assert slip.days == 1 and slip.reason == ""
    assert Activity.objects.get(verb="rescheduled").changes == {"due_date": ["2027-05-03", "2027-05-04"]}


def test_task_propose_date_for_buyers_needs_a_reason(task, buyer):
    with pytest.raises(ValidationError) as error:
        slips.task_propose_date(task=task, actor=Actor(stakeholder=buyer), version=1, due_date=D(2027, 6, 1), reason="")
    assert "reason" in error.value.error_dict
    task.refresh_from_db()
    assert task.due_date == D(2027, 5, 3) and not Slip.objects.exists()


def test_the_plan_page_shows_slips_on_the_row(seller_client, plan, task, buyer, seller):
    slips.task_propose_date(task=task, actor=Actor(stakeholder=buyer), version=1, due_date=D(2027, 5, 10),
                            reason="Board <b>meets</b> later")
    html = seller_client.get(reverse("plans:detail", kwargs={"plan_id": plan.public_id})).content.decode()
    assert "slipped 7 days — Board &lt;b&gt;meets&lt;/b&gt; later — by Sarah Chen" in html


def test_the_seller_editor_writes_a_slip_and_the_row_shows_it(seller_client, plan, task):
    url = reverse("plans:task-edit", kwargs={"task_id": task.public_id})
    response = seller_client.post(url, {"version": 1, "title": "Pilot", "side": "seller", "due_date": "2027-05-04",
                                        "status": "not_started"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "slipped 1 day — by Sam Seller" in response.content.decode()


@pytest.mark.parametrize("count", [5, 100])
def test_slips_cost_one_query_whatever_their_number(seller_client, plan, buyer, count, django_assert_num_queries):
    actor = Actor(stakeholder=buyer)
    for n in range(count):
        task = factories.TaskFactory(plan=plan, organization=plan.organization, due_date=D(2027, 1, 1))
        slips.slip_record(task=task, actor=actor, from_date=D(2027, 1, 1), to_date=D(2027, 1, 2 + n % 20), reason="x")
    # The 15 of test_views.py: the slips are one of them (plans.selectors.plan_page_data), for the
    # rows, the health badge and the slips panel alike.
    with django_assert_num_queries(15):
        response = seller_client.get(reverse("plans:detail", kwargs={"plan_id": plan.public_id}))
    assert response.content.decode().count('class="slip"') == count
