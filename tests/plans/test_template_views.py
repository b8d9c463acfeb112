"""Starting a plan in the browser (blank or from a template, scheduled back from an anchor
date) and saving a plan as a template (plans.views.plan_create, plan_save_as_template)."""

import datetime
import html

import pytest
from django.urls import reverse
from django.utils import formats, timezone

from deals.models import DecisionRole
from plans import plan_templates, scheduling
from plans.activity import Actor
from plans.models import Milestone, Plan, PlanTemplate, Task, TaskDependency
from tests import factories
from tests.conftest import login

D = datetime.date
WEEKDAYS = scheduling.WEEKDAYS


def create_url(deal):
    return reverse("plans:create", kwargs={"deal_id": deal.public_id})


def save_url(plan):
    return reverse("plans:save-as-template", kwargs={"plan_id": plan.public_id})


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def starters(org):
    plan_templates.ensure_starter_templates(organization=org)
    return {t.built_in_key: t for t in PlanTemplate.objects.filter(organization=org)}


# The enterprise starter's hand calculation (tests/plans/test_scheduling_engine.py) is for an
# anchor on Fri 30 Apr 2027; whole weeks later keep every weekday, so the test moves it into
# the future by whole weeks and expects the same dates as many weeks later.
HAND_ANCHOR = D(2027, 4, 30)
HAND_DUE = {
    "Discovery": D(2027, 3, 9), "Technical deep dive": D(2027, 3, 23), "Security review": D(2027, 4, 8),
    "Business case to the CFO": D(2027, 4, 8), "Procurement": D(2027, 4, 22), "Legal review": D(2027, 4, 22),
    "Decision": D(2027, 4, 23), "Kickoff": D(2027, 4, 30),
}
HAND_MILESTONES = {"Evaluation": D(2027, 3, 23), "Validation": D(2027, 4, 8), "Commercials": D(2027, 4, 22),
                   "Decision": D(2027, 4, 30)}


def weeks_ahead() -> datetime.timedelta:
    """Whole weeks that put the hand-calculated plan (starting 3 Mar 2027) after today."""
    today = timezone.localdate()
    weeks = max(0, (today - D(2027, 3, 3)).days // 7 + 1)
    return datetime.timedelta(weeks=weeks)


# The choice ----------------------------------------------------------------------------------


def test_the_deal_page_offers_a_blank_plan_and_the_built_in_templates_with_their_facts(client, seller, deal):
    response = login(client, seller).get(reverse("deals:detail", kwargs={"deal_id": deal.public_id}))
    page = text(response)
    assert response.status_code == 200
    assert "Start a blank plan" in page
    assert PlanTemplate.objects.filter(organization=deal.organization).count() == 3
    assert "Enterprise software evaluation" in page and "Mid-market deal" in page and "Lite plan (one page)" in page
    # Enterprise: 8 steps from the discovery's start (Wed 3 Mar) to the go-live (Fri 30 Apr).
    span = WEEKDAYS.between(D(2027, 3, 3), HAND_ANCHOR) + 1
    assert f"8 steps over {span} business days (about 9 weeks)" in page
    assert "planned back from the go-live date" in page and "planned back from the decision date" in page
    assert '<label for="anchor-' in page and ">Go-live date</label>" in page and ">Decision date</label>" in page


def test_a_decision_date_is_prefilled_from_the_deals_target_close_date_and_a_go_live_is_not(
    client, seller, deal, starters
):
    page = text(login(client, seller).get(create_url(deal)))
    target = deal.target_close_date.isoformat()
    mid = starters["mid_market_deal"].public_id
    enterprise = starters["enterprise_evaluation"].public_id
    assert f'id="anchor-{mid}" value="{target}"' in page
    assert f'id="anchor-{enterprise}" value=""' in page


def test_the_choice_costs_the_same_queries_however_many_templates_there_are(
    client, seller, deal, starters, admin, django_assert_num_queries
):
    login(client, seller)
    client.get(create_url(deal))
    # session, user, membership, deal, plan of the deal; the starters' check (in a savepoint:
    # 3); templates, dependencies, steps
    with django_assert_num_queries(11):
        assert client.get(create_url(deal)).status_code == 200
    for i in range(5):
        plan_templates.template_from_plan(plan=_small_plan(deal.organization, seller), name=f"Mine {i}",
                                          actor=Actor(user=admin))
    with django_assert_num_queries(11):
        page = text(client.get(create_url(deal)))
    assert "Mine 4" in page


def _small_plan(org, seller):
    deal = factories.DealFactory(organization=org, owner=seller)
    plan = factories.PlanFactory(deal=deal, organization=org)
    first = factories.TaskFactory(plan=plan, organization=org, title="Demo", due_date=D(2027, 1, 4))
    second = factories.TaskFactory(plan=plan, organization=org, title="Trial", due_date=D(2027, 1, 11))
    TaskDependency.objects.create(organization=org, task=second, prerequisite=first)
    return plan


# Starting -----------------------------------------------------------------------------------


def test_a_blank_plan_still_starts_without_a_template(client, seller, deal):
    response = login(client, seller).post(create_url(deal))
    plan = Plan.objects.get(deal=deal)
    assert response.status_code == 302
    assert response["Location"] == reverse("plans:detail", kwargs={"plan_id": plan.public_id})
    assert not Task.objects.filter(plan=plan).exists()


def test_a_plan_from_the_enterprise_template_gets_the_hand_calculated_milestones_tasks_and_dates(
    client, seller, deal, starters
):
    shift = weeks_ahead()
    anchor = HAND_ANCHOR + shift
    enterprise = starters["enterprise_evaluation"]
    response = login(client, seller).post(
        create_url(deal), {"template": enterprise.public_id, "anchor_date": anchor.isoformat()}, follow=True
    )
    plan = Plan.objects.get(deal=deal)
    assert response.redirect_chain[-1][0] == reverse("plans:detail", kwargs={"plan_id": plan.public_id})
    tasks = dict(Task.objects.filter(plan=plan).values_list("title", "due_date"))
    assert tasks == {title: due + shift for title, due in HAND_DUE.items()}
    assert dict(Milestone.objects.filter(plan=plan).values_list("title", "target_date")) == {
        title: due + shift for title, due in HAND_MILESTONES.items()}
    assert (plan.go_live_date, plan.target_close_date) == (anchor, D(2027, 4, 23) + shift)
    assert TaskDependency.objects.filter(task__plan=plan).count() == 8
    page = text(response)
    assert (f"The plan is started from “Enterprise software evaluation”: 8 tasks scheduled back from "
            f"{formats.date_format(anchor)}.") in page
    assert "business days are missing" not in page
    # The tasks are on the page with their dates.
    assert "Security review" in page and "Business case to the CFO" in page


def test_roles_nobody_has_are_named_with_the_steps_that_need_an_owner(client, seller, deal, buyer, starters):
    buyer.decision_role = DecisionRole.CHAMPION
    buyer.save()
    factories.StakeholderFactory(deal=deal, decision_role=DecisionRole.ECONOMIC_BUYER, name="Cara CFO", order=2)
    anchor = HAND_ANCHOR + weeks_ahead()
    response = login(client, seller).post(
        create_url(deal), {"template": starters["enterprise_evaluation"].public_id, "anchor_date": anchor.isoformat()},
        follow=True,
    )
    page = text(response)
    assert "No stakeholder has these roles yet, so these steps need an owner:" in page
    assert "<strong>Technical evaluator</strong>: Technical deep dive" in page
    assert "<strong>Security lead</strong>: Security review" in page
    assert "<strong>Legal</strong>: Legal review" in page
    assert "<strong>Account executive</strong>: Kickoff" in page
    assert "Economic buyer</strong>" not in page and "Champion</strong>" not in page
    plan = Plan.objects.get(deal=deal)
    assert f'href="{reverse("plans:detail", kwargs={"plan_id": plan.public_id})}#stakeholders"' in page
    assert 'id="stakeholders"' in page
    owners = dict(Task.objects.filter(plan=plan).values_list("title", "owner__name"))
    assert owners["Business case to the CFO"] == "Cara CFO" and owners["Legal review"] is None
    # Shown once: the next visit has no notice.
    assert "need an owner" not in text(client.get(response.redirect_chain[-1][0]))


def test_a_plan_that_does_not_fit_is_made_anyway_and_says_how_many_business_days_are_missing(
    client, seller, deal, starters
):
    today = timezone.localdate()
    anchor = WEEKDAYS.add(WEEKDAYS.on_or_after(today), 20)
    response = login(client, seller).post(
        create_url(deal), {"template": starters["enterprise_evaluation"].public_id, "anchor_date": anchor.isoformat()},
        follow=True,
    )
    expected = scheduling.schedule_backward(
        scheduling.template_items(scheduling.STARTERS[0].steps), anchor=anchor, today=today
    )
    assert expected.missing_business_days > 0
    page = text(response)
    assert (f"{expected.missing_business_days} business days are missing: the earliest start was "
            f"{formats.date_format(expected.earliest_start)}; the anchor that fits is "
            f"{formats.date_format(expected.anchor_that_fits)}.") in page
    plan = Plan.objects.get(deal=deal)
    # Not compressed: the first task starts before today as computed.
    assert Task.objects.get(plan=plan, title="Discovery").due_date == expected.dates["discovery"].due
    assert Task.objects.filter(plan=plan).count() == 8


def test_a_mid_market_plan_puts_its_decision_on_the_anchor_date(client, seller, deal, starters):
    anchor = WEEKDAYS.on_or_after(timezone.localdate() + datetime.timedelta(days=70))
    login(client, seller).post(
        create_url(deal), {"template": starters["mid_market_deal"].public_id, "anchor_date": anchor.isoformat()}
    )
    plan = Plan.objects.get(deal=deal)
    assert plan.target_close_date == anchor and plan.decision_task.due_date == anchor


def test_with_htmx_the_answer_redirects_the_browser(client, seller, deal, starters):
    anchor = HAND_ANCHOR + weeks_ahead()
    response = login(client, seller).post(
        create_url(deal), {"template": starters["lite_plan"].public_id, "anchor_date": anchor.isoformat()},
        HTTP_HX_REQUEST="true",
    )
    plan = Plan.objects.get(deal=deal)
    assert response["HX-Redirect"] == reverse("plans:detail", kwargs={"plan_id": plan.public_id})


def test_a_deal_with_a_plan_opens_it_instead_of_the_choice(client, seller, plan, starters):
    login(client, seller)
    detail = reverse("plans:detail", kwargs={"plan_id": plan.public_id})
    assert client.get(create_url(plan.deal))["Location"] == detail
    response = client.post(create_url(plan.deal), {"template": starters["lite_plan"].public_id,
                                                   "anchor_date": "2099-01-01"})
    assert response["Location"] == detail
    assert not Task.objects.filter(plan=plan).exists()


# Refusals ----------------------------------------------------------------------------------


def test_another_organizations_template_answers_404_and_makes_nothing(client, seller, deal, outsider):
    other = outsider.memberships.get().organization
    plan_templates.ensure_starter_templates(organization=other)
    theirs = PlanTemplate.objects.filter(organization=other).first()
    response = login(client, seller).post(create_url(deal), {"template": theirs.public_id,
                                                             "anchor_date": "2099-01-02"})
    assert response.status_code == 404
    assert not Plan.objects.filter(deal=deal).exists()


def test_an_outsider_cannot_start_a_plan_on_our_deal_from_their_template(client, outsider, deal):
    other = outsider.memberships.get().organization
    plan_templates.ensure_starter_templates(organization=other)
    theirs = PlanTemplate.objects.filter(organization=other).first()
    login(client, outsider)
    assert client.get(create_url(deal)).status_code == 404
    assert client.post(create_url(deal), {"template": theirs.public_id, "anchor_date": "2099-01-02"}).status_code == 404
    assert not Plan.objects.filter(deal=deal).exists()


@pytest.mark.parametrize(("anchor", "message"), [
    ("", "Pick the date to plan back from."),
    ("yesterday", "That date has passed: pick today or a later date."),
    ("31.02.2027x", "Enter a valid date."),
])
def test_a_missing_past_or_invalid_date_is_refused_with_a_message_and_makes_nothing(
    client, seller, deal, starters, anchor, message
):
    if anchor == "yesterday":
        anchor = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    enterprise = starters["enterprise_evaluation"]
    response = login(client, seller).post(create_url(deal), {"template": enterprise.public_id, "anchor_date": anchor})
    assert response.status_code == 400
    page = text(response)
    assert message in page
    # The error sits in the chosen template's form, which keeps what was typed.
    assert f'id="anchor-{enterprise.public_id}" value="{anchor}"' in page
    assert 'aria-invalid="true"' in page
    assert not Plan.objects.filter(deal=deal).exists()


def test_a_template_id_that_is_not_one_is_refused(client, seller, deal, starters):
    response = login(client, seller).post(create_url(deal), {"template": "nope", "anchor_date": "2099-01-02"})
    assert response.status_code == 400 and "Enter a valid UUID." in text(response)
    assert not Plan.objects.filter(deal=deal).exists()


def test_today_is_a_valid_anchor(client, seller, deal, starters):
    today = timezone.localdate()
    response = login(client, seller).post(
        create_url(deal), {"template": starters["lite_plan"].public_id, "anchor_date": today.isoformat()}, follow=True
    )
    assert Plan.objects.filter(deal=deal).exists()
    assert "business days are missing" in text(response)


# Saving a plan as a template ------------------------------------------------------------------


def test_save_as_template_asks_for_a_name_and_confirmation(client, seller, plan):
    factories.TaskFactory(plan=plan, organization=plan.organization, title="Demo")
    detail = text(login(client, seller).get(reverse("plans:detail", kwargs={"plan_id": plan.public_id})))
    assert f'href="{save_url(plan)}"' in detail and "Save as template" in detail
    page = text(client.get(save_url(plan)))
    assert "Save this plan as a template?" in page and "Its 1 item becomes a step" in page
    assert f'value="{plan.title}"' in page
    assert not PlanTemplate.objects.filter(organization=plan.organization).exists()


def test_save_as_template_needs_a_name_and_items(client, seller, plan):
    login(client, seller)
    response = client.post(save_url(plan), {"name": "Ours"})
    assert response.status_code == 400 and "The plan has no items to make a template of." in text(response)
    factories.TaskFactory(plan=plan, organization=plan.organization, title="Demo")
    response = client.post(save_url(plan), {"name": "  "})
    assert response.status_code == 400 and "Give the template a name." in text(response)
    assert not PlanTemplate.objects.filter(organization=plan.organization).exists()


def test_a_plan_saved_as_a_template_is_offered_and_makes_the_same_plan_again(client, seller, deal, org, buyer):
    anchor = HAND_ANCHOR + weeks_ahead()
    login(client, seller)
    plan_templates.ensure_starter_templates(organization=org)
    enterprise = PlanTemplate.objects.get(organization=org, built_in_key="enterprise_evaluation")
    client.post(create_url(deal), {"template": enterprise.public_id, "anchor_date": anchor.isoformat()})
    plan = Plan.objects.get(deal=deal)

    response = client.post(save_url(plan), {"name": "Northwind way", "description": "What worked"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("plans:detail", kwargs={"plan_id": plan.public_id})
    assert "Saved as the template “Northwind way”. It is offered when you start a plan." in text(response)
    template = PlanTemplate.objects.get(organization=org, name="Northwind way")
    assert (template.description, template.anchor, template.created_by) == ("What worked", "go_live", seller)

    other_deal = factories.DealFactory(organization=org, owner=seller)
    choice = text(client.get(create_url(other_deal)))
    assert "Northwind way" in choice and f'value="{template.public_id}"' in choice
    client.post(create_url(other_deal), {"template": template.public_id, "anchor_date": anchor.isoformat()})
    again = Plan.objects.get(deal=other_deal)
    assert dict(Task.objects.filter(plan=again).values_list("title", "due_date")) == dict(
        Task.objects.filter(plan=plan).values_list("title", "due_date"))
    assert TaskDependency.objects.filter(task__plan=again).count() == 8


def test_a_colleague_without_the_deal_and_an_outsider_get_404_and_save_nothing(
    client, other_seller, outsider, plan
):
    factories.TaskFactory(plan=plan, organization=plan.organization, title="Demo")
    for user in (other_seller, outsider):
        login(client, user)
        assert client.get(save_url(plan)).status_code == 404
        assert client.post(save_url(plan), {"name": "Stolen"}).status_code == 404
    assert not PlanTemplate.objects.filter(name="Stolen").exists()


def test_a_manager_may_save_a_plan_they_see_as_a_template(client, manager, plan):
    factories.TaskFactory(plan=plan, organization=plan.organization, title="Demo")
    response = login(client, manager).post(save_url(plan), {"name": "Manager's pick"})
    assert response.status_code == 302
    assert PlanTemplate.objects.filter(organization=plan.organization, name="Manager's pick").exists()
