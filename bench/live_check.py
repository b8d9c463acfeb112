#!/usr/bin/env python
"""What an open page's live-refresh poll costs: the stamp URLs of the plan page and the deal room
(plans.live), answered 304 (nothing changed, If-None-Match matches) and 200 (changed).

Builds a plan of 60 tasks with a long history (5,000 activity rows, a third of them internal,
and 300 room visits) in a throwaway PostgreSQL database, then times each path through the test
client: 5 warm-up requests, then the median and p90 of 50, and the queries of one request.
The pages themselves are timed once for comparison: a poll should cost a small fraction of them.

    DJANGO_SETTINGS_MODULE=mapapp.test_settings .venv/bin/python bench/live_check.py
"""

import statistics
import time
from datetime import date, timedelta

import harness

harness.setup("live_check")

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from deals.models import Side
from deals.services import deal_create, stakeholder_create
from mapapp.models import Membership, Organization, Role, User
from plans import room_access
from plans.activity import Actor
from plans.models import Activity, RoomVisit, TaskSide
from plans.services import plan_create, task_create

TASKS, ACTIVITY, VISITS = 60, 5000, 300


def build(organization, seller):
    actor = Actor(user=seller)
    deal = deal_create(organization=organization, actor=actor, data={
        "name": "Bench deal", "buyer_company": "Bench Buyer", "target_close_date": date.today() + timedelta(days=60),
    })
    plan = plan_create(deal=deal, actor=actor)
    buyer = stakeholder_create(deal=deal, actor=actor, data={"side": Side.BUYER, "name": "Bea Buyer",
                                                            "email": "bea@buyer.example"})
    for i in range(TASKS):
        task_create(plan=plan, actor=actor, title=f"Task {i + 1}", side=TaskSide.BUYER if i % 2 else TaskSide.SELLER,
                    owner=buyer if i % 2 else None, due_date=date.today() + timedelta(days=i), internal=i % 10 == 0)
    # A long history: the stamps must not get slower as it grows (they read the newest rows only).
    start = timezone.now() - timedelta(days=90)
    Activity.objects.bulk_create([
        Activity(organization=organization, plan=plan, actor_user=seller, actor_name="Sam Seller", verb="updated",
                 target_type="task", target_label=f"Task {i % TASKS + 1}", internal=i % 3 == 0,
                 changes={"status": ["not_started", "in_progress"]})
        for i in range(ACTIVITY)
    ])
    # bulk_create stamps every row "now"; spread them over the last 90 days as a real history is.
    with connection.cursor() as cursor:
        cursor.execute(
            f'UPDATE "{Activity._meta.db_table}" SET "created_at" = %s + ("id" * interval \'1 second\') '
            'WHERE "plan_id" = %s', [start, plan.pk],
        )
    RoomVisit.objects.bulk_create([
        RoomVisit(organization=organization, plan=plan, stakeholder=buyer, started_at=start + timedelta(hours=i * 6),
                  last_seen_at=start + timedelta(hours=i * 6, minutes=20))
        for i in range(VISITS)
    ])
    return plan, buyer


def timed(client: Client, url: str, headers: dict, status: int) -> dict:
    for _ in range(harness.WARMUP):
        response = client.get(url, **headers)
        if response.status_code != status:
            raise SystemExit(f"GET {url} answered {response.status_code}, expected {status}")
    timings = []
    for _ in range(harness.RUNS):
        started = time.perf_counter()
        client.get(url, **headers)
        timings.append((time.perf_counter() - started) * 1000)
    spent = []

    def clock(execute, sql, params, many, context):
        begin = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent.append(time.perf_counter() - begin)

    with CaptureQueriesContext(connection) as queries, connection.execute_wrapper(clock):
        assert client.get(url, **headers).status_code == status
    return {"median": statistics.median(timings), "p90": statistics.quantiles(timings, n=10)[8],
            "queries": len(queries.captured_queries), "sql_ms": sum(spent) * 1000}


def line(name: str, figures: dict) -> str:
    return (f"{name}: median {figures['median']:.2f} ms p90 {figures['p90']:.2f} ms, "
            f"{figures['queries']} queries ({figures['sql_ms']:.2f} ms SQL)")


def run() -> None:
    organization = Organization.objects.create(name="Bench Vendor")
    seller = User.objects.create_user("seller@bench.example", "x", name="Sam Seller")
    Membership.objects.create(organization=organization, user=seller, role=Role.SELLER)
    plan, buyer = build(organization, seller)
    harness.analyze()

    seller_client = Client()
    seller_client.force_login(seller)
    buyer_client = Client()
    _link, url = room_access.buyer_invite(stakeholder=buyer, invited_by=seller)
    buyer_client.post(reverse("plans:room-link", kwargs={"token": url.rstrip("/").rsplit("/", 1)[1]}))

    plan_stamp = reverse("plans:stamp", kwargs={"plan_id": plan.public_id})
    room_stamp = reverse("plans:room-stamp", kwargs={"plan_id": plan.public_id})
    plan_page = reverse("plans:detail", kwargs={"plan_id": plan.public_id})
    room_page = reverse("plans:room", kwargs={"plan_id": plan.public_id})
    room_etag = buyer_client.get(room_stamp)["ETag"]  # first: its poll records the buyer's visit
    plan_etag = seller_client.get(plan_stamp)["ETag"]

    results = {
        "plan stamp 304": timed(seller_client, plan_stamp, {"HTTP_IF_NONE_MATCH": plan_etag}, 304),
        "plan stamp 200": timed(seller_client, plan_stamp, {"HTTP_IF_NONE_MATCH": '"stale"'}, 200),
        "plan page     ": timed(seller_client, plan_page, {}, 200),
        "room stamp 304": timed(buyer_client, room_stamp, {"HTTP_IF_NONE_MATCH": room_etag}, 304),
        "room stamp 200": timed(buyer_client, room_stamp, {"HTTP_IF_NONE_MATCH": '"stale"'}, 200),
        "room page     ": timed(buyer_client, room_page, {}, 200),
    }
    print(f"live check bench on {connection.vendor} ({connection.settings_dict['NAME']})")
    print(f"plan: {TASKS} tasks, {Activity.objects.filter(plan=plan).count()} activity rows "
          f"(a third internal), {VISITS} room visits; {harness.WARMUP} warm-up + {harness.RUNS} timed requests each")
    for name, figures in results.items():
        print(line(name, figures))
    print("(the seller's requests include the 3 queries of every signed-in request: session, user, membership; "
          "the buyer's the session. A quiet room poll writes nothing: its visit is touched at most once a minute.)")


if __name__ == "__main__":
    harness.run_in_throwaway_db(run)
