"""The sweep's cost grows with what is due, not with the number of tasks: a fixed number of
queries whether 10 or 200 items are due (to the same people)."""

from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from plans.models import Task
from reminders.models import ReminderDigest
from reminders.services import DIGEST_ITEMS_SHOWN
from tests import factories

from .conftest import days, invite, reminders_to


def sweep_queries(n, org, seller, room_buyer, seller_owner, run_sweep) -> int:
    other_deal = factories.DealFactory(organization=org, owner=seller)
    other_plan = factories.PlanFactory(deal=other_deal, organization=org, status="shared")
    same_person = factories.StakeholderFactory(deal=other_deal, email=room_buyer.email, timezone="UTC")
    invite(same_person, seller)
    owners = [(room_buyer, room_buyer.deal.plan), (same_person, other_plan), (seller_owner, room_buyer.deal.plan)]
    Task.objects.bulk_create([
        Task(organization=org, plan=plan, owner=owner, title=f"Item {i}", due_date=days(i % 5 - 2),
             side="buyer" if owner.side == "buyer" else "seller", order=i)
        for i in range(n) for owner, plan in [owners[i % 3]]
    ])
    # Tasks that are not due cost nothing: far ahead, done, or long overdue.
    Task.objects.bulk_create([
        Task(organization=org, plan=room_buyer.deal.plan, owner=room_buyer, title="later", due_date=days(60), order=0)
        for _ in range(n)
    ])
    mail.outbox.clear()
    with CaptureQueriesContext(connection) as queries:
        assert run_sweep() == 2
    buyer_items = len([i for i in range(n) if i % 3 != 2])
    assert reminders_to(room_buyer.email)[0].body.count("Item ") == min(buyer_items, DIGEST_ITEMS_SHOWN)
    return len(queries)


def test_the_sweep_costs_the_same_queries_for_10_and_200_due_items(
    clock, org, seller, room_buyer, seller_owner, run_sweep
):
    small = sweep_queries(10, org, seller, room_buyer, seller_owner, run_sweep)
    Task.objects.all().delete()
    ReminderDigest.objects.all().delete()
    big = sweep_queries(200, org, seller, room_buyer, seller_owner, run_sweep)
    # 23 = the sweep's 11: unsent retries, widest window, due tasks, cadences, opt-outs,
    # snoozes, slips; the claim (savepoint, digests, log rows, release). Then per digest 5:
    # attempt, digest, its items, sent_at on digest and rows; plus the buyer's fresh room link
    # per deal (2). Two digests whatever the number of items.
    print(f"sweep queries: {small} for 10 due items, {big} for 200")
    assert small == big, (small, big)
