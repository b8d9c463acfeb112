"""A small plan whose check-in agenda is known by hand (see `small_plan`)."""

import datetime

import pytest
from django.utils import timezone

from checkins.models import CheckIn
from deals.models import Side
from plans.models import Cadence, Comment, Slip, TaskSide, TaskStatus
from tests import factories

DAY = datetime.timedelta(days=1)


def make_slip(task, *, days, side=Side.BUYER, reason="", by="Sarah Chen", when=None):
    slip = Slip.objects.create(
        organization=task.organization, plan=task.plan, task=task, from_date=task.due_date - days * DAY,
        to_date=task.due_date, days=days, side=side, reason=reason, actor_name=by,
    )
    if when is not None:
        Slip.objects.filter(pk=slip.pk).update(created_at=when)
    return slip


@pytest.fixture
def small_plan(plan, buyer, seller):
    """Next check-in tomorrow; the last one was held a week ago. By hand, its agenda is:
    done: "Architecture document" (done 3 days ago), not "Kick-off" (done before the last check-in);
    in flight: "Security review"; blocked: "Legal review" (waiting for the DPA);
    coming up: "Reference call" (due in 5 days), "Pilot sign-off" (overdue), not "Go-live prep"
    (due in 30 days); moved: "Security review" by 4 days (buyer, "Team on holiday"), not an old slip.
    Internal: "Discount approval" (in flight) and its slip, and an internal comment."""
    org = plan.organization
    today = timezone.localdate()
    now = timezone.now()
    plan.checkin_cadence = Cadence.WEEKLY
    plan.next_checkin_date = today + DAY
    plan.save()
    CheckIn.objects.create(organization=org, plan=plan, date=today - 6 * DAY, held_at=now - 7 * DAY,
                           notes="We agreed the pilot scope.")
    rep = factories.StakeholderFactory(deal=plan.deal, side=Side.SELLER, name="Sam Rep", decision_role="")

    def task(title, **kw):
        return factories.TaskFactory(plan=plan, organization=org, title=title, **kw)

    tasks = {
        "kickoff": task("Kick-off", status=TaskStatus.DONE, completed_at=now - 10 * DAY, due_date=today - 10 * DAY),
        "arch": task("Architecture document", status=TaskStatus.DONE, completed_at=now - 3 * DAY, owner=rep,
                     due_date=today - 2 * DAY),
        "security": task("Security review", status=TaskStatus.IN_PROGRESS, side=TaskSide.BUYER, owner=buyer,
                         due_date=today + 8 * DAY),
        "legal": task("Legal review", status=TaskStatus.BLOCKED, blocked_reason="Waiting for the DPA",
                      side=TaskSide.BUYER, due_date=today + 3 * DAY),
        "reference": task("Reference call", due_date=today + 5 * DAY, side=TaskSide.JOINT),
        "pilot": task("Pilot sign-off", due_date=today - 2 * DAY, side=TaskSide.BUYER),
        "golive": task("Go-live prep", due_date=today + 30 * DAY),
        "discount": task("Discount approval", status=TaskStatus.IN_PROGRESS, internal=True, due_date=today + 4 * DAY),
    }
    make_slip(tasks["security"], days=4, reason="Team on holiday")
    make_slip(tasks["reference"], days=2, side=Side.SELLER, when=now - 9 * DAY)  # before the last check-in
    make_slip(tasks["discount"], days=6, side=Side.SELLER, reason="Finance is slow")
    Comment.objects.create(organization=org, plan=plan, task=tasks["legal"], author_stakeholder=buyer,
                           body="DPA is with our lawyers")
    Comment.objects.create(organization=org, plan=plan, task=tasks["legal"], author_user=seller,
                           body="Push them harder", internal=True)
    Comment.objects.create(organization=org, plan=plan, task=tasks["discount"], author_user=seller,
                           body="Max 12 %")
    return tasks

