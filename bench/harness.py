"""What the bench scripts share: the Django setup with a throwaway database of their own,
the timing of pages through the test client, and counting a request's queries.

Not a bench itself. A script starts with

    import harness

    harness.setup("plan_page")  # before anything imports the project's models

then builds its data and measures in a `run()`, and ends with
`harness.run_in_throwaway_db(run)`.
"""

import os
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

# Only Django modules that need no configured settings to be imported; models come after setup().
from django.db import connection
from django.template import Template as DjangoTemplate
from django.test import Client
from django.test.utils import (
    CaptureQueriesContext,
    setup_test_environment,
    teardown_test_environment,
)

WARMUP, RUNS = 5, 50


def setup(script_name: str) -> None:
    """Make the project importable, point Django at a database of the script's own and set it up."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    warnings.filterwarnings("ignore", message="No directory at")  # WhiteNoise: no collectstatic in a bench
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mapapp.test_settings")

    from django.conf import settings

    # A database of its own (per process: two runs at once must not drop each other's), so a
    # bench never touches the suite's test_<name> database.
    settings.DATABASES["default"]["TEST"] = {**settings.DATABASES["default"].get("TEST", {}),
                                             "NAME": f"bench_mapapp_{script_name}_{os.getpid()}"}

    import django

    django.setup()


def run_in_throwaway_db(run: Callable[[], None]) -> None:
    """Create the script's database, migrate it, call `run()` and drop the database again,
    also when `run()` fails."""
    # The test client copies every template context when templates are instrumented;
    # keep Django's own renderer so the figures are the server's, not the test harness's.
    original_render = DjangoTemplate._render
    setup_test_environment()
    DjangoTemplate._render = original_render
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False, keepdb=False)
    try:
        run()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()


def analyze() -> None:
    """Fresh planner statistics, as autovacuum gives a live database; without them bulk-loaded
    tables get plans for empty tables and the figures measure that instead."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def measure(client: Client, urls: dict[str, str]) -> dict[str, dict]:
    """Median and p90 in ms of each page, its queries and ms in SQL, and its size in bytes.

    Times the pages in turns, request by request, so a busy moment on the machine costs
    each of them alike and the ratio stays fair."""
    last = {}
    for name, url in urls.items():
        for _ in range(WARMUP):
            last[name] = client.get(url)
            if last[name].status_code != 200:
                raise SystemExit(f"GET {url} answered {last[name].status_code}")
    timings = {name: [] for name in urls}
    for _ in range(RUNS):
        for name, url in urls.items():
            start = time.perf_counter()
            client.get(url)
            timings[name].append((time.perf_counter() - start) * 1000)
    return {
        name: {"median": statistics.median(timings[name]), "p90": statistics.quantiles(timings[name], n=10)[8],
               **dict(zip(("queries", "sql_ms"), capture(client, url))), "bytes": len(last[name].content)}
        for name, url in urls.items()
    }


def count_queries(client: Client, url: str) -> int:
    return capture(client, url)[0]


def capture(client: Client, url: str) -> tuple[int, float]:
    """Queries of one request, and the milliseconds spent waiting for them."""
    spent = []

    def timed(execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent.append(time.perf_counter() - start)

    with CaptureQueriesContext(connection) as queries, connection.execute_wrapper(timed):
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(queries.captured_queries), sum(spent) * 1000
