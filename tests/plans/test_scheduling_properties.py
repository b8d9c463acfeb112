"""Property-based tests of the scheduling engine over random DAGs (hypothesis; no database)."""

import datetime
import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plans.scheduling import (
    BusinessCalendar,
    CycleError,
    OpenTask,
    TaskDates,
    TemplateItem,
    cascade_reschedule,
    find_cycle,
    normalize,
    project,
    schedule_backward,
    topological_order,
    violations,
)

D = datetime.date
BASE = D(2027, 1, 4)  # a Monday

# Two CPUs shared with other work: enough examples to find the edge cases, a fast suite.
PROPERTIES = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])

days = st.integers(min_value=0, max_value=120).map(lambda n: BASE + datetime.timedelta(days=n))
calendars = st.frozensets(days, max_size=8).map(BusinessCalendar)


@st.composite
def dags(draw, max_tasks=12):
    """(task count, {task: {prerequisite: lag}}): edges only from lower to higher numbers."""
    n = draw(st.integers(min_value=1, max_value=max_tasks))
    prerequisites: dict[int, dict[int, int]] = {t: {} for t in range(n)}
    if n > 1:
        pairs = st.tuples(st.integers(0, n - 2), st.integers(1, n - 1)).filter(lambda p: p[0] < p[1])
        for before, after in draw(st.lists(pairs, max_size=3 * n)):
            prerequisites[after][before] = draw(st.integers(0, 3))
    return n, prerequisites


def reaches(prerequisites, start):
    """Every task with a dependency path from `start` (its dependants, transitively)."""
    found, todo = set(), [start]
    while todo:
        node = todo.pop()
        for task, lags in prerequisites.items():
            if node in lags and task not in found:
                found.add(task)
                todo.append(task)
    return found


def naive_add(calendar, d, n):
    """Day-by-day reference for BusinessCalendar.add."""
    step = 1 if n > 0 else -1
    while n:
        d += datetime.timedelta(days=step)
        if calendar.is_business_day(d):
            n -= step
    return d


# --- Business-day calendar ------------------------------------------------------------


@PROPERTIES
@given(calendar=calendars, d=days, n=st.integers(-40, 40))
def test_adding_business_days_matches_counting_day_by_day(calendar, d, n):
    result = calendar.add(d, n)
    assert result == naive_add(calendar, d, n)
    if n:
        assert calendar.is_business_day(result)
    if calendar.is_business_day(d):
        assert calendar.add(result, -n) == d
        assert calendar.between(d, result) == n


@PROPERTIES
@given(calendar=calendars, a=days, b=days)
def test_business_days_between_counts_the_business_days_after_start_up_to_end(calendar, a, b):
    low, high = min(a, b), max(a, b)
    count = sum(
        calendar.is_business_day(low + datetime.timedelta(days=i)) for i in range(1, (high - low).days + 1)
    )
    assert calendar.between(a, b) == (count if b >= a else -count)


# --- Cycle detection ----------------------------------------------------------------------


@PROPERTIES
@given(graph=dags(), data=st.data())
def test_find_cycle_refuses_exactly_the_edges_that_close_a_cycle(graph, data):
    n, prerequisites = graph
    task = data.draw(st.integers(0, n - 1))
    new = data.draw(st.lists(st.integers(0, n - 1), max_size=4))
    plain = {t: list(lags) for t, lags in prerequisites.items()}
    cycle = find_cycle(plain, task, new)
    changed = {**plain, task: new}
    try:
        topological_order(normalize(changed))
        is_dag = True
    except CycleError:
        is_dag = False
    # The graph was a DAG: a cycle, if any, runs through the task whose edges changed.
    assert (cycle is None) == is_dag
    if cycle is not None:
        assert cycle[0] == cycle[-1] == task
        assert all(b in changed[a] for a, b in itertools.pairwise(cycle))


@PROPERTIES
@given(n=st.integers(1, 10), edges=st.lists(st.tuples(st.integers(0, 9), st.integers(0, 9)), max_size=40))
def test_adding_only_the_edges_find_cycle_accepts_keeps_a_dag(n, edges):
    graph: dict[int, list[int]] = {t: [] for t in range(n)}
    for task, prerequisite in edges:
        task, prerequisite = task % n, prerequisite % n
        wanted = graph[task] + [prerequisite]
        if find_cycle(graph, task, wanted) is None:
            graph[task] = wanted
        else:
            # Refused: the graph with that edge really has a cycle.
            try:
                topological_order(normalize({**graph, task: wanted}))
                raise AssertionError("find_cycle refused a DAG")
            except CycleError:
                pass
    topological_order(normalize(graph))  # raises if a cycle slipped in


# --- Backward scheduling ------------------------------------------------------------------


@st.composite
def templates(draw):
    n, prerequisites = draw(dags())
    items = [
        TemplateItem(
            key=t,
            duration=draw(st.integers(0, 8)),
            offset=draw(st.none() | st.integers(0, 15)),
            depends_on=prerequisites[t],
        )
        for t in range(n)
    ]
    return draw(st.permutations(items))


@PROPERTIES
@given(items=templates(), anchor=days, today=days, calendar=calendars)
def test_backward_scheduling_respects_anchor_offsets_and_dependencies_and_is_as_late_as_possible(
    items, anchor, today, calendar
):
    result = schedule_backward(items, anchor=anchor, today=today, calendar=calendar)
    rank = calendar.rank
    last = rank(anchor)
    for item in items:
        span = result.dates[item.key]
        assert span.due <= anchor
        assert calendar.is_business_day(span.start) and calendar.is_business_day(span.due)
        assert rank(span.due) - rank(span.start) == max(item.duration, 1) - 1
        if item.offset is not None:
            assert rank(span.due) <= last - item.offset
        for prerequisite, lag in item.depends_on.items():
            assert rank(span.start) >= rank(result.dates[prerequisite].due) + 1 + lag
        # As late as possible: one business day later would break a bound.
        bounds = [last] + ([last - item.offset] if item.offset is not None else [])
        bounds += [
            rank(result.dates[other.key].start) - 1 - other.depends_on[item.key]
            for other in items
            if item.key in other.depends_on
        ]
        assert rank(span.due) == min(bounds)
    earliest = min(rank(s.start) for s in result.dates.values())
    first_free = calendar.start_rank(today)
    assert result.missing_business_days == max(0, first_free - earliest)
    assert result.fits == all(s.start >= today for s in result.dates.values())
    # The anchor it suggests is just enough.
    assert schedule_backward(items, anchor=result.anchor_that_fits, today=today, calendar=calendar).fits
    if not result.fits:
        earlier = calendar.add(result.anchor_that_fits, -1)
        assert not schedule_backward(items, anchor=earlier, today=today, calendar=calendar).fits


# --- Cascade reschedule -------------------------------------------------------------------


@st.composite
def dated_plans(draw):
    """A DAG with consistent dates: each task starts at or after what its prerequisites allow."""
    n, prerequisites = draw(dags())
    calendar = draw(calendars)
    ranks: dict[int, tuple[int, int]] = {}
    dates: dict[int, TaskDates] = {}
    for t in range(n):  # numbered in topological order
        earliest = max(
            [calendar.start_rank(BASE)] + [ranks[p][1] + 1 + lag for p, lag in prerequisites[t].items()]
        )
        start = earliest + draw(st.integers(0, 3))  # some slack, sometimes
        duration = draw(st.integers(1, 6))
        ranks[t] = (start, start + duration - 1)
        style = draw(st.sampled_from(["start", "duration", "due only"]))
        due = calendar.day_at(start + duration - 1)
        if style == "start":
            dates[t] = TaskDates(due=due, start=calendar.day_at(start))
        elif style == "duration":
            dates[t] = TaskDates(due=due, duration=duration)
        else:
            ranks[t] = (start + duration - 1, start + duration - 1)
            dates[t] = TaskDates(due=due)
    return n, prerequisites, dates, calendar


@PROPERTIES
@given(
    plan=dated_plans(),
    moves=st.lists(st.tuples(st.integers(0, 11), st.integers(-15, 25)), min_size=1, max_size=6),
)
def test_cascaded_reschedules_keep_every_dependency_and_move_only_what_they_must(plan, moves):
    n, prerequisites, dates, calendar = plan
    assert violations(prerequisites, dates, calendar=calendar) == []
    for index, shift in moves:
        task = index % n
        new_due = dates[task].due + datetime.timedelta(days=shift)
        before = dict(dates)
        result = cascade_reschedule(prerequisites, dates, task, new_due, calendar=calendar)
        assert dates == before  # input untouched
        after = result.apply(dates)
        if result.conflicts:
            # Moved earlier than its prerequisites allow: exactly those edges break.
            assert sorted(v[1] for v in violations(prerequisites, after, calendar=calendar)) == sorted(
                result.conflicts
            )
            assert all(v[0] == task for v in violations(prerequisites, after, calendar=calendar))
            continue  # the service would warn; this sequence goes on from the old dates
        assert violations(prerequisites, after, calendar=calendar) == []
        downstream = reaches(prerequisites, task)
        moved = {m.task for m in result.cascaded}
        assert moved <= downstream
        for other in range(n):
            if other != task and other not in moved:
                assert after[other] == before[other]
        # Minimal: each cascaded task moved later, to the first start some prerequisite allows,
        # keeping its length.
        for move in result.cascaded:
            assert move.business_days > 0
            start_rank = calendar.rank(move.new_start)
            assert start_rank == max(
                calendar.rank(after[p].due) + 1 + lag for p, lag in prerequisites[move.task].items()
            )
            old_begin, old_end = before[move.task].ranks(calendar)
            assert calendar.rank(move.new_due) - start_rank == old_end - old_begin
            assert start_rank - old_begin == move.business_days
        dates = after


# --- Projection -----------------------------------------------------------------------------


@PROPERTIES
@given(graph=dags(), data=st.data(), today=days)
def test_projection_respects_dependencies_and_its_critical_path_is_a_tight_chain(graph, data, today):
    n, prerequisites = graph
    tasks = {
        t: OpenTask(duration=data.draw(st.integers(0, 6)), done=data.draw(st.booleans()))
        for t in data.draw(st.permutations(range(n)))
    }
    result = project(tasks, prerequisites, today=today)
    rank = BusinessCalendar().rank
    open_tasks = [t for t, task in tasks.items() if not task.done]
    assert set(result.dates) == set(open_tasks)
    if not open_tasks:
        assert result.finish is None and result.critical_path == []
        return
    first = BusinessCalendar().start_rank(today)
    for t in open_tasks:
        span = result.dates[t]
        assert rank(span.start) >= first
        for p, lag in prerequisites[t].items():
            if p in result.dates:
                assert rank(span.start) >= rank(result.dates[p].due) + 1 + lag
        assert result.slack[t] >= 0
    assert result.finish == max(s.due for s in result.dates.values())
    path = result.critical_path
    assert result.dates[path[-1]].due == result.finish
    assert rank(result.dates[path[0]].start) == first
    for before, after in itertools.pairwise(path):
        lag = prerequisites[after][before]
        assert rank(result.dates[after].start) == rank(result.dates[before].due) + 1 + lag
    assert all(result.slack[t] == 0 for t in path)
