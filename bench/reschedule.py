#!/usr/bin/env python
"""Time and queries of the services on top of the scheduling engine, in PostgreSQL:
task_reschedule with cascade (preview and written) and the health gatherer.

Builds, in a throwaway database, a plan of 500 tasks and 1,500 finish-to-start dependencies
(seeded, the same graph as bench/scheduling.py: each task depends on some of the 40 before
it, lags 0-2 business days, durations 1-10), dated as early as the prerequisites allow (a
tenth of the early tasks is marked done before the health runs). Then, 5 warm-up and 50 timed runs each, median and p90 in ms:

- task_reschedule(preview=True) of the first task by a week (almost the whole plan moves);
- task_reschedule written (cascade, slips, activities, milestones), first and middle task,
  each run in a transaction rolled back afterwards so every run moves the same tasks;
- plan_health (projection, critical path, health reasons) of the plan.

Queries are counted for one more run of each, with a plan of 5 tasks for comparison.

    DJANGO_SETTINGS_MODULE=mapapp.test_settings .venv/bin/python bench/reschedule.py
"""

import datetime
import statistics
import time

import harness

harness.setup("reschedule")

from _plans import build_graph_plan
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from mapapp.models import Membership, Organization, Role, User
from plans import health_data, rescheduling
from plans.activity import Actor
from plans.models import Task, TaskDependency, TaskStatus

TASKS, DEPENDENCIES = 500, 1500
TODAY = datetime.date(2027, 1, 4)  # a Monday
WARMUP, RUNS = harness.WARMUP, harness.RUNS

QUERIES: list[int] = []  # the service's own queries, last call last


def reschedule(task: Task, actor: Actor, *, preview: bool):
    """A one-week move of `task`; written moves are rolled back so every run moves the same."""
    task.refresh_from_db(fields=["version", "due_date"])
    new_due = task.due_date + datetime.timedelta(days=7)
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        moves = rescheduling.task_reschedule(task=task, actor=actor, version=task.version, due_date=new_due,
                                             reason="bench", preview=preview)
        QUERIES.append(len(queries.captured_queries))
        transaction.set_rollback(True)
    return moves


def timed(run) -> dict:
    for _ in range(WARMUP):
        answer = run()
    timings = []
    for _ in range(RUNS):
        start = time.perf_counter()
        run()
        timings.append((time.perf_counter() - start) * 1000)
    with CaptureQueriesContext(connection) as queries:
        run()
    return {"median": statistics.median(timings), "p90": statistics.quantiles(timings, n=10)[8],
            "queries": len(queries.captured_queries), "answer": answer}


def count(run) -> int:
    with CaptureQueriesContext(connection) as queries:
        run()
    return len(queries.captured_queries)


def run() -> None:
    org = Organization.objects.create(name="Bench Org")
    user = User.objects.create_user("seller@bench.example", "x", name="Bench Seller")
    Membership.objects.create(organization=org, user=user, role=Role.SELLER)
    actor = Actor(user=user)
    plan, tasks = build_graph_plan(org, user, TASKS, DEPENDENCIES, today=TODAY)
    small, small_tasks = build_graph_plan(org, user, 5, 4, today=TODAY)
    harness.analyze()
    edges = TaskDependency.objects.filter(task__plan=plan).count()
    print(f"reschedule bench: {len(tasks)} tasks, {edges} dependencies, PostgreSQL, {WARMUP} warm-up + {RUNS} runs")
    # Times include the bench's own refresh of the task and the rollback; the queries are the
    # service's, counted inside the bench's transaction (so with its SAVEPOINT and RELEASE).
    rows = [
        ("preview, first task  +1 week", lambda: reschedule(tasks[0], actor, preview=True),
         lambda: reschedule(small_tasks[0], actor, preview=True)),
        ("written, first task  +1 week", lambda: reschedule(tasks[0], actor, preview=False),
         lambda: reschedule(small_tasks[0], actor, preview=False)),
        ("written, middle task +1 week", lambda: reschedule(tasks[TASKS // 2], actor, preview=False),
         lambda: reschedule(small_tasks[2], actor, preview=False)),
    ]
    for label, big, tiny in rows:
        figures = timed(big)
        service_queries = QUERIES[-1]
        tiny()
        print(f"{label}: median {figures['median']:.1f} ms p90 {figures['p90']:.1f} ms, "
              f"{service_queries} queries, {len(figures['answer'])} tasks move | 5-task plan: {QUERIES[-1]} queries")
    Task.objects.filter(pk__in=plan.done_later).update(status=TaskStatus.DONE)
    figures = timed(lambda: health_data.plan_health(plan, today=TODAY))
    result = figures["answer"]
    print(f"plan_health                 : median {figures['median']:.1f} ms p90 {figures['p90']:.1f} ms, "
          f"{figures['queries']} queries, {result.level}, projected {result.projected_close_date}, "
          f"critical path of {len(result.critical_path)} tasks | 5-task plan: "
          f"{count(lambda: health_data.plan_health(small, today=TODAY))} queries")
    figures = timed(lambda: health_data.plans_health([plan, small], today=TODAY))
    print(f"plans_health, both plans    : median {figures['median']:.1f} ms p90 {figures['p90']:.1f} ms, "
          f"{figures['queries']} queries")


if __name__ == "__main__":
    harness.run_in_throwaway_db(run)
