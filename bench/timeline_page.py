#!/usr/bin/env python
"""Server time and queries of the timeline, the seller's and the room's.

Builds plans of 5, 60 and 100 tasks (the plan_page bench's data, every tenth task internal)
and a plan of 500 tasks with 1,500 dependencies (the scheduling benches' graph), then times
GET plans:timeline as the seller and GET plans:room-timeline as the buyer: 5 warm-up
requests, then the median and p90 of 50. Prints the query count for every plan size; they
must be equal.

    DJANGO_SETTINGS_MODULE=mapapp.test_settings .venv/bin/python bench/timeline_page.py
"""

import sys
import time
from datetime import date

import harness

harness.setup("timeline_page")

from _plans import build_graph_plan, open_room, seller_with_plans
from django.db import connection
from django.test import Client
from django.urls import reverse

from plans import timeline


def run() -> None:
    started = time.perf_counter()
    seller, plans = seller_with_plans()
    big, _tasks = build_graph_plan(plans[5].organization, seller, 500, 1500, today=date.today())
    built = time.perf_counter() - started
    harness.analyze()

    client = Client()
    client.force_login(seller)
    urls = {n: reverse("plans:timeline", kwargs={"plan_id": p.public_id}) for n, p in plans.items()}
    rooms = {n: open_room(p, seller) for n, p in plans.items()}
    big_url = reverse("plans:timeline", kwargs={"plan_id": big.public_id})
    figures = harness.measure(client, {"60": urls[60], "500": big_url})
    room_client = rooms[60][0]
    room_url = reverse("plans:room-timeline", kwargs={"plan_id": plans[60].public_id})
    room_figures = harness.measure(room_client, {"room": room_url})["room"]

    print(f"timeline bench on {connection.vendor} ({connection.settings_dict['NAME']}); data built in {built:.1f} s")
    print(f"{harness.WARMUP} warm-up + {harness.RUNS} timed requests each")
    for label, f in (("seller, 60 tasks", figures["60"]), ("seller, 500 tasks / 1,500 deps", figures["500"]),
                     ("room, 60 tasks (6 internal)", room_figures)):
        print(f"timeline {label}: median {f['median']:.1f} ms p90 {f['p90']:.1f} ms, {f['queries']} queries "
              f"({f['sql_ms']:.1f} ms in SQL), {f['bytes'] / 1024:.0f} KiB of HTML")
    by_size = {n: harness.count_queries(client, u) for n, u in urls.items()}
    by_size[500] = harness.count_queries(client, big_url)
    room_sizes = {
        n: harness.count_queries(c, reverse("plans:room-timeline", kwargs={"plan_id": plans[n].public_id}))
        for n, (c, _u) in rooms.items()
    }
    # The data alone (no template): what the projection and the layout cost.
    for label, plan in (("60 tasks", plans[60]), ("500 tasks", big)):
        times = []
        for _ in range(harness.WARMUP + harness.RUNS):
            started = time.perf_counter()
            timeline.timeline_data(plan)
            times.append((time.perf_counter() - started) * 1000)
        times = sorted(times[harness.WARMUP:])
        print(f"timeline_data, {label}: median {times[len(times) // 2]:.1f} ms")
    if "--profile" in sys.argv:
        profile(client, urls[60])
    for label, sizes in (("seller", by_size), ("room", room_sizes)):
        equal = len(set(sizes.values())) == 1
        print(f"{label} timeline queries by plan size: " + ", ".join(f"{n} tasks: {q}" for n, q in sizes.items())
              + (" (equal)" if equal else "  <-- NOT EQUAL: something queries per row"))


def profile(client: Client, url: str) -> None:
    """Where the time goes: cProfile over 20 requests (PROFILE_SORT as in plan_page.py)."""
    import cProfile
    import os
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(20):
        client.get(url)
    profiler.disable()
    pstats.Stats(profiler).sort_stats(os.environ.get("PROFILE_SORT", "cumulative")).print_stats(35)


if __name__ == "__main__":
    harness.run_in_throwaway_db(run)
