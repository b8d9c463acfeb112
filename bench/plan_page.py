#!/usr/bin/env python
"""Server time of the plan page, against a minimal hand-written page showing the same rows.

Builds a plan of 60 tasks, 8 milestones, 12 stakeholders (6 per side) and 6 risks, with
dependencies and an activity history, in a throwaway PostgreSQL database; then times
GET plans:detail and a reference page (two queries, one small template) through the test
client, in process, taking turns: 5 warm-up requests, then the median and p90 of 50.
Also prints the queries per page, and the plan page's query count for plans of 5 and 100
tasks.

    DJANGO_SETTINGS_MODULE=mapapp.test_settings .venv/bin/python bench/plan_page.py [--profile]
"""

import os
import statistics
import sys
import time
import types

import harness

harness.setup("plan_page")

from _plans import build_plan
from django.conf import settings
from django.db import connection
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.template import engines
from django.test import Client
from django.test.utils import override_settings
from django.urls import include, path, reverse

from mapapp.models import Membership, Organization, Role, User
from plans.models import Plan, Task

# The reference: what the plan's 60 rows cost with nothing else on the page.
REFERENCE = engines["django"].from_string(
    """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ plan.title }}</title></head>
<body><h1>{{ plan.title }}</h1>
<table>
<thead><tr><th>Task</th><th>Owner</th><th>Side</th><th>Status</th><th>Due</th></tr></thead>
<tbody>{% for task in tasks %}
<tr><td>{{ task.title }}</td><td>{{ task.owner.name }}</td><td>{{ task.get_side_display }}</td>
<td>{{ task.get_status_display }}</td><td>{{ task.due_date|date }}</td></tr>{% endfor %}
</tbody></table></body></html>"""
)


def reference_view(request, plan_id):
    plan = get_object_or_404(Plan, organization=request.organization, public_id=plan_id)
    tasks = Task.objects.filter(plan=plan).select_related("owner").order_by("order", "id")
    return HttpResponse(REFERENCE.render({"plan": plan, "tasks": tasks}))


def install_reference_urls() -> str:
    """A URLconf for this process only: the app's URLs plus the reference page."""
    module = types.ModuleType("bench_plan_page_urls")
    module.urlpatterns = [
        path("bench/reference/<uuid:plan_id>/", reference_view, name="bench-reference"),
        path("", include(settings.ROOT_URLCONF)),
    ]
    sys.modules[module.__name__] = module
    return module.__name__


# Measuring -------------------------------------------------------------------------------

def run() -> None:
    organization = Organization.objects.create(name="Bench Vendor")
    seller = User.objects.create_user("seller@bench.example", "x", name="Sam Seller")
    Membership.objects.create(organization=organization, user=seller, role=Role.SELLER)
    started = time.perf_counter()
    plan = build_plan(organization, seller, 60, "60")
    small, large = build_plan(organization, seller, 5, "5"), build_plan(organization, seller, 100, "100")
    built = time.perf_counter() - started
    harness.analyze()

    client = Client()
    client.force_login(seller)
    with override_settings(ROOT_URLCONF=install_reference_urls()):
        figures = harness.measure(client, {
            "page": reverse("plans:detail", kwargs={"plan_id": plan.public_id}),
            "reference": reverse("bench-reference", kwargs={"plan_id": plan.public_id}),
        })
        page, ref = figures["page"], figures["reference"]
        by_size = {
            n: harness.count_queries(client, reverse("plans:detail", kwargs={"plan_id": p.public_id}))
            for n, p in ((5, small), (60, plan), (100, large))
        }

    print(f"plan page bench on {connection.vendor} ({connection.settings_dict['NAME']}); data built in {built:.1f} s")
    print("plan: 60 tasks, 8 milestones, 12 stakeholders (6 per side), 6 risks, "
          f"{plan.activities.count()} activity entries; {harness.WARMUP} warm-up + {harness.RUNS} timed requests each, "
          "the two pages taking turns")
    print(f"plan page: median {page['median']:.1f} ms p90 {page['p90']:.1f} ms, {page['queries']} queries | "
          f"reference: median {ref['median']:.1f} ms p90 {ref['p90']:.1f} ms, {ref['queries']} queries | "
          f"ratio {page['median'] / ref['median']:.2f}")
    print(f"  of one request: plan page {page['sql_ms']:.1f} ms in SQL, {page['bytes'] / 1024:.0f} KiB of HTML; "
          f"reference {ref['sql_ms']:.1f} ms in SQL, {ref['bytes'] / 1024:.0f} KiB")
    equal = len(set(by_size.values())) == 1
    print("plan page queries by plan size: "
          + ", ".join(f"{n} tasks: {q}" for n, q in by_size.items())
          + (" (equal)" if equal else "  <-- NOT EQUAL: something queries per row"))
    print("(reference: 2 queries of its own, the plan and its tasks with owners; the rest is the "
          "session, user and membership every signed-in request loads)")
    if "--profile" in sys.argv:
        profile(client, reverse("plans:detail", kwargs={"plan_id": plan.public_id}))


def profile(client: Client, url: str) -> None:
    """Where the plan page's time goes: cProfile over 20 requests, by own time."""
    import cProfile
    import pstats

    from django.template.loader import render_to_string
    from django.test import RequestFactory

    from plans import selectors
    from plans.views import PAGE

    plan = Plan.objects.select_related("deal").get(public_id=url.rstrip("/").rsplit("/", 1)[-1])
    request = RequestFactory().get(url)
    request.user = User.objects.get(email="seller@bench.example")
    request.membership = Membership.objects.select_related("organization").get(user=request.user)
    request.organization = request.membership.organization
    request.htmx = False
    timings: dict[str, list[float]] = {"plan_page_data": [], "template": []}
    for _ in range(30):
        started = time.perf_counter()
        context = selectors.plan_page_data(plan)
        middle = time.perf_counter()
        render_to_string(PAGE, context, request=request)
        timings["plan_page_data"].append(middle - started)
        timings["template"].append(time.perf_counter() - middle)
    print(", ".join(f"{k}: median {statistics.median(v) * 1000:.1f} ms" for k, v in timings.items()))

    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(20):
        selectors.plan_page_data(plan) if os.environ.get("PROFILE_PART") == "data" else client.get(url)
    profiler.disable()
    if os.environ.get("PROFILE_DUMP"):
        profiler.dump_stats(os.environ["PROFILE_DUMP"])
    pstats.Stats(profiler).sort_stats(os.environ.get("PROFILE_SORT", "cumulative")).print_stats(os.environ.get("PROFILE_FILTER", ""), 30)


if __name__ == "__main__":
    harness.run_in_throwaway_db(run)
