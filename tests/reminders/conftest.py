"""A small world for the reminders: a shared plan with a buyer who holds room access and a
seller-side owner who signs in, and a clock set to a Tuesday morning in UTC."""

import datetime

import pytest
import time_machine
from django.core import mail

from deals.models import Side
from plans import room_access
from plans.models import PlanStatus, TaskSide
from tests import factories

NOW = datetime.datetime(2026, 3, 10, 9, 0, tzinfo=datetime.UTC)  # Tuesday 09:00 UTC
TODAY = NOW.date()


def days(n: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=n)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def shared_plan(plan):
    plan.status = PlanStatus.SHARED
    plan.save(update_fields=["status"])
    return plan


def invite(stakeholder, seller):
    """Room access, as the seller gives it (the invitation's mail is not what we count)."""
    room_access.buyer_invite(stakeholder=stakeholder, invited_by=seller)
    mail.outbox.clear()


@pytest.fixture
def room_buyer(buyer, seller, shared_plan):
    buyer.timezone = "UTC"
    buyer.save(update_fields=["timezone"])
    invite(buyer, seller)
    return buyer


@pytest.fixture
def seller_owner(deal, seller):
    """The seller as a stakeholder of their own deal (how seller-side tasks get an owner)."""
    return factories.StakeholderFactory(deal=deal, side=Side.SELLER, name=seller.name, email=seller.email,
                                        user=seller, decision_role="account_executive")


def task_for(owner, due, plan=None, **extra):
    plan = plan or owner.deal.plan
    side = extra.pop("side", TaskSide.BUYER if owner.side == Side.BUYER else TaskSide.SELLER)
    return factories.TaskFactory(plan=plan, organization=plan.organization, owner=owner, side=side, due_date=due,
                                 **extra)


def reminders_to(address):
    return [m for m in mail.outbox if m.to == [address] and "Reminder" in m.subject]


@pytest.fixture
def run_sweep(django_capture_on_commit_callbacks):
    """The periodic task as beat starts it, with its after-commit sends run (tests hold a transaction)."""
    from reminders import tasks

    def run() -> int:
        with django_capture_on_commit_callbacks(execute=True):
            return tasks.sweep_reminders.delay().get()

    return run
