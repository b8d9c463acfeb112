"""The dependency graph: cycles, topological order, progress.

A plan's dependencies are given as ``prerequisites``: a mapping from each task to the tasks
it depends on (finish-to-start). The prerequisites of a task are either a mapping
``{prerequisite: lag}`` (lag in business days, >= 0) or a plain iterable (lag 0). Task ids
are any hashable values; tasks that only appear as prerequisites are tasks too.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from typing import Any, TypeVar

T = TypeVar("T", bound=Hashable)

#: task -> its prerequisites, with or without lags (business days). Ids are any hashable
#: values (Any, since Mapping is invariant in its keys and callers use int, UUID or str).
Prerequisites = Mapping[Any, Mapping[Any, int] | Iterable[Any]]


class CycleError(ValueError):
    """The dependencies contain a cycle; `cycle` reads as a chain of "depends on"."""

    def __init__(self, cycle: list[Any]) -> None:
        self.cycle = cycle
        super().__init__("dependency cycle: " + " -> ".join(map(str, cycle)))


def find_cycle(
    prerequisites: Mapping[Hashable, Iterable[Hashable]], task: Hashable, new_prerequisites: Iterable[Hashable]
) -> list[Hashable] | None:
    """The cycle that giving `task` these prerequisites would close, or None.

    `prerequisites` maps each task to the tasks it depends on (its current edges; the
    edges of `task` itself are replaced by `new_prerequisites`). The answer reads as
    a chain of "depends on": [a, b, c, a] means a depends on b, b on c, c on a.
    """
    graph = {node: list(edges) for node, edges in prerequisites.items()}
    graph[task] = list(new_prerequisites)
    # Depth-first search from task; a path back to it is the cycle.
    stack: list[tuple[Hashable, list[Hashable]]] = [(task, [task])]
    seen: set[Hashable] = set()
    while stack:
        node, path = stack.pop()
        for nxt in graph.get(node, ()):
            if nxt == task:
                return path + [task]
            if nxt not in seen:
                seen.add(nxt)
                stack.append((nxt, path + [nxt]))
    return None


def progress(statuses: Iterable[str], done: str = "done") -> dict[str, int]:
    """{"done", "total", "percent"} for a list of task statuses; an empty plan is 0 %."""
    statuses = list(statuses)
    total = len(statuses)
    finished = sum(1 for s in statuses if s == done)
    percent = round(100 * finished / total) if total else 0
    return {"done": finished, "total": total, "percent": percent}


def normalize(prerequisites: Prerequisites, tasks: Iterable[Any] = ()) -> dict[Any, dict[Any, int]]:
    """``{task: {prerequisite: lag}}`` with every task as a key (in first-seen order).

    Tasks listed in `tasks` come first, in that order; then the keys of `prerequisites`,
    then tasks seen only as prerequisites. A negative lag is refused (ValueError).
    """
    graph: dict[Any, dict[Any, int]] = {t: {} for t in tasks}
    for task, edges in prerequisites.items():
        lags = dict(edges) if isinstance(edges, Mapping) else dict.fromkeys(edges, 0)
        for prerequisite, lag in lags.items():
            if lag < 0:
                raise ValueError(f"negative lag {lag} on {task!r} <- {prerequisite!r}")
            graph.setdefault(prerequisite, {})
        graph.setdefault(task, {}).update(lags)
    return graph


def dependants_of(graph: Mapping[T, Mapping[T, int]]) -> dict[T, dict[T, int]]:
    """The reverse graph: ``{prerequisite: {dependant: lag}}``, every task a key."""
    reverse: dict[T, dict[T, int]] = {t: {} for t in graph}
    for task, lags in graph.items():
        for prerequisite, lag in lags.items():
            reverse[prerequisite][task] = lag
    return reverse


def topological_order(graph: Mapping[T, Mapping[T, int]]) -> list[T]:
    """Every task after its prerequisites; ties keep the graph's key order. CycleError if none.

    `graph` is a normalized one (`normalize`): every task is a key.
    """
    # Kahn's algorithm; a FIFO of ready tasks in key order makes the answer deterministic.
    waiting = {t: len(lags) for t, lags in graph.items()}
    reverse = dependants_of(graph)
    ready = [t for t, n in waiting.items() if n == 0]
    order: list[T] = []
    i = 0
    while i < len(ready):
        task = ready[i]
        i += 1
        order.append(task)
        for dependant in reverse[task]:
            waiting[dependant] -= 1
            if waiting[dependant] == 0:
                ready.append(dependant)
    if len(order) != len(graph):
        left = next(t for t, n in waiting.items() if n > 0)
        raise CycleError(_cycle_through(graph, {t for t, n in waiting.items() if n > 0}, left))
    return order


def _cycle_through(graph: Mapping[T, Mapping[T, int]], stuck: set[T], start: T) -> list[T]:
    """A cycle among `stuck` tasks (each has a stuck prerequisite): walk until a repeat."""
    path: list[T] = []
    position: dict[T, int] = {}
    node = start
    while node not in position:
        position[node] = len(path)
        path.append(node)
        node = next(p for p in graph[node] if p in stuck)
    return path[position[node] :] + [node]
