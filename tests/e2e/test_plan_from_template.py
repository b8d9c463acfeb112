"""A seller starts a plan from the enterprise template in the browser: the steps come back
scheduled from the go-live date, and the plan page names the roles nobody has yet."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from deals.models import DecisionRole
from mapapp.models import Role
from plans.models import Plan, Task
from plans.scheduling import WEEKDAYS
from tests import factories

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_seller_starts_a_plan_from_the_enterprise_template(page):
    seller = factories.MembershipFactory(
        role=Role.SELLER, user__email="sam@acme.example", user__name="Sam Seller"
    ).user
    deal = factories.DealFactory(organization=seller.memberships.get().organization, owner=seller,
                                 name="Northwind analytics rollout", buyer_company="Northwind Traders")
    factories.StakeholderFactory(deal=deal, name="Sarah Chen", decision_role=DecisionRole.CHAMPION)
    # A go-live far enough ahead for the nine weeks of the template.
    go_live = WEEKDAYS.on_or_after(datetime.date.today() + datetime.timedelta(days=120))

    page.goto("/login/")
    page.get_by_label("E-mail").fill(seller.email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/deals/$"))
    page.get_by_role("link", name="Northwind analytics rollout").first.click()

    choice = page.locator(".start-choice", has=page.get_by_role("heading", name="Enterprise software evaluation"))
    expect(choice).to_contain_text("8 steps over")
    choice.get_by_label("Go-live date").fill(go_live.isoformat())
    choice.get_by_role("button", name="Start from this template").click()

    expect(page).to_have_url(re.compile(r"/plans/[0-9a-f-]{36}/$"))
    expect(page.locator(".messages")).to_contain_text("8 tasks scheduled back from")
    notice = page.locator(".template-notice")
    expect(notice).to_contain_text("No stakeholder has these roles yet")
    expect(notice).to_contain_text("Technical evaluator: Technical deep dive")
    expect(notice).to_contain_text("Security lead: Security review")
    expect(notice).to_contain_text("Legal: Legal review")
    expect(notice).not_to_contain_text("business days are missing")

    plan = Plan.objects.get(deal=deal)
    kickoff = Task.objects.get(plan=plan, title="Kickoff")
    assert kickoff.due_date == go_live
    for task in Task.objects.filter(plan=plan):
        row = page.locator(f"#task-{task.public_id}")
        expect(row).to_contain_text(task.title)
        expect(row.locator("time.due")).to_have_attribute("datetime", task.due_date.isoformat())
    # The link goes to the stakeholders, where the missing people are added.
    notice.get_by_role("link", name=re.compile("Add the people")).click()
    expect(page.locator("#stakeholders")).to_be_in_viewport()
