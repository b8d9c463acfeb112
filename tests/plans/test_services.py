"""Plan services: the rules of a MAP, checked below the views."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from mapapp.concurrency import StaleEdit
from plans import services
from plans.models import Activity, Milestone, Task, TaskDependency, TaskStatus
from tests import factories


@pytest.fixture
def make_task(plan):
    def make(**kwargs):
        return factories.TaskFactory(plan=plan, organization=plan.organization, **kwargs)

    return make


def depends(task, *prerequisites):
    for prerequisite in prerequisites:
        TaskDependency.objects.create(organization=task.organization, task=task, prerequisite=prerequisite)


def prerequisites_of(task):
    return set(TaskDependency.objects.filter(task=task).values_list("prerequisite__title", flat=True))


def last_activity(plan):
    return Activity.objects.filter(plan=plan).order_by("-created_at", "-id").first()


# Dependencies ----------------------------------------------------------------------------

def test_a_cycle_is_refused_with_a_message_naming_it_and_nothing_changes(plan, make_task, seller_actor):
    architecture = make_task(title="Architecture document")
    review = make_task(title="Security review")
    signoff = make_task(title="Security sign-off")
    depends(review, architecture)
    depends(signoff, review)
    activities = Activity.objects.count()

    with pytest.raises(ValidationError) as refused:
        services.task_set_dependencies(task=architecture, actor=seller_actor, prerequisites=[signoff])

    message = refused.value.message_dict["depends_on"][0]
    assert "Architecture document → Security sign-off → Security review → Architecture document" in message
    assert prerequisites_of(architecture) == set()
    assert TaskDependency.objects.count() == 2
    assert Activity.objects.count() == activities


def test_a_cycle_refused_inside_a_task_update_leaves_the_task_as_it_was(plan, make_task, seller_actor):
    first = make_task(title="First")
    second = make_task(title="Second")
    depends(second, first)

    with pytest.raises(ValidationError):
        services.task_update(
            task=first, actor=seller_actor, version=1, data={"title": "First, renamed"}, depends_on=[second]
        )

    first.refresh_from_db()
    assert (first.title, first.version) == ("First", 1)
    assert prerequisites_of(first) == set()


def test_a_task_cannot_depend_on_itself(make_task, seller_actor):
    task = make_task(title="Alone")
    with pytest.raises(ValidationError):
        services.task_set_dependencies(task=task, actor=seller_actor, prerequisites=[task])


def test_dependencies_on_another_plans_tasks_are_refused(org, make_task, seller_actor):
    task = make_task()
    foreign = factories.TaskFactory(plan=factories.PlanFactory(deal=factories.DealFactory(organization=org)),
                                    organization=org)
    with pytest.raises(ValidationError) as refused:
        services.task_set_dependencies(task=task, actor=seller_actor, prerequisites=[foreign])
    assert "same plan" in refused.value.message_dict["depends_on"][0]
    assert not TaskDependency.objects.exists()


def test_changing_only_dependencies_records_them_and_makes_older_editors_stale(make_task, seller_actor):
    delivered = make_task(title="Architecture document")
    review = make_task(title="Security review")

    changed = services.task_update(task=review, actor=seller_actor, version=1, data={}, depends_on=[delivered])

    assert changed == {"depends_on": ([], ["Architecture document"])}
    review.refresh_from_db()
    assert review.version == 2
    activity = last_activity(review.plan)
    assert activity.changes == {"depends_on": [[], ["Architecture document"]]}
    with pytest.raises(StaleEdit):
        services.task_update(task=review, actor=seller_actor, version=1, data={"title": "Late edit"})


# Stale edits -----------------------------------------------------------------------------

def test_a_stale_version_is_refused_and_nothing_changes(make_task, seller_actor):
    task = make_task(title="Send the security questionnaire")
    services.task_update(task=task, actor=seller_actor, version=1, data={"title": "Send the questionnaire"})
    activities = Activity.objects.count()
    stale_copy = Task.objects.get(pk=task.pk)
    stale_copy.version = 1  # as the second editor loaded it

    with pytest.raises(StaleEdit) as refused:
        services.task_update(task=stale_copy, actor=seller_actor, version=1, data={"title": "Overwrite"})

    assert refused.value.current.title == "Send the questionnaire"
    task.refresh_from_db()
    assert (task.title, task.version) == ("Send the questionnaire", 2)
    assert Activity.objects.count() == activities


def test_a_stale_plan_edit_is_refused(plan, seller_actor):
    services.plan_update(plan=plan, actor=seller_actor, version=1, data={"kpis": "Time to onboard"})
    with pytest.raises(StaleEdit):
        services.plan_update(plan=plan, actor=seller_actor, version=1, data={"kpis": "Something else"})
    plan.refresh_from_db()
    assert plan.kpis == "Time to onboard"


def test_an_edit_of_a_deleted_row_is_stale_with_nothing_current(make_task, seller_actor):
    task = make_task()
    Task.objects.filter(pk=task.pk).delete()
    with pytest.raises(StaleEdit) as refused:
        services.task_update(task=task, actor=seller_actor, version=1, data={"title": "Too late"})
    assert refused.value.current is None


# Activity --------------------------------------------------------------------------------

def test_a_task_update_records_each_field_before_and_after(plan, make_task, seller_actor, buyer):
    task = make_task(title="Pilot", due_date=datetime.date(2026, 3, 1))

    services.task_update(
        task=task, actor=seller_actor, version=1,
        data={"title": "Pilot with 20 users", "due_date": datetime.date(2026, 3, 15), "owner": buyer},
    )

    activity = last_activity(plan)
    assert (activity.verb, activity.target_type, activity.actor_name) == ("updated", "task", "Sam Seller")
    assert activity.changes == {
        "title": ["Pilot", "Pilot with 20 users"],
        "due_date": ["2026-03-01", "2026-03-15"],
        "owner": [None, "Sarah Chen"],
    }


def test_a_status_change_records_before_and_after(plan, make_task, seller_actor):
    task = make_task(title="Legal review")
    services.task_set_status(task=task, actor=seller_actor, status=TaskStatus.DONE, version=1)
    task.refresh_from_db()
    assert task.completed_at is not None
    assert last_activity(plan).changes == {"status": ["not_started", "done"]}


def test_a_dependency_change_records_before_and_after(plan, make_task, seller_actor):
    first = make_task(title="Architecture document")
    second = make_task(title="Security review")
    services.task_set_dependencies(task=second, actor=seller_actor, prerequisites=[first])
    assert last_activity(plan).changes == {"depends_on": [[], ["Architecture document"]]}
    services.task_set_dependencies(task=second, actor=seller_actor, prerequisites=[])
    assert last_activity(plan).changes == {"depends_on": [["Architecture document"], []]}


def test_a_plan_update_records_before_and_after(plan, seller_actor):
    services.plan_update(
        plan=plan, actor=seller_actor, version=1,
        data={"buyer_objective": "Cut onboarding to 2 weeks", "budget_amount": None, "status": "shared"},
    )
    activity = last_activity(plan)
    assert (activity.verb, activity.target_type) == ("updated", "plan")
    assert activity.changes == {"buyer_objective": ["", "Cut onboarding to 2 weeks"], "status": ["draft", "shared"]}


def test_an_edit_that_changes_nothing_records_nothing(plan, make_task, seller_actor):
    task = make_task(title="Same")
    before = Activity.objects.count()
    assert services.task_update(task=task, actor=seller_actor, version=1, data={"title": "Same"}) == {}
    assert Activity.objects.count() == before


# Milestones ------------------------------------------------------------------------------

def test_a_milestone_completes_when_all_its_tasks_are_done_and_reopens_with_them(plan, make_task, seller_actor):
    milestone = factories.MilestoneFactory(plan=plan, organization=plan.organization)
    first = make_task(milestone=milestone)
    second = make_task(milestone=milestone)

    services.task_set_status(task=first, actor=seller_actor, status=TaskStatus.DONE, version=1)
    milestone.refresh_from_db()
    assert milestone.completed_at is None

    services.task_set_status(task=second, actor=seller_actor, status=TaskStatus.DONE, version=1)
    milestone.refresh_from_db()
    assert milestone.completed_at is not None

    services.task_set_status(task=first, actor=seller_actor, status=TaskStatus.IN_PROGRESS, version=2)
    milestone.refresh_from_db()
    assert milestone.completed_at is None


def test_adding_a_task_to_a_complete_milestone_reopens_it(plan, make_task, seller_actor):
    milestone = factories.MilestoneFactory(plan=plan, organization=plan.organization)
    task = make_task(milestone=milestone)
    services.task_set_status(task=task, actor=seller_actor, status=TaskStatus.DONE, version=1)
    services.task_create(plan=plan, actor=seller_actor, title="One more thing", milestone=milestone)
    milestone.refresh_from_db()
    assert milestone.completed_at is None


# Ordering --------------------------------------------------------------------------------

def test_move_swaps_a_task_with_its_neighbour(plan, make_task):
    make_task(title="A"), make_task(title="B")
    third = make_task(title="C")

    assert services.move(obj=third, siblings=services.task_siblings(third), direction="up") is True

    titles = list(Task.objects.filter(plan=plan).order_by("order").values_list("title", flat=True))
    assert titles == ["A", "C", "B"]


def test_move_beyond_the_end_changes_nothing(plan, make_task):
    first, second = make_task(title="A"), make_task(title="B")
    assert services.move(obj=first, siblings=services.task_siblings(first), direction="up") is False
    assert services.move(obj=second, siblings=services.task_siblings(second), direction="down") is False
    assert list(Task.objects.filter(plan=plan).order_by("order").values_list("title", flat=True)) == ["A", "B"]


def test_move_stays_within_the_milestone(plan, make_task):
    milestone = factories.MilestoneFactory(plan=plan, organization=plan.organization)
    outside = make_task(title="Outside")
    inside_a = make_task(title="In A", milestone=milestone)
    inside_b = make_task(title="In B", milestone=milestone)
    services.move(obj=inside_a, siblings=services.task_siblings(inside_a), direction="up")
    services.move(obj=inside_b, siblings=services.task_siblings(inside_b), direction="up")
    ordered = list(Task.objects.filter(plan=plan, milestone=milestone).order_by("order").values_list("title", flat=True))
    assert ordered == ["In B", "In A"]
    assert Task.objects.get(pk=outside.pk).milestone is None


def test_move_swaps_milestones(plan):
    first = factories.MilestoneFactory(plan=plan, organization=plan.organization, title="Discovery")
    factories.MilestoneFactory(plan=plan, organization=plan.organization, title="Decision")
    services.move(obj=first, siblings=plan.milestones.all(), direction="down")
    assert list(Milestone.objects.filter(plan=plan).values_list("title", flat=True)) == ["Decision", "Discovery"]


# Cross-plan references -------------------------------------------------------------------

@pytest.fixture
def other_plan(org):
    return factories.PlanFactory(deal=factories.DealFactory(organization=org), organization=org)


def test_an_owner_from_another_deal_is_refused(plan, other_plan, seller_actor):
    stranger = factories.StakeholderFactory(deal=other_plan.deal, organization=other_plan.organization)
    with pytest.raises(ValidationError) as refused:
        services.task_create(plan=plan, actor=seller_actor, title="Kick-off", owner=stranger)
    assert "owner" in refused.value.message_dict
    task = factories.TaskFactory(plan=plan, organization=plan.organization)
    with pytest.raises(ValidationError):
        services.task_update(task=task, actor=seller_actor, version=1, data={"owner": stranger})
    with pytest.raises(ValidationError):
        services.risk_create(plan=plan, actor=seller_actor, description="Budget freeze", owner=stranger)
    assert not Task.objects.filter(owner=stranger).exists()


def test_a_milestone_of_another_plan_is_refused(plan, other_plan, seller_actor):
    foreign = factories.MilestoneFactory(plan=other_plan, organization=other_plan.organization)
    with pytest.raises(ValidationError) as refused:
        services.task_create(plan=plan, actor=seller_actor, title="Kick-off", milestone=foreign)
    assert "milestone" in refused.value.message_dict
    assert not Task.objects.filter(plan=plan).exists()


def test_a_dependency_on_another_plans_task_is_refused_on_create(plan, other_plan, seller_actor):
    foreign = factories.TaskFactory(plan=other_plan, organization=other_plan.organization)
    with pytest.raises(ValidationError):
        services.task_create(plan=plan, actor=seller_actor, title="Kick-off", depends_on=[foreign])
    assert not Task.objects.filter(plan=plan).exists()
