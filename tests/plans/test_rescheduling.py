"""task_reschedule through the database: exactly the expected tasks move, slips name the side
that caused them, a preview writes nothing, a stale version writes nothing, the plan is read in
a fixed number of queries; and the plan's slips added up by side and milestone."""

import datetime
import itertools

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from deals.models import DecisionRole, Side
from mapapp.concurrency import StaleEdit
from plans import agreement, plan_templates, rescheduling
from plans.activity import Actor
from plans.models import Activity, Milestone, PlanTemplate, Slip, Task, TaskDependency, TaskStatus
from tests import factories

D = datetime.date


@pytest.fixture
def enterprise_plan(deal, org, seller):
    """The enterprise evaluation from Fri 30 Apr 2027 (dates as in test_plan_templates)."""
    plan_templates.ensure_starter_templates(organization=org)
    template = PlanTemplate.objects.get(organization=org, built_in_key="enterprise_evaluation")
    return plan_templates.plan_create_from_template(
        deal=deal, template=template, anchor_date=D(2027, 4, 30), actor=Actor(user=seller), today=D(2027, 2, 15)
    ).plan


def tasks_of(plan):
    return {t.title: t for t in Task.objects.filter(plan=plan)}


def dues(plan):
    return dict(Task.objects.filter(plan=plan).values_list("title", "due_date"))


def test_a_week_on_the_security_review_moves_exactly_legal_decision_and_kickoff(enterprise_plan, seller):
    before = dues(enterprise_plan)
    security = tasks_of(enterprise_plan)["Security review"]
    moves = rescheduling.task_reschedule(task=security, actor=Actor(user=seller), version=security.version,
                                         due_date=D(2027, 4, 15), reason="Pen test booked late", cascade=True)
    assert [(m.task.title, m.old_due, m.new_due, m.business_days) for m in moves] == [
        ("Security review", D(2027, 4, 8), D(2027, 4, 15), 5),
        ("Legal review", D(2027, 4, 22), D(2027, 4, 29), 5),
        ("Decision", D(2027, 4, 23), D(2027, 4, 30), 5),
        ("Kickoff", D(2027, 4, 30), D(2027, 5, 7), 5),
    ]
    after = dues(enterprise_plan)
    assert {t for t in after if after[t] != before[t]} == {"Security review", "Legal review", "Decision", "Kickoff"}
    # Versions: each moved row bumped once, the caller's instance is the stored one.
    versions = {t.title: t.version for t in Task.objects.filter(plan=enterprise_plan)}
    assert versions["Legal review"] == 2 and versions["Procurement"] == 1 and security.version == 2
    slips = {s.task.title: s for s in Slip.objects.filter(plan=enterprise_plan)}
    assert set(slips) == {"Security review", "Legal review", "Decision", "Kickoff"}
    assert {(s.days, s.side, s.reason, s.actor_user) for s in slips.values()} == {
        (7, "seller", "Pen test booked late", seller)}
    activities = Activity.objects.filter(plan=enterprise_plan, verb="rescheduled")
    assert activities.count() == 4
    legal = activities.get(target_label="Legal review")
    assert legal.changes == {"due_date": ["2027-04-22", "2027-04-29"], "reason": [None, "Pen test booked late"],
                             "moved_with": [None, "Security review"]}
    # Milestones follow their tasks later.
    assert dict(Milestone.objects.filter(plan=enterprise_plan).values_list("title", "target_date")) == {
        "Evaluation": D(2027, 3, 23), "Validation": D(2027, 4, 15), "Commercials": D(2027, 4, 29),
        "Decision": D(2027, 5, 7)}


def test_without_cascade_only_the_task_moves(enterprise_plan, seller):
    security = tasks_of(enterprise_plan)["Security review"]
    moves = rescheduling.task_reschedule(task=security, actor=Actor(user=seller), version=1, due_date=D(2027, 4, 15),
                                         cascade=False)
    assert [m.task.title for m in moves] == ["Security review"]
    assert Slip.objects.count() == 1 and dues(enterprise_plan)["Legal review"] == D(2027, 4, 22)


def test_a_buyers_move_is_the_buyers_slip_and_needs_a_reason(enterprise_plan, buyer):
    security = tasks_of(enterprise_plan)["Security review"]
    with pytest.raises(ValidationError):
        rescheduling.task_reschedule(task=security, actor=Actor(stakeholder=buyer), version=1,
                                     due_date=D(2027, 4, 15), reason=" ")
    rescheduling.task_reschedule(task=security, actor=Actor(stakeholder=buyer), version=1,
                                 due_date=D(2027, 4, 15), reason="CISO away")
    assert set(Slip.objects.values_list("side", "actor_stakeholder")) == {("buyer", buyer.pk)}


def test_a_preview_answers_the_same_moves_and_writes_nothing(enterprise_plan, seller, django_assert_num_queries):
    security = tasks_of(enterprise_plan)["Security review"]
    activities = Activity.objects.count()
    # The plan's tasks, its dependencies.
    with django_assert_num_queries(2):
        preview = rescheduling.task_reschedule(task=security, actor=Actor(user=seller), version=1,
                                               due_date=D(2027, 4, 15), preview=True)
    assert [m.task.title for m in preview] == ["Security review", "Legal review", "Decision", "Kickoff"]
    assert dues(enterprise_plan)["Security review"] == D(2027, 4, 8) and security.version == 1
    assert not Slip.objects.exists() and Activity.objects.count() == activities
    done = rescheduling.task_reschedule(task=security, actor=Actor(user=seller), version=1, due_date=D(2027, 4, 15))
    assert [(m.task.pk, m.old_due, m.new_due) for m in done] == [(m.task.pk, m.old_due, m.new_due) for m in preview]


def test_a_stale_version_raises_and_writes_nothing(enterprise_plan, seller):
    security = tasks_of(enterprise_plan)["Security review"]
    Task.objects.filter(pk=security.pk).update(version=2)  # someone else edited it meanwhile
    with pytest.raises(StaleEdit) as error:
        rescheduling.task_reschedule(task=security, actor=Actor(user=seller), version=1, due_date=D(2027, 4, 15))
    assert error.value.current.version == 2
    assert dues(enterprise_plan)["Legal review"] == D(2027, 4, 22)
    assert not Slip.objects.exists() and not Activity.objects.filter(verb="rescheduled").exists()


def test_done_dependants_neither_move_nor_pass_the_move_on(plan, seller):
    org = plan.organization
    a = factories.TaskFactory(plan=plan, organization=org, title="A", due_date=D(2027, 1, 4))
    b = factories.TaskFactory(plan=plan, organization=org, title="B", due_date=D(2027, 1, 5), status=TaskStatus.DONE)
    c = factories.TaskFactory(plan=plan, organization=org, title="C", due_date=D(2027, 1, 6))
    d = factories.TaskFactory(plan=plan, organization=org, title="D", due_date=D(2027, 1, 5))
    for task, prerequisite in ((b, a), (c, b), (d, a)):
        TaskDependency.objects.create(organization=org, task=task, prerequisite=prerequisite)
    moves = rescheduling.task_reschedule(task=a, actor=Actor(user=seller), version=1, due_date=D(2027, 1, 11))
    assert [m.task.title for m in moves] == ["A", "D"]


def test_an_agreed_plan_asks_the_other_side_once(enterprise_plan, seller, deal):
    champion = factories.StakeholderFactory(deal=deal, organization=deal.organization, decision_role=DecisionRole.CHAMPION)
    snapshot = agreement.take_snapshot(enterprise_plan)
    agreement.plan_accept(plan=enterprise_plan, stakeholder=champion, version=enterprise_plan.version,
                          seen=agreement.digest(snapshot), notify=False)
    security = tasks_of(enterprise_plan)["Security review"]
    rescheduling.task_reschedule(task=security, actor=Actor(user=seller), version=1, due_date=D(2027, 4, 15))
    enterprise_plan.refresh_from_db()
    assert enterprise_plan.reconfirm_side == Side.BUYER


def test_objects_of_another_organization_are_never_touched(enterprise_plan, seller, outsider):
    other_org = outsider.memberships.get().organization
    theirs = factories.PlanFactory(deal=factories.DealFactory(organization=other_org, owner=outsider),
                                   organization=other_org)
    their_task = factories.TaskFactory(plan=theirs, organization=other_org, due_date=D(2027, 4, 9))
    security = tasks_of(enterprise_plan)["Security review"]
    rescheduling.task_reschedule(task=security, actor=Actor(user=seller), version=1, due_date=D(2027, 4, 15))
    their_task.refresh_from_db()
    assert their_task.version == 1 and their_task.due_date == D(2027, 4, 9)
    assert not Slip.objects.filter(organization=other_org).exists()


def chain_plan(deal, n):
    """A plan of n one-day tasks on consecutive business days, each depending on the one before."""
    plan = factories.PlanFactory(deal=deal, organization=deal.organization)
    org = deal.organization
    milestone = factories.MilestoneFactory(plan=plan, organization=org, target_date=D(2027, 1, 4))
    due = D(2027, 1, 4)
    rows = []
    for i in range(n):
        rows.append(Task(organization=org, plan=plan, title=f"Step {i}", due_date=due, order=i,
                         milestone=milestone if i % 2 else None))
        due = due + datetime.timedelta(days=3 if due.weekday() == 4 else 1)
    tasks = Task.objects.bulk_create(rows)
    TaskDependency.objects.bulk_create([
        TaskDependency(organization=org, task=b, prerequisite=a) for a, b in itertools.pairwise(tasks)
    ])
    return plan, tasks


@pytest.mark.parametrize("size", [5, 100])
def test_a_cascade_costs_the_same_queries_for_5_and_100_tasks(org, seller, size, django_assert_num_queries):
    deal = factories.DealFactory(organization=org, owner=seller)
    plan, tasks = chain_plan(deal, size)
    # SAVEPOINT; the plan's tasks (FOR UPDATE); its dependencies; the moved tasks (one UPDATE);
    # the slips (one INSERT); the activities (one INSERT); the milestones; their UPDATE; the plan
    # FOR UPDATE (note_committed_change: not agreed, nothing more); RELEASE SAVEPOINT.
    with django_assert_num_queries(10):
        moves = rescheduling.task_reschedule(task=tasks[0], actor=Actor(user=seller), version=1,
                                             due_date=D(2027, 1, 5))
    assert len(moves) == size
    assert Slip.objects.filter(plan=plan).count() == size


@pytest.mark.parametrize("zone", ["Pacific/Honolulu", "Pacific/Kiritimati"])
def test_due_dates_are_the_same_calendar_dates_west_and_east_of_utc(enterprise_plan, seller, zone):
    # 23:30 UTC: already the next day in Kiritimati (UTC+14), still the same in Honolulu (UTC-10).
    with timezone.override(zone):
        security = tasks_of(enterprise_plan)["Security review"]
        moves = rescheduling.task_reschedule(task=security, actor=Actor(user=seller), version=1,
                                             due_date=D(2027, 4, 15))
        assert [m.new_due for m in moves] == [D(2027, 4, 15), D(2027, 4, 29), D(2027, 4, 30), D(2027, 5, 7)]
        assert dues(enterprise_plan)["Kickoff"] == D(2027, 5, 7)
        assert set(Slip.objects.values_list("to_date", flat=True)) == {D(2027, 4, 15), D(2027, 4, 29),
                                                                       D(2027, 4, 30), D(2027, 5, 7)}


# Slip totals ---------------------------------------------------------------------------------------


def test_slip_totals_add_up_by_side_and_milestone_and_against_the_agreed_baseline(
    enterprise_plan, seller, deal, django_assert_num_queries
):
    buyer = factories.StakeholderFactory(deal=deal, organization=deal.organization)
    tasks = tasks_of(enterprise_plan)
    rescheduling.task_reschedule(task=tasks["Discovery"], actor=Actor(user=seller), version=1,
                                 due_date=D(2027, 3, 10), cascade=False)  # +1 day, seller, Evaluation
    snapshot = agreement.take_snapshot(enterprise_plan)
    agreement.plan_accept(plan=enterprise_plan, stakeholder=buyer, version=enterprise_plan.version,
                          seen=agreement.digest(snapshot), notify=False)
    enterprise_plan.refresh_from_db()
    rescheduling.task_reschedule(task=tasks["Procurement"], actor=Actor(stakeholder=buyer), version=1,
                                 due_date=D(2027, 4, 26), reason="PO system freeze")
    # Procurement Thu 22 -> Mon 26 Apr (+4 calendar days, 2 business days); the decision must
    # then start Tue 27 (was Fri 23): due Tue 27 (+4); kickoff 5 business days after: Fri 30 Apr -> Tue 4 May (+4).
    # Baseline, slips grouped, milestone titles, task dates.
    with django_assert_num_queries(4):
        totals = rescheduling.slip_totals(enterprise_plan)
    assert totals.by_side == {"buyer": 12, "seller": 1} and totals.total == 13
    milestones = {totals.milestone_titles[k]: v for k, v in totals.by_milestone.items()}
    assert milestones == {"Evaluation": 1, "Commercials": 4, "Decision": 8}
    assert totals.since_baseline == {"buyer": 12, "seller": 0}
    assert totals.net_days == 12


def test_slip_totals_of_a_plan_never_agreed_have_no_baseline(plan):
    totals = rescheduling.slip_totals(plan)
    assert totals.total == 0 and totals.since_baseline is None and totals.net_days is None


def test_tasks_take_a_duration_and_dependencies_a_lag_through_the_services(plan, seller):
    from plans import services

    actor = Actor(user=seller)
    a = services.task_create(plan=plan, actor=actor, title="Architecture document", due_date=D(2027, 1, 8),
                             duration_days=5)
    b = services.task_create(plan=plan, actor=actor, title="Security review", due_date=D(2027, 1, 22),
                             duration_days=5)
    changed = services.task_set_dependencies(task=b, actor=actor, prerequisites=[a], lags={a.pk: 2})
    assert changed == {"depends_on": ([], ["Architecture document (+2)"])}
    assert TaskDependency.objects.get(task=b).lag_days == 2
    assert services.task_set_dependencies(task=b, actor=actor, prerequisites=[a]) == {}  # keeps its lag
    services.task_set_dependencies(task=b, actor=actor, prerequisites=[a], lags={a.pk: 0})
    assert TaskDependency.objects.get(task=b).lag_days == 0
    with pytest.raises(ValidationError):
        services.task_update(task=a, actor=actor, version=a.version, data={"duration_days": 251})
    with pytest.raises(ValidationError):
        services.task_set_dependencies(task=b, actor=actor, prerequisites=[a], lags={a.pk: -1})
    services.task_update(task=a, actor=actor, version=a.version, data={"duration_days": 8})
    a.refresh_from_db()
    assert a.duration_days == 8


@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_existing_slips_the_side_of_who_moved_them():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    org = factories.OrganizationFactory()
    seller = factories.MembershipFactory(organization=org).user
    plan = factories.PlanFactory(deal=factories.DealFactory(organization=org, owner=seller), organization=org)
    buyer = factories.StakeholderFactory(deal=plan.deal, organization=org)
    task = factories.TaskFactory(plan=plan, organization=org, due_date=D(2027, 1, 4))
    for user, stakeholder in ((seller, None), (None, buyer)):
        Slip.objects.create(organization=org, plan=plan, task=task, from_date=D(2027, 1, 4), to_date=D(2027, 1, 5),
                            days=1, actor_user=user, actor_stakeholder=stakeholder, actor_name="x", side="seller")
    executor = MigrationExecutor(connection)
    try:
        executor.migrate([("plans", "0003_room_collaboration")])
        executor = MigrationExecutor(connection)
        executor.migrate([("plans", "0004_templates_durations_slip_side")])
        assert set(Slip.objects.values_list("actor_stakeholder", "side")) == {(None, "seller"), (buyer.pk, "buyer")}
        assert Task.objects.get(pk=task.pk).duration_days == 1
    finally:
        # Back to the latest state: going back to 0003 also unapplied every app that depends
        # on later plans migrations (reminders' tables were gone for the tests after this one).
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
