"""The sweep: which items, for whom, when (their zone, their morning), once."""

import datetime

import pytest
import time_machine
from django.core import mail

from deals.models import Side
from plans.models import TaskStatus
from reminders import sweep
from reminders.models import Kind, ReminderDigest, ReminderLog, ReminderOptOut, ReminderSettings
from reminders.sweep import Cadence, slot_for
from tests import factories

from .conftest import NOW, TODAY, days, invite, reminders_to, task_for

CADENCE = Cadence(days_before=2, overdue_every_days=3, overdue_stop_days=30, send_hour=8)


def test_slots_follow_the_cadence():
    due = datetime.date(2026, 3, 10)
    slots = {n: slot_for(due, due + datetime.timedelta(days=n), CADENCE) for n in range(-4, 40)}
    assert slots[-3] is None and slots[-2] == slots[-1] == "soon@2026-03-10"
    assert slots[0] == "today@2026-03-10"
    # Late by 1-3 days: one reminder; by 4-6: the next; so every three days, not daily.
    assert slots[1] == slots[2] == slots[3] == "overdue0@2026-03-10"
    assert slots[4] == slots[6] == "overdue1@2026-03-10" and slots[7] == "overdue2@2026-03-10"
    assert slots[30] == "overdue9@2026-03-10" and slots[31] is None  # then it stops


def test_the_sweep_picks_items_coming_due_due_today_and_overdue(clock, room_buyer, run_sweep):
    wanted = [task_for(room_buyer, days(n), title=f"Due {n}") for n in (2, 1, 0, -1, -5)]
    left_out = [
        task_for(room_buyer, days(3), title="Too far ahead"),
        task_for(room_buyer, days(-31), title="Overdue for too long"),
        task_for(room_buyer, days(0), title="Already done", status=TaskStatus.DONE),
        task_for(room_buyer, days(0), title="Internal step", internal=True),
    ]
    assert run_sweep() == 1
    [message] = reminders_to(room_buyer.email)
    for task in wanted:
        assert task.title in message.body
    for task in left_out:
        assert task.title not in message.body
    assert "due in 2 days" in message.body and "due today" in message.body and "overdue by 5 days" in message.body
    assert {log.slot for log in ReminderLog.objects.all()} == {
        f"soon@{days(2)}", f"soon@{days(1)}", f"today@{days(0)}", f"overdue0@{days(-1)}", f"overdue1@{days(-5)}"
    }


def test_overdue_items_are_reminded_every_three_days_not_daily(room_buyer, run_sweep):
    task_for(room_buyer, TODAY, title="Sign the order form")
    sent_on = []
    for n in range(10):
        with time_machine.travel(NOW + datetime.timedelta(days=n), tick=False):
            before = len(mail.outbox)
            run_sweep()
            run_sweep()  # a second run the same morning adds nothing
            if len(mail.outbox) > before:
                sent_on.append(n)
    assert sent_on == [0, 1, 4, 7]


def test_the_organization_sets_the_cadence(clock, room_buyer, org, run_sweep):
    ReminderSettings.objects.create(organization=org, days_before=5, overdue_every_days=1)
    task_for(room_buyer, days(5), title="Five days out")
    run_sweep()
    assert "Five days out" in reminders_to(room_buyer.email)[0].body


def test_buyers_without_room_access_or_on_a_draft_plan_are_not_reminded(clock, plan, buyer, seller, run_sweep):
    task_for(buyer, days(0), title="Draft plan item")
    run_sweep()
    assert not reminders_to(buyer.email)  # a draft plan, never shared: nothing
    plan.status = "shared"
    plan.save()
    run_sweep()
    assert not reminders_to(buyer.email)  # shared, but the buyer was never invited
    invite(buyer, seller)
    run_sweep()
    assert len(reminders_to(buyer.email)) == 1


@pytest.mark.parametrize(
    ("zone", "utc_hour", "sent", "slot"),
    [
        # West of UTC (Los Angeles, UTC-7 in March): 10:00 UTC is 03:00 there, not yet.
        ("America/Los_Angeles", 10, False, None),
        # 16:00 UTC is 09:00 there: sent, and their today is still 10 March.
        ("America/Los_Angeles", 16, True, "soon@2026-03-11"),
        # East (Tokyo, UTC+9): 22:00 UTC is 07:00 on 11 March there, not yet...
        ("Asia/Tokyo", 22, False, None),
        # ... 23:30 UTC is 08:30 on 11 March: the item is due *today* in Tokyo.
        ("Asia/Tokyo", 23.5, True, "today@2026-03-11"),
        # 12:00 UTC is 21:00 in Tokyo: too late in the day; tomorrow morning then.
        ("Asia/Tokyo", 12, False, None),
    ],
)
def test_reminders_go_out_in_the_recipients_local_morning(room_buyer, zone, utc_hour, sent, slot, run_sweep):
    room_buyer.timezone = zone
    room_buyer.save()
    task_for(room_buyer, datetime.date(2026, 3, 11), title="Security questionnaire")
    at = datetime.datetime(2026, 3, 10, tzinfo=datetime.UTC) + datetime.timedelta(hours=utc_hour)
    with time_machine.travel(at, tick=False):
        run_sweep()
    assert len(reminders_to(room_buyer.email)) == (1 if sent else 0)
    assert list(ReminderLog.objects.values_list("slot", flat=True)) == ([slot] if sent else [])


def test_a_seller_is_reminded_in_their_own_zone_and_language(plan, deal, seller, seller_owner, run_sweep):
    seller.timezone, seller.language = "Europe/Berlin", "de"
    seller.save()
    task_for(seller_owner, datetime.date(2026, 3, 11), title="Send the proposal")
    with time_machine.travel(datetime.datetime(2026, 3, 10, 6, 30, tzinfo=datetime.UTC), tick=False):
        run_sweep()  # 07:30 in Berlin
        assert not mail.outbox
    with time_machine.travel(datetime.datetime(2026, 3, 10, 7, 15, tzinfo=datetime.UTC), tick=False):
        run_sweep()  # 08:15 in Berlin
    [message] = mail.outbox
    assert message.to == [seller.email]
    assert "11. März 2026" in message.body  # dates in German: the digest was rendered in "de"
    assert f"/plans/{deal.plan.public_id}/" in message.body  # the seller gets the plan page


def test_one_digest_per_recipient_across_deals(clock, org, seller, room_buyer, seller_owner, run_sweep):
    other_deal = factories.DealFactory(organization=org, owner=seller, name="Second deal")
    other_plan = factories.PlanFactory(deal=other_deal, organization=org, status="shared")
    same_person = factories.StakeholderFactory(deal=other_deal, email=room_buyer.email.upper(), timezone="UTC")
    invite(same_person, seller)
    other_seller_owner = factories.StakeholderFactory(deal=other_deal, side=Side.SELLER, email=seller.email,
                                                      user=seller)
    for owner, plan in ((room_buyer, None), (same_person, other_plan), (seller_owner, None),
                        (other_seller_owner, other_plan)):
        task_for(owner, days(0), plan=plan, title=f"{owner.side} item of {(plan or owner.deal.plan).deal.name}")
        task_for(owner, days(-1), plan=plan, title=f"late {owner.side} item of {(plan or owner.deal.plan).deal.name}")
    run_sweep()
    assert sorted(m.to[0] for m in mail.outbox) == sorted([room_buyer.email, seller.email])
    [buyer_mail] = reminders_to(room_buyer.email)
    assert "buyer item of Northwind rollout" in buyer_mail.body and "buyer item of Second deal" in buyer_mail.body
    assert "seller item" not in buyer_mail.body
    # Their own fresh room link per deal, and no invitation mail besides.
    assert buyer_mail.body.count("/r/") == 2
    [seller_mail] = reminders_to(seller.email)
    assert seller_mail.body.count("seller item") == 4


def test_a_second_run_and_a_racing_run_send_nothing_more(clock, room_buyer):
    task_for(room_buyer, days(0))
    first = sweep.run()
    second = sweep.run()  # claimed before the first one's mail went: nothing left to claim
    assert len(first.digests) == 1 and second.digests == []
    assert ReminderDigest.objects.count() == 1  # the second run's empty digest is gone


def test_a_sweep_after_a_gap_catches_up_with_one_digest(room_buyer, run_sweep):
    """Beat was down for five days: the first sweep after it sends each item's current reminder once."""
    for n in (1, 2, 3):
        task_for(room_buyer, days(n), title=f"Item {n}")
    with time_machine.travel(NOW + datetime.timedelta(days=5), tick=False):
        run_sweep()
        run_sweep()
    [message] = reminders_to(room_buyer.email)
    assert "overdue by 4 days" in message.body and "overdue by 2 days" in message.body
    assert ReminderLog.objects.count() == 3


def test_opted_out_addresses_get_no_reminders(clock, org, room_buyer, run_sweep):
    ReminderOptOut.objects.create(organization=org, email=room_buyer.email, kind=Kind.DIGEST)
    task_for(room_buyer, days(0))
    run_sweep()
    assert not mail.outbox


def test_the_deal_owner_gets_a_daily_summary_of_buyer_side_slips_once(seller, room_buyer, seller_owner, run_sweep):
    from plans.activity import Actor
    from plans.slips import task_propose_date

    late = task_for(room_buyer, days(10), title="Legal review")
    with time_machine.travel(NOW - datetime.timedelta(hours=5), tick=False):
        task_propose_date(task=late, actor=Actor(stakeholder=room_buyer), version=late.version, due_date=days(17),
                          reason="Our counsel is away")
        seller_task = task_for(seller_owner, days(20), title="Seller slip")
        task_propose_date(task=seller_task, actor=Actor(user=seller), version=1, due_date=days(25), reason="x")
    mail.outbox.clear()
    with time_machine.travel(NOW, tick=False):
        run_sweep()
        run_sweep()
    summaries = [m for m in mail.outbox if "moved" in m.subject]
    [summary] = summaries
    assert summary.to == [seller.email]
    assert "Legal review" in summary.body and "Our counsel is away" in summary.body and "7 days" in summary.body
    assert "Seller slip" not in summary.body
    with time_machine.travel(NOW + datetime.timedelta(days=1), tick=False):
        run_sweep()  # the slip is older than a day now
    assert len([m for m in mail.outbox if "moved" in m.subject]) == 1


def test_an_item_given_to_someone_else_after_the_claim_is_left_out(clock, room_buyer, seller_owner):
    from reminders import services

    task = task_for(room_buyer, days(0), title="Moved to the seller")
    kept = task_for(room_buyer, days(0), title="Still theirs")
    [(organization_id, digest_id)] = sweep.run().digests
    task.owner = seller_owner
    task.save()
    services.digest_send(organization_id=organization_id, digest_id=digest_id)
    [message] = reminders_to(room_buyer.email)
    assert kept.title in message.body and task.title not in message.body


def test_slip_summaries_are_one_per_owner_however_many_slips(clock, seller, room_buyer, run_sweep):
    from plans.activity import Actor
    from plans.slips import task_propose_date

    for n in range(3):
        task = task_for(room_buyer, days(10 + n), title=f"Slipped {n}")
        task_propose_date(task=task, actor=Actor(stakeholder=room_buyer), version=task.version,
                          due_date=days(20 + n), reason="later")
    mail.outbox.clear()
    with time_machine.travel(NOW + datetime.timedelta(hours=1), tick=False):
        run_sweep()
    [summary] = [m for m in mail.outbox if "moved" in m.subject]
    assert all(f"Slipped {n}" in summary.body for n in range(3)) and summary.to == [seller.email]


def test_a_long_digest_lists_the_first_fifty_and_counts_the_rest(clock, room_buyer, run_sweep):
    for n in range(53):
        task_for(room_buyer, days(-1 if n < 50 else 1), title=f"Long item {n:02d}")
    run_sweep()
    [message] = reminders_to(room_buyer.email)
    assert "Long item 00" in message.body and "Long item 50" not in message.body
    assert "Reminder: 53 items" in message.subject and "and 3 more items" in message.body
