"""A plan as people build it, through the services, so pages show a real history.

Imports the project's models: import it after `harness.setup()`. Not a bench of its own
(`make bench` skips bench/_*.py).
"""

from datetime import date, timedelta
from decimal import Decimal

from deals.models import DecisionRole, Side
from deals.services import deal_create, stakeholder_create
from mapapp.models import Organization, User
from plans.activity import Actor
from plans.models import Plan, Task, TaskSide, TaskStatus
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
