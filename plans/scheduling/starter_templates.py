"""The built-in templates' steps as plain data, for the template models to copy from.

A step is a `TemplateStep`: a key, the title, the side, the owner *role* (matched to a
stakeholder's decision role when a plan is made), its duration in business days, its
finish-to-start dependencies {key: lag in business days}, an optional offset (business days
before the anchor, at the latest) and the milestone it belongs to. `template_items` turns a
template into what `schedule_backward` takes.
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
        {"procurement": 0, "legal_review": 0}, milestone="Decision",
    ),
    TemplateStep(
        "kickoff", "Kickoff", "joint", "account executive", 1,
        {"decision": 4}, offset=0, milestone="Decision",
    ),
)


def template_items(steps: Iterable[TemplateStep]) -> list[TemplateItem]:
    """The steps as `TemplateItem`s for `schedule_backward`."""
    return [TemplateItem(s.key, s.duration, s.offset, dict(s.depends_on)) for s in steps]
