#!/usr/bin/env python
"""Wall time and queries of the reminder sweep (reminders.sweep.run and the digests' sends).

Builds 10,000 open tasks in 50 shared plans (a buyer with room access in each deal, zones from
Berlin to Tokyo; the seller owns the seller-side tasks of every deal), of which 300 are due
(coming due, due today or overdue) and the rest due weeks later or done. Then times:
- the first sweep: the claim (one digest per person) and then sending every digest;
- a second sweep at once (what every 15-minute run costs when nothing new is due);
and prints each one's queries, and EXPLAIN ANALYZE of the due-task query.

    DJANGO_SETTINGS_MODULE=mapapp.test_settings .venv/bin/python bench/reminder_sweep.py [tasks] [due]

(e.g. `... bench/reminder_sweep.py 1000000 10000` for the issue's million tasks, ~1 % due.)
"""

import datetime
import sys
import time

import harness

harness.setup("reminder_sweep")

from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from deals.models import Deal, Side, Stakeholder
from mapapp.models import Membership, Organization, Role, User
from plans import room_access
from plans.models import Plan, PlanStatus, Task
from reminders import services, sweep

DEALS = 50
ZONES = ["UTC", "Europe/Berlin", "Asia/Jakarta", "Asia/Tokyo"]


def build(n_tasks: int, n_due: int, today: datetime.date) -> None:
    organization = Organization.objects.create(name="Bench Vendor")
    seller = User.objects.create_user("seller@bench.example", "x", name="Sam Seller", timezone="Europe/Berlin")
    Membership.objects.create(organization=organization, user=seller, role=Role.SELLER)
    owners = []
    for d in range(DEALS):
        deal = Deal.objects.create(organization=organization, name=f"Bench deal {d}", buyer_company=f"Buyer {d}",
                                   owner=seller)
        plan = Plan.objects.create(organization=organization, deal=deal, title=f"Plan {d}", status=PlanStatus.SHARED)
        buyer = Stakeholder.objects.create(organization=organization, deal=deal, side=Side.BUYER, name=f"Buyer {d}",
                                           email=f"buyer{d}@bench.example", timezone=ZONES[d % len(ZONES)])
        room_access.link_issue(stakeholder=buyer, created_by=seller, mail=False)
        mine = Stakeholder.objects.create(organization=organization, deal=deal, side=Side.SELLER, name=seller.name,
                                          email=seller.email, user=seller)
        owners.append((plan, buyer, mine))
    insert_tasks(organization, owners, n_tasks, n_due, today)


# One INSERT ... SELECT over generate_series: a million rows in seconds. Due items (every
# `every`-th task, `due` of them): 2 days ahead .. 6 days late, half the buyers', half the
# seller's, spread over the deals; the others 3 to 12 weeks ahead, a fifth of them done.
TASKS_SQL = """
INSERT INTO plans_task (organization_id, public_id, plan_id, title, description, side, owner_id, due_date, status,
                        blocked_reason, internal, duration_days, "order", version, created_at, updated_at)
SELECT %(org)s, gen_random_uuid(), (%(plans)s::bigint[])[deal + 1], 'Task ' || i, '',
       CASE WHEN buyer THEN 'buyer' ELSE 'seller' END,
       CASE WHEN buyer THEN (%(buyers)s::bigint[])[deal + 1] ELSE (%(sellers)s::bigint[])[deal + 1] END,
       CASE WHEN due THEN %(today)s::date + (2 - (i / %(every)s) %% 9) ELSE %(today)s::date + 21 + i %% 60 END,
       CASE WHEN NOT due AND i %% 5 = 0 THEN 'done' ELSE 'not_started' END,
       '', false, 1, i, 1, now(), now()
FROM (SELECT i, due, CASE WHEN due THEN (i / %(every)s) %% 2 = 1 ELSE i %% 2 = 1 END AS buyer,
             CASE WHEN due THEN (i / %(every)s / 2) %% %(deals)s ELSE i %% %(deals)s END AS deal
      FROM (SELECT i, (i %% %(every)s = 0 AND i / %(every)s < %(due)s) AS due
            FROM generate_series(0, %(n)s - 1) AS i) AS numbered) AS g
"""


def insert_tasks(organization, owners, n_tasks: int, n_due: int, today: datetime.date) -> None:
    with connection.cursor() as cursor:
        cursor.execute(TASKS_SQL, {
            "org": organization.pk, "plans": [p.pk for p, _b, _s in owners], "deals": DEALS,
            "buyers": [b.pk for _p, b, _s in owners], "sellers": [s.pk for _p, _b, s in owners],
            "today": today, "every": max(n_tasks // n_due, 1), "due": n_due, "n": n_tasks,
        })

def timed(label: str, fn):
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        result = fn()
        spent = (time.perf_counter() - started) * 1000
    print(f"{label}: {spent:.0f} ms, {len(queries)} queries")
    return result


def run() -> None:
    n_tasks = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    n_due = int(sys.argv[2]) if len(sys.argv) > 2 else 300
    now = timezone.now().replace(hour=10, minute=0)  # 10:00 UTC: morning to evening from Berlin to Tokyo
    today = now.date()
    started = time.perf_counter()
    build(n_tasks, n_due, today)
    built = time.perf_counter() - started
    harness.analyze()
    print(f"reminder sweep bench on {connection.vendor} ({connection.settings_dict['NAME']}); "
          f"{Task.objects.count():,} tasks in {DEALS} deals built in {built:.1f} s")

    rows = timed("due tasks query", lambda: sweep.due_tasks(now))
    print(f"  {len(rows)} candidate rows in the window")
    result = timed("first sweep, claim", lambda: sweep.run(now))

    def send_all():
        for organization_id, digest_id in result.digests:
            services.digest_send(organization_id=organization_id, digest_id=digest_id, now=now)

    timed(f"first sweep, sending {len(result.digests)} digests", send_all)
    items = sum(m.body.count("/reminders/act/") for m in mail.outbox) // 3
    print(f"  {len(mail.outbox)} mails, {items} items reminded of")
    second = timed("second sweep (nothing new is due)", lambda: sweep.run(now))
    assert not second.digests
    if connection.vendor == "postgresql":
        print("EXPLAIN ANALYZE of the due-task query:")
        print(sweep.due_tasks_query(now).explain(analyze=True))

if __name__ == "__main__":
    harness.run_in_throwaway_db(run)
