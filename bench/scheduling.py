#!/usr/bin/env python
"""Time of the pure scheduling engine on a big plan: cascade reschedule and critical path.

Builds, in memory (no database, no Django), a plan of 500 tasks and 1,500 finish-to-start
dependencies (seeded, so every run builds the same plan; each task depends on up to a few of
the 40 tasks before it, lags 0–2 business days), dates every task as early as its
prerequisites allow from a fixed Monday, then times with `time.perf_counter()`:

- cascade reschedule of the first task by one week (almost every task is downstream and most
  move: the worst case), and of a task in the middle of the plan;
- the projection (earliest dates, projected finish, critical path, slack) with a tenth of
  the tasks done.

5 warm-up runs, then the median and p90 of 50, in milliseconds, like the other benches.

    .venv/bin/python bench/scheduling.py
"""

import datetime
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _graphs import random_dag

from plans.scheduling import OpenTask, TaskDates, cascade_reschedule, project, violations

WARMUP, RUNS = 5, 50
TASKS, DEPENDENCIES = 500, 1500
TODAY = datetime.date(2027, 1, 4)  # a Monday


def build(seed: int = 4):
    prerequisites, durations, done = random_dag(TASKS, DEPENDENCIES, seed)
    schedule = project({t: OpenTask(d) for t, d in durations.items()}, prerequisites, today=TODAY)
    dates = {t: TaskDates(due=span.due, start=span.start) for t, span in schedule.dates.items()}
    assert violations(prerequisites, dates) == []
    open_tasks = {t: OpenTask(durations[t], done=t in done) for t in range(TASKS)}
    return prerequisites, dates, open_tasks


def timed(run) -> dict:
    for _ in range(WARMUP):
        answer = run()
    timings = []
    for _ in range(RUNS):
        start = time.perf_counter()
        run()
        timings.append((time.perf_counter() - start) * 1000)
    return {"median": statistics.median(timings), "p90": statistics.quantiles(timings, n=10)[8], "answer": answer}


def main() -> None:
    prerequisites, dates, open_tasks = build()
    print(f"scheduling bench: {TASKS} tasks, {sum(map(len, prerequisites.values()))} dependencies, no database")
    print(f"{WARMUP} warm-up + {RUNS} timed runs each")
    for label, task in (("first task", 0), ("middle task", TASKS // 2)):
        new_due = dates[task].due + datetime.timedelta(days=7)
        figures = timed(lambda task=task, new_due=new_due: cascade_reschedule(prerequisites, dates, task, new_due))
        moved = len(figures["answer"].cascaded)
        print(f"cascade, {label:<11} +1 week: median {figures['median']:.1f} ms p90 {figures['p90']:.1f} ms, "
              f"{moved} dependants move")
    figures = timed(lambda: project(open_tasks, prerequisites, today=TODAY, target=datetime.date(2028, 8, 1)))
    projection = figures["answer"]
    print(f"projection + critical path : median {figures['median']:.1f} ms p90 {figures['p90']:.1f} ms, "
          f"finish {projection.finish}, {projection.business_days_late:+d} business days vs target, "
          f"critical path of {len(projection.critical_path)} tasks")


if __name__ == "__main__":
    main()
