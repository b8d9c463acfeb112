"""The agenda builder, without requests: its contents by hand, the room's cut, its cost."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from checkins import agenda as agendas
from checkins.models import CheckIn
from deals.models import Side
from plans.models import TaskStatus
from tests import factories

from .conftest import make_slip

DAY = datetime.timedelta(days=1)


def titles(items):
    return [item["title"] for item in items]


def test_the_agenda_of_a_small_plan_is_what_it_should_be_by_hand(plan, small_plan):
    on = plan.next_checkin_date
    agenda = agendas.agenda_build(plan, on=on)

    assert titles(agenda["done"]) == ["Architecture document"]
    assert agenda["done"][0]["owner"] == "Sam Rep"
    # Sorted by due date.
    assert titles(agenda["in_flight"]) == ["Discount approval", "Security review"]
    assert titles(agenda["blocked"]) == ["Legal review"]
    assert agenda["blocked"][0]["blocked_reason"] == "Waiting for the DPA"
    assert titles(agenda["coming_up"]) == ["Pilot sign-off", "Reference call"]
    assert [item["overdue"] for item in agenda["coming_up"]] == [True, False]
    moved = {m["title"]: m for m in agenda["moved"]}
    assert set(moved) == {"Security review", "Discount approval"}
    assert moved["Security review"] | {"at": None} == moved["Security review"] | {
        "days": 4, "side": "buyer", "reason": "Team on holiday", "by": "Sarah Chen", "at": None,
        "from": (small_plan["security"].due_date - 4 * DAY).isoformat(), "to": small_plan["security"].due_date.isoformat(),
    }
    assert agendas.days_lost(agenda) == {"buyer": 4, "seller": 6}
    assert agenda["previous_date"] == (timezone.localdate() - 6 * DAY).isoformat()
    assert {c["body"] for c in agenda["comments"]} == {"DPA is with our lawyers", "Push them harder", "Max 12 %"}


def test_the_rooms_agenda_never_has_internal_tasks_or_comments(plan, small_plan):
    on = plan.next_checkin_date
    for agenda in (agendas.agenda_build(plan, on=on, room=True), agendas.room_view(agendas.agenda_build(plan, on=on))):
        assert titles(agenda["in_flight"]) == ["Security review"]
        assert titles(agenda["moved"]) == ["Security review"]
        assert [c["body"] for c in agenda["comments"]] == ["DPA is with our lawyers"]
        text = repr(agenda)
        assert "Discount approval" not in text and "Push them harder" not in text and "Max 12" not in text
        assert "Finance is slow" not in text


def test_without_an_earlier_check_in_the_agenda_looks_back_two_weeks_at_most(plan):
    org = plan.organization
    now = timezone.now()
    plan.next_checkin_date = timezone.localdate() + DAY
    plan.save()
    from plans.models import Plan
    Plan.objects.filter(pk=plan.pk).update(created_at=now - 60 * DAY)
    plan.refresh_from_db()
    factories.TaskFactory(plan=plan, organization=org, title="Recent", status=TaskStatus.DONE, completed_at=now - 5 * DAY)
    factories.TaskFactory(plan=plan, organization=org, title="Long ago", status=TaskStatus.DONE,
                          completed_at=now - 30 * DAY)
    agenda = agendas.agenda_build(plan, on=plan.next_checkin_date)
    assert titles(agenda["done"]) == ["Recent"]
    assert agenda["previous_date"] is None


def test_a_check_in_not_held_is_not_the_last_check_in(plan, small_plan):
    # A check-in that was never marked held (notes only) does not reset "since".
    CheckIn.objects.create(organization=plan.organization, plan=plan, date=timezone.localdate() - DAY)
    agenda = agendas.agenda_build(plan, on=plan.next_checkin_date)
    assert titles(agenda["done"]) == ["Architecture document"]


def test_display_translates_labels_and_parses_dates(plan, small_plan):
    shown = agendas.display(agendas.agenda_build(plan, on=plan.next_checkin_date))
    assert shown["date"] == plan.next_checkin_date
    assert shown["blocked"][0]["side_label"] == "Buyer"
    assert shown["moved"][0]["from"] < shown["moved"][0]["to"]
    assert {d["side"]: d["days"] for d in shown["days_lost"]} == {"buyer": 4, "seller": 6}
    assert not shown["empty"]


def _grow(plan, n):
    org = plan.organization
    today = timezone.localdate()
    people = [factories.StakeholderFactory(deal=plan.deal) for _ in range(3)]
    milestone = factories.MilestoneFactory(plan=plan, organization=org)
    for i in range(n):
        status = [TaskStatus.DONE, TaskStatus.IN_PROGRESS, TaskStatus.BLOCKED, TaskStatus.NOT_STARTED][i % 4]
        task = factories.TaskFactory(
            plan=plan, organization=org, status=status, owner=people[i % 3], milestone=milestone,
            completed_at=timezone.now() if status == TaskStatus.DONE else None, due_date=today + (i % 10) * DAY,
            internal=i % 7 == 3, blocked_reason="waiting" if status == TaskStatus.BLOCKED else "",
        )
        make_slip(task, days=1 + i % 3, side=Side.BUYER if i % 2 else Side.SELLER)


@pytest.mark.parametrize("room", [False, True])
def test_the_agenda_costs_four_queries_whatever_the_size_of_the_plan(plan, room):
    plan.next_checkin_date = timezone.localdate() + DAY
    plan.save()
    counts = []
    for size in (3, 120):
        _grow(plan, size)
        with CaptureQueriesContext(connection) as queries:
            agenda = agendas.agenda_build(plan, on=plan.next_checkin_date, room=room)
        counts.append(len(queries))
        assert agenda["done"] and agenda["moved"]
    # The previous check-in, the tasks, the slips, the comments.
    assert counts == [4, 4]
