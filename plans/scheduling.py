"""Pure scheduling logic over plain data: no database, no request."""

from collections.abc import Hashable, Iterable, Mapping


def find_cycle(
    prerequisites: Mapping[Hashable, Iterable[Hashable]], task: Hashable, new_prerequisites: Iterable[Hashable]
) -> list | None:
    """The cycle that giving `task` these prerequisites would close, or None.

    `prerequisites` maps each task to the tasks it depends on (its current edges; the
    edges of `task` itself are replaced by `new_prerequisites`). The answer reads as
    a chain of "depends on": [a, b, c, a] means a depends on b, b on c, c on a.
    """
    graph = {node: list(edges) for node, edges in prerequisites.items()}
    graph[task] = list(new_prerequisites)
    # Depth-first search from task; a path back to it is the cycle.
    stack: list[tuple[Hashable, list]] = [(task, [task])]
    seen: set = set()
    while stack:
        node, path = stack.pop()
        for nxt in graph.get(node, ()):
            if nxt == task:
                return path + [task]
            if nxt not in seen:
                seen.add(nxt)
                stack.append((nxt, path + [nxt]))
    return None


def progress(statuses: Iterable[str], done: str = "done") -> dict:
    """{"done", "total", "percent"} for a list of task statuses; an empty plan is 0 %."""
    statuses = list(statuses)
    total = len(statuses)
    finished = sum(1 for s in statuses if s == done)
    percent = round(100 * finished / total) if total else 0
    return {"done": finished, "total": total, "percent": percent}
