"""A date far outside a plan's life (a typo, or the end of the calendar) is refused with a
sentence on every form that takes one, and changes nothing: never a 500 from date arithmetic."""

import datetime

import pytest
from django.urls import reverse

from mapapp.dates import LATEST_DATE, check_date_range
from plans.models import Task
from tests import factories
from tests.plans.test_reschedule_views import edit_url, form
from tests.plans.test_room import open_room

MESSAGE = "Pick a date between 1990 and 2100."


@pytest.mark.parametrize("typed", ["9999-12-31", "1900-01-01", "2206-05-01"])
def test_the_task_editor_refuses_a_date_out_of_range(seller_client, plan, typed):
    task = factories.TaskFactory(plan=plan, organization=plan.organization, due_date=datetime.date(2027, 3, 1))
    response = seller_client.post(edit_url(task), form(task, due_date=typed), HTTP_HX_REQUEST="true")
    assert response.status_code < 500 and MESSAGE in response.content.decode()
    assert Task.objects.get(pk=task.pk).due_date == datetime.date(2027, 3, 1)


def test_the_last_day_of_the_range_is_accepted():
    check_date_range(LATEST_DATE)


def test_the_buyer_cannot_propose_the_end_of_the_calendar(client, plan, buyer, seller):
    task = factories.TaskFactory(plan=plan, organization=plan.organization, side="buyer", owner=buyer,
                                 due_date=datetime.date(2027, 3, 1))
    open_room(client, buyer, seller)
    response = client.post(reverse("plans:room-task-date", kwargs={"task_id": task.public_id}),
                           {"version": task.version, "due_date": "9999-12-31", "reason": "Typo"},
                           HTTP_HX_REQUEST="true")
    assert response.status_code < 500 and MESSAGE in response.content.decode()
    assert Task.objects.get(pk=task.pk).due_date == datetime.date(2027, 3, 1)


def test_a_plan_summary_refuses_a_target_out_of_range(seller_client, plan):
    response = seller_client.post(reverse("plans:summary-edit", kwargs={"plan_id": plan.public_id}), {
        "version": plan.version, "title": plan.title, "status": plan.status, "target_close_date": "9999-12-31",
        "checkin_cadence": "none",
    }, HTTP_HX_REQUEST="true")
    assert response.status_code < 500 and MESSAGE in response.content.decode()
    plan.refresh_from_db()
    assert plan.target_close_date is None
