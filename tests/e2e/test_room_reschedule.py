"""The buyer moves their item later in the deal room; an item that depends on it must follow:
the row lists what also moves, the buyer confirms with the reason, and the dependant's date
changes on the page in place. A seller-internal dependant moves too, never shown."""

import datetime

import pytest
from django.core import mail
from playwright.sync_api import expect

from mapapp.models import Role
from plans import room_access
from plans.models import Slip, Task, TaskDependency, TaskSide
from tests import factories

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

D = datetime.date


def test_the_buyer_proposes_a_later_date_sees_what_also_moves_and_confirms(page):
    membership = factories.MembershipFactory(role=Role.SELLER, user__email="sam@acme.example", user__name="Sam Seller")
    deal = factories.DealFactory(organization=membership.organization, owner=membership.user, name="Northwind rollout")
    plan = factories.PlanFactory(deal=deal, organization=deal.organization, title="Northwind MAP")
    org = plan.organization
    buyer = factories.StakeholderFactory(deal=deal, name="Sarah Chen", email="sarah@northwind.example")
    questionnaire = factories.TaskFactory(plan=plan, organization=org, title="Security questionnaire",
                                          side=TaskSide.BUYER, owner=buyer, due_date=D(2027, 3, 1))
    review = factories.TaskFactory(plan=plan, organization=org, title="Security review", side=TaskSide.JOINT,
                                   due_date=D(2027, 3, 2))
    pricing = factories.TaskFactory(plan=plan, organization=org, title="Pricing approval", internal=True,
                                    due_date=D(2027, 3, 2))
    for dependant in (review, pricing):
        TaskDependency.objects.create(organization=org, task=dependant, prerequisite=questionnaire)
    _link, url = room_access.buyer_invite(stakeholder=buyer, invited_by=membership.user)
    mail.outbox.clear()

    page.goto(url[url.index("/r/"):])
    page.get_by_role("button", name="Open deal room").click()
    page.evaluate("window.__sameDocument = true")

    row = page.locator(f"#task-{questionnaire.public_id}")
    row.locator("summary", has_text="Propose new date").click()
    row.get_by_label("New due date").fill("2027-03-03")
    row.get_by_label("Why the date moves").fill("Our board meets on Wednesday")
    row.get_by_role("button", name="Move the date").click()

    moves = row.locator(".also-moves")
    expect(row).to_contain_text("also moves:")
    expect(moves.locator("li")).to_have_count(1)
    expect(moves).to_contain_text("Security review")
    assert "Pricing approval" not in page.content()
    expect(row.get_by_label("Why the dates move")).to_have_value("Our board meets on Wednesday")
    row.get_by_role("button", name="Move all").click()

    expect(page.locator(f"#task-{review.public_id} time.due")).to_have_attribute("datetime", "2027-03-04")
    expect(page.locator(f"#task-{questionnaire.public_id} time.due")).to_have_attribute("datetime", "2027-03-03")
    expect(row.locator(".also-moves")).to_have_count(0)
    assert page.evaluate("window.__sameDocument") is True
    assert dict(Task.objects.filter(plan=plan).values_list("title", "due_date")) == {
        "Security questionnaire": D(2027, 3, 3), "Security review": D(2027, 3, 4), "Pricing approval": D(2027, 3, 4)}
    assert set(Slip.objects.filter(plan=plan).values_list("reason", "side")) == {
        ("Our board meets on Wednesday", "buyer")}
