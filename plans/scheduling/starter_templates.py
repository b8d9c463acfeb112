"""The built-in templates' steps as plain data, for the template models to copy from.

A step is a `TemplateStep`: a key, the title, the side, the owner *role* (matched to a
stakeholder's decision role when a plan is made), its duration in business days, its
finish-to-start dependencies {key: lag in business days}, an optional offset (business days
before the anchor, at the latest), the milestone it belongs to and whether it is the buying
decision. `template_items` turns a template into what `schedule_backward` takes; `STARTERS`
lists the built-in templates (each organization gets an editable copy of each).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from .backward import TemplateItem


@dataclass(frozen=True)
class TemplateStep:
    key: str
    title: str
    side: str  # "buyer" | "seller" | "joint"
    role: str
    duration: int
    depends_on: Mapping[str, int] = field(default_factory=dict)
    offset: int | None = None
    milestone: str = ""
    decision: bool = False


#: Enterprise software evaluation, anchored on the go-live kickoff (the last step, due on the
#: anchor): about nine weeks of business days. The decision comes one business week
#: before kickoff (lag 4: signature and onboarding); security starts two business days after
#: the deep dive (the questionnaire reaches the buyer's security team); legal reviews the
#: contract and DPA once security is done; procurement needs the CFO's business case.
ENTERPRISE_EVALUATION: tuple[TemplateStep, ...] = (
    TemplateStep("discovery", "Discovery", "joint", "champion", 5, milestone="Evaluation"),
    TemplateStep(
        "deep_dive", "Technical deep dive", "joint", "technical evaluator", 10,
        {"discovery": 0}, milestone="Evaluation",
    ),
    TemplateStep(
        "security_review", "Security review", "buyer", "security lead", 10,
        {"deep_dive": 2}, milestone="Validation",
    ),
    TemplateStep(
        "business_case", "Business case to the CFO", "joint", "economic buyer", 5,
        {"deep_dive": 0}, milestone="Validation",
    ),
    TemplateStep(
        "procurement", "Procurement", "buyer", "procurement", 10,
        {"business_case": 0}, milestone="Commercials",
    ),
    TemplateStep(
        "legal_review", "Legal review", "buyer", "legal", 10,
        {"security_review": 0}, milestone="Commercials",
    ),
    TemplateStep(
        "decision", "Decision", "buyer", "decision maker", 1,
        {"procurement": 0, "legal_review": 0}, milestone="Decision", decision=True,
    ),
    TemplateStep(
        "kickoff", "Kickoff", "joint", "account executive", 1,
        {"decision": 4}, offset=0, milestone="Decision",
    ),
)


#: A short mid-market deal, anchored on the decision date (the last step, due on the anchor):
#: about four weeks. The demo shows the product on the buyer's own case; the pricing call
#: needs the economic buyer after the demo; the order form goes to procurement with two
#: business days for the buyer's signature round.
MID_MARKET_DEAL: tuple[TemplateStep, ...] = (
    TemplateStep("discovery_call", "Discovery call", "joint", "champion", 2, milestone="Fit"),
    TemplateStep(
        "tailored_demo", "Demo on the buyer's use case", "seller", "account executive", 3,
        {"discovery_call": 0}, milestone="Fit",
    ),
    TemplateStep(
        "trial", "Trial with the team", "buyer", "user", 5, {"tailored_demo": 0}, milestone="Fit",
    ),
    TemplateStep(
        "proposal", "Proposal and pricing call", "joint", "economic buyer", 2,
        {"tailored_demo": 0}, milestone="Commercials",
    ),
    TemplateStep(
        "order_form", "Order form through procurement", "buyer", "procurement", 3,
        {"proposal": 0, "trial": 0}, milestone="Commercials",
    ),
    TemplateStep(
        "decision", "Decision and signature", "buyer", "decision maker", 1,
        {"order_form": 2}, offset=0, milestone="Commercials", decision=True,
    ),
)

#: The one-page lite plan: five next steps, no milestones, anchored on the decision date.
LITE_PLAN: tuple[TemplateStep, ...] = (
    TemplateStep("intro", "Intro and goals", "joint", "champion", 1),
    TemplateStep("demo", "Demo", "seller", "account executive", 1, {"intro": 2}),
    TemplateStep("proposal", "Proposal", "seller", "account executive", 2, {"demo": 0}),
    TemplateStep("review", "Internal review and approval", "buyer", "economic buyer", 5, {"proposal": 0}),
    TemplateStep("decision", "Decision", "buyer", "decision maker", 1, {"review": 0}, offset=0, decision=True),
)


@dataclass(frozen=True)
class Starter:
    """A built-in template: its key (stable: organizations' copies are found by it), name,
    description, anchor kind ("decision" or "go_live") and steps."""

    key: str
    name: str
    description: str
    anchor: str
    steps: tuple[TemplateStep, ...]


STARTERS: tuple[Starter, ...] = (
    Starter(
        "enterprise_evaluation", "Enterprise software evaluation",
        "Discovery, technical deep dive, security review, business case to the CFO, procurement, legal "
        "review, decision and kickoff: about nine weeks, scheduled back from the go-live kickoff.",
        "go_live", ENTERPRISE_EVALUATION,
    ),
    Starter(
        "mid_market_deal", "Mid-market deal",
        "Discovery, a tailored demo, a trial, proposal and order form: about four weeks to the decision.",
        "decision", MID_MARKET_DEAL,
    ),
    Starter(
        "lite_plan", "Lite plan (one page)",
        "Five next steps to a decision, for buyers who find a full plan too formal.",
        "decision", LITE_PLAN,
    ),
)


def template_items(steps: Iterable[TemplateStep]) -> list[TemplateItem]:
    """The steps as `TemplateItem`s for `schedule_backward`."""
    return [TemplateItem(s.key, s.duration, s.offset, dict(s.depends_on)) for s in steps]
