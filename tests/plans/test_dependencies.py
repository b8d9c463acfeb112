"""Starting or finishing a task before its prerequisites are done (plans.dependencies through
services.task_update): refused without the override, naming what is not done; with it, the
status changes and the history says which dependencies were overridden. In the deal room an
internal prerequisite is "a seller-side step", never its title."""

import datetime

import pytest

from mapapp.concurrency import StaleEdit
from plans import dependencies, services
from plans.activity import change_rows
from plans.dependencies import UnfinishedPrerequisites
from plans.models import Activity, Task, TaskDependency, TaskSide, TaskStatus
from plans.room import room_page_data
from tests import factories

D = datetime.date


@pytest.fixture
def graph(plan, buyer):
    """Kickoff (done) and Legal review (buyer, 3 June) and Security review (seller, no date)
    come before Rollout; Pricing approval is internal to the seller and comes before Go-live,
    with Legal review."""
    org = plan.organization

    def make(title, **kw):
        return factories.TaskFactory(plan=plan, organization=org, title=title, **kw)

    tasks = {
        "kickoff": make("Kickoff", status=TaskStatus.DONE, due_date=D(2027, 5, 1)),
        "legal": make("Legal review", side=TaskSide.BUYER, due_date=D(2027, 6, 3)),
        "security": make("Security review", side=TaskSide.SELLER, due_date=None),
        "pricing": make("Pricing approval", internal=True, due_date=D(2027, 6, 1)),
        "rollout": make("Rollout", side=TaskSide.BUYER, owner=buyer, due_date=D(2027, 6, 20)),
        "golive": make("Go-live", side=TaskSide.JOINT, owner=buyer, due_date=D(2027, 6, 30)),
    }
    for task, prerequisite in [("rollout", "kickoff"), ("rollout", "legal"), ("rollout", "security"),
                               ("golive", "pricing"), ("golive", "legal")]:
        TaskDependency.objects.create(organization=org, task=tasks[task], prerequisite=tasks[prerequisite])
    return tasks


def test_starting_before_the_prerequisites_are_done_is_refused_naming_them(graph, seller_actor):
    rollout = graph["rollout"]
    with pytest.raises(UnfinishedPrerequisites) as refused:
        services.task_set_status(task=rollout, actor=seller_actor, status=TaskStatus.IN_PROGRESS, version=1)
    # Earliest due date first, no date last; the done one is not named.
    assert [p.title for p in refused.value.prerequisites] == ["Legal review", "Security review"]
    assert refused.value.status == TaskStatus.IN_PROGRESS
    assert refused.value.messages == [
        "These steps it depends on are not done yet: “Legal review” (due June 3, 2027, buyer), "
        "“Security review” (no due date, seller). Start anyway?"
    ]
    rollout.refresh_from_db()
    assert (rollout.status, rollout.version) == (TaskStatus.NOT_STARTED, 1)
    assert not Activity.objects.filter(target_id=rollout.public_id).exists()


def test_with_the_override_the_status_changes_and_the_history_names_the_overridden_dependencies(
    graph, seller_actor
):
    rollout = graph["rollout"]
    changed = services.task_set_status(task=rollout, actor=seller_actor, status=TaskStatus.DONE, version=1,
                                       override_dependencies=True)
    assert changed["status"] == (TaskStatus.NOT_STARTED, TaskStatus.DONE)
    rollout.refresh_from_db()
    assert rollout.status == TaskStatus.DONE and rollout.completed_at is not None
    activity = Activity.objects.get(target_id=rollout.public_id, verb="updated")
    assert activity.changes["overridden"] == [None, ["Legal review", "Security review"]]
    assert "overridden_internal" not in activity.changes
    assert ("dependency overridden", "—", "Legal review, Security review") in change_rows(activity)


def test_finishing_a_started_task_asks_again(graph, seller_actor):
    rollout = graph["rollout"]
    services.task_set_status(task=rollout, actor=seller_actor, status=TaskStatus.IN_PROGRESS, version=1,
                             override_dependencies=True)
    with pytest.raises(UnfinishedPrerequisites) as refused:
        services.task_set_status(task=rollout, actor=seller_actor, status=TaskStatus.DONE, version=2)
    assert refused.value.messages[0].endswith("Mark it done anyway?")


@pytest.mark.parametrize("status", [TaskStatus.BLOCKED, TaskStatus.NOT_STARTED])
def test_blocking_or_reopening_needs_no_confirmation(graph, seller_actor, status):
    rollout = graph["rollout"]
    Task.objects.filter(pk=rollout.pk).update(status=TaskStatus.IN_PROGRESS)
    rollout.refresh_from_db()
    services.task_set_status(task=rollout, actor=seller_actor, status=status, version=1, reason="Waiting")
    rollout.refresh_from_db()
    assert rollout.status == status


def test_prerequisites_all_done_need_no_confirmation_and_record_no_override(graph, seller_actor):
    Task.objects.filter(pk__in=[graph["legal"].pk, graph["security"].pk]).update(status=TaskStatus.DONE)
    rollout = graph["rollout"]
    services.task_set_status(task=rollout, actor=seller_actor, status=TaskStatus.DONE, version=1)
    assert "overridden" not in Activity.objects.get(target_id=rollout.public_id).changes


def test_a_stale_version_is_a_conflict_before_any_question(graph, seller_actor):
    with pytest.raises(StaleEdit):
        services.task_set_status(task=graph["rollout"], actor=seller_actor, status=TaskStatus.DONE, version=7)


def test_the_editor_is_checked_against_the_new_prerequisite_list(graph, seller_actor):
    rollout = graph["rollout"]
    # Legal review and Security review are taken out of the list in the same save: nothing to confirm.
    services.task_update(task=rollout, actor=seller_actor, version=1, data={"status": TaskStatus.DONE},
                         depends_on=[graph["kickoff"]])
    rollout.refresh_from_db()
    assert rollout.status == TaskStatus.DONE
    # Added in the same save, an unfinished one asks.
    golive = graph["golive"]
    with pytest.raises(UnfinishedPrerequisites) as refused:
        services.task_update(task=golive, actor=seller_actor, version=1, data={"status": TaskStatus.DONE},
                             depends_on=[graph["security"]])
    assert [p.title for p in refused.value.prerequisites] == ["Security review"]


def test_one_query_finds_the_unfinished_prerequisites(graph, plan, django_assert_num_queries):
    for i in range(5):
        TaskDependency.objects.create(
            organization=plan.organization, task=graph["rollout"],
            prerequisite=factories.TaskFactory(plan=plan, organization=plan.organization, title=f"Extra {i}"),
        )
    with django_assert_num_queries(1):
        unfinished = dependencies.unfinished_prerequisites(graph["rollout"])
    assert len(unfinished) == 7


def test_a_refused_status_change_costs_one_query(graph, seller_actor, django_assert_num_queries):
    # 1 the unfinished prerequisites; the other six are the savepoints of the two nested atomic
    # blocks (taken, rolled back, released), which the test's own transaction makes necessary.
    with django_assert_num_queries(7) as captured, pytest.raises(UnfinishedPrerequisites):
        services.task_set_status(task=graph["rollout"], actor=seller_actor, status=TaskStatus.DONE, version=1)
    assert sum("SAVEPOINT" not in q["sql"] for q in captured.captured_queries) == 1


# The deal room ------------------------------------------------------------------------------------

def test_the_buyer_is_told_of_an_internal_prerequisite_without_its_title(graph, buyer):
    golive = graph["golive"]
    with pytest.raises(UnfinishedPrerequisites) as refused:
        services.room_task_set_status(task=golive, stakeholder=buyer, status=TaskStatus.IN_PROGRESS, version=1)
    message = refused.value.messages[0]
    assert "Pricing approval" not in message and "June 1" not in message
    assert message == ("These steps it depends on are not done yet: “Legal review” (due June 3, 2027, buyer), "
                       "a seller-side step. Start anyway?")
    words = dependencies.confirmation(refused.value.prerequisites, status=TaskStatus.IN_PROGRESS, for_buyer=True)
    assert words["items"] == ["“Legal review” (due June 3, 2027, buyer)", "a seller-side step"]
    # The seller reads the title.
    words = dependencies.confirmation(refused.value.prerequisites, status=TaskStatus.IN_PROGRESS, for_buyer=False)
    assert words["items"] == ["“Pricing approval” (due June 1, 2027, seller)",
                              "“Legal review” (due June 3, 2027, buyer)"]


def test_one_internal_prerequisite_alone_is_a_seller_side_step(graph, buyer):
    Task.objects.filter(pk=graph["legal"].pk).update(status=TaskStatus.DONE)
    with pytest.raises(UnfinishedPrerequisites) as refused:
        services.room_task_set_status(task=graph["golive"], stakeholder=buyer, status=TaskStatus.DONE, version=1)
    assert refused.value.messages == ["A seller-side step it depends on is not done yet. Mark it done anyway?"]


def test_the_buyers_override_names_internal_prerequisites_only_for_the_seller(graph, plan, buyer):
    golive = graph["golive"]
    services.room_task_set_status(task=golive, stakeholder=buyer, status=TaskStatus.IN_PROGRESS, version=1,
                                  override_dependencies=True)
    activity = Activity.objects.get(target_id=golive.public_id, verb="updated")
    assert activity.actor_stakeholder == buyer and not activity.internal
    assert activity.changes["overridden"] == [None, ["Legal review"]]
    assert activity.changes["overridden_internal"] == [None, ["Pricing approval"]]
    # The seller's history: one row, every title.
    assert ("dependency overridden", "—", "Legal review, Pricing approval") in change_rows(activity)
    # The room's "what changed": how many, never the title.
    changes = room_page_data(plan, stakeholder=buyer, since=activity.created_at - datetime.timedelta(seconds=1))
    rows = [row for a in changes["changes"] for row in a["changes"]]
    assert ("dependency overridden", "", "Legal review, a seller-side step") in rows
    assert "Pricing approval" not in repr(changes["changes"])


def test_undoing_a_reopen_puts_the_status_back_without_asking(graph, buyer):
    golive = graph["golive"]
    Task.objects.filter(pk=golive.pk).update(status=TaskStatus.DONE)
    golive.refresh_from_db()
    undo = services.room_task_set_status(task=golive, stakeholder=buyer, status=TaskStatus.NOT_STARTED, version=1)
    services.room_task_undo_status(task=golive, stakeholder=buyer, undo=undo)
    golive.refresh_from_db()
    assert golive.status == TaskStatus.DONE
