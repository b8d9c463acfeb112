"""The demo organization: Northbeam Analytics, a seller of a data platform, and its pipeline.

Everything is built through deals.services and plans.services, so the activity history is
the one a real team would have left behind. The services stamp `timezone.now()`; the
builder replays each deal's history day by day at past moments (`_Replay.at`), so closed
deals, finished tasks, comments and status changes carry believable dates. All dates are
relative to today: the demo looks current whenever it is loaded.

`manage.py seed_demo` is the way in; `build_demo()` and `delete_demo()` do the work.
"""

from __future__ import annotations

import datetime
import unicodedata
from collections import Counter
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from unittest import mock

from django.db import transaction
from django.utils import timezone

from deals.models import Deal, DecisionRole, Outcome, Side, Stage, Stakeholder
from deals.services import deal_create, deal_update, stakeholder_create
from mapapp.models import Membership, Organization, Role, User
from plans import room_access
from plans.activity import Actor
from plans.models import Cadence, Plan, PlanStatus, RiskStatus, Task, TaskSide, TaskStatus
from plans.services import (
    comment_create,
    milestone_create,
    plan_create,
    plan_update,
    risk_create,
    task_create,
    task_set_status,
)

ORG_NAME = "Northbeam Analytics"
PASSWORD = "demo-password-2026"

# key, e-mail, name, role, time zone
USERS = [
    ("admin", "admin@demo.example", "Alex Morgan", Role.ADMIN, "Europe/London"),
    ("manager", "manager@demo.example", "Priya Raman", Role.MANAGER, "Europe/London"),
    ("seller1", "seller1@demo.example", "Jonas Weber", Role.SELLER, "Europe/Berlin"),
    ("seller2", "seller2@demo.example", "Mei Tanaka", Role.SELLER, "Asia/Tokyo"),
]
DEMO_EMAILS = [email for _, email, *_ in USERS]

STAGE_ORDER = [Stage.QUALIFICATION, Stage.DISCOVERY, Stage.EVALUATION, Stage.PROPOSAL, Stage.NEGOTIATION,
               Stage.CLOSING]


# Finding and removing the demo ----------------------------------------------------------

def find_demo_organization() -> Organization | None:
    """The demo organization, recognised by its name and its admin account."""
    return (
        Organization.objects.filter(name=ORG_NAME, memberships__user__email=DEMO_EMAILS[0])
        .order_by("pk")
        .first()
    )


def champion_room_link() -> tuple[Stakeholder, str] | None:
    """A fresh magic link to the flagship's deal room for the buyer's champion, not mailed: the
    demo prints it so the room can be tried as the buyer. None without the demo."""
    organization = find_demo_organization()
    if organization is None:
        return None
    champion = (
        Stakeholder.objects.for_org(organization.pk)
        .filter(side=Side.BUYER, decision_role=DecisionRole.CHAMPION, deal__external_id="CRM-10401")
        .select_related("deal__owner")
        .first()
    )
    if champion is None:
        return None
    # Not buyer_invite: no mail, and no "invited" in the history each time the demo starts.
    _link, url = room_access.link_issue(stakeholder=champion, created_by=champion.deal.owner, mail=False)
    return champion, url


def demo_users_exist() -> bool:
    return User.objects.filter(email__in=DEMO_EMAILS).exists()


@transaction.atomic
def delete_demo() -> bool:
    """Delete the demo organization (its rows cascade) and the four demo accounts."""
    organization = find_demo_organization()
    if organization is not None:
        organization.delete()
    deleted_users, _ = User.objects.filter(email__in=DEMO_EMAILS).delete()
    return organization is not None or bool(deleted_users)


# Replaying history at past moments -------------------------------------------------------

class _Replay:
    """Runs service calls as if at an earlier moment, so their timestamps tell a history.

    Services and `auto_now` fields all read `django.utils.timezone.now`; patching that one
    function for the length of a call is enough. Moments never pass the real now.
    """

    def __init__(self, today: datetime.date):
        self.today = today
        self.real_now = timezone.now()
        self._tick = 0

    def moment(self, day: datetime.date, hour: int = 10) -> datetime.datetime:
        self._tick += 1
        when = datetime.datetime.combine(day, datetime.time(hour), tzinfo=datetime.UTC)
        when += datetime.timedelta(seconds=self._tick)  # keeps events of one slot in order
        return min(when, self.real_now - datetime.timedelta(seconds=5))

    @contextmanager
    def at(self, day: datetime.date, hour: int = 10):
        when = self.moment(day, hour)
        with mock.patch("django.utils.timezone.now", return_value=when):
            yield when


@dataclass(order=True)
class _Event:
    day: datetime.date
    hour: int
    seq: int
    run: Callable[[], object] = field(compare=False)


class _Timeline:
    """Changes to one deal, collected in any order and replayed in date order."""

    def __init__(self, replay: _Replay):
        self.replay = replay
        self.events: list[_Event] = []

    def add(self, day: datetime.date, hour: int, run: Callable[[], object]) -> None:
        day = min(day, self.replay.today)
        self.events.append(_Event(day, hour, len(self.events), run))

    def play(self) -> None:
        for event in sorted(self.events):
            with self.replay.at(event.day, event.hour):
                event.run()
        self.events.clear()


# Small helpers ---------------------------------------------------------------------------

def _email(name: str, domain: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return f"{ascii_name.lower().replace(' ', '.')}@{domain}"


def _next_weekday(after: datetime.date, weekday: int) -> datetime.date:
    """The first `weekday` (Monday is 0) strictly after `after`."""
    return after + datetime.timedelta(days=(weekday - after.weekday() - 1) % 7 + 1)


def _set_status(task: Task, actor: Actor, status: str, reason: str = "") -> None:
    # People do start work before its prerequisites are done: the history records the override.
    task_set_status(task=task, actor=actor, status=status, version=task.version, reason=reason,
                    override_dependencies=True)


def _plan_status(plan: Plan, actor: Actor, status: str) -> None:
    plan_update(plan=plan, actor=actor, version=plan.version, data={"status": status})


def _plan_accept(plan: Plan, champion: Stakeholder) -> None:
    """The buyer's champion accepts the plan: status agreed, who and when, the agreed version."""
    from plans import agreement

    plan.refresh_from_db()
    seen = agreement.digest(agreement.take_snapshot(plan))
    # No e-mail to the seller: nobody is waiting for the demo's past.
    agreement.plan_accept(plan=plan, stakeholder=champion, version=plan.version, seen=seen, notify=False)


def _link_user(stakeholder: Stakeholder, user: User) -> None:
    # A seller-side stakeholder who is also a user of the org ("my tasks" find them by it).
    Stakeholder.objects.filter(pk=stakeholder.pk).update(user=user)
    stakeholder.user = user


# The people on Northbeam's side ---------------------------------------------------------

# Sales engineers by region: name, title, time zone, language
SALES_ENGINEERS = {
    "eu": ("Hannah Schulz", "Senior Sales Engineer", "Europe/Berlin", "de"),
    "us": ("Chris Donovan", "Sales Engineer", "America/Chicago", "en"),
    "jp": ("Kenji Sato", "Sales Engineer", "Asia/Tokyo", "ja"),
    "id": ("Arif Pratama", "Sales Engineer", "Asia/Jakarta", "id"),
}
SELLER_DOMAIN = "northbeam.example"


# The flagship: an enterprise evaluation shaped like the MAP literature's -----------------

FLAGSHIP_DOMAIN = "meridianfreight.example"
FLAGSHIP_PEOPLE = [
    # key, side, name, title, decision role, availability, time zone, phone
    ("sarah", Side.BUYER, "Sarah Chen", "VP Operations", DecisionRole.CHAMPION,
     "Visits the Dallas hub every second week; Monday mornings are the ops review.", "America/Chicago",
     "+1 312 555 0142"),
    ("robert", Side.BUYER, "Robert Lang", "Chief Financial Officer", DecisionRole.ECONOMIC_BUYER,
     "Book through his assistant; budget committee meets on the first Tuesday of the month.",
     "America/Chicago", "+1 312 555 0107"),
    ("kevin", Side.BUYER, "Kevin Park", "Chief Operating Officer", DecisionRole.DECISION_MAKER,
     "", "America/Chicago", ""),
    ("daniel", Side.BUYER, "Daniel Okafor", "Head of Information Security", DecisionRole.SECURITY,
     "Prefers written questions; answers within two working days.", "America/New_York", "+1 646 555 0188"),
    ("marcus", Side.BUYER, "Marcus Webb", "Director of Data Engineering", DecisionRole.USER,
     "Team is on the WMS migration until the middle of next month.", "America/Chicago", ""),
    ("angela", Side.BUYER, "Angela Ruiz", "Senior Procurement Manager", DecisionRole.PROCUREMENT,
     "", "America/Chicago", ""),
    ("thomas", Side.BUYER, "Thomas Reilly", "Senior Counsel", DecisionRole.LEGAL,
     "Out of office every Friday.", "America/New_York", ""),
    ("jonas", Side.SELLER, "Jonas Weber", "Account Executive", DecisionRole.ACCOUNT_EXECUTIVE,
     "", "Europe/Berlin", ""),
    ("chris", Side.SELLER, "Chris Donovan", "Sales Engineer", DecisionRole.SALES_ENGINEER,
     "", "America/Chicago", ""),
    ("ravi", Side.SELLER, "Ravi Iyer", "Security & Compliance Lead", DecisionRole.OTHER,
     "", "Europe/London", ""),
    ("alex", Side.SELLER, "Alex Morgan", "Chief Revenue Officer", DecisionRole.EXECUTIVE_SPONSOR,
     "", "Europe/London", ""),
]

# Milestone title, target date in days from today
FLAGSHIP_MILESTONES = [
    ("Discovery", -35),
    ("Technical deep dive", -10),
    ("Security review", 7),
    ("Business case to the CFO", 16),
    ("Procurement", 24),
    ("Legal review", 31),
    ("Decision", 38),
    ("Kickoff", 52),
]

# key, milestone, title, side, owner, due (days from today), final status, depends on,
# blocked reason, internal, description
FLAGSHIP_TASKS = [
    ("workshop", 0, "Discovery workshop: reporting landscape and pain points", TaskSide.JOINT, "sarah", -42,
     TaskStatus.DONE, [], "", False,
     "Half-day on site in Chicago with operations, finance and data engineering."),
    ("samples", 0, "Share TMS and WMS data samples and current pipeline diagrams", TaskSide.BUYER, "marcus", -38,
     TaskStatus.DONE, [], "", False, ""),
    ("deepdive", 1, "Architecture deep dive with data engineering", TaskSide.SELLER, "chris", -24,
     TaskStatus.DONE, ["samples"], "", False, ""),
    ("archdoc", 1, "Deliver the solution architecture document", TaskSide.SELLER, "chris", -14,
     TaskStatus.DONE, ["deepdive"], "", False,
     "Data flows, network diagram, regions, encryption at rest and in transit, SSO."),
    ("pov", 1, "Proof of value on two pilot pipelines (Chicago and Dallas hubs)", TaskSide.JOINT, "marcus", -4,
     TaskStatus.IN_PROGRESS, ["archdoc"], "", False,
     "Nightly loads from the TMS and the WMS; on-time delivery dashboard for both hubs."),
    ("questionnaire", 2, "Return the security questionnaire (SIG Lite)", TaskSide.SELLER, "ravi", -7,
     TaskStatus.DONE, [], "", False, ""),
    ("soc2", 2, "Share the penetration test summary and SOC 2 Type II report under NDA", TaskSide.SELLER, "ravi",
     -2, TaskStatus.IN_PROGRESS, [], "", False, ""),
    ("secreview", 2, "Security review of the architecture and vendor risk assessment", TaskSide.BUYER, "daniel", 6,
     TaskStatus.BLOCKED, ["archdoc", "questionnaire", "soc2"],
     "Waiting for the SOC 2 bridge letter covering the last quarter.", False,
     "Cannot start before the architecture document is delivered."),
    ("roi", 3, "ROI model with finance inputs (analyst hours, penalties, licences)", TaskSide.JOINT, "jonas", 5,
     TaskStatus.IN_PROGRESS, ["pov"], "", False, ""),
    ("cfo", 3, "Present the business case to the CFO", TaskSide.BUYER, "sarah", 14,
     TaskStatus.NOT_STARTED, ["roi"], "", False, ""),
    ("budget", 3, "CFO budget approval", TaskSide.BUYER, "robert", 16,
     TaskStatus.NOT_STARTED, ["cfo"], "", False, ""),
    ("supplier", 4, "Start supplier registration (W-9, insurance certificates, bank details)", TaskSide.BUYER,
     "angela", -1, TaskStatus.NOT_STARTED, [], "", False, ""),
    ("discount", 4, "Deal desk approval for the 3-year prepay option", TaskSide.SELLER, "jonas", 18,
     TaskStatus.NOT_STARTED, ["roi"], "", True, "Fallback only if procurement asks for a multi-year discount."),
    ("proposal", 4, "Final commercial proposal and payment terms", TaskSide.SELLER, "jonas", 20,
     TaskStatus.NOT_STARTED, ["budget", "supplier"], "", False, ""),
    ("legal", 5, "MSA and DPA redlines, including US data residency", TaskSide.BUYER, "thomas", 30,
     TaskStatus.NOT_STARTED, ["proposal"], "", False, ""),
    ("execcall", 6, "Executive alignment call: COO and Northbeam CRO", TaskSide.JOINT, "alex", 33,
     TaskStatus.NOT_STARTED, [], "", False, ""),
    ("signature", 6, "Sign the order form", TaskSide.BUYER, "kevin", 38,
     TaskStatus.NOT_STARTED, ["legal", "secreview", "execcall"], "", False, ""),
    ("kickoff", 7, "Kickoff and implementation plan for the first two hubs", TaskSide.JOINT, "chris", 52,
     TaskStatus.NOT_STARTED, ["signature"], "", False, ""),
]

# Business days of work per flagship task: what the projection and the timeline count with.
FLAGSHIP_DURATIONS = {
    "workshop": 1, "samples": 3, "deepdive": 2, "archdoc": 5, "pov": 10, "questionnaire": 5, "soc2": 2,
    "secreview": 8, "roi": 5, "cfo": 1, "budget": 3, "supplier": 5, "discount": 2, "proposal": 3, "legal": 8,
    "execcall": 1, "signature": 1, "kickoff": 2,
}

FLAGSHIP_RISKS = [
    ("Security review slips: the SOC 2 bridge letter for the last quarter is not issued yet", 4, 4,
     "Auditor asked for the letter; a management assertion letter is offered to Daniel in the meantime.",
     "ravi", RiskStatus.MITIGATING),
    ("Budget freeze before the quarterly budget review", 3, 5,
     "Business case goes to the CFO before the review; a phased payment option is prepared.",
     "sarah", RiskStatus.OPEN),
    ("Data engineering capacity: Marcus's team is on the WMS migration", 3, 3,
     "Sales engineer runs the proof of value; the buyer's team only reviews the results.",
     "chris", RiskStatus.MITIGATING),
    ("Legal asks for US-only data residency in the DPA", 2, 4,
     "US region offered from the start; the DPA addendum was sent to Thomas ahead of the redlines.",
     "jonas", RiskStatus.OPEN),
    ("IT proposes an internal build on the existing warehouse instead", 2, 3,
     "Joint session with the CIO compared three-year costs; the internal build came out at 2.3 times.",
     "marcus", RiskStatus.CLOSED),
]


def _build_flagship(organization: Organization, users: dict[str, User], replay: _Replay) -> Plan:
    today = replay.today
    days = lambda n: today + datetime.timedelta(days=n)
    jonas = Actor(user=users["seller1"])
    created, plan_day = days(-52), days(-47)

    with replay.at(created, 9):
        deal = deal_create(organization=organization, actor=jonas, data={
            "name": "Meridian Freight: hub analytics platform (3 years)",
            "buyer_company": "Meridian Freight Group",
            "amount": Decimal(480000),
            "currency": "USD",
            "stage": Stage.DISCOVERY,
            "target_close_date": days(38),
            "external_id": "CRM-10401",
        })

    timeline = _Timeline(replay)
    people: dict[str, Stakeholder] = {}
    tasks: dict[str, Task] = {}
    plan: Plan | None = None

    def build_plan():
        nonlocal plan
        plan = plan_create(deal=deal, actor=jonas, title="Meridian Freight × Northbeam: hub analytics evaluation")
        for key, side, name, title, role, availability, tz, phone in FLAGSHIP_PEOPLE:
            people[key] = stakeholder_create(deal=deal, actor=jonas, data={
                "side": side, "name": name, "title": title, "decision_role": role, "availability": availability,
                "timezone": tz, "phone": phone, "language": "en",
                "email": _email(name, FLAGSHIP_DOMAIN if side == Side.BUYER else SELLER_DOMAIN),
            })
        _link_user(people["jonas"], users["seller1"])
        _link_user(people["alex"], users["admin"])
        plan_update(plan=plan, actor=jonas, version=plan.version, data={
            "buyer_objective": (
                "Give operations one trusted view of on-time delivery and cost per shipment across all 14 "
                "regional hubs, and stop the weekly spreadsheet consolidation (about three analyst-days a week)."
            ),
            "seller_objective": (
                "A three-year platform agreement and a referenceable logistics customer in North America; "
                "the first two hubs live before peak season."
            ),
            "success_criteria": (
                "Nightly pipelines from the TMS and the WMS run 30 days without manual fixes.\n"
                "Hub managers see on-time delivery within 15 minutes of a scan.\n"
                "Security review passed with no high findings open.\n"
                "Weekly consolidation effort down from three analyst-days to under half a day."
            ),
            "value_proposition": (
                "USD 610,000 a year: analyst time (USD 180,000), avoided late-delivery penalties "
                "(USD 330,000) and retired legacy BI licences (USD 100,000). Payback in about ten months."
            ),
            "first_value_date": days(120),
            "budget_amount": Decimal(500000),
            "budget_notes": (
                "In this fiscal year's plan under 'Operations analytics modernisation'. "
                "Anything above USD 250,000 needs the CFO's sign-off."
            ),
            "payment_terms": "Annual in advance, net 45; the first invoice on go-live of the first hub.",
            "kpis": (
                "Time from scan to on-time delivery figure (hours → minutes)\n"
                "Analyst hours spent on consolidation per week\n"
                "Late-delivery penalties per quarter\n"
                "Hubs live on the platform"
            ),
            "target_close_date": days(38),
            "go_live_date": days(90),
            "checkin_cadence": Cadence.WEEKLY,
            "next_checkin_date": _next_weekday(today, 1),  # Tuesdays
        })
        milestones = [
            milestone_create(plan=plan, actor=jonas, title=title, target_date=days(offset))
            for title, offset in FLAGSHIP_MILESTONES
        ]
        for key, m, title, side, owner, due, _status, deps, _reason, internal, description in FLAGSHIP_TASKS:
            tasks[key] = task_create(
                plan=plan, actor=jonas, title=title, milestone=milestones[m], side=side, owner=people[owner],
                due_date=days(due), internal=internal, description=description,
                depends_on=[tasks[d] for d in deps], duration_days=FLAGSHIP_DURATIONS[key],
            )
        # The signature is the decision: the projected decision date is when it can happen.
        Plan.objects.filter(pk=plan.pk).update(decision_task=tasks["signature"])
        plan.decision_task = tasks["signature"]
        for description, probability, impact, mitigation, owner, status in FLAGSHIP_RISKS:
            risk_create(plan=plan, actor=jonas, description=description, probability=probability, impact=impact,
                        mitigation=mitigation, owner=people[owner], status=status)

    timeline.add(plan_day, 10, build_plan)
    timeline.add(days(-44), 9, lambda: deal_update(deal=deal, actor=jonas, version=deal.version,
                                                     data={"stage": Stage.EVALUATION}))
    timeline.add(days(-40), 11, lambda: _plan_status(plan, jonas, PlanStatus.SHARED))
    timeline.add(days(-33), 16, lambda: _plan_accept(plan, people["sarah"]))

    def actor_for(owner: Stakeholder) -> Actor:
        if owner.side == Side.BUYER:
            return Actor(stakeholder=owner)
        return Actor(user=owner.user or users["seller1"])

    for key, _m, _title, _side, owner, due, status, _deps, reason, _internal, _desc in FLAGSHIP_TASKS:
        if status == TaskStatus.NOT_STARTED:
            continue
        def start(key=key, owner=owner):
            _set_status(tasks[key], actor_for(people[owner]), TaskStatus.IN_PROGRESS)
        def finish(key=key, owner=owner, status=status, reason=reason):
            _set_status(tasks[key], actor_for(people[owner]), status, reason)
        # Started five days before it is due, finished (or blocked) on the due date, all in the past.
        finish_day = min(due, -2)
        start_day = min(due - 5, -1 if status == TaskStatus.IN_PROGRESS else finish_day - 1)
        timeline.add(max(days(start_day), plan_day + datetime.timedelta(days=1)), 9, start)
        if status != TaskStatus.IN_PROGRESS:
            timeline.add(days(finish_day), 15, finish)

    comments = [
        (-33, "sarah", None, False,
         ("Agreed from our side. Robert wants the business case before the quarterly budget review, "
         "so please keep that date firm.")),
        (-3, "marcus", "pov", False,
         ("Chicago has been green for six nights. Dallas waits for WMS test credentials from our side; "
         "I have chased the WMS admin.")),
        (-2, "daniel", "secreview", False,
         ("I can't sign off the vendor risk assessment without the SOC 2 bridge letter for the last quarter. "
         "Everything else in the architecture document looks fine.")),
        (-1, "jonas", "secreview", False,
         "Our auditor issues the bridge letter on Wednesday; Ravi sends it to you directly the same day."),
        (-1, "jonas", None, True,
         ("Robert prefers annual payments. Keep the 3-year prepay discount as a fallback, only if procurement "
         "pushes.")),
    ]
    for offset, author, task_key, internal, body in comments:
        def comment(author=author, task_key=task_key, internal=internal, body=body):
            who = people[author]
            actor = Actor(stakeholder=who) if who.side == Side.BUYER else Actor(user=who.user)
            comment_create(plan=plan, actor=actor, body=body, internal=internal,
                           task=tasks[task_key] if task_key else None)
        timeline.add(days(offset), 17, comment)

    timeline.play()
    return plan


# The rest of the pipeline: smaller plans from one evaluation pattern --------------------

# milestone, title, side, owner role, days from the decision date, depends on (step numbers)
STEPS = [
    ("Discovery", "Discovery call: goals, current reporting and pain points", TaskSide.JOINT, "champion", -50, []),
    ("Discovery", "Share data sources and sample extracts", TaskSide.BUYER, "technical", -45, []),
    ("Evaluation", "Technical demo on the buyer's sample data", TaskSide.SELLER, "se", -38, [1]),
    ("Evaluation", "Answer the security questionnaire", TaskSide.SELLER, "se", -31, []),
    ("Evaluation", "Technical evaluation sign-off", TaskSide.BUYER, "technical", -24, [2, 3]),
    ("Business case", "Review the ROI model with finance", TaskSide.JOINT, "champion", -18, [4]),
    ("Business case", "Budget approval", TaskSide.BUYER, "economic", -12, [5, 4]),
    ("Contract", "Commercial proposal and order form", TaskSide.SELLER, "ae", -9, [6]),
    ("Contract", "Contract review and signature", TaskSide.BUYER, "legal", -2, [7]),
    ("Kickoff", "Kickoff and onboarding plan", TaskSide.JOINT, "se", 10, [8]),
]
# Which steps a plan of n tasks keeps: the first n of this order.
STEP_PRIORITY = [0, 4, 6, 7, 8, 2, 9, 1, 3, 5]
ROLE_FALLBACK = {"legal": ["legal", "procurement", "economic"], "technical": ["technical", "champion"],
                 "economic": ["economic", "champion"], "champion": ["champion"]}
DECISION_ROLES = {"champion": DecisionRole.CHAMPION, "economic": DecisionRole.ECONOMIC_BUYER,
                  "technical": DecisionRole.TECHNICAL_EVALUATOR, "legal": DecisionRole.LEGAL,
                  "procurement": DecisionRole.PROCUREMENT, "decision": DecisionRole.DECISION_MAKER,
                  "user": DecisionRole.USER}


@dataclass
class DealSpec:
    key: str
    name: str
    company: str
    domain: str
    region: str  # sales engineer's region
    timezone: str
    language: str
    currency: str
    amount: int
    stage: str
    owner: str
    decision: int  # decision date in days from today (negative: closed that many days ago)
    cycle: int  # days from creation to decision
    outcome: str = Outcome.OPEN
    plan: str | None = None  # the plan's status today, or None for a deal without a plan
    was: str = PlanStatus.AGREED  # for closed plans: how far they got before closing
    steps: int = 0
    people: list = field(default_factory=list)  # (role, name, title, availability)
    shared: list = field(default_factory=list)
    goal: str = ""
    value: str = ""
    overrides: dict = field(default_factory=dict)  # step: (status, blocked reason)
    risks: list = field(default_factory=list)  # (description, p, i, mitigation, owner role, status)
    comments: list = field(default_factory=list)  # (days before reference day, author role, step, internal, body)
    exec_sponsor: bool = False


DEALS = [
    DealSpec(
        "brandt", "Brandt Maschinenbau: production analytics", "Brandt Maschinenbau GmbH", "brandt-mb.example",
        "eu", "Europe/Berlin", "de", "EUR", 210_000, Stage.NEGOTIATION, "seller1", decision=18, cycle=82,
        plan=PlanStatus.AGREED, steps=9,
        people=[("champion", "Katrin Vogt", "Head of Production Planning", ""),
                ("economic", "Stefan Brandt", "Managing Director, Finance", "Only on site Tuesday to Thursday."),
                ("technical", "Tobias Wagner", "IT Security Officer", ""),
                ("legal", "Julia Neumann", "Legal Counsel", "")],
        goal="Machine utilisation and scrap rate per line, daily instead of monthly, for both Stuttgart plants.",
        value="Two points less scrap on the press lines: about EUR 400,000 a year.",
        overrides={6: (TaskStatus.BLOCKED, "The works council has to approve the rollout first.")},
        risks=[("Works council (Betriebsrat) objects to per-person analytics", 3, 4,
                "No per-person figures in the pilot; a draft works agreement went to Tobias.", "champion",
                RiskStatus.MITIGATING)],
        comments=[(2, "champion", 6, False,
                   ("Der Betriebsrat muss der Einführung noch zustimmen; die Sitzung ist am Donnerstag. "
                   "Danach geben wir das Budget frei.")),
                  (1, "ae", 6, False, "Danke! Wir halten den Termin für die Unterschrift bis dahin offen.")],
    ),
    DealSpec(
        "kurokawa", "Kurokawa Precision: quality data platform", "Kurokawa Precision Industries",
        "kurokawa-precision.example", "jp", "Asia/Tokyo", "ja", "JPY", 38_000_000, Stage.PROPOSAL, "seller2",
        decision=30, cycle=80, plan=PlanStatus.AGREED, steps=8,
        people=[("champion", "Yuki Matsumoto", "General Manager, Production Control",
                 "Not available during Golden Week; prefers meetings before 11:00 JST."),
                ("economic", "Hiroshi Kurokawa", "Executive Director", ""),
                ("technical", "Daisuke Ito", "IT Infrastructure Manager", ""),
                ("procurement", "Aiko Mori", "Purchasing Section Chief", "")],
        goal="Trace every defect back to machine, shift and material lot within one hour.",
        value="Halve the time spent on customer quality claims; JPY 60 million a year in avoided rework.",
        risks=[("The ringi approval needs four departments; any one of them can delay it", 4, 3,
                "A Japanese ROI summary for each department head; Yuki walks it along the ringi route.",
                "champion", RiskStatus.OPEN)],
        comments=[(4, "champion", 6, False,
                   "稟議書は来週の経営会議にかけます。ROI資料の日本語版をいただけますか。"),
                  (3, "ae", 6, False, "承知しました。金曜日までに日本語版をお送りします。")],
    ),
    DealSpec(
        "nusantara", "Nusantara Retail: supply chain analytics", "PT Nusantara Retail Group",
        "nusantara-retail.example", "id", "Asia/Jakarta", "id", "IDR", 4_200_000_000, Stage.EVALUATION, "seller2",
        decision=40, cycle=85, plan=PlanStatus.SHARED, steps=10,
        people=[("champion", "Dewi Lestari", "Head of Supply Chain Analytics", ""),
                ("economic", "Budi Santoso", "Chief Financial Officer", ""),
                ("technical", "Rizky Hidayat", "IT Security Lead", "Fasting during Ramadan; calls before 15:00 WIB."),
                ("legal", "Putri Wulandari", "Legal & Compliance Manager", "")],
        goal="Stock-outs per store and region visible daily across 320 stores.",
        value="One point less stock-out rate: about IDR 9 billion of recovered sales a year.",
        overrides={2: (TaskStatus.BLOCKED, "Waiting for VPN access to the test environment.")},
        risks=[("Personal data protection law (UU PDP): hosting and processing terms need review", 3, 4,
                "Jakarta region available; a data processing agreement in Bahasa Indonesia is prepared.",
                "se", RiskStatus.MITIGATING)],
        comments=[(2, "technical", 2, False,
                   "Tim IT kami masih menunggu akses VPN untuk uji coba. Target selesai minggu depan.")],
    ),
    DealSpec(
        "halden", "Halden & Price: claims operations reporting", "Halden & Price Insurance", "haldenprice.example",
        "eu", "Europe/London", "en", "EUR", 145_000, Stage.DISCOVERY, "seller1", decision=70, cycle=82,
        plan=PlanStatus.DRAFT, steps=6,
        people=[("champion", "Oliver Grant", "Head of Claims Operations", ""),
                ("economic", "Fiona Marsh", "Finance Director", ""),
                ("technical", "Sanjay Patel", "Enterprise Architect", "")],
        goal="Claims cycle time by product and handler, refreshed hourly.",
    ),
    DealSpec(
        "rheinau", "Stadtwerke Rheinau: grid data pilot", "Stadtwerke Rheinau", "stadtwerke-rheinau.example",
        "eu", "Europe/Berlin", "de", "EUR", 96_000, Stage.QUALIFICATION, "seller1", decision=95, cycle=101,
        people=[("champion", "Frank Albrecht", "Head of Grid Operations", "")],
    ),
    DealSpec(
        "sakura", "Sakura Home Living: e-commerce analytics", "Sakura Home Living", "sakura-home.example",
        "jp", "Asia/Tokyo", "ja", "JPY", 12_500_000, Stage.DISCOVERY, "seller2", decision=75, cycle=90,
        plan=PlanStatus.DRAFT, steps=5,
        people=[("champion", "Naoko Fujita", "Head of E-commerce", ""),
                ("economic", "Takeshi Yamada", "General Manager, Finance", ""),
                ("technical", "Ryo Nakamura", "IT Manager", "")],
        goal="One view of online and store sales by product line.",
    ),
    DealSpec(
        "bintang", "Bintang Telekomunikasi: network analytics", "PT Bintang Telekomunikasi", "bintang-tel.example",
        "id", "Asia/Jakarta", "id", "IDR", 1_650_000_000, Stage.QUALIFICATION, "seller2", decision=100, cycle=105,
        people=[("champion", "Agus Setiawan", "VP Network Analytics", "")],
    ),
    DealSpec(
        "cascade", "Cascade Health: clinical operations dashboards", "Cascade Health Partners",
        "cascadehealth.example", "us", "America/Los_Angeles", "en", "USD", 320_000, Stage.CLOSING, "seller2",
        decision=8, cycle=78, plan=PlanStatus.AGREED, steps=10, shared=["seller1"],
        people=[("champion", "Rachel Kim", "Director of Clinical Operations", ""),
                ("economic", "Michael Torres", "Chief Financial Officer", ""),
                ("technical", "Emily Novak", "Chief Information Security Officer", ""),
                ("legal", "David Brooks", "General Counsel", "")],
        goal="Bed occupancy and discharge delays across six hospitals, live for the morning huddle.",
        value="Half a day shorter average stay: about USD 2.1 million a year in capacity.",
        overrides={8: (TaskStatus.IN_PROGRESS, "")},
        risks=[("The HIPAA business associate agreement is still open with legal", 2, 5,
                "Our standard BAA was pre-approved by two other health systems; David has it.", "ae",
                RiskStatus.MITIGATING)],
        comments=[(1, "champion", 8, False, "The BAA is with David; he expects to sign on Thursday.")],
    ),
    DealSpec(
        "northgate", "Northgate Building Society: member insights", "Northgate Building Society",
        "northgate-bs.example", "eu", "Europe/London", "en", "EUR", 62_000, Stage.PROPOSAL, "seller1",
        decision=28, cycle=70, plan=PlanStatus.SHARED, steps=7,
        people=[("champion", "Helen Carter", "Head of Member Insights", ""),
                ("economic", "Graham Lowe", "Finance Director", ""),
                ("technical", "Priyanka Shah", "Information Security Manager", "")],
        goal="Member retention and product holdings by branch, monthly board pack automated.",
        overrides={4: (TaskStatus.BLOCKED, "The outsourcing assessment for the regulator has to be filed first.")},
        risks=[("Regulatory outsourcing assessment takes longer than planned", 3, 3,
                "Our outsourcing pack (exit plan, sub-processors, audit rights) went to Priyanka.",
                "technical", RiskStatus.OPEN)],
    ),
    DealSpec(
        "aurelia", "Aurelia Biotech: research operations platform", "Aurelia Biotech", "aureliabio.example",
        "us", "America/New_York", "en", "USD", 900_000, Stage.NEGOTIATION, "seller1", decision=21, cycle=100,
        plan=PlanStatus.AGREED, steps=10, shared=["seller2"], exec_sponsor=True,
        people=[("champion", "Laura Bennett", "VP Research Operations", ""),
                ("economic", "James Whitaker", "Chief Financial Officer", ""),
                ("technical", "Nina Alvarez", "Director of IT Security", ""),
                ("legal", "Paul Hughes", "Associate General Counsel", ""),
                ("procurement", "Omar Haddad", "Procurement Lead", "")],
        goal="Instrument and assay utilisation across three labs; fewer failed runs.",
        value="USD 1.4 million a year in instrument time and reagents.",
        risks=[("GxP validation scope is unclear", 3, 4,
                "Validation package and a scoping call with QA are planned.", "se", RiskStatus.OPEN),
               ("The fiscal year ends before signature and the budget may roll over", 2, 5,
                "Signature planned two weeks before year end; CFO informed.", "champion", RiskStatus.OPEN)],
        comments=[(3, "ae", None, True, "Mei covers the Tokyo lab stakeholders; keep her in every exec call.")],
    ),
    DealSpec(
        "vogel", "Vogel Logistik: BI pilot", "Vogel Logistik AG", "vogel-logistik.example", "eu",
        "Europe/Berlin", "de", "EUR", 18_500, Stage.EVALUATION, "seller2", decision=40, cycle=65,
        plan=PlanStatus.SHARED, steps=5, shared=["seller1"],
        people=[("champion", "Anna Krüger", "BI Team Lead", ""),
                ("economic", "Lars Petersen", "Head of IT", "")],
        goal="A three-month pilot: route costs per customer for the Hamburg depot.",
    ),
    # Won
    DealSpec(
        "pemberton", "Pemberton Foods: demand planning analytics", "Pemberton Foods", "pembertonfoods.example",
        "eu", "Europe/London", "en", "EUR", 78_000, Stage.CLOSING, "seller1", decision=-20, cycle=61,
        outcome=Outcome.WON, plan=PlanStatus.CLOSED, steps=7,
        people=[("champion", "Sophie Turner", "Head of Demand Planning", ""),
                ("economic", "Ian McAllister", "Finance Director", ""),
                ("technical", "Ben Okoro", "IT Manager", "")],
        goal="Forecast accuracy by SKU and customer, weekly.",
    ),
    DealSpec(
        "yamato", "Yamato Digital: customer analytics", "Yamato Digital Services", "yamato-digital.example",
        "jp", "Asia/Tokyo", "ja", "JPY", 54_000_000, Stage.CLOSING, "seller2", decision=-45, cycle=66,
        outcome=Outcome.WON, plan=PlanStatus.CLOSED, steps=8,
        people=[("champion", "Sho Kimura", "Director, Customer Analytics", ""),
                ("economic", "Keiko Hayashi", "CFO", ""),
                ("technical", "Taro Shimizu", "Security Architect", ""),
                ("legal", "Mami Inoue", "Legal Manager", "")],
        goal="Churn signals per customer segment for the contact centre.",
    ),
    DealSpec(
        "hoffmann", "Hoffmann Pharma: distribution analytics", "Hoffmann Pharma Distribution GmbH",
        "hoffmann-pharma.example", "eu", "Europe/Berlin", "de", "EUR", 265_000, Stage.CLOSING, "seller1",
        decision=-70, cycle=58, outcome=Outcome.WON, plan=PlanStatus.CLOSED, steps=9,
        people=[("champion", "Jürgen Hoffmann", "Head of Logistics", ""),
                ("economic", "Claudia Becker", "CFO", ""),
                ("technical", "Mehmet Yilmaz", "Information Security Officer", ""),
                ("legal", "Eva Schmitt", "Syndikusrechtsanwältin", "")],
        goal="Cold-chain deviations per route visible the same day.",
    ),
    DealSpec(
        "riverbend", "Riverbend Credit Union: member reporting", "Riverbend Credit Union", "riverbendcu.example",
        "us", "America/New_York", "en", "USD", 42_000, Stage.CLOSING, "seller2", decision=-12, cycle=92,
        outcome=Outcome.WON,
        people=[("champion", "Megan Foster", "VP Member Experience", "")],
    ),
    # Lost
    DealSpec(
        "samudra", "Samudra Energi: asset performance analytics", "PT Samudra Energi", "samudra-energi.example",
        "id", "Asia/Jakarta", "id", "IDR", 2_800_000_000, Stage.PROPOSAL, "seller2", decision=-30, cycle=84,
        outcome=Outcome.LOST, plan=PlanStatus.CLOSED, was=PlanStatus.SHARED, steps=6,
        people=[("champion", "Hendra Wijaya", "Head of Asset Management", ""),
                ("economic", "Sri Rahayu", "Finance Director", ""),
                ("technical", "Fajar Nugroho", "OT Security Manager", "")],
        comments=[(0, "ae", None, True,
                   ("Lost to the incumbent's renewal discount. The CFO never joined a call; the plan was never "
                   "agreed."))],
    ),
    DealSpec(
        "keystone", "Keystone Outdoor: retail analytics", "Keystone Outdoor Gear", "keystoneoutdoor.example",
        "us", "America/Denver", "en", "USD", 150_000, Stage.EVALUATION, "seller1", decision=-55, cycle=95,
        outcome=Outcome.LOST,
        people=[("champion", "Tyler Brooks", "Director of Merchandising", "")],
    ),
    DealSpec(
        "ashworth", "Ashworth Media: audience reporting", "Ashworth Media Group", "ashworthmedia.example",
        "eu", "Europe/London", "en", "EUR", 35_000, Stage.DISCOVERY, "seller1", decision=-18, cycle=40,
        outcome=Outcome.LOST,
        people=[("champion", "Charlotte Hale", "Head of Audience Insights", "")],
    ),
    DealSpec(
        "hokuto", "Hokuto Logistics: warehouse analytics", "Hokuto Logistics", "hokuto-logi.example",
        "jp", "Asia/Tokyo", "ja", "JPY", 9_800_000, Stage.NEGOTIATION, "seller2", decision=-40, cycle=88,
        outcome=Outcome.LOST, plan=PlanStatus.CLOSED, steps=7,
        people=[("champion", "Masato Ogawa", "Warehouse Operations Manager", ""),
                ("economic", "Yoko Suzuki", "General Manager, Finance", ""),
                ("technical", "Kazuki Endo", "IT Lead", "")],
        comments=[(0, "ae", None, True,
                   "Budget moved to the new WMS project. Revisit in the next fiscal year.")],
    ),
]


def _stage_path(final: str) -> list[str]:
    return STAGE_ORDER[: STAGE_ORDER.index(final) + 1]


def _build_deal(spec: DealSpec, organization: Organization, users: dict[str, User], replay: _Replay) -> Deal:
    today = replay.today
    decision = today + datetime.timedelta(days=spec.decision)
    created = decision - datetime.timedelta(days=spec.cycle)
    closed = spec.outcome != Outcome.OPEN
    # Where the plan stands: today for open deals, the day it was won or lost otherwise.
    reference = decision if closed else today
    owner = users[spec.owner]
    ae = Actor(user=owner)
    timeline = _Timeline(replay)

    with replay.at(created, 9):
        deal = deal_create(organization=organization, actor=ae, shared_with=[users[k] for k in spec.shared], data={
            "name": spec.name,
            "buyer_company": spec.company,
            "amount": Decimal(spec.amount),
            "currency": spec.currency,
            "stage": Stage.QUALIFICATION,
            "target_close_date": decision,
            "external_id": f"CRM-{10402 + DEALS.index(spec)}",
        })

    # The deal moves through its stages at even steps between creation and now (or its close).
    path = _stage_path(spec.stage)[1:]
    last_day = min(decision, today - datetime.timedelta(days=1))
    span = max((last_day - created).days, len(path) + 1)
    for i, stage in enumerate(path, start=1):
        day = created + datetime.timedelta(days=span * i // (len(path) + 1))
        timeline.add(day, 9, lambda stage=stage: deal_update(deal=deal, actor=ae, version=deal.version,
                                                               data={"stage": stage}))
    if closed:
        timeline.add(decision, 16, lambda: deal_update(deal=deal, actor=ae, version=deal.version,
                                                         data={"outcome": spec.outcome}))

    people: dict[str, Stakeholder] = {}

    def add_people():
        for role, name, title, availability in spec.people:
            people[role] = stakeholder_create(deal=deal, actor=ae, data={
                "side": Side.BUYER, "name": name, "title": title, "decision_role": DECISION_ROLES[role],
                "availability": availability, "timezone": spec.timezone, "language": spec.language,
                "email": _email(name, spec.domain),
            })
        if spec.plan is None:
            return
        people["ae"] = stakeholder_create(deal=deal, actor=ae, data={
            "side": Side.SELLER, "name": owner.name, "title": "Account Executive",
            "decision_role": DecisionRole.ACCOUNT_EXECUTIVE, "email": _email(owner.name, SELLER_DOMAIN),
            "timezone": owner.timezone, "language": "en",
        })
        _link_user(people["ae"], owner)
        se_name, se_title, se_tz, se_lang = SALES_ENGINEERS[spec.region]
        people["se"] = stakeholder_create(deal=deal, actor=ae, data={
            "side": Side.SELLER, "name": se_name, "title": se_title, "decision_role": DecisionRole.SALES_ENGINEER,
            "email": _email(se_name, SELLER_DOMAIN), "timezone": se_tz, "language": se_lang,
        })
        if spec.exec_sponsor:
            people["exec"] = stakeholder_create(deal=deal, actor=ae, data={
                "side": Side.SELLER, "name": users["admin"].name, "title": "Chief Revenue Officer",
                "decision_role": DecisionRole.EXECUTIVE_SPONSOR, "email": users["admin"].email,
                "timezone": users["admin"].timezone, "language": "en",
            })
            _link_user(people["exec"], users["admin"])

    if spec.plan is None:
        with replay.at(created, 10):
            add_people()
        timeline.play()
        return deal

    plan_day = min(created + datetime.timedelta(days=4), today - datetime.timedelta(days=1))
    plan: Plan | None = None
    tasks: dict[int, Task] = {}
    steps = sorted(STEP_PRIORITY[: spec.steps])

    def owner_for(role: str) -> Stakeholder:
        for candidate in ROLE_FALLBACK.get(role, [role]):
            if candidate in people:
                return people[candidate]
        raise KeyError(role)

    def actor_for(stakeholder: Stakeholder) -> Actor:
        return Actor(stakeholder=stakeholder) if stakeholder.side == Side.BUYER else ae

    def build_plan():
        nonlocal plan
        plan = plan_create(deal=deal, actor=ae)
        add_people()
        data = {"buyer_objective": spec.goal, "target_close_date": decision}
        if spec.plan != PlanStatus.DRAFT:
            data.update({
                "seller_objective": "A signed platform agreement and a customer who will act as a reference.",
                "success_criteria": f"{spec.goal}\nThe buyer's team uses it without help from Northbeam after "
                                    "the first month.",
                "value_proposition": spec.value,
                "first_value_date": decision + datetime.timedelta(days=60),
                "budget_amount": Decimal(spec.amount),
                "payment_terms": "Annual in advance, net 30.",
                "go_live_date": decision + datetime.timedelta(days=45),
                "checkin_cadence": Cadence.WEEKLY if spec.plan == PlanStatus.AGREED else Cadence.BIWEEKLY,
            })
            if not closed:
                data["next_checkin_date"] = _next_weekday(today, 3)  # Thursdays
        plan_update(plan=plan, actor=ae, version=plan.version, data=data)
        milestones = {}
        for step in steps:
            title = STEPS[step][0]
            if title not in milestones:
                target = max(decision + datetime.timedelta(days=STEPS[s][4]) for s in steps if STEPS[s][0] == title)
                milestones[title] = milestone_create(plan=plan, actor=ae, title=title, target_date=target)
        for step in steps:
            milestone, title, side, role, offset, deps = STEPS[step]
            tasks[step] = task_create(
                plan=plan, actor=ae, title=title, side=side, owner=owner_for(role), milestone=milestones[milestone],
                due_date=decision + datetime.timedelta(days=offset),
                depends_on=[tasks[d] for d in deps if d in tasks],
            )
        for description, probability, impact, mitigation, role, status in spec.risks:
            risk_create(plan=plan, actor=ae, description=description, probability=probability, impact=impact,
                        mitigation=mitigation, owner=owner_for(role), status=status)

    timeline.add(plan_day, 10, build_plan)

    # The plan's own life: shared a few days after it was drafted, then agreed by the champion.
    reached = spec.was if spec.plan == PlanStatus.CLOSED else spec.plan
    shared_day = plan_day + datetime.timedelta(days=3)
    if reached in (PlanStatus.SHARED, PlanStatus.AGREED):
        timeline.add(shared_day, 11, lambda: _plan_status(plan, ae, PlanStatus.SHARED))
    if reached == PlanStatus.AGREED:
        timeline.add(shared_day + datetime.timedelta(days=4), 15, lambda: _plan_accept(plan, people["champion"]))
    if spec.plan == PlanStatus.CLOSED:
        # A won plan stays open through the kickoff; a lost one closes with the deal.
        closed_day = decision + datetime.timedelta(days=14 if spec.outcome == Outcome.WON else 0)
        timeline.add(closed_day, 17, lambda: _plan_status(plan, ae, PlanStatus.CLOSED))

    # Task progress follows the calendar: done when due well before the reference day, in
    # progress around it, not started after; a won deal finished everything.
    one_day = datetime.timedelta(days=1)
    first_open = True
    for step in steps:
        due = decision + datetime.timedelta(days=STEPS[step][4])
        if spec.plan == PlanStatus.DRAFT:
            status, reason = TaskStatus.NOT_STARTED, ""
        elif spec.outcome == Outcome.WON or due <= reference - datetime.timedelta(days=3):
            status, reason = TaskStatus.DONE, ""
        elif spec.outcome == Outcome.LOST:
            status, reason = TaskStatus.NOT_STARTED, ""
        elif due < reference or first_open:
            status, reason = TaskStatus.IN_PROGRESS, ""
            first_open = first_open and due < reference
        else:
            status, reason = TaskStatus.NOT_STARTED, ""
        status, reason = spec.overrides.get(step, (status, reason))
        if status == TaskStatus.NOT_STARTED:
            continue
        role = STEPS[step][3]
        if status == TaskStatus.DONE:
            day = min(due, today - one_day) if spec.outcome == Outcome.WON else min(due, reference)
        elif status == TaskStatus.BLOCKED:
            day = reference - 2 * one_day
        else:
            day = min(due - 4 * one_day, reference - one_day)
        timeline.add(max(day, plan_day + one_day), 15 if status == TaskStatus.DONE else 9,
                     lambda step=step, role=role, status=status, reason=reason: _set_status(
                         tasks[step], actor_for(owner_for(role)), status, reason))

    for days_before, role, step, internal, body in spec.comments:
        def comment(role=role, step=step, internal=internal, body=body):
            author = people[role]
            comment_create(plan=plan, actor=actor_for(author), body=body, internal=internal,
                           task=tasks.get(step) if step is not None else None)
        timeline.add(reference - datetime.timedelta(days=days_before), 17, comment)

    timeline.play()
    return deal


# Building it all --------------------------------------------------------------------------

@dataclass
class DemoSummary:
    organization: Organization
    users: list[tuple[str, str, str]]  # e-mail, name, role
    deals: int
    outcomes: dict[str, int]
    plans: dict[str, int]
    deals_without_plan: int
    tasks: int
    risks: int
    comments: int
    activities: int
    flagship: Plan


@transaction.atomic
def build_demo(*, today: datetime.date | None = None) -> DemoSummary:
    """Create the demo organization, its four accounts and its pipeline, through the services.

    Raises ValueError when a demo account already exists without the demo organization,
    rather than sharing an account with whatever is there.
    """
    if find_demo_organization() is not None or demo_users_exist():
        raise ValueError("The demo organization or one of its accounts already exists.")
    replay = _Replay(today or timezone.localdate())
    joined = replay.today - datetime.timedelta(days=400)

    with replay.at(joined, 8):
        organization = Organization.objects.create(name=ORG_NAME, default_currency="EUR")
        users: dict[str, User] = {}
        for key, email, name, role, tz in USERS:
            users[key] = User.objects.create_user(
                email, PASSWORD, name=name, timezone=tz, date_joined=timezone.now()
            )
            Membership.objects.create(organization=organization, user=users[key], role=role)

    flagship = _build_flagship(organization, users, replay)
    _room_history(flagship, replay)
    for spec in DEALS:
        _build_deal(spec, organization, users, replay)
    return summarize(organization, flagship)


def _room_history(plan: Plan, replay: _Replay) -> None:
    """The flagship's buyers came through the deal room: a link for each buyer who changed
    something (sent the day before their first change, and sent again last week so it still
    works), and their visits at the moments of their changes, for the engagement panel."""
    from plans import engagement
    from plans.models import Activity

    changes = (
        Activity.objects.filter(organization_id=plan.organization_id, plan=plan, actor_stakeholder__side=Side.BUYER)
        .select_related("actor_stakeholder")
        .order_by("created_at", "id")
    )
    links = {}
    for change in changes:
        person = change.actor_stakeholder
        if person.pk not in links:
            with replay.at(change.created_at.date() - datetime.timedelta(days=1), 16):
                room_access.link_issue(stakeholder=person, created_by=plan.deal.owner, mail=False)
            with replay.at(replay.today - datetime.timedelta(days=6), 9):
                links[person.pk], _url = room_access.link_issue(
                    stakeholder=person, created_by=plan.deal.owner, mail=False
                )
        engagement.record_visit(plan=plan, link=links[person.pk], now=change.created_at - datetime.timedelta(minutes=4))


def summarize(organization: Organization, flagship: Plan) -> DemoSummary:
    from plans.models import Activity, Comment, Risk

    deals = Deal.objects.for_org(organization)
    plans = Plan.objects.for_org(organization)
    members = Membership.objects.filter(organization=organization).select_related("user").order_by("pk")
    return DemoSummary(
        organization=organization,
        users=[(m.user.email, m.user.name, m.get_role_display()) for m in members],
        deals=deals.count(),
        outcomes=dict(Counter(deals.values_list("outcome", flat=True))),
        plans=dict(Counter(plans.values_list("status", flat=True))),
        deals_without_plan=deals.filter(plan__isnull=True).count(),
        tasks=Task.objects.for_org(organization).count(),
        risks=Risk.objects.for_org(organization).count(),
        comments=Comment.objects.for_org(organization).count(),
        activities=Activity.objects.for_org(organization).count(),
        flagship=flagship,
    )
