from plans.scheduling import find_cycle, progress


def test_no_cycle_in_a_chain():
    assert find_cycle({"b": ["a"], "c": ["b"]}, "d", ["c"]) is None


def test_cycle_is_named_in_depends_on_order():
    # a depends on c; c depends on b; now b would depend on a.
    graph = {"a": ["c"], "c": ["b"]}
    assert find_cycle(graph, "b", ["a"]) == ["b", "a", "c", "b"]


def test_self_dependency_is_a_cycle():
    assert find_cycle({}, "a", ["a"]) == ["a", "a"]


def test_replacing_edges_removes_old_ones():
    # b used to depend on a; replacing b's edges with none lets a depend on b.
    graph = {"b": ["a"]}
    assert find_cycle(graph, "b", []) is None
    assert find_cycle(graph, "a", ["b"]) == ["a", "b", "a"]


def test_progress_of_an_empty_plan_is_zero():
    assert progress([]) == {"done": 0, "total": 0, "percent": 0}


def test_progress_rounds_to_whole_percent():
    assert progress(["done"] * 12 + ["not_started"] * 6) == {"done": 12, "total": 18, "percent": 67}
