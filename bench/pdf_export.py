#!/usr/bin/env python
"""Render time, pages and size of a plan's PDF export (WeasyPrint), for plans of 60 and 300
tasks (the plan_page bench's data, every tenth task internal), the buyer's and the seller's
copy: 1 warm-up, then the median of 3 renders. Also the queries of gathering the document's
data (they must not grow with the plan) and the HTML alone.

    DJANGO_SETTINGS_MODULE=mapapp.test_settings .venv/bin/python bench/pdf_export.py
"""

import statistics
import time

import harness

harness.setup("pdf_export")

from _plans import build_plan
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from exports import render
from mapapp.models import Membership, Organization, Role, User
from plans.models import Task

SIZES = (60, 300)
RUNS = 3


def timed(fn) -> tuple[float, object]:
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def run() -> None:
    organization = Organization.objects.create(name="Bench Vendor")
    seller = User.objects.create_user("seller@bench.example", "x", name="Sam Seller")
    Membership.objects.create(organization=organization, user=seller, role=Role.SELLER)
    started = time.perf_counter()
    plans = {n: build_plan(organization, seller, n, str(n)) for n in SIZES}
    for plan in plans.values():
        ids = list(Task.objects.filter(plan=plan).order_by("pk").values_list("pk", flat=True))
        Task.objects.filter(pk__in=ids[9::10]).update(internal=True)
    built = time.perf_counter() - started
    harness.analyze()

    print(f"pdf_export bench on {connection.vendor} ({connection.settings_dict['NAME']}); data built in {built:.1f} s")
    print(f"1 warm-up + median of {RUNS} renders each")
    queries = {}
    for n, plan in plans.items():
        plan = type(plan).objects.select_related("deal", "organization").get(pk=plan.pk)
        with translation.override("en"), CaptureQueriesContext(connection) as captured:
            render.document_data(plan, audience="seller")
        queries[n] = len(captured)
        for audience in ("buyer", "seller"):
            html_s, html = timed(lambda p=plan, a=audience: render.render_html(p, audience=a, language="en"))
            render.render_pdf(plan, audience=audience, language="en")  # warm-up (fonts, CSS)
            runs = [timed(lambda p=plan, a=audience: render.render_pdf(p, audience=a, language="en"))
                    for _ in range(RUNS)]
            seconds = statistics.median(r[0] for r in runs)
            data, pages = runs[-1][1]
            print(f"{n} tasks, {audience}'s copy: {seconds:.2f} s to render ({html_s * 1000:.0f} ms of it the HTML, "
                  f"{len(html) / 1024:.0f} KiB), {pages} pages, {len(data) / 1024:.0f} KiB of PDF")
    equal = len(set(queries.values())) == 1
    print("document data queries by plan size: " + ", ".join(f"{n} tasks: {q}" for n, q in queries.items())
          + (" (equal)" if equal else "  <-- NOT EQUAL: something queries per row"))


if __name__ == "__main__":
    harness.run_in_throwaway_db(run)
