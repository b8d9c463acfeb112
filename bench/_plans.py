"""A plan as people build it, through the services, so pages show a real history.

Imports the project's models: import it after `harness.setup()`. Not a bench of its own
(`make bench` skips bench/_*.py).
"""

from datetime import date, timedelta
from decimal import Decimal

from _graphs import random_dag
from django.test import Client
from django.urls import reverse

from deals.models import Deal, DecisionRole, Side
from deals.services import deal_create, stakeholder_create
from mapapp.models import Membership, Organization, Role, User
from plans import room_access, scheduling
from plans.activity import Actor
from plans.models import Milestone, Plan, Task, TaskDependency, TaskSide, TaskStatus
from plans.services import (
    comment_create,
    milestone_create,
    plan_create,
    plan_update,
    risk_create,
    task_create,
    task_set_status,
)

MILESTONES, RISKS, PEOPLE_PER_SIDE = 8, 6, 6


def build_plan(organization: Organization, seller: User, n_tasks: int, label: str) -> Plan:
    actor = Actor(user=seller)
    today = date.today()
    deal = deal_create(organization=organization, actor=actor, data={
        "name": f"Bench deal ({label})", "buyer_company": f"Bench Buyer {label}", "amount": Decimal(250000),
        "currency": "EUR", "target_close_date": today + timedelta(days=60),
    })
    plan = plan_create(deal=deal, actor=actor)
    plan_update(plan=plan, actor=actor, version=plan.version, data={
        "buyer_objective": "One trusted view of operations.", "seller_objective": "A reference customer.",
        "success_criteria": "Pipelines run 30 days without manual fixes.", "value_proposition": "EUR 400k a year.",
        "budget_amount": Decimal(250000), "payment_terms": "Annual in advance", "kpis": "Hours saved",
        "go_live_date": today + timedelta(days=90), "checkin_cadence": "weekly",
        "next_checkin_date": today + timedelta(days=3),
    })
    people = {Side.BUYER: [], Side.SELLER: []}
    for side, roles in ((Side.BUYER, [DecisionRole.CHAMPION, DecisionRole.ECONOMIC_BUYER,
                                      DecisionRole.TECHNICAL_EVALUATOR, DecisionRole.LEGAL,
                                      DecisionRole.PROCUREMENT, DecisionRole.USER]),
                        (Side.SELLER, [DecisionRole.ACCOUNT_EXECUTIVE, DecisionRole.SALES_ENGINEER,
                                       DecisionRole.EXECUTIVE_SPONSOR, DecisionRole.OTHER,
                                       DecisionRole.OTHER, DecisionRole.OTHER])):
        for i, role in enumerate(roles[:PEOPLE_PER_SIDE]):
            people[side].append(stakeholder_create(deal=deal, actor=actor, data={
                "side": side, "name": f"{side.label} Person {i + 1}", "title": role.label,
                "decision_role": role, "email": f"{side}{i + 1}-{label}@bench.example",
                "timezone": "Europe/Berlin", "language": "en",
            }))
    milestones = [
        milestone_create(plan=plan, actor=actor, title=f"Milestone {m + 1}", target_date=today + timedelta(days=7 * m))
        for m in range(MILESTONES)
    ]
    tasks: list[Task] = []
    for i in range(n_tasks):
        side = [TaskSide.BUYER, TaskSide.SELLER, TaskSide.JOINT][i % 3]
        owner = people[Side.SELLER if side == TaskSide.SELLER else Side.BUYER][i % PEOPLE_PER_SIDE]
        # Every third task waits for the two before it: a DAG with fan-in, as real plans have.
        depends_on = tasks[-2:] if i % 3 == 2 else []
        tasks.append(task_create(
            plan=plan, actor=actor, title=f"Task {i + 1}: deliver the item the plan needs", side=side, owner=owner,
            milestone=milestones[i * MILESTONES // n_tasks], due_date=today + timedelta(days=i - n_tasks // 3),
            description="Details of what is to be delivered and by whom.", depends_on=depends_on,
        ))
    # Some history: a third done, a few in progress, one blocked, a few comments.
    for i, task in enumerate(tasks):
        status = TaskStatus.DONE if i < n_tasks // 3 else TaskStatus.IN_PROGRESS if i % 7 == 0 else None
        if i == n_tasks // 2:
            status = TaskStatus.BLOCKED
        if status:
            task_set_status(task=task, actor=actor, status=status, version=task.version, reason="Waiting on IT",
                            override_dependencies=True)
    for i, task in enumerate(tasks[:5]):
        comment_create(plan=plan, actor=Actor(stakeholder=people[Side.BUYER][0]), body=f"Comment {i} on the task",
                       task=task)
    for r in range(RISKS):
        risk_create(plan=plan, actor=actor, description=f"Risk {r + 1} to the timeline", probability=1 + r % 5,
                    impact=5 - r % 5, mitigation="Agreed mitigation", owner=people[Side.BUYER][r % PEOPLE_PER_SIDE])
    return plan


def build_graph_plan(org: Organization, user: User, n: int, edges: int, *, today: date) -> tuple[Plan, list[Task]]:
    """A plan of `n` tasks and `edges` dependencies (the seeded graph of bench/_graphs.py),
    dated as early as the prerequisites allow from `today`; its done tenth in `plan.done_later`
    (a done task passes no move on: the reschedule bench marks them after its runs)."""
    prerequisites, durations, done = random_dag(n, edges)
    dates = scheduling.project({t: scheduling.OpenTask(d) for t, d in durations.items()}, prerequisites,
                               today=today).dates
    deal = Deal.objects.create(organization=org, name=f"Bench {n}", buyer_company="Bench Buyer", owner=user)
    plan = Plan.objects.create(organization=org, deal=deal, title=f"Bench plan {n}",
                               target_close_date=today + timedelta(days=400))
    milestones = Milestone.objects.bulk_create([
        Milestone(organization=org, plan=plan, title=f"M{m}", order=m,
                  target_date=today + timedelta(days=50 * m)) for m in range(8)
    ])
    tasks = Task.objects.bulk_create([
        Task(organization=org, plan=plan, title=f"Task {t}", side=["buyer", "seller", "joint"][t % 3],
             due_date=dates[t].due, duration_days=durations[t], order=t, milestone=milestones[t * 8 // n])
        for t in range(n)
    ])
    plan.done_later = [tasks[t].pk for t in done]
    TaskDependency.objects.bulk_create([
        TaskDependency(organization=org, task=tasks[t], prerequisite=tasks[p], lag_days=lag)
        for t, lags in prerequisites.items() for p, lag in lags.items()
    ])
    plan.decision_task = tasks[-1]
    plan.save(update_fields=["decision_task"])
    return plan, tasks


def open_room(plan: Plan, seller: User) -> tuple[Client, str]:
    """A browser of the plan's champion, with the room open; answers it and the room's URL."""
    buyer = plan.deal.stakeholders.filter(side=Side.BUYER).order_by("pk").first()
    _link, url = room_access.buyer_invite(stakeholder=buyer, invited_by=seller)
    client = Client()
    token = url.rstrip("/").rsplit("/", 1)[1]
    client.get(reverse("plans:room-link", kwargs={"token": token}))
    response = client.post(reverse("plans:room-link", kwargs={"token": token}))
    assert response.status_code == 302, response.status_code
    # The first view starts the buyer's visit (plans.engagement); later views extend it, as
    # every view of a visit but its first does.
    client.get(response["Location"])
    return client, response["Location"]


def seller_with_plans(sizes=(5, 60, 100)) -> tuple[User, dict[int, Plan]]:
    """A seller of a new organization and a plan of each size (build_plan), every tenth task of
    each internal to the seller: the data of the plan, room and timeline benches."""
    organization = Organization.objects.create(name="Bench Vendor")
    seller = User.objects.create_user("seller@bench.example", "x", name="Sam Seller")
    Membership.objects.create(organization=organization, user=seller, role=Role.SELLER)
    plans = {n: build_plan(organization, seller, n, str(n)) for n in sizes}
    for plan in plans.values():
        ids = list(Task.objects.filter(plan=plan).order_by("pk").values_list("pk", flat=True))
        Task.objects.filter(pk__in=ids[9::10]).update(internal=True)
    return seller, plans
