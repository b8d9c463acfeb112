#!/usr/bin/env python
"""Server time, queries and heaviest SQL of the pipeline dashboard, its deal table and its CSV.

Builds with INSERT ... SELECT over generate_series (seeded random(): the same rows every run) an
organization with a manager, 20 sellers, 10,000 deals (~35 % open over the six stages, the rest
won or lost in the last two years; 82 % USD, 12 % EUR, 6 % JPY), plans on ~75 % (shared / agreed
for a realistic share, agreed more often when won; check-ins on ~45 % of the open ones), 200,000
tasks (buyer, seller, joint; ~1.5 % overdue in open deals), ~20,000 slips; and one of 10 deals.
Stored plan health is SET IN SQL, not computed (15 % red, 25 % amber, 55 % green, 5 % unscored,
with reasons as plans.scheduling writes them); plans_refresh computes it for 200 plans, timed.
Times (test client, in process; median and p90 of 50 after 5) the dashboard for the manager (whole
org, default period), filtered to a seller, for a seller, and the deal table ?health=troubled and
?overdue=buyer; prints the queries against the 10-deal org (must be EQUAL), the whole org's CSV
(and its query's time in PostgreSQL, JIT included), each dashboard query and EXPLAIN (ANALYZE,
BUFFERS) of the three slowest; `--profile` adds a cProfile of the page. `--try-index` weighs TRY_INDEXES and times with and without them in
turns (without: DROP INDEX in a transaction rolled back after each request), and the CSV with
jit on and off.

    DJANGO_SETTINGS_MODULE=mapapp.test_settings PYTHONPATH=. .venv/bin/python bench/dashboard.py [--try-index] [--profile]
"""

import csv
import datetime
import io
import statistics
import sys
import time
import traceback
from collections import Counter
from contextlib import contextmanager, nullcontext
from pathlib import Path

import harness

harness.setup("dashboard")

from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from deals.models import Deal, Stage
from mapapp.models import Membership, Organization, Role, User
from plans.health_store import plans_refresh
from plans.models import Plan, Slip, Task, TaskStatus

ROOT = Path(__file__).resolve().parent.parent
COMPANIES = ["Brandt Maschinenbau", "Kurokawa Precision", "Nusantara Retail", "Meridian Freight", "Halden & Price",
             "Cascade Health", "Northgate", "Aurelia Biotech", "Vogel Logistik", "Pemberton Foods"]
ZONES = ["UTC", "Europe/Berlin", "America/New_York"]
TASKS_PER_DEAL, SLIPS_PER_TASK = 20, 0.1

# Deals: open ones created 3-333 days ago, closed ones closed 0-720 days ago after 14-184 days.
DEALS_SQL = """
INSERT INTO deals_deal (organization_id, public_id, name, buyer_company, amount, currency, stage, owner_id,
                        target_close_date, outcome, closed_at, external_id, created_at, updated_at, version,
                        buyer_email_domains)
SELECT %(org)s, gen_random_uuid(), company || ': platform rollout', company,
       CASE WHEN r_amount >= 0.04
            THEN round((8000 + r_amount ^ 2 * 600000) * CASE currency WHEN 'JPY' THEN 150 ELSE 1 END) END,
       currency, stage, owner, CASE WHEN outcome = 'open' THEN current_date + floor(r_target * 150)::int - 30
                                    ELSE closed_at::date + floor(r_target * 40)::int - 20 END,
       outcome, closed_at, 'CRM-' || (100000 + i),
       CASE WHEN outcome = 'open' THEN now() - (3 + r_age * 330) * interval '1 day'
            ELSE closed_at - (14 + r_age * 170) * interval '1 day' END, now(), 1, '[]'
FROM (SELECT *, (%(companies)s::text[])[1 + i %% 10] || ' ' || (i + 1) AS company,
             (%(sellers)s::bigint[])[1 + i %% %(n_sellers)s] AS owner,
             CASE WHEN r_currency < 0.82 THEN 'USD' WHEN r_currency < 0.94 THEN 'EUR' ELSE 'JPY' END AS currency,
             CASE WHEN r_outcome < 0.35 THEN 'open' WHEN r_outcome < 0.60 THEN 'won' ELSE 'lost' END AS outcome,
             CASE WHEN r_outcome BETWEEN 0.35 AND 0.60 THEN 'closing'
                  ELSE (%(stages)s::text[])[1 + floor(r_stage ^ 1.4 * 6)::int] END AS stage,
             CASE WHEN r_outcome >= 0.35 THEN now() - r_closed * interval '720 days' END AS closed_at
      FROM (SELECT i, random() AS r_outcome, random() AS r_stage, random() AS r_amount, random() AS r_currency,
                   random() AS r_target, random() AS r_age, random() AS r_closed
            FROM generate_series(0, %(n)s - 1) AS i) AS r) AS d
"""
# Plans on ~75 % of the deals: shared by 65 % (open) / 80 % (closed); of those agreed by 55 %
# (open), 80 % (won), 30 % (lost), before the close.
PLANS_SQL = """
INSERT INTO plans_plan (organization_id, public_id, deal_id, title, status, buyer_objective, seller_objective,
                        success_criteria, value_proposition, budget_notes, payment_terms, kpis, target_close_date,
                        checkin_cadence, next_checkin_date, shared_at, agreed_at, reconfirm_side, version, created_at,
                        updated_at, health, health_reasons)
SELECT organization_id, gen_random_uuid(), id, 'MAP ' || buyer_company,
       CASE WHEN outcome <> 'open' THEN 'closed' WHEN agreed_at IS NOT NULL THEN 'agreed'
            WHEN shared_at IS NOT NULL THEN 'shared' ELSE 'draft' END, '', '', '', '', '', '', '', target_close_date,
       CASE WHEN outcome <> 'open' OR r_checkin >= 0.45 THEN 'none' WHEN r_checkin < 0.25 THEN 'weekly'
            ELSE 'biweekly' END,
       CASE WHEN outcome = 'open' AND r_checkin < 0.45 THEN current_date + floor(r_checkin * 130)::int - 3 END,
       shared_at, agreed_at, '', 1, created, now(), '', '[]'
FROM (SELECT *, CASE WHEN shared_at IS NOT NULL
                      AND r_agreed < CASE outcome WHEN 'won' THEN 0.8 WHEN 'lost' THEN 0.3 ELSE 0.55 END
                     THEN shared_at + (ending - shared_at) * r_when * 0.8 END AS agreed_at
      FROM (SELECT *, CASE WHEN r_shared < CASE outcome WHEN 'open' THEN 0.65 ELSE 0.8 END
                           THEN created + (ending - created) * r_when * 0.4 END AS shared_at
            FROM (SELECT *, LEAST(created_at + r_created * interval '10 days', ending) AS created
                  FROM (SELECT *, coalesce(closed_at, now()) AS ending, random() AS r_created, random() AS r_shared,
                               random() AS r_agreed, random() AS r_when, random() AS r_checkin
                        FROM deals_deal WHERE organization_id = %(org)s AND random() < 0.75) AS d) AS c) AS s) AS a
"""
# Stored health by plan order (k = 7 * n mod 20 spreads the levels over small orgs too).
HEALTH_SQL = """
UPDATE plans_plan p
SET health = CASE WHEN k < 3 THEN 'red' WHEN k < 8 THEN 'amber' WHEN k < 19 THEN 'green' ELSE '' END,
    health_days_late = CASE WHEN k < 3 THEN 6 + h %% 20 WHEN k < 5 THEN 1 + h %% 5 WHEN k < 19 THEN 0 END,
    health_projected_close = CASE WHEN k < 19 THEN p.target_close_date + CASE WHEN k < 3 THEN 9 + h %% 28 ELSE 0 END
                             END,
    health_on = CASE WHEN k < 19 THEN current_date END,
    health_reasons = CASE WHEN k < 2 THEN jsonb_build_array(jsonb_build_object('code', 'overdue_items', 'level', 'red',
        'params', jsonb_build_object('side', CASE k WHEN 0 THEN 'buyer' ELSE 'seller' END, 'count', 2 + h %% 5,
                                     'max_days_overdue', 8 + h %% 12))) ELSE '[]'::jsonb END
      || CASE WHEN k IN (1, 2) THEN jsonb_build_array(jsonb_build_object('code', 'projected_late', 'level', 'red',
                'params', jsonb_build_object('business_days', 6 + h %% 20, 'target', p.target_close_date,
                                   'projected', p.target_close_date + 9 + h %% 28)))
              WHEN k IN (3, 4, 5) THEN jsonb_build_array(jsonb_build_object('code', 'recent_slips', 'level', 'amber',
                'params', jsonb_build_object('count', 2 + h %% 3, 'days', 5 + h %% 9, 'window_days', 14)))
              WHEN k IN (6, 7) THEN jsonb_build_array(jsonb_build_object('code', 'not_agreed', 'level', 'amber',
                'params', jsonb_build_object('business_days_to_decision', 12 + h %% 7,
                                             'decision', p.target_close_date)))
              ELSE '[]'::jsonb END
FROM (SELECT p.id, (p.id %% 840)::int AS h,
             (7 * row_number() OVER (PARTITION BY d.outcome = 'open' ORDER BY p.id)) %% 20 AS k
      FROM plans_plan p JOIN deals_deal d ON d.id = p.deal_id WHERE p.organization_id = %(org)s) AS n
WHERE p.id = n.id
"""
# Tasks on random plans. Open deals: due from 45 days ago to the plan's target (20 days ahead at
# the least), 92 % of the past ones done, 15 % of the others; closed deals: before the close, 98 % done.
TASKS_SQL = """
INSERT INTO plans_task (organization_id, public_id, plan_id, title, description, side, due_date, status, blocked_reason,
                        internal, duration_days, "order", completed_at, version, created_at, updated_at)
SELECT %(org)s, gen_random_uuid(), id, 'Task ' || i, '', side, due, status, '', false, 1, i,
       CASE WHEN status = 'done' THEN due + time '17:00' END, 1, now(), now()
FROM (SELECT *, CASE WHEN r_side < 0.4 THEN 'buyer' WHEN r_side < 0.85 THEN 'seller' ELSE 'joint' END AS side,
             CASE WHEN r_status < CASE WHEN NOT open THEN 0.98 WHEN due < current_date THEN 0.92 ELSE 0.15 END
                  THEN 'done'
                  ELSE (ARRAY['not_started', 'not_started', 'in_progress', 'blocked'])[1 + floor(r_kind * 4)::int]
             END AS status
      FROM (SELECT g.*, pl.id, pl.open, CASE WHEN NOT pl.open THEN pl.closed_on - floor(r_due * 120)::int
                    ELSE current_date - 45 + floor(r_due * pl.span)::int END AS due
            FROM (SELECT i, 1 + floor(random() * %(n_plans)s)::int AS rn, random() AS r_side, random() AS r_status,
                         random() AS r_due, random() AS r_kind FROM generate_series(1, %(n)s) AS i) AS g
            JOIN (SELECT p.id, d.outcome = 'open' AS open, d.closed_at::date AS closed_on,
                         row_number() OVER (ORDER BY p.id) AS rn,
                         GREATEST(p.target_close_date, current_date + 20) - current_date + 46 AS span
                  FROM plans_plan p JOIN deals_deal d ON d.id = p.deal_id WHERE p.organization_id = %(org)s) AS pl
              ON pl.rn = g.rn) AS t) AS s
"""
SLIPS_SQL = """
INSERT INTO plans_slip (organization_id, public_id, plan_id, task_id, from_date, to_date, days, reason, actor_name,
                        side, created_at)
SELECT organization_id, gen_random_uuid(), plan_id, id, due_date - days, due_date, days, '', 'Bench',
       CASE WHEN r_side < 0.45 THEN 'buyer' ELSE 'seller' END,
       LEAST(now() - r_when * interval '30 days', (due_date - days - floor(r_when * 10)::int) + time '10:00')
FROM (SELECT t.*, 1 + floor(random() * 14)::int AS days, random() AS r_side, random() AS r_when
      FROM plans_task t WHERE t.organization_id = %(org)s AND random() < %(share)s) AS s
"""

# What --try-index weighs: indexes the dashboard relies on, timed with and without them in turns
# (an index that is not in the schema yet is built first). The overdue items of an organization
# (not done, due before today) are plans 0007's task_org_due_not_done.
TRY_INDEXES = [(Task, next(i for i in Task._meta.indexes if i.name == "task_org_due_not_done"))]
TRY_INDEX_TEXT = 'Task.Meta.indexes "task_org_due_not_done" (organization, due_date) WHERE NOT status = \'done\''


def build_org(name: str, n_deals: int, n_sellers: int) -> dict:
    slug = name.lower().replace(" ", "-")
    organization = Organization.objects.create(name=name)
    users = [User.objects.create_user(f"{key}@{slug}.example", "x", name=f"{key.title()} of {name}",
                                      timezone=ZONES[n % len(ZONES)])
             for n, key in enumerate(["manager", *(f"seller{s + 1}" for s in range(n_sellers))])]
    Membership.objects.bulk_create([
        Membership(organization=organization, user=user, role=Role.SELLER if n else Role.MANAGER)
        for n, user in enumerate(users)])
    org = organization.pk
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.42)")
        cursor.execute(DEALS_SQL, {"org": org, "n": n_deals, "companies": COMPANIES, "n_sellers": n_sellers,
                                   "sellers": [u.pk for u in users[1:]], "stages": list(Stage.values)})
        cursor.execute(PLANS_SQL, {"org": org})
        cursor.execute(HEALTH_SQL, {"org": org})
        cursor.execute("SELECT count(*) FROM plans_plan WHERE organization_id = %s", [org])
        cursor.execute(TASKS_SQL, {"org": org, "n": n_deals * TASKS_PER_DEAL, "n_plans": cursor.fetchone()[0]})
        cursor.execute(SLIPS_SQL, {"org": org, "share": SLIPS_PER_TASK})
    return {"organization": organization, "manager": users[0], "sellers": users[1:]}


def summary(org: Organization) -> str:
    outcomes = Counter(Deal.objects.filter(organization=org).values_list("outcome", flat=True))
    plans = Plan.objects.filter(organization=org)
    overdue = Task.objects.filter(organization=org, due_date__lt=datetime.date.today(), plan__deal__outcome="open")
    return (f"{sum(outcomes.values()):,} deals {dict(outcomes)}, {plans.count():,} plans "
            f"({plans.filter(shared_at__isnull=False).count():,} shared, {plans.exclude(agreed_at=None).count():,} "
            f"agreed), {Task.objects.filter(organization=org).count():,} tasks "
            f"({overdue.exclude(status=TaskStatus.DONE).count():,} overdue in open deals), "
            f"{Slip.objects.filter(organization=org).count():,} slips")


def where(stack) -> str:
    """The innermost project frame outside the bench that ran a query: 'metrics.health:383'."""
    for frame in reversed(stack):
        path = Path(frame.filename)
        if path.is_relative_to(ROOT) and not path.is_relative_to(ROOT / ".venv") and "bench" not in path.parts:
            return f"{path.stem}.{frame.name}:{frame.lineno}"
    return "?"


def query_breakdown(client: Client, url: str, variants: dict, runs: int = 5) -> dict[str, list[dict]]:
    """Each query of the page (the same ones every request) by variant, taking turns: where it
    is run, its SQL and the median ms of `runs` requests."""
    per_run = {name: [] for name in variants}
    for _ in range(runs):
        for name, variant in variants.items():
            seen = []

            def timed(execute, sql, params, many, context, seen=seen):
                start = time.perf_counter()
                try:
                    return execute(sql, params, many, context)
                finally:
                    seen.append(((time.perf_counter() - start) * 1000, where(traceback.extract_stack())))

            with variant(), CaptureQueriesContext(connection) as captured, connection.execute_wrapper(timed):
                assert client.get(url).status_code == 200
            per_run[name].append([(ms, label, q["sql"]) for (ms, label), q in zip(seen, captured.captured_queries)])
    return {name: [{"where": row[0][1], "sql": row[0][2], "ms": statistics.median(r[0] for r in row)}
                   for row in zip(*rows)] for name, rows in per_run.items()}


def explain(sql: str, fmt: str = "") -> str | dict:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS{fmt}) " + sql)
        rows = cursor.fetchall()
    return rows[0][0][0] if fmt else "\n".join("    " + row[0] for row in rows)


def csv_export(client: Client, variants: dict, runs: int = 3) -> dict[str, dict]:
    """Median ms of `runs` whole exports by variant (taking turns, after one to warm up), and
    the PostgreSQL side of its one big query (the server-side cursor's SELECT)."""
    times, result = {name: [] for name in variants}, {}
    for _ in range(runs + 1):
        for name, variant in variants.items():
            with variant(), CaptureQueriesContext(connection) as captured:
                start = time.perf_counter()
                body = b"".join(client.get(reverse("dashboard:csv")).streaming_content)
                times[name].append((time.perf_counter() - start) * 1000)
    sql = next(q["sql"] for q in captured.captured_queries if q["sql"].startswith("DECLARE"))
    rows = sum(1 for _ in csv.reader(io.StringIO(body.decode("utf-8-sig")))) - 1
    for name, variant in variants.items():
        with variant():
            plan = explain(sql[sql.index(" FOR SELECT ") + 5:], ", FORMAT JSON")
        ms = statistics.median(times[name][1:])
        result[name] = {"ms": ms, "rows": rows, "per_s": rows / ms * 1000, "kib": len(body) / 1024,
                        "db_ms": plan["Execution Time"], "cost": plan["Plan"]["Total Cost"],
                        "jit_ms": plan.get("JIT", {}).get("Timing", {}).get("Total", 0)}
    return result


@contextmanager
def without_index():
    """As if TRY_INDEXES did not exist: dropped in a transaction that is rolled back afterwards."""
    with transaction.atomic():
        connection.cursor().execute("; ".join(f'DROP INDEX "{index.name}"' for _model, index in TRY_INDEXES))
        yield
        transaction.set_rollback(True)


@contextmanager
def jit_off():
    connection.cursor().execute("SET jit = off")
    yield
    connection.cursor().execute("RESET jit")


def take_turns(client: Client, urls: dict[str, str], variants: dict) -> dict:
    """What harness.measure gives (but the bytes) of each page by variant, variant after variant
    for each request, so a busy moment on the machine costs them alike."""
    timings = {(page, name): [] for page in urls for name in variants}
    for _ in range(harness.WARMUP + harness.RUNS):
        for (page, name), times in timings.items():
            with variants[name]():
                start = time.perf_counter()
                assert client.get(urls[page]).status_code == 200
                times.append((time.perf_counter() - start) * 1000)
    figures = {}
    for (page, name), times in timings.items():
        with variants[name]():
            queries, sql_ms = harness.capture(client, urls[page])
        times = times[harness.WARMUP:]
        figures[page, name] = {"median": statistics.median(times), "p90": statistics.quantiles(times, n=10)[8],
                               "queries": queries, "sql_ms": sql_ms}
    return figures


def measure(big: dict, small: dict) -> dict:
    index, deals, seller = reverse("dashboard:index"), reverse("dashboard:deals"), big["sellers"][0]
    manager, own, few = Client(), Client(), Client()
    manager.force_login(big["manager"])
    own.force_login(seller)
    urls = {"dashboard, manager, whole org": index,
            f"dashboard, manager, seller={seller.pk}": f"{index}?seller={seller.pk}",
            "deal table ?health=troubled": f"{deals}?health=troubled",
            "deal table ?overdue=buyer": f"{deals}?overdue=buyer"}
    pages = {**harness.measure(manager, urls), **harness.measure(own, {"dashboard, seller, own deals": index})}
    print(f"\n{'page':<34} {'median ms':>9} {'p90 ms':>8} {'queries':>7} {'SQL ms':>7} {'KiB':>5}")
    for name, f in pages.items():
        print(f"{name:<34} {f['median']:>9.1f} {f['p90']:>8.1f} {f['queries']:>7} {f['sql_ms']:>7.1f} "
              f"{f['bytes'] / 1024:>5.0f}")
    print("\nqueries, organization with 10,000 deals against the one with 10:")
    table = urls["deal table ?health=troubled"]
    for role, client, small_user, url in (("manager", manager, small["manager"], index),
                                          ("seller", own, small["sellers"][0], index),
                                          ("deal table", manager, small["manager"], table)):
        few.force_login(small_user)
        many, some = harness.count_queries(client, url), harness.count_queries(few, url)
        print(f"  {role:<10}: {many} vs {some}  {'EQUAL' if many == some else 'DIFFERENT'}")
    c = csv_export(manager, {"": nullcontext})[""]
    print(f"\nCSV of the whole org: {c['rows']:,} rows, {c['kib']:,.0f} KiB in {c['ms']:,.0f} ms (median of 3), "
          f"{c['per_s']:,.0f} rows/s\n  its query in PostgreSQL (EXPLAIN ANALYZE): {c['db_ms']:,.0f} ms, of which "
          f"JIT compilation {c['jit_ms']:,.0f} ms (plan cost {c['cost']:,.0f}; jit_above_cost is 100,000)")
    queries = query_breakdown(manager, index, {"": nullcontext})[""]
    print(f"\nqueries of the manager's dashboard (median ms of 5 requests; {sum(q['ms'] for q in queries):.1f} ms "
          "in all):")
    for n, q in enumerate(queries, 1):
        print(f"  {n:>2}. {q['ms']:>6.2f} ms  {q['where']}")
    return {"urls": urls, "manager": manager, "own": own, "queries": queries}


def print_plans(queries: list[dict], picked: list[int], was: list[dict] | None = None) -> None:
    for n in picked:
        q = queries[n]
        print(f"\n--- query {n + 1}, {q['where']}: {q['ms']:.2f} ms" + (f" (without the index {was[n]['ms']:.2f})"
                                                                         if was else ""))
        print(f"    {q['sql'][:300]}{'...' if len(q['sql']) > 300 else ''}\n{explain(q['sql'])}")


def try_index(before: dict, slowest: list[int]) -> None:
    print(f"\n=== --try-index: {TRY_INDEX_TEXT} ===")
    with connection.schema_editor() as editor:
        for model, index in TRY_INDEXES:
            start, cursor = time.perf_counter(), connection.cursor()
            cursor.execute("SELECT 1 FROM pg_indexes WHERE indexname = %s", [index.name])
            exists = cursor.fetchone() is not None
            if not exists:
                editor.add_index(model, index)
            spent = (time.perf_counter() - start) * 1000
            cursor.execute("SELECT pg_size_pretty(pg_relation_size(%s)), pg_size_pretty(pg_relation_size(%s))",
                           [index.name, model._meta.db_table])
            size, table = cursor.fetchone()
            built = "in the schema already (migrations)" if exists else f"built in {spent:.0f} ms"
            print(f"  {index.create_sql(model, editor)}: {built}, {size} (the table: {table})")
    harness.analyze()
    variants, index = {"without": without_index, "with": nullcontext}, reverse("dashboard:index")
    pages = {**take_turns(before["manager"], before["urls"], variants),
             **take_turns(before["own"], {"dashboard, seller, own deals": index}, variants)}
    print(f"\n{'in turns, request by request':<34} {'without the index: median':>25} {'p90':>6} {'SQL ms':>6} | "
          f"{'with: median':>12} {'p90':>6} {'SQL ms':>6} queries")
    for page in dict.fromkeys(p for p, _ in pages):
        w, i = pages[page, "without"], pages[page, "with"]
        print(f"{page:<34} {w['median']:>25.1f} {w['p90']:>6.1f} {w['sql_ms']:>6.1f} | {i['median']:>12.1f} "
              f"{i['p90']:>6.1f} {i['sql_ms']:>6.1f} {w['queries']} -> {i['queries']}")
    queries = query_breakdown(before["manager"], index, variants)
    print("\nqueries of the manager's dashboard that changed by more than 1 ms (median of 5, in turns):")
    for n, (w, i) in enumerate(zip(queries["without"], queries["with"]), 1):
        if abs(w["ms"] - i["ms"]) > 1:
            print(f"  {n:>2}. {w['where']:<22} without {w['ms']:>6.2f} ms, with {i['ms']:>6.2f} ms")
    print(f"  all {len(queries['with'])} queries: without {sum(q['ms'] for q in queries['without']):.1f} ms, "
          f"with {sum(q['ms'] for q in queries['with']):.1f} ms")
    print("\nCSV of the whole org, jit on and off in turns (with the index; jit off: SET jit = off on the connection):")
    for name, c in csv_export(before["manager"], {"jit on": nullcontext, "jit off": jit_off}).items():
        print(f"  {name:<7}: {c['ms']:>6,.0f} ms, {c['per_s']:>6,.0f} rows/s; its query {c['db_ms']:,.0f} ms in "
              f"PostgreSQL ({c['jit_ms']:,.0f} ms JIT)")
    print("\nEXPLAIN (ANALYZE, BUFFERS), with the index, of the three queries that were the slowest:")
    print_plans(queries["with"], slowest, was=queries["without"])


def run() -> None:
    started = time.perf_counter()
    big, small = build_org("Big Vendor", 10_000, 20), build_org("Small Vendor", 10, 2)
    built = time.perf_counter() - started
    harness.analyze()
    print(f"dashboard bench on {connection.vendor} ({connection.settings_dict['NAME']}); data built in {built:.1f} s")
    print(f"  big org  : {summary(big['organization'])}\n  small org: {summary(small['organization'])}")
    ids = list(Plan.objects.filter(organization=big["organization"], deal__outcome="open")
               .order_by("pk").values_list("pk", flat=True)[:200])
    start = time.perf_counter()
    written = plans_refresh(organization_id=big["organization"].pk, plan_ids=ids)
    spent = (time.perf_counter() - start) * 1000
    mix = Counter(Plan.objects.filter(pk__in=ids).values_list("health", flat=True))
    print(f"  plans_refresh of {written} open plans: {spent:.0f} ms, {spent / written:.2f} ms per plan; "
          f"computed: {dict(mix)}")
    print(f"{harness.WARMUP} warm-up + {harness.RUNS} timed requests each; default period (12m), values in USD")
    before = measure(big, small)
    slowest = sorted(range(len(before["queries"])), key=lambda n: -before["queries"][n]["ms"])[:3]
    print("\nEXPLAIN (ANALYZE, BUFFERS) of the three slowest queries of the manager's dashboard:")
    print_plans(before["queries"], slowest)
    if "--try-index" in sys.argv[1:]:
        try_index(before, slowest)
    if "--profile" in sys.argv[1:]:
        profile(before["manager"])


def profile(client: Client) -> None:
    """Where the manager's dashboard spends its time outside the database: cProfile of 10
    requests, the project's own functions and the template engine, by cumulative time."""
    import cProfile
    import pstats

    url = reverse("dashboard:index")
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(10):
        client.get(url)
    profiler.disable()
    print("\n--profile: 10 requests of the manager's dashboard, by cumulative time")
    stats = pstats.Stats(profiler, stream=sys.stdout).sort_stats("cumulative")
    stats.print_stats(r"deals/dashboard|django/template/(base|defaulttags)|django/db/models/sql/compiler", 30)


if __name__ == "__main__":
    harness.run_in_throwaway_db(run)
