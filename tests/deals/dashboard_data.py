"""A hand-built organization for the dashboard tests, every figure of which is worked out by hand
in tests/deals/test_dashboard_figures.py. Today is Monday 15 June 2026 (UTC); the period is
1 January – 15 June 2026. All times are 12:00 UTC, so every cycle is a whole number of days.

Closed in the period (stage "closing"):
    deal  owner  outcome  created     closed      plan shared  plan agreed        cycle
    W1    Sam    won      2026-01-05  2026-03-06  2026-01-10   2026-02-15         60
    W2    Sam    won      2026-02-01  2026-03-13  2026-02-05   2026-03-01         40
    W3    Olga   won      2026-01-10  2026-04-30  2026-02-01   2026-03-20        110
    L1    Olga   lost     2026-02-01  2026-04-01  2026-03-01   2026-03-25
    W4    Sam    won      2025-12-01  2026-02-28  (draft plan)                    89
    W5    Olga   won      2026-01-15  2026-05-05  (no plan)                      110
    W6    Sam    won      2026-03-01  2026-03-11  (no plan)                       10
    L2    Sam    lost     2026-01-20  2026-03-01  (no plan)
    L3    Sam    lost     2026-02-10  2026-03-05  2026-02-20   2026-03-10 (after the close)
    L4    Olga   lost     2026-01-03  2026-02-02  2026-01-20   —
Closed before the period: W7 (Sam, won 2025-11-01, agreed plan).
Open (today 2026-06-15):
    deal  owner  stage       amount       created     shared      agreed      health  target (plan / deal)
    O1    Sam    discovery   USD 100,000  2026-03-01  2026-03-15  —           red     2026-07-01 / —
    O2    Sam    evaluation  USD 50,000   2026-02-01  2026-02-10  2026-04-20  amber   2026-08-01 / 2026-06-20
    O3    Olga   evaluation  EUR 70,000   2026-04-10  (draft)     —           green   — / 2026-06-30
    O4    Olga   proposal    USD —        2026-05-10  (no plan)                       — / 2026-07-15
    O5    Sam    discovery   USD 25,000   2026-05-15  2026-05-20  2026-05-25  (unscored) 2026-06-10 / —
Items: O1 a buyer item due 10 June and a seller item due 1 June (in progress), both overdue; a
buyer item due 1 June that is done; a seller item due 1 July. O2 a joint item due 14 June. O3 a
buyer item due 1 May. W1 (closed) a buyer item overdue: not counted.
Slips on O1 in the period: buyer 5 and 2 days, seller 3 days; on O2 one of 4 days before it.
Check-ins: O1 weekly 18 June, O3 weekly 15 June, O2 none (date 20 June), O5 every two weeks 20 July.
The outsider's organization has a won deal with an agreed plan, open deals and overdue items:
none of it may count.
"""

import datetime

from deals.models import Deal, Outcome, Stage
from mapapp.models import Role
from plans.models import Cadence, Plan, PlanStatus, Slip, Task, TaskSide, TaskStatus
from tests import factories

TODAY = datetime.date(2026, 6, 15)
NOW = datetime.datetime(2026, 6, 15, 12, tzinfo=datetime.UTC)
PERIOD = {"period": "custom", "start": "2026-01-01", "end": "2026-06-15"}


def at(value: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(value).replace(hour=12, tzinfo=datetime.UTC)


def _deal(org, owner, name, *, created, closed=None, outcome=Outcome.OPEN, stage=Stage.CLOSING, amount="10000",
          currency="USD", target=None) -> Deal:
    deal = factories.DealFactory(organization=org, owner=owner, name=name, outcome=outcome, stage=stage,
                                 amount=amount, currency=currency, target_close_date=target)
    Deal.objects.filter(pk=deal.pk).update(created_at=at(created), closed_at=at(closed) if closed else None)
    deal.refresh_from_db()
    return deal


def _plan(deal, *, shared=None, agreed=None, status=None, target=None, health="", days_late=None,
          cadence=Cadence.NONE, checkin=None) -> Plan:
    status = status or (PlanStatus.AGREED if agreed else PlanStatus.SHARED if shared else PlanStatus.DRAFT)
    plan = factories.PlanFactory(deal=deal, organization=deal.organization, status=status,
                                 target_close_date=target, checkin_cadence=cadence,
                                 next_checkin_date=datetime.date.fromisoformat(checkin) if checkin else None)
    Plan.objects.filter(pk=plan.pk).update(
        shared_at=at(shared) if shared else None, agreed_at=at(agreed) if agreed else None, health=health,
        health_days_late=days_late, health_on=TODAY if health else None,
        health_reasons=[{"code": "overdue_items", "level": health, "params": {"side": "buyer", "count": 1,
                                                                              "max_days_overdue": 5}}]
        if health in ("red", "amber") else [],
    )
    plan.refresh_from_db()
    return plan


def _task(plan, side, due, status=TaskStatus.NOT_STARTED) -> Task:
    return factories.TaskFactory(plan=plan, organization=plan.organization, side=side,
                                 due_date=datetime.date.fromisoformat(due), status=status)


def build(org, *, manager, outsider_org):
    """The organization above. Answers the cast and the deals by name."""
    sam = factories.MembershipFactory(organization=org, role=Role.SELLER, user__name="Sam Seller").user
    olga = factories.MembershipFactory(organization=org, role=Role.SELLER, user__name="Olga Other").user
    nina = factories.MembershipFactory(organization=org, role=Role.SELLER, user__name="Nina New").user
    d = {}
    closed = [
        ("W1", sam, Outcome.WON, "2026-01-05", "2026-03-06", "2026-01-10", "2026-02-15", True),
        ("W2", sam, Outcome.WON, "2026-02-01", "2026-03-13", "2026-02-05", "2026-03-01", True),
        ("W3", olga, Outcome.WON, "2026-01-10", "2026-04-30", "2026-02-01", "2026-03-20", True),
        ("L1", olga, Outcome.LOST, "2026-02-01", "2026-04-01", "2026-03-01", "2026-03-25", True),
        ("W4", sam, Outcome.WON, "2025-12-01", "2026-02-28", None, None, True),
        ("W5", olga, Outcome.WON, "2026-01-15", "2026-05-05", None, None, False),
        ("W6", sam, Outcome.WON, "2026-03-01", "2026-03-11", None, None, False),
        ("L2", sam, Outcome.LOST, "2026-01-20", "2026-03-01", None, None, False),
        ("L3", sam, Outcome.LOST, "2026-02-10", "2026-03-05", "2026-02-20", "2026-03-10", True),
        ("L4", olga, Outcome.LOST, "2026-01-03", "2026-02-02", "2026-01-20", None, True),
        ("W7", sam, Outcome.WON, "2025-08-01", "2025-11-01", "2025-09-01", "2025-09-15", True),
    ]
    for name, owner, outcome, created, closed_on, shared, agreed, has_plan in closed:
        d[name] = _deal(org, owner, name, created=created, closed=closed_on, outcome=outcome)
        if has_plan:
            # A closed deal's plan is closed; when it was shared and agreed is what counts.
            _plan(d[name], shared=shared, agreed=agreed, status=PlanStatus.CLOSED)
    d["O1"] = _deal(org, sam, "O1", created="2026-03-01", stage=Stage.DISCOVERY, amount="100000")
    d["O2"] = _deal(org, sam, "O2", created="2026-02-01", stage=Stage.EVALUATION, amount="50000",
                    target=datetime.date(2026, 6, 20))
    d["O3"] = _deal(org, olga, "O3", created="2026-04-10", stage=Stage.EVALUATION, amount="70000", currency="EUR",
                    target=datetime.date(2026, 6, 30))
    d["O4"] = _deal(org, olga, "O4", created="2026-05-10", stage=Stage.PROPOSAL, amount=None,
                    target=datetime.date(2026, 7, 15))
    d["O5"] = _deal(org, sam, "O5", created="2026-05-15", stage=Stage.DISCOVERY, amount="25000")
    p1 = _plan(d["O1"], shared="2026-03-15", target=datetime.date(2026, 7, 1), health="red", days_late=7,
               cadence=Cadence.WEEKLY, checkin="2026-06-18")
    p2 = _plan(d["O2"], shared="2026-02-10", agreed="2026-04-20", target=datetime.date(2026, 8, 1), health="amber",
               checkin="2026-06-20")
    p3 = _plan(d["O3"], health="green", cadence=Cadence.WEEKLY, checkin="2026-06-15")
    p5 = _plan(d["O5"], shared="2026-05-20", agreed="2026-05-25", target=datetime.date(2026, 6, 10),
               cadence=Cadence.BIWEEKLY, checkin="2026-07-20")
    o1_buyer = _task(p1, TaskSide.BUYER, "2026-06-10")
    o1_seller = _task(p1, TaskSide.SELLER, "2026-06-01", TaskStatus.IN_PROGRESS)
    _task(p1, TaskSide.BUYER, "2026-06-01", TaskStatus.DONE)
    _task(p1, TaskSide.SELLER, "2026-07-01")
    o2_joint = _task(p2, TaskSide.JOINT, "2026-06-14")
    _task(p3, TaskSide.BUYER, "2026-05-01", TaskStatus.BLOCKED)
    _task(p5, TaskSide.SELLER, "2026-06-20")
    _task(Plan.objects.get(deal=d["W1"]), TaskSide.BUYER, "2026-03-01")
    for task, side, days, when in ((o1_buyer, "buyer", 5, "2026-06-01"), (o1_buyer, "buyer", 2, "2026-06-05"),
                                   (o1_seller, "seller", 3, "2026-05-20"), (o2_joint, "seller", 4, "2025-12-20")):
        slip = Slip.objects.create(organization=org, plan=task.plan, task=task, from_date=task.due_date,
                                   to_date=task.due_date + datetime.timedelta(days=days), days=days, side=side,
                                   actor_name="x")
        Slip.objects.filter(pk=slip.pk).update(created_at=at(when))

    # The outsider's organization: everything here would change a figure if it leaked.
    rival = factories.MembershipFactory(organization=outsider_org, role=Role.SELLER).user
    won = _deal(outsider_org, rival, "Rival won", created="2026-01-01", closed="2026-02-01", outcome=Outcome.WON)
    _plan(won, shared="2026-01-02", agreed="2026-01-03", status=PlanStatus.CLOSED)
    for i in range(2):
        deal = _deal(outsider_org, rival, f"Rival open {i}", created="2026-03-01", stage=Stage.DISCOVERY,
                     amount="999999", target=datetime.date(2026, 6, 20))
        plan = _plan(deal, shared="2026-03-02", agreed="2026-03-03", health="red", days_late=30,
                     cadence=Cadence.WEEKLY, checkin="2026-06-16")
        _task(plan, TaskSide.BUYER, "2026-06-01")
    return {"sam": sam, "olga": olga, "nina": nina, "manager": manager, "deals": d}
