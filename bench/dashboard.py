#!/usr/bin/env python
"""Server time, queries and heaviest SQL of the pipeline dashboard, its deal table and its CSV.

Builds, in a throwaway PostgreSQL database, with INSERT ... SELECT over generate_series
(seeded random(), so every run builds the same rows): an organization with a manager and 20
sellers, 10,000 deals (~35 % open over the six stages, the rest won or lost, closed over the
last two years; ~82 % USD, 12 % EUR, 6 % JPY), a plan on ~75 % of them (shared and agreed for
a realistic share, more often agreed when won; check-ins on ~45 % of the open ones), 200,000
tasks (buyer, seller and joint; due from 60 days ago to 120 days ahead in open deals, ~1.5 % of
all tasks overdue and not done there) and ~20,000 slips; and one with 10 deals of the same mix.
Stored plan health is set in SQL, not computed: by plan order, 15 % red, 25 % amber, 55 %
green and 5 % not scored, with one or two reasons of the kinds plans.scheduling writes; then
plans.health_store.plans_refresh computes and stores real health for 200 open plans (timed).

Measures, through the test client in process (5 warm-up requests, median and p90 of 50):
dashboard:index as the manager (whole organization, default period), as the manager with a
seller filter, as a seller (own deals), and dashboard:deals?health=troubled; the dashboard's
queries for 10,000 against 10 deals (must be equal); the whole organization's CSV (streamed);
each query of one dashboard request (median of 5) and EXPLAIN (ANALYZE, BUFFERS) of the three
slowest. `--try-index` then creates the indexes in INDEXES by hand and measures again, before
against after.

    DJANGO_SETTINGS_MODULE=mapapp.test_settings PYTHONPATH=. .venv/bin/python bench/dashboard.py [--try-index]
"""

import csv
import io
import statistics
import sys
import time
import traceback
from collections import Counter
from pathlib import Path

import harness

harness.setup("dashboard")

from django.db import connection, models
from django.db.models import Q
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from deals.models import Stage
from mapapp.models import Membership, Organization, Role, User
from plans.health_store import plans_refresh
from plans.models import Plan, Task, TaskStatus

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
       CASE WHEN r_amount >= 0.04 THEN round((8000 + r_amount ^ 2 * 600000) * CASE currency WHEN 'JPY' THEN 150 ELSE 1 END) END,
       currency, stage, owner,
       CASE WHEN outcome = 'open' THEN current_date + floor(r_target * 150)::int - 30
            ELSE closed_at::date + floor(r_target * 40)::int - 20 END,
       outcome, closed_at, 'CRM-' || (100000 + i),
       CASE WHEN outcome = 'open' THEN now() - (3 + r_age * 330) * interval '1 day'
            ELSE closed_at - (14 + r_age * 170) * interval '1 day' END, now(), 1, '[]'::jsonb
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
       CASE WHEN outcome <> 'open' OR r_checkin >= 0.45 THEN 'none' WHEN r_checkin < 0.25 THEN 'weekly' ELSE 'biweekly' END,
       CASE WHEN outcome = 'open' AND r_checkin < 0.45 THEN current_date + floor(r_checkin * 130)::int - 3 END,
       shared_at, agreed_at, '', 1, created, now(), '', '[]'::jsonb
FROM (SELECT *, CASE WHEN shared_at IS NOT NULL AND r_agreed < CASE outcome WHEN 'won' THEN 0.8 WHEN 'lost' THEN 0.3 ELSE 0.55 END
                     THEN shared_at + (ending - shared_at) * r_when * 0.8 END AS agreed_at
      FROM (SELECT *, CASE WHEN r_shared < CASE outcome WHEN 'open' THEN 0.65 ELSE 0.8 END
                           THEN created + (ending - created) * r_when * 0.4 END AS shared_at
            FROM (SELECT d.*, LEAST(d.created_at + r_created * interval '10 days', ending) AS created
                  FROM (SELECT *, coalesce(closed_at, now()) AS ending, random() AS r_created, random() AS r_shared,
                               random() AS r_agreed, random() AS r_when, random() AS r_checkin
                        FROM deals_deal WHERE organization_id = %(org)s AND random() < 0.75) AS d) AS c) AS s) AS a
"""
# Stored health by plan order (k = 7 * n mod 20 spreads the levels over small orgs too).
HEALTH_SQL = """
UPDATE plans_plan p SET health = CASE WHEN k < 3 THEN 'red' WHEN k < 8 THEN 'amber' WHEN k < 19 THEN 'green' ELSE '' END,
    health_days_late = CASE WHEN k < 3 THEN 6 + n.h %% 20 WHEN k < 5 THEN 1 + n.h %% 5 WHEN k < 19 THEN 0 END,
    health_projected_close = CASE WHEN k < 19 THEN p.target_close_date + CASE WHEN k < 3 THEN 9 + n.h %% 28 ELSE 0 END END,
    health_on = CASE WHEN k < 19 THEN current_date END,
    health_reasons = CASE
      WHEN k < 2 THEN jsonb_build_array(jsonb_build_object('code', 'overdue_items', 'level', 'red', 'params',
           jsonb_build_object('side', CASE k WHEN 0 THEN 'buyer' ELSE 'seller' END, 'count', 2 + n.h %% 5,
                              'max_days_overdue', 8 + n.h %% 12)))
      ELSE '[]'::jsonb END || CASE
      WHEN k IN (1, 2) THEN jsonb_build_array(jsonb_build_object('code', 'projected_late', 'level', 'red', 'params',
           jsonb_build_object('business_days', 6 + n.h %% 20, 'target', p.target_close_date,
                              'projected', p.target_close_date + 9 + n.h %% 28)))
      WHEN k IN (3, 4) THEN jsonb_build_array(jsonb_build_object('code', 'recent_slips', 'level', 'amber', 'params',
           jsonb_build_object('count', 2 + n.h %% 3, 'days', 5 + n.h %% 9, 'window_days', 14)))
      WHEN k IN (5, 6) THEN jsonb_build_array(jsonb_build_object('code', 'not_agreed', 'level', 'amber', 'params',
           jsonb_build_object('business_days_to_decision', 3 + n.h %% 7, 'decision', p.target_close_date)))
      WHEN k = 7 THEN jsonb_build_array(jsonb_build_object('code', 'buyer_silent', 'level', 'amber', 'params',
           jsonb_build_object('days', 15 + n.h %% 10)))
      ELSE '[]'::jsonb END
FROM (SELECT p.id, (p.id %% 840)::int AS h, (7 * row_number() OVER (PARTITION BY d.outcome = 'open' ORDER BY p.id)) %% 20 AS k
      FROM plans_plan p JOIN deals_deal d ON d.id = p.deal_id WHERE p.organization_id = %(org)s) AS n
WHERE p.id = n.id
"""
# Tasks on random plans. Open deals: due from 45 days ago to the plan's target (20 days ahead at
# the least), 92 % of the past ones done; closed deals: due before the close, 98 % done.
TASKS_SQL = """
INSERT INTO plans_task (organization_id, public_id, plan_id, title, description, side, due_date, status, blocked_reason,
                        internal, duration_days, "order", completed_at, version, created_at, updated_at)
SELECT %(org)s, gen_random_uuid(), id, 'Task ' || i, '', side, due, status, '', false, 1, i,
       CASE WHEN status = 'done' THEN due + time '17:00' END, 1, now(), now()
FROM (SELECT i, id, due, CASE WHEN r_side < 0.4 THEN 'buyer' WHEN r_side < 0.85 THEN 'seller' ELSE 'joint' END AS side,
             CASE WHEN NOT open THEN CASE WHEN r_status < 0.98 THEN 'done' ELSE 'not_started' END
                  WHEN due < current_date THEN CASE WHEN r_status < 0.92 THEN 'done' WHEN r_status < 0.95 THEN 'blocked'
                                                    WHEN r_status < 0.98 THEN 'in_progress' ELSE 'not_started' END
                  WHEN r_status < 0.15 THEN 'done' WHEN r_status < 0.4 THEN 'in_progress'
                  WHEN r_status < 0.45 THEN 'blocked' ELSE 'not_started' END AS status
      FROM (SELECT g.*, pl.id, pl.open,
                   CASE WHEN pl.open THEN current_date - 45 + floor(r_due * (GREATEST(pl.target, current_date + 20)
                                                                             - current_date + 46))::int
                        ELSE pl.closed_on - floor(r_due * 120)::int END AS due
            FROM (SELECT i, 1 + floor(random() * %(n_plans)s)::int AS rn, random() AS r_side, random() AS r_status,
                         random() AS r_due FROM generate_series(1, %(n)s) AS i) AS g
            JOIN (SELECT p.id, d.outcome = 'open' AS open, d.closed_at::date AS closed_on,
                         coalesce(p.target_close_date, current_date + 60) AS target,
                         row_number() OVER (ORDER BY p.id) AS rn
                  FROM plans_plan p JOIN deals_deal d ON d.id = p.deal_id WHERE p.organization_id = %(org)s) AS pl
              ON pl.rn = g.rn) AS t) AS s
"""
SLIPS_SQL = """
INSERT INTO plans_slip (organization_id, public_id, plan_id, task_id, from_date, to_date, days, reason, actor_name, side,
                        created_at)
SELECT organization_id, gen_random_uuid(), plan_id, id, due_date - days, due_date, days, '', 'Bench',
       CASE WHEN r_side < 0.45 THEN 'buyer' ELSE 'seller' END,
       LEAST(now() - r_when * interval '30 days', (due_date - days - floor(r_when * 10)::int) + time '10:00')
FROM (SELECT t.*, 1 + floor(random() * 14)::int AS days, random() AS r_side, random() AS r_when
      FROM plans_task t WHERE t.organization_id = %(org)s AND random() < %(share)s) AS s
"""

# What --try-index adds, as it would go into Task.Meta.indexes: the overdue items (not done,
# due before today) of an organization by due date, with the columns the dashboard groups by.
TRY_INDEXES = [(Task, models.Index(fields=["organization", "due_date"], include=["plan", "side"],
                                   condition=~Q(status=TaskStatus.DONE), name="task_org_due_not_done"))]
TRY_INDEX_TEXT = ('models.Index(fields=["organization", "due_date"], include=["plan", "side"], '
                  'condition=~Q(status=TaskStatus.DONE), name="task_org_due_not_done")')


def build_org(name: str, n_deals: int, n_sellers: int, seed: float) -> dict:
    slug = name.lower().replace(" ", "-")
    organization = Organization.objects.create(name=name)
    manager = User.objects.create_user(f"manager@{slug}.example", "x", name=f"Manager of {name}")
    Membership.objects.create(organization=organization, user=manager, role=Role.MANAGER)
    sellers = []
    for s in range(n_sellers):
        sellers.append(User.objects.create_user(f"seller{s + 1}@{slug}.example", "x", name=f"Seller {s + 1} of {name}",
                                                timezone=ZONES[s % len(ZONES)]))
        Membership.objects.create(organization=organization, user=sellers[-1], role=Role.SELLER)
    org = organization.pk
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(%s)", [seed])
        cursor.execute(DEALS_SQL, {"org": org, "n": n_deals, "companies": COMPANIES, "sellers": [u.pk for u in sellers],
                                   "n_sellers": n_sellers, "stages": list(Stage.values)})
        cursor.execute(PLANS_SQL, {"org": org})
        cursor.execute(HEALTH_SQL, {"org": org})
        cursor.execute("SELECT count(*) FROM plans_plan WHERE organization_id = %s", [org])
        cursor.execute(TASKS_SQL, {"org": org, "n": n_deals * TASKS_PER_DEAL, "n_plans": cursor.fetchone()[0]})
        cursor.execute(SLIPS_SQL, {"org": org, "share": SLIPS_PER_TASK})
    return {"organization": organization, "manager": manager, "sellers": sellers}


def summary(org_id: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT count(*), count(*) FILTER (WHERE outcome = 'open'), count(*) FILTER (WHERE outcome = 'won'),
                   count(*) FILTER (WHERE outcome = 'lost'), count(p.id), count(p.shared_at), count(p.agreed_at),
                   count(*) FILTER (WHERE outcome = 'open' AND p.health IN ('red', 'amber')),
                   (SELECT count(*) FROM plans_task WHERE organization_id = %(o)s),
                   (SELECT count(*) FROM plans_task t JOIN plans_plan p ON p.id = t.plan_id JOIN deals_deal d
                      ON d.id = p.deal_id WHERE t.organization_id = %(o)s AND t.status <> 'done' AND t.due_date < current_date
                      AND d.outcome = 'open'),
                   (SELECT count(*) FROM plans_slip WHERE organization_id = %(o)s)
            FROM deals_deal d LEFT JOIN plans_plan p ON p.deal_id = d.id WHERE d.organization_id = %(o)s""", {"o": org_id})
        d, o, w, lost, p, sh, ag, tr, t, od, sl = cursor.fetchone()
    return (f"{d:,} deals ({o:,} open, {w:,} won, {lost:,} lost), {p:,} plans ({sh:,} shared, {ag:,} agreed, "
            f"{tr:,} open ones red/amber), {t:,} tasks ({od:,} overdue in open deals), {sl:,} slips")


def where(stack) -> str:
    """The innermost project frame outside the bench that ran a query: 'metrics.health:374'."""
    for frame in reversed(stack):
        path = Path(frame.filename)
        if path.is_relative_to(ROOT) and not path.is_relative_to(ROOT / ".venv") and "bench" not in path.parts:
            return f"{path.stem}.{frame.name}:{frame.lineno}"
    return "?"


def query_breakdown(client: Client, url: str, runs: int = 5) -> list[dict]:
    """Each query of one request (the same ones every time): where it is run, its SQL and the
    median ms over `runs` requests."""
    per_run = []
    for _ in range(runs):
        seen = []

        def timed(execute, sql, params, many, context, seen=seen):
            start = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                seen.append(((time.perf_counter() - start) * 1000, where(traceback.extract_stack())))

        with CaptureQueriesContext(connection) as captured, connection.execute_wrapper(timed):
            assert client.get(url).status_code == 200
        per_run.append([(ms, label, q["sql"]) for (ms, label), q in zip(seen, captured.captured_queries)])
    return [{"where": row[0][1], "sql": row[0][2], "ms": statistics.median(r[0] for r in row)} for row in zip(*per_run)]


def explain(sql: str, fmt: str = "") -> str | dict:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS{fmt}) " + sql)
        rows = cursor.fetchall()
    return rows[0][0][0] if fmt else "\n".join("    " + row[0] for row in rows)


def csv_export(client: Client, url: str, runs: int = 3) -> dict:
    """Median ms of `runs` whole exports (after one to warm up), and the PostgreSQL side of
    its one big query (the server-side cursor's SELECT) by EXPLAIN ANALYZE."""
    times = []
    for n in range(runs + 1):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            body = b"".join(client.get(url).streaming_content)
            if n:
                times.append((time.perf_counter() - start) * 1000)
    rows = sum(1 for _ in csv.reader(io.StringIO(body.decode("utf-8-sig")))) - 1
    sql = next(q["sql"] for q in captured.captured_queries if q["sql"].startswith("DECLARE"))
    plan = explain(sql[sql.index(" FOR SELECT ") + 5:], ", FORMAT JSON")
    ms = statistics.median(times)
    return {"ms": ms, "rows": rows, "per_s": rows / ms * 1000, "kib": len(body) / 1024, "db_ms": plan["Execution Time"],
            "jit_ms": plan.get("JIT", {}).get("Timing", {}).get("Total", 0), "cost": plan["Plan"]["Total Cost"]}


def measure(big: dict, small: dict) -> dict:
    index, deals, csv_url = reverse("dashboard:index"), reverse("dashboard:deals"), reverse("dashboard:csv")
    seller = big["sellers"][0]
    manager, own, few = Client(), Client(), Client()
    manager.force_login(big["manager"])
    own.force_login(seller)
    pages = harness.measure(manager, {
        "dashboard, manager, whole org": index,
        f"dashboard, manager, seller={seller.pk}": f"{index}?seller={seller.pk}",
        "deal table ?health=troubled": f"{deals}?health=troubled",
        "deal table ?overdue=buyer": f"{deals}?overdue=buyer",
    })
    pages.update(harness.measure(own, {"dashboard, seller, own deals": index}))
    counts = {}
    for role, client, small_user, url in (("manager", manager, small["manager"], index),
                                          ("seller", own, small["sellers"][0], index),
                                          ("deal table", manager, small["manager"], f"{deals}?health=troubled")):
        few.force_login(small_user)
        counts[role] = (harness.count_queries(client, url), harness.count_queries(few, url))
    return {"pages": pages, "counts": counts, "csv": csv_export(manager, csv_url),
            "queries": query_breakdown(manager, index), "manager": manager, "csv_url": csv_url}


def report(figures: dict) -> None:
    print(f"\n{'page':<34} {'median ms':>9} {'p90 ms':>8} {'queries':>7} {'SQL ms':>7} {'KiB':>5}")
    for name, f in figures["pages"].items():
        print(f"{name:<34} {f['median']:>9.1f} {f['p90']:>8.1f} {f['queries']:>7} {f['sql_ms']:>7.1f} "
              f"{f['bytes'] / 1024:>5.0f}")
    print("\nqueries, organization with 10,000 deals against the one with 10:")
    for role, (many, few) in figures["counts"].items():
        print(f"  {role:<10}: {many} vs {few}  {'EQUAL' if many == few else 'DIFFERENT'}")
    c = figures["csv"]
    print(f"\nCSV of the whole org: {c['rows']:,} rows, {c['kib']:,.0f} KiB in {c['ms']:,.0f} ms (median of 3), "
          f"{c['per_s']:,.0f} rows/s\n  its query in PostgreSQL (EXPLAIN ANALYZE): {c['db_ms']:,.0f} ms, of which "
          f"JIT compilation {c['jit_ms']:,.0f} ms (plan cost {c['cost']:,.0f}; jit_above_cost is 100,000)")
    queries = figures["queries"]
    print(f"\nqueries of the manager's dashboard (median ms of 5 requests; {sum(q['ms'] for q in queries):.1f} ms in all):")
    for n, q in enumerate(queries, 1):
        print(f"  {n:>2}. {q['ms']:>6.2f} ms  {q['where']}")


def print_plans(queries: list[dict], picked: list[int], was: list[dict] | None = None) -> None:
    for n in picked:
        q = queries[n]
        print(f"\n--- query {n + 1}, {q['where']}: {q['ms']:.2f} ms" + (f" (was {was[n]['ms']:.2f})" if was else ""))
        print(f"    {q['sql'][:300]}{'...' if len(q['sql']) > 300 else ''}")
        print(explain(q["sql"]))


def run() -> None:
    started = time.perf_counter()
    big = build_org("Big Vendor", 10_000, 20, 0.42)
    small = build_org("Small Vendor", 10, 2, 0.42)
    built = time.perf_counter() - started
    harness.analyze()
    print(f"dashboard bench on {connection.vendor} ({connection.settings_dict['NAME']}); data built in {built:.1f} s")
    print(f"  big org  : {summary(big['organization'].pk)}\n  small org: {summary(small['organization'].pk)}")
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
    report(before)
    slowest = sorted(range(len(before["queries"])), key=lambda n: -before["queries"][n]["ms"])[:3]
    print("\nEXPLAIN (ANALYZE, BUFFERS) of the three slowest queries of the manager's dashboard:")
    print_plans(before["queries"], slowest)
    if "--try-index" not in sys.argv[1:]:
        return

    print(f"\n=== --try-index: {TRY_INDEX_TEXT} on Task ===")
    with connection.schema_editor() as editor:
        for model, index in TRY_INDEXES:
            start = time.perf_counter()
            editor.add_index(model, index)
            print(f"  {index.create_sql(model, editor)}: built in {(time.perf_counter() - start) * 1000:.0f} ms")
    harness.analyze()
    after = measure(big, small)
    report(after)
    print("\nbefore -> after (median ms)")
    for name in before["pages"]:
        print(f"  {name:<34} {before['pages'][name]['median']:>7.1f} -> {after['pages'][name]['median']:>7.1f}")
    print(f"  {'CSV of the whole org':<34} {before['csv']['ms']:>7.0f} -> {after['csv']['ms']:>7.0f}")
    for n, (b, a) in enumerate(zip(before["queries"], after["queries"]), 1):
        if abs(b["ms"] - a["ms"]) > 1:
            print(f"  dashboard query {n:>2}, {b['where']:<20} {b['ms']:>7.2f} -> {a['ms']:>7.2f}")
    with connection.cursor() as cursor:
        cursor.execute("SET jit = off")  # this connection only: what the CSV costs without JIT
    c = csv_export(after["manager"], after["csv_url"])
    print(f"  {'CSV, and jit = off':<34} {after['csv']['ms']:>7.0f} -> {c['ms']:>7.0f} ({c['per_s']:,.0f} rows/s; "
          f"its query {after['csv']['db_ms']:,.0f} -> {c['db_ms']:,.0f} ms in PostgreSQL)")
    with connection.cursor() as cursor:
        cursor.execute("RESET jit")
    print("\nEXPLAIN (ANALYZE, BUFFERS) with the index of the three queries that were the slowest:")
    print_plans(after["queries"], slowest, was=before["queries"])


if __name__ == "__main__":
    harness.run_in_throwaway_db(run)
