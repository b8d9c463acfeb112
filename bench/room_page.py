#!/usr/bin/env python
"""Server time and queries of the buyer's deal room.

Builds plans of 5, 60 and 100 tasks (the plan_page bench's data: 8 milestones, 12 stakeholders,
6 risks, dependencies, history; every tenth task internal to the seller), opens each room
with a buyer's magic link the way a browser does (GET the link, POST its button), and times
GET plans:room for the 60-task plan: 5 warm-up requests, then the median and p90 of 50. Prints
the room's query count for every plan size; they must be equal.

    DJANGO_SETTINGS_MODULE=mapapp.test_settings .venv/bin/python bench/room_page.py [--profile]
"""

import os
import sys
import time

import harness

harness.setup("room_page")

from _plans import open_room, seller_with_plans
from django.db import connection
from django.test import Client


def run() -> None:
    started = time.perf_counter()
    seller, plans = seller_with_plans()
    built = time.perf_counter() - started
    harness.analyze()

    rooms = {n: open_room(plan, seller) for n, plan in plans.items()}
    client, url = rooms[60]
    figures = harness.measure(client, {"room": url})["room"]
    by_size = {n: harness.count_queries(c, u) for n, (c, u) in rooms.items()}

    print(f"room page bench on {connection.vendor} ({connection.settings_dict['NAME']}); data built in {built:.1f} s")
    print(f"room of a plan of 60 tasks (6 internal, not shown), 8 milestones, 12 stakeholders, 6 risks; "
          f"{harness.WARMUP} warm-up + {harness.RUNS} timed requests as the buyer")
    print(f"room page: median {figures['median']:.1f} ms p90 {figures['p90']:.1f} ms, {figures['queries']} queries "
          f"({figures['sql_ms']:.1f} ms in SQL), {figures['bytes'] / 1024:.0f} KiB of HTML")
    equal = len(set(by_size.values())) == 1
    print("room page queries by plan size: "
          + ", ".join(f"{n} tasks: {q}" for n, q in by_size.items())
          + (" (equal)" if equal else "  <-- NOT EQUAL: something queries per row"))
    if "--profile" in sys.argv:
        profile(client, url)


def profile(client: Client, url: str) -> None:
    """Where the room's time goes: cProfile over 20 requests as the buyer (PROFILE_SORT,
    PROFILE_FILTER as in plan_page.py)."""
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(20):
        client.get(url)
    profiler.disable()
    if os.environ.get("PROFILE_DUMP"):
        profiler.dump_stats(os.environ["PROFILE_DUMP"])
    stats = pstats.Stats(profiler).sort_stats(os.environ.get("PROFILE_SORT", "cumulative"))
    stats.print_stats(os.environ.get("PROFILE_FILTER", ""), 40)


if __name__ == "__main__":
    harness.run_in_throwaway_db(run)
