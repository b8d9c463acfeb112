"""Plan templates: the built-in starters per organization, admins' own templates, a plan saved
as a template, and plans made from a template by scheduling backwards from the anchor."""

import datetime
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.test import RequestFactory

from deals.models import DecisionRole, Side
from mapapp.models import Membership
from plans import plan_templates
from plans.access import get_template_for_member
from plans.activity import Actor
from plans.models import Activity, Milestone, Plan, PlanTemplate, Task, TaskDependency, TemplateStep
from plans.plan_templates import StepInput
from plans.scheduling import STARTERS
from tests import factories

D = datetime.date


@pytest.fixture
def admin_member(org, admin):
    return Membership.objects.get(organization=org, user=admin)


@pytest.fixture
def enterprise(org):
    plan_templates.ensure_starter_templates(organization=org)
    return PlanTemplate.objects.get(organization=org, built_in_key="enterprise_evaluation")


def person(deal, role, name, side=Side.BUYER, order=0):
    return factories.StakeholderFactory(deal=deal, organization=deal.organization, decision_role=role, name=name,
                                        side=side, order=order)


# Starters --------------------------------------------------------------------------------


def test_each_organization_gets_its_own_editable_copies_of_the_starters_once(org, outsider):
    other = outsider.memberships.get().organization
    made = plan_templates.ensure_starter_templates(organization=org)
    assert [t.built_in_key for t in made] == [s.key for s in STARTERS]
    assert plan_templates.ensure_starter_templates(organization=org) == []
    plan_templates.ensure_starter_templates(organization=other)
    assert PlanTemplate.objects.filter(organization=org).count() == 3
    assert PlanTemplate.objects.filter(organization=other).count() == 3
    steps = {t.built_in_key: t.steps.count() for t in PlanTemplate.objects.filter(organization=org)}
    assert steps == {"enterprise_evaluation": 8, "mid_market_deal": 6, "lite_plan": 5}
    # Every row of the copy carries the organization.
    assert not TemplateStep.objects.filter(template__organization=org).exclude(organization=org).exists()


def test_the_enterprise_copy_has_roles_as_decision_roles_and_one_decision(enterprise):
    steps = {s.title: s for s in enterprise.steps.all()}
    assert steps["Security review"].owner_role == DecisionRole.SECURITY
    assert steps["Business case to the CFO"].owner_role == DecisionRole.ECONOMIC_BUYER
    assert steps["Kickoff"].owner_role == DecisionRole.ACCOUNT_EXECUTIVE
    assert [s.title for s in steps.values() if s.is_decision] == ["Decision"]
    assert enterprise.anchor == "go_live"


# Plans from a template ----------------------------------------------------------------------

# The engine's hand calculation (tests/plans/test_scheduling_engine.py): anchor Fri 30 Apr 2027.
ENTERPRISE_DUE = {
    "Discovery": D(2027, 3, 9), "Technical deep dive": D(2027, 3, 23), "Security review": D(2027, 4, 8),
    "Business case to the CFO": D(2027, 4, 8), "Procurement": D(2027, 4, 22), "Legal review": D(2027, 4, 22),
    "Decision": D(2027, 4, 23), "Kickoff": D(2027, 4, 30),
}


def test_a_plan_from_the_enterprise_template_gets_the_hand_calculated_dates_and_its_structure(
    deal, enterprise, seller
):
    result = plan_templates.plan_create_from_template(
        deal=deal, template=enterprise, anchor_date=D(2027, 4, 30), actor=Actor(user=seller), today=D(2027, 2, 15)
    )
    plan = result.plan
    assert result.fits and result.missing_business_days == 0 and result.earliest_start == D(2027, 3, 3)
    tasks = {t.title: t for t in Task.objects.filter(plan=plan)}
    assert {title: t.due_date for title, t in tasks.items()} == ENTERPRISE_DUE
    assert tasks["Technical deep dive"].duration_days == 10 and tasks["Decision"].duration_days == 1
    assert tasks["Security review"].side == "buyer" and tasks["Discovery"].side == "joint"
    # Go-live anchored: the go-live is the anchor, the decision step's date the target.
    assert (plan.go_live_date, plan.target_close_date, plan.decision_task) == (
        D(2027, 4, 30), D(2027, 4, 23), tasks["Decision"])
    lags = {(d.task.title, d.prerequisite.title): d.lag_days for d in TaskDependency.objects.filter(task__plan=plan)}
    assert lags[("Security review", "Technical deep dive")] == 2 and lags[("Kickoff", "Decision")] == 4
    assert len(lags) == 8
    # Milestones follow their latest task.
    assert dict(Milestone.objects.filter(plan=plan).values_list("title", "target_date")) == {
        "Evaluation": D(2027, 3, 23), "Validation": D(2027, 4, 8), "Commercials": D(2027, 4, 22),
        "Decision": D(2027, 4, 30)}
    assert list(Milestone.objects.filter(plan=plan).values_list("title", flat=True)) == [
        "Evaluation", "Validation", "Commercials", "Decision"]
    activity = Activity.objects.get(plan=plan)
    assert activity.verb == "created" and activity.changes["template"] == [None, "Enterprise software evaluation"]
    assert not Task.objects.filter(plan=plan).exclude(organization=deal.organization).exists()


def test_roles_go_to_the_first_stakeholder_with_that_decision_role_and_the_rest_are_answered(
    deal, enterprise, seller
):
    person(deal, DecisionRole.CHAMPION, "Chen", order=1)
    second = person(deal, DecisionRole.TECHNICAL_EVALUATOR, "Second", order=3)
    first = person(deal, DecisionRole.TECHNICAL_EVALUATOR, "First", order=2)
    person(deal, DecisionRole.ECONOMIC_BUYER, "CFO", order=4)
    ae = person(deal, DecisionRole.ACCOUNT_EXECUTIVE, "Sam", side=Side.SELLER, order=5)
    result = plan_templates.plan_create_from_template(
        deal=deal, template=enterprise, anchor_date=D(2027, 4, 30), actor=Actor(user=seller), today=D(2027, 2, 15)
    )
    owners = {t.title: t.owner for t in Task.objects.filter(plan=result.plan).select_related("owner")}
    # No security lead on this deal: the security review goes to the technical evaluator.
    assert owners["Technical deep dive"] == first and owners["Security review"] == first
    assert second not in owners.values()
    assert owners["Kickoff"] == ae and owners["Discovery"].name == "Chen"
    assert owners["Legal review"] is None
    assert [(u.role, u.label, u.steps) for u in result.unmatched_roles] == [
        ("procurement", "Procurement", ["Procurement"]),
        ("legal", "Legal", ["Legal review"]),
        ("decision_maker", "Decision maker", ["Decision"]),
    ]


def test_a_named_security_lead_takes_the_security_review(deal, enterprise, seller):
    evaluator = person(deal, DecisionRole.TECHNICAL_EVALUATOR, "Eva", order=1)
    lead = person(deal, DecisionRole.SECURITY, "Sid", order=2)
    result = plan_templates.plan_create_from_template(
        deal=deal, template=enterprise, anchor_date=D(2027, 4, 30), actor=Actor(user=seller), today=D(2027, 2, 15)
    )
    owners = {t.title: t.owner for t in Task.objects.filter(plan=result.plan).select_related("owner")}
    assert owners["Security review"] == lead and owners["Technical deep dive"] == evaluator


def test_with_neither_the_security_role_is_left_for_the_seller_to_assign(deal, enterprise, seller):
    result = plan_templates.plan_create_from_template(
        deal=deal, template=enterprise, anchor_date=D(2027, 4, 30), actor=Actor(user=seller), today=D(2027, 2, 15)
    )
    assert ("security", "Security lead", ["Security review"]) in [
        (u.role, u.label, u.steps) for u in result.unmatched_roles]


def test_an_anchor_too_close_makes_the_plan_anyway_and_says_how_many_business_days_are_missing(
    deal, enterprise, seller
):
    # Today Mon 8 Mar 2027; discovery would start Wed 3 Mar: Thu 4, Fri 5, Mon 8 = 3 days missing.
    result = plan_templates.plan_create_from_template(
        deal=deal, template=enterprise, anchor_date=D(2027, 4, 30), actor=Actor(user=seller), today=D(2027, 3, 8)
    )
    assert not result.fits and result.missing_business_days == 3
    assert result.anchor_that_fits == D(2027, 5, 5)
    # Not compressed: the same dates as when it fits.
    assert dict(Task.objects.filter(plan=result.plan).values_list("title", "due_date")) == ENTERPRISE_DUE


def test_a_decision_anchored_template_puts_its_decision_on_the_anchor(deal, org, seller):
    plan_templates.ensure_starter_templates(organization=org)
    lite = PlanTemplate.objects.get(organization=org, built_in_key="lite_plan")
    # Sunday 2 May 2027: the business day before is Fri 30 Apr.
    result = plan_templates.plan_create_from_template(
        deal=deal, template=lite, anchor_date=D(2027, 5, 2), actor=Actor(user=seller), today=D(2027, 1, 4)
    )
    assert result.plan.target_close_date == D(2027, 4, 30) and result.plan.go_live_date is None
    assert dict(Task.objects.filter(plan=result.plan).values_list("title", "due_date")) == {
        "Intro and goals": D(2027, 4, 15), "Demo": D(2027, 4, 20), "Proposal": D(2027, 4, 22),
        "Internal review and approval": D(2027, 4, 29), "Decision": D(2027, 4, 30)}


def test_a_deal_with_a_plan_gets_no_second_one(plan, enterprise, seller):
    with pytest.raises(ValidationError):
        plan_templates.plan_create_from_template(
            deal=plan.deal, template=enterprise, anchor_date=D(2027, 4, 30), actor=Actor(user=seller)
        )
    assert Plan.objects.count() == 1 and Task.objects.count() == 0


def test_another_organizations_template_is_refused(deal, outsider, seller):
    other = outsider.memberships.get().organization
    plan_templates.ensure_starter_templates(organization=other)
    theirs = PlanTemplate.objects.filter(organization=other).first()
    with pytest.raises(ValidationError):
        plan_templates.plan_create_from_template(deal=deal, template=theirs, anchor_date=D(2027, 4, 30),
                                                 actor=Actor(user=seller))
    assert not Plan.objects.exists()


# Admins' templates -----------------------------------------------------------------------------


STEPS = [
    StepInput(key="a", title="Kick-off", side="joint", owner_role="champion", duration_days=1),
    StepInput(key="b", title="Pilot", side="buyer", owner_role="user", duration_days=10, depends_on={"a": 1},
              milestone="Pilot"),
    StepInput(key="c", title="Sign", side="buyer", owner_role="decision_maker", duration_days=1, offset_days=0,
              depends_on={"b": 0}, is_decision=True),
]


def test_an_admin_creates_and_edits_a_template(org, admin_member):
    template = plan_templates.template_create(organization=org, member=admin_member, name=" Pilot first ",
                                              steps=STEPS, milestones=["Pilot"])
    assert template.name == "Pilot first" and template.steps.count() == 3
    pilot = template.steps.get(title="Pilot")
    assert pilot.milestone.title == "Pilot" and pilot.prerequisite_links.get().lag_days == 1
    plan_templates.template_update(template=template, member=admin_member, version=1, name="Pilot", steps=STEPS[:1])
    template.refresh_from_db()
    assert (template.name, template.version, template.steps.count()) == ("Pilot", 2, 1)
    from mapapp.concurrency import StaleEdit

    with pytest.raises(StaleEdit):
        plan_templates.template_update(template=template, member=admin_member, version=1, name="Old")
    plan_templates.template_delete(template=template, member=admin_member)
    assert not PlanTemplate.objects.exists() and not TemplateStep.objects.exists()


def test_a_seller_cannot_create_templates_nor_an_admin_of_another_organization(org, seller, outsider):
    member = Membership.objects.get(organization=org, user=seller)
    with pytest.raises(PermissionDenied):
        plan_templates.template_create(organization=org, member=member, name="Mine", steps=STEPS[:1])
    with pytest.raises(PermissionDenied):
        plan_templates.template_create(organization=org, member=outsider.memberships.get(), name="X",
                                       steps=STEPS[:1])
    assert not PlanTemplate.objects.exists()


def test_a_cycle_is_refused_naming_it(org, admin_member):
    steps = [StepInput(key="a", title="Security review", depends_on={"b": 0}),
             StepInput(key="b", title="Architecture document", depends_on={"a": 0})]
    with pytest.raises(ValidationError) as error:
        plan_templates.template_create(organization=org, member=admin_member, name="Loop", steps=steps)
    assert "Security review → Architecture document → Security review" in error.value.messages[0]
    assert not PlanTemplate.objects.exists()


@pytest.mark.parametrize("step", [
    StepInput(key="a", title="Long", duration_days=251),
    StepInput(key="a", title="Offset", offset_days=-1),
    StepInput(key="a", title="Lag", depends_on={"b": 300}),
    StepInput(key="a", title="Self", depends_on={"a": 0}),
    StepInput(key="a", title="Role", owner_role="astronaut"),
    StepInput(key="a", title=" "),
])
def test_out_of_range_or_unknown_values_are_refused(org, admin_member, step):
    with pytest.raises(ValidationError):
        plan_templates.template_create(organization=org, member=admin_member, name="Bad",
                                       steps=[step, StepInput(key="b", title="B")])


def test_more_than_60_steps_are_refused(org, admin_member):
    steps = [StepInput(key=i, title=f"Step {i}") for i in range(61)]
    with pytest.raises(ValidationError):
        plan_templates.template_create(organization=org, member=admin_member, name="Long", steps=steps)
    assert plan_templates.template_create(organization=org, member=admin_member, name="Long", steps=steps[:60])


# A plan saved as a template --------------------------------------------------------------------


def test_a_plan_saved_as_a_template_makes_the_same_plan_again(deal, enterprise, seller, org):
    cfo = person(deal, DecisionRole.ECONOMIC_BUYER, "CFO")
    made = plan_templates.plan_create_from_template(
        deal=deal, template=enterprise, anchor_date=D(2027, 4, 30), actor=Actor(user=seller), today=D(2027, 2, 15)
    )
    internal = factories.TaskFactory(plan=made.plan, organization=org, title="Deal desk approval", internal=True)
    assert internal.pk
    saved = plan_templates.template_from_plan(plan=made.plan, name="Our enterprise way", actor=Actor(user=seller))
    assert saved.anchor == "go_live" and saved.created_by == seller and saved.built_in_key == ""
    steps = {s.title: s for s in saved.steps.all()}
    assert "Deal desk approval" not in steps
    assert steps["Business case to the CFO"].owner_role == cfo.decision_role
    assert steps["Procurement"].owner_role == ""  # nobody owned it
    assert steps["Decision"].is_decision and steps["Security review"].duration_days == 10
    # Made again on another deal, from another anchor a week later: every date a week later.
    other = factories.DealFactory(organization=org, owner=seller)
    again = plan_templates.plan_create_from_template(
        deal=other, template=saved, anchor_date=D(2027, 5, 7), actor=Actor(user=seller), today=D(2027, 2, 15)
    )
    dates = dict(Task.objects.filter(plan=again.plan).values_list("title", "due_date"))
    assert dates == {title: due + datetime.timedelta(days=7) for title, due in ENTERPRISE_DUE.items()}


# Access -------------------------------------------------------------------------------------------


def _request(user):
    request = RequestFactory().get("/")
    membership = user.memberships.select_related("organization").get()
    request.user, request.membership, request.organization = user, membership, membership.organization
    return request


def test_a_member_gets_their_organizations_template_and_an_outsider_a_404(enterprise, seller, outsider):
    assert get_template_for_member(_request(seller), enterprise.public_id) == enterprise
    with pytest.raises(Http404):
        get_template_for_member(_request(outsider), enterprise.public_id)
    with pytest.raises(Http404):
        get_template_for_member(_request(seller), uuid.uuid4())
