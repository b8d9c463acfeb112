"""A big seeded dependency graph for the scheduling benches (pure: no Django needed).

Not a bench of its own (`make bench` skips bench/_*.py).
"""

import random

WINDOW = 40  # each task depends on some of the 40 tasks before it


def random_dag(n: int, edges_wanted: int, seed: int = 4) -> tuple[dict, dict, set]:
    """(prerequisites {task: {prerequisite: lag}}, durations {task: business days}, done tasks):
    the same plan on every run; lags 0–2 business days; a tenth of the tasks done, among the
    first fifth."""
    rng = random.Random(seed)
    prerequisites: dict[int, dict[int, int]] = {t: {} for t in range(n)}
    edges = 0
    while edges < edges_wanted:
        task = rng.randrange(1, n)
        prerequisite = rng.randrange(max(0, task - WINDOW), task)
        if prerequisite not in prerequisites[task]:
            prerequisites[task][prerequisite] = rng.choice((0, 0, 0, 1, 2))
            edges += 1
    durations = {t: rng.randint(1, 10) for t in range(n)}
    done = set(rng.sample(range(max(1, n // 5)), n // 10))
    return prerequisites, durations, done
