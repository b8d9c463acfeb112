"""Plan templates: the organization's own and its copies of the built-in starters, and plans
made from them by scheduling backwards from an anchor date (plans.scheduling).

Services are keyword-only and take already-authorised objects (views get a template through
plans.access.get_template_for_member). Creating, editing and deleting templates is for the
organization's admins (PermissionDenied otherwise); any member who can see a plan may save it
as a template, and any member may make a plan from one.

A step's dependencies are given as {key of the prerequisite: lag in business days}, where a
step's key is any hashable the caller picks (the form's row number, a starter's key).
"""

from __future__ import annotations

import datetime
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from deals.models import Deal, DecisionRole, Stakeholder
from mapapp.concurrency import bump_version, save_versioned
from mapapp.models import Membership, Organization

from . import scheduling
from .activity import Actor, record
from .models import (
    TEMPLATE_MAX_DAYS,
    TEMPLATE_MAX_STEPS,
    AnchorKind,
    Milestone,
    Plan,
    PlanTemplate,
    Task,
    TaskDependency,
    TaskSide,
    TemplateDependency,
    TemplateMilestone,
    TemplateStep,
)

# Roles in words that are not a decision role's value spelled out.
ROLE_ALIASES = {"security lead": DecisionRole.SECURITY.value}
# Who takes a role's steps when the deal has nobody in that role: the security review goes to
# the technical evaluator of a buyer without a named security lead.
ROLE_FALLBACKS = {DecisionRole.SECURITY.value: DecisionRole.TECHNICAL_EVALUATOR.value}


def role_value(role: str) -> str:
    """A starter's role in words ("economic buyer") as a DecisionRole value, "" when unknown."""
    role = (role or "").strip().lower()
    if role in ROLE_ALIASES:
        return ROLE_ALIASES[role]
    value = role.replace(" ", "_")
    return value if value in DecisionRole.values else ""


@dataclass(frozen=True)
class StepInput:
    """One step as an editor (or a starter, or a plan) gives it."""

    key: Hashable
    title: str
    side: str = TaskSide.JOINT
    owner_role: str = ""
    duration_days: int = 1
    offset_days: int | None = None
    milestone: str = ""  # the title of one of the template's milestones, or "" for none
    depends_on: Mapping[Any, int] = field(default_factory=dict)
    description: str = ""
    is_decision: bool = False


def _check_admin(member: Membership, organization_id: int) -> None:
    if member.organization_id != organization_id or not member.is_admin:
        raise PermissionDenied(_("Only the organization's admins can change its templates."))


def _in_range(value: int | None) -> bool:
    return value is None or (isinstance(value, int) and 0 <= value <= TEMPLATE_MAX_DAYS)


def validate_steps(steps: Sequence[StepInput], milestones: Sequence[str]) -> None:
    """Refuse (ValidationError) what cannot be scheduled: no step or more than
    TEMPLATE_MAX_STEPS, a step without a title, an unknown side, role or milestone, a
    duration, offset or lag outside 0..TEMPLATE_MAX_DAYS, a dependency on an unknown step
    or on itself, more than one decision, and a cycle (named, as the task editor does)."""
    errors: list[str] = []
    if not steps:
        errors.append(_("A template needs at least one step."))
    if len(steps) > TEMPLATE_MAX_STEPS:
        errors.append(_("A template has at most %(max)d steps.") % {"max": TEMPLATE_MAX_STEPS})
    keys = [s.key for s in steps]
    if len(set(keys)) != len(keys):
        errors.append(_("Two steps have the same key."))
    by_key = {s.key: s for s in steps}
    for step in steps:
        name = step.title.strip() or "?"
        if not step.title.strip():
            errors.append(_("Every step needs a title."))
        if step.side not in TaskSide.values:
            errors.append(_("%(step)s: unknown side.") % {"step": name})
        if step.owner_role and step.owner_role not in DecisionRole.values:
            errors.append(_("%(step)s: unknown owner role.") % {"step": name})
        if step.milestone and step.milestone not in milestones:
            errors.append(_("%(step)s: unknown milestone.") % {"step": name})
        if not _in_range(step.duration_days) or step.duration_days is None:
            errors.append(_("%(step)s: the duration is 0 to %(max)d business days.") % {"step": name, "max": TEMPLATE_MAX_DAYS})
        if not _in_range(step.offset_days):
            errors.append(_("%(step)s: the offset is 0 to %(max)d business days.") % {"step": name, "max": TEMPLATE_MAX_DAYS})
        for prerequisite, lag in step.depends_on.items():
            if prerequisite == step.key:
                errors.append(_("%(step)s cannot depend on itself.") % {"step": name})
            elif prerequisite not in by_key:
                errors.append(_("%(step)s depends on a step that is not in the template.") % {"step": name})
            if not _in_range(lag) or lag is None:
                errors.append(_("%(step)s: a lag is 0 to %(max)d business days.") % {"step": name, "max": TEMPLATE_MAX_DAYS})
    if sum(1 for s in steps if s.is_decision) > 1:
        errors.append(_("Only one step can be the decision."))
    if errors:
        raise ValidationError(errors)
    graph = {s.key: [p for p in s.depends_on if p != s.key] for s in steps}
    for step in steps:
        cycle = scheduling.find_cycle(graph, step.key, graph[step.key])
        if cycle:
            chain = " → ".join(by_key[k].title for k in cycle)
            raise ValidationError(
                _("That would make a cycle: %(chain)s. Each arrow reads “depends on”.") % {"chain": chain}
            )


def _write_contents(template: PlanTemplate, steps: Sequence[StepInput], milestones: Sequence[str]) -> None:
    """Create the template's milestones, steps and dependencies (three bulk inserts)."""
    org_id = template.organization_id
    rows = TemplateMilestone.objects.bulk_create([
        TemplateMilestone(organization_id=org_id, template=template, title=title, order=i)
        for i, title in enumerate(milestones, start=1)
    ])
    milestone_of = {m.title: m for m in rows}
    created = TemplateStep.objects.bulk_create([
        TemplateStep(
            organization_id=org_id, template=template, milestone=milestone_of.get(s.milestone), title=s.title.strip(),
            description=s.description, side=s.side, owner_role=s.owner_role, duration_days=s.duration_days,
            offset_days=s.offset_days, is_decision=s.is_decision, order=i,
        )
        for i, s in enumerate(steps, start=1)
    ])
    step_of = {s.key: row for s, row in zip(steps, created, strict=True)}
    TemplateDependency.objects.bulk_create([
        TemplateDependency(organization_id=org_id, step=step_of[s.key], prerequisite=step_of[p], lag_days=lag)
        for s in steps for p, lag in s.depends_on.items()
    ])


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the template a name.")})
    return name[:200]


def _check_anchor(anchor: str) -> None:
    if anchor not in AnchorKind.values:
        raise ValidationError({"anchor": _("Unknown anchor.")})


@transaction.atomic
def template_create(
    *, organization: Organization, member: Membership, name: str, anchor: str = AnchorKind.DECISION,
    steps: Sequence[StepInput], milestones: Sequence[str] = (), description: str = "", built_in_key: str = "",
) -> PlanTemplate:
    """An admin creates a template of the organization (validated as `validate_steps` says)."""
    _check_admin(member, organization.pk)
    name = _clean_name(name)
    _check_anchor(anchor)
    milestones = list(dict.fromkeys(m.strip() for m in milestones if m.strip()))
    validate_steps(steps, milestones)
    template = PlanTemplate.objects.create(
        organization=organization, name=name, description=description, anchor=anchor, built_in_key=built_in_key,
        created_by=member.user,
    )
    _write_contents(template, steps, milestones)
    return template


@transaction.atomic
def template_update(
    *, template: PlanTemplate, member: Membership, version: int, name: str | None = None,
    description: str | None = None, anchor: str | None = None, steps: Sequence[StepInput] | None = None,
    milestones: Sequence[str] | None = None,
) -> PlanTemplate:
    """An admin edits a template against the version they saw (StaleEdit otherwise). Given
    steps (and milestones) replace the template's whole contents; plans made from it before
    keep their own tasks."""
    _check_admin(member, template.organization_id)
    fields: dict[str, Any] = {}
    if name is not None:
        fields["name"] = _clean_name(name)
    if description is not None:
        fields["description"] = description
    if anchor is not None:
        _check_anchor(anchor)
        fields["anchor"] = anchor
    if steps is not None:
        if milestones is None:
            milestones = list(template.milestones.values_list("title", flat=True))
        milestones = list(dict.fromkeys(m.strip() for m in milestones if m.strip()))
        validate_steps(steps, milestones)
    changed = save_versioned(template, version=version, fields=fields)
    if steps is not None:
        if not changed:
            bump_version(template, version=version)
        TemplateStep.objects.filter(template=template).delete()  # dependencies cascade
        TemplateMilestone.objects.filter(template=template).delete()
        _write_contents(template, steps, milestones or [])
    return template


@transaction.atomic
def template_delete(*, template: PlanTemplate, member: Membership) -> None:
    """An admin deletes a template; plans made from it keep their tasks. A deleted built-in
    copy comes back at the next `ensure_starter_templates`."""
    _check_admin(member, template.organization_id)
    template.delete()


def template_contents(template: PlanTemplate) -> tuple[list[StepInput], list[str]]:
    """A template's steps (keyed by their pk, in order) and milestone titles (in order), as the
    editor and `template_duplicate` start from. Three queries."""
    org_id = template.organization_id
    milestones = list(TemplateMilestone.objects.filter(organization_id=org_id, template=template)
                      .order_by("order", "id").values_list("pk", "title"))
    title_of = dict(milestones)
    depends: dict[int, dict[int, int]] = {}
    for step_id, prerequisite_id, lag in TemplateDependency.objects.filter(
        organization_id=org_id, step__template=template
    ).order_by("pk").values_list("step_id", "prerequisite_id", "lag_days"):
        depends.setdefault(step_id, {})[prerequisite_id] = lag
    steps = [
        StepInput(
            key=s.pk, title=s.title, side=s.side, owner_role=s.owner_role, duration_days=s.duration_days,
            offset_days=s.offset_days, milestone=title_of.get(s.milestone_id, ""), depends_on=depends.get(s.pk, {}),
            description=s.description, is_decision=s.is_decision,
        )
        for s in TemplateStep.objects.filter(organization_id=org_id, template=template).order_by("order", "id")
    ]
    return steps, [title for _pk, title in milestones]


@transaction.atomic
def template_duplicate(*, template: PlanTemplate, member: Membership, name: str = "") -> PlanTemplate:
    """An admin copies a template (a starter copy or their own) into a new template of their own,
    named "Copy of …" unless `name` is given; the original does not change."""
    _check_admin(member, template.organization_id)
    steps, milestones = template_contents(template)
    copy = PlanTemplate.objects.create(
        organization_id=template.organization_id,
        name=_clean_name(name or _("Copy of %(name)s") % {"name": template.name}),
        description=template.description, anchor=template.anchor, created_by=member.user,
    )
    _write_contents(copy, steps, milestones)
    return copy


def template_outline(template: PlanTemplate) -> dict:
    """A template as its read-only page shows it: numbered steps with their milestone, side,
    role, duration, offset and the steps they come after, the step count and the span in
    business days (scheduled back from today, as the start-plan choice counts it)."""
    steps, milestones = template_contents(template)
    number_of = {s.key: n for n, s in enumerate(steps, start=1)}
    sides, roles = dict(TaskSide.choices), dict(DecisionRole.choices)
    anchor = scheduling.WEEKDAYS.on_or_before(timezone.localdate())
    schedule = scheduling.schedule_backward(
        [scheduling.TemplateItem(s.key, s.duration_days, s.offset_days, s.depends_on) for s in steps],
        anchor=anchor, today=anchor,
    )
    span = scheduling.WEEKDAYS.between(schedule.earliest_start, anchor) + 1 if schedule.earliest_start else 0
    rows = [
        {
            "number": number_of[s.key], "title": s.title, "milestone": s.milestone, "side": s.side,
            "side_label": sides.get(s.side, s.side), "role": roles.get(s.owner_role, ""),
            "duration": s.duration_days, "offset": s.offset_days, "is_decision": s.is_decision,
            "after": [(number_of[p], by_title, lag) for p, lag in s.depends_on.items()
                      for by_title in [steps[number_of[p] - 1].title]],
        }
        for s in steps
    ]
    return {"steps": rows, "milestones": milestones, "step_count": len(rows), "business_days": span,
            "weeks": -(-span // 5), "too_many_steps": too_many_open_steps(len(rows))}


# How many open steps a plan should have ---------------------------------------------------

#: Past this many open steps the editors warn, gently: plans of 11–15 steps win most often,
#: and plans of more than 30 do no better than no plan at all (the issue's field data).
OPEN_STEPS_GENTLE_LIMIT = 20


def too_many_open_steps(count: int) -> bool:
    """Whether the step count deserves the gentle warning (plan page and template editor)."""
    return count > OPEN_STEPS_GENTLE_LIMIT


# Built-in starters -----------------------------------------------------------------------


def starter_inputs(starter: scheduling.Starter) -> tuple[list[StepInput], list[str]]:
    """A built-in starter's steps and milestone titles, ready for `_write_contents`."""
    steps = [
        StepInput(
            key=s.key, title=s.title, side=s.side, owner_role=role_value(s.role), duration_days=s.duration,
            offset_days=s.offset, milestone=s.milestone, depends_on=dict(s.depends_on), is_decision=s.decision,
        )
        for s in starter.steps
    ]
    return steps, list(dict.fromkeys(s.milestone for s in starter.steps if s.milestone))


@transaction.atomic
def ensure_starter_templates(*, organization: Organization) -> list[PlanTemplate]:
    """Give the organization its editable copy of each built-in starter it does not have yet
    (by `built_in_key`; idempotent, one query when all are there). Answers the copies made."""
    have = set(
        PlanTemplate.objects.filter(organization=organization).exclude(built_in_key="")
        .values_list("built_in_key", flat=True)
    )
    made = []
    for starter in scheduling.STARTERS:
        if starter.key in have:
            continue
        steps, milestones = starter_inputs(starter)
        validate_steps(steps, milestones)
        template = PlanTemplate.objects.create(
            organization=organization, name=starter.name, description=starter.description, anchor=starter.anchor,
            built_in_key=starter.key,
        )
        _write_contents(template, steps, milestones)
        made.append(template)
    return made


# A plan saved as a template ----------------------------------------------------------------


@transaction.atomic
def template_from_plan(*, plan: Plan, name: str, actor: Actor, description: str = "") -> PlanTemplate:
    """Save a plan's shape as a new template of its organization (any member who sees the plan).

    Internal tasks are left out: a template has no "internal" flag and plans made from it are
    shared with the buyer, so an internal item would become visible in the next deal room.
    Owners become their stakeholder's decision role (blank without one), durations come from
    duration_days, dependencies keep their lag, the plan's decision task stays the decision.
    The anchor is the latest due date: each dated step's offset is its business days before
    it, so a plan made from the template keeps the plan's spacing; the anchor is the go-live
    when some task is due after the plan's target decision date, else the decision.
    """
    name = _clean_name(name)
    org_id = plan.organization_id
    tasks = list(
        Task.objects.filter(organization_id=org_id, plan=plan, internal=False)
        .select_related("owner", "milestone").order_by("milestone__order", "milestone_id", "order", "id")
    )
    if not tasks:
        raise ValidationError(_("The plan has no items to make a template of."))
    ids = {t.pk for t in tasks}
    links = TaskDependency.objects.filter(organization_id=org_id, task_id__in=ids, prerequisite_id__in=ids)
    depends: dict[int, dict[int, int]] = {}
    for task_id, prerequisite_id, lag in links.values_list("task_id", "prerequisite_id", "lag_days"):
        depends.setdefault(task_id, {})[prerequisite_id] = min(lag, TEMPLATE_MAX_DAYS)
    dated = [t.due_date for t in tasks if t.due_date]
    last = max(dated) if dated else None
    anchor = (
        AnchorKind.GO_LIVE if last and plan.target_close_date and last > plan.target_close_date else AnchorKind.DECISION
    )
    milestones = list(dict.fromkeys(t.milestone.title.strip() for t in tasks if t.milestone and t.milestone.title.strip()))
    steps = []
    for t in tasks[:TEMPLATE_MAX_STEPS]:
        offset = scheduling.WEEKDAYS.between(t.due_date, last) if t.due_date and last else None
        steps.append(StepInput(
            key=t.pk, title=t.title, side=t.side, owner_role=t.owner.decision_role if t.owner else "",
            duration_days=min(t.duration_days, TEMPLATE_MAX_DAYS),
            offset_days=min(offset, TEMPLATE_MAX_DAYS) if offset is not None else None,
            milestone=t.milestone.title.strip() if t.milestone else "", description=t.description,
            depends_on={p: lag for p, lag in depends.get(t.pk, {}).items() if p in ids},
            is_decision=t.pk == plan.decision_task_id,
        ))
    kept = {s.key for s in steps}
    steps = [StepInput(**{**s.__dict__, "depends_on": {p: lag for p, lag in s.depends_on.items() if p in kept}})
             for s in steps]
    validate_steps(steps, milestones)
    template = PlanTemplate.objects.create(
        organization_id=org_id, name=name, description=description or _("Saved from the plan “%(plan)s”.") % {
            "plan": plan.title}, anchor=anchor, created_by=actor.user,
    )
    _write_contents(template, steps, milestones)
    return template


# A plan made from a template ---------------------------------------------------------------


@dataclass(frozen=True)
class UnmatchedRole:
    """A role of the template that no stakeholder of the deal has, and the steps it owns."""

    role: str
    label: str
    steps: list[str]


@dataclass(frozen=True)
class PlanFromTemplate:
    """What `plan_create_from_template` made: the plan, the roles left for the seller to
    assign, and whether the schedule fits between today and the anchor."""

    plan: Plan
    unmatched_roles: list[UnmatchedRole]
    missing_business_days: int
    anchor_that_fits: datetime.date
    earliest_start: datetime.date | None
    anchor_date: datetime.date | None = None
    task_count: int = 0

    @property
    def fits(self) -> bool:
        return self.missing_business_days == 0


@transaction.atomic
def plan_create_from_template(
    *, deal: Deal, template: PlanTemplate, anchor_date: datetime.date, actor: Actor,
    today: datetime.date | None = None, title: str = "",
) -> PlanFromTemplate:
    """Make the deal's (one) plan from a template, scheduled backwards from `anchor_date`
    over business days (plans.scheduling.schedule_backward): milestones, tasks with due
    dates, durations and sides, dependencies with their lags, the decision task.

    Each step's role goes to the deal's first stakeholder (by order) with that decision role;
    the roles nobody has are answered with their steps, for the seller to assign. When the
    schedule does not fit between today and the anchor, the plan is still made as computed
    (first items in the past, nothing compressed) and the answer says how many business days
    are missing. The anchor is the plan's go-live date or its target decision date, as the
    template says; the decision step's due date becomes the target decision date.
    A deal that has a plan already, or a template of another organization: ValidationError.
    """
    if template.organization_id != deal.organization_id:
        raise ValidationError(_("That template belongs to another organization."))
    if Plan.objects.filter(deal=deal).exists():
        raise ValidationError(_("This deal already has a plan."))
    if anchor_date is None:
        raise ValidationError({"anchor_date": _("Pick the date to plan back from.")})
    today = today or timezone.localdate()
    org_id = deal.organization_id
    steps = list(TemplateStep.objects.filter(organization_id=org_id, template=template).order_by("order", "id"))
    links = list(TemplateDependency.objects.filter(
        organization_id=org_id, step__template=template, prerequisite__template=template
    ))
    template_milestones = list(TemplateMilestone.objects.filter(organization_id=org_id, template=template))
    people = list(Stakeholder.objects.filter(organization_id=org_id, deal=deal).order_by("order", "id"))

    depends: dict[int, dict[int, int]] = {}
    for link in links:
        depends.setdefault(link.step_id, {})[link.prerequisite_id] = link.lag_days
    schedule = scheduling.schedule_backward(
        [scheduling.TemplateItem(s.pk, s.duration_days, s.offset_days, depends.get(s.pk, {})) for s in steps],
        anchor=anchor_date, today=today,
    )
    decision = next((s for s in steps if s.is_decision), None)
    decision_date = schedule.dates[decision.pk].due if decision else scheduling.WEEKDAYS.on_or_before(anchor_date)
    plan = Plan.objects.create(
        organization_id=org_id, deal=deal,
        title=title or _("Mutual Action Plan: %(company)s") % {"company": deal.buyer_company},
        target_close_date=decision_date if decision or template.anchor == AnchorKind.DECISION
        else deal.target_close_date,
        go_live_date=anchor_date if template.anchor == AnchorKind.GO_LIVE else None,
    )

    owner_by_role: dict[str, Stakeholder] = {}
    for person in people:
        if person.decision_role:
            owner_by_role.setdefault(person.decision_role, person)
    for role, fallback in ROLE_FALLBACKS.items():
        if role not in owner_by_role and fallback in owner_by_role:
            owner_by_role[role] = owner_by_role[fallback]
    unmatched: dict[str, list[str]] = {}
    for step in steps:
        if step.owner_role and step.owner_role not in owner_by_role:
            unmatched.setdefault(step.owner_role, []).append(step.title)

    step_milestone = {s.pk: s.milestone_id for s in steps}
    due_of = {s.pk: schedule.dates[s.pk].due for s in steps}
    milestone_due = scheduling.milestone_dates(due_of, step_milestone, [m.pk for m in template_milestones])
    milestones = Milestone.objects.bulk_create([
        Milestone(organization_id=org_id, plan=plan, title=m.title, target_date=milestone_due.get(m.pk), order=i)
        for i, m in enumerate(sorted(template_milestones, key=lambda m: (m.order, m.pk)), start=1)
    ])
    milestone_of = {m.pk: row for m, row in zip(
        sorted(template_milestones, key=lambda m: (m.order, m.pk)), milestones, strict=True)}
    tasks = Task.objects.bulk_create([
        Task(
            organization_id=org_id, plan=plan, milestone=milestone_of.get(s.milestone_id), title=s.title,
            description=s.description, side=s.side, owner=owner_by_role.get(s.owner_role), due_date=due_of[s.pk],
            duration_days=s.duration_days, order=i,
        )
        for i, s in enumerate(steps, start=1)
    ])
    task_of = {s.pk: t for s, t in zip(steps, tasks, strict=True)}
    TaskDependency.objects.bulk_create([
        TaskDependency(organization_id=org_id, task=task_of[link.step_id], prerequisite=task_of[link.prerequisite_id],
                       lag_days=link.lag_days)
        for link in links
    ])
    if decision is not None:
        plan.decision_task = task_of[decision.pk]
        Plan.objects.filter(pk=plan.pk).update(decision_task=plan.decision_task)
    record(plan=plan, actor=actor, verb="created", target=plan, changes={
        "template": (None, template.name), "anchor_date": (None, anchor_date),
        "target_close_date": (None, plan.target_close_date),
    })
    labels = dict(DecisionRole.choices)
    return PlanFromTemplate(
        plan=plan,
        unmatched_roles=[UnmatchedRole(role, str(labels.get(role, role)), titles) for role, titles in unmatched.items()],
        missing_business_days=schedule.missing_business_days,
        anchor_that_fits=schedule.anchor_that_fits,
        earliest_start=schedule.earliest_start,
        anchor_date=anchor_date,
        task_count=len(tasks),
    )


def templates_for(organization: Organization):
    """The organization's templates, by name (for the picker)."""
    return PlanTemplate.objects.for_org(organization).order_by("name", "id")


@dataclass(frozen=True)
class TemplateChoice:
    """A template as the start-plan choice describes it: how many steps, and how many
    business days its schedule spans from the first start to the anchor."""

    template: PlanTemplate
    steps: int
    business_days: int

    @property
    def weeks(self) -> int:
        return -(-self.business_days // 5)


def template_choices(*, organization: Organization, today: datetime.date | None = None) -> list[TemplateChoice]:
    """The organization's templates for the start-plan choice, the built-in starters made first
    (`ensure_starter_templates`). Four queries however many templates and steps there are."""
    ensure_starter_templates(organization=organization)
    templates = list(templates_for(organization))
    steps = TemplateStep.objects.filter(organization=organization).values_list("pk", "template_id", "duration_days",
                                                                               "offset_days")
    links = TemplateDependency.objects.filter(organization=organization).values_list("step_id", "prerequisite_id",
                                                                                    "lag_days")
    depends: dict[int, dict[int, int]] = {}
    for step_id, prerequisite_id, lag in links:
        depends.setdefault(step_id, {})[prerequisite_id] = lag
    items: dict[int, list[scheduling.TemplateItem]] = {}
    for pk, template_id, duration, offset in steps:
        items.setdefault(template_id, []).append(scheduling.TemplateItem(pk, duration, offset, depends.get(pk, {})))
    anchor = scheduling.WEEKDAYS.on_or_before(today or timezone.localdate())
    choices = []
    for template in templates:
        schedule = scheduling.schedule_backward(items.get(template.pk, []), anchor=anchor, today=anchor)
        span = scheduling.WEEKDAYS.between(schedule.earliest_start, anchor) + 1 if schedule.earliest_start else 0
        choices.append(TemplateChoice(template, len(items.get(template.pk, [])), span))
    return choices
