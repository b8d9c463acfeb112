"""The buyer accepts the plan in the deal room in a real browser: the call to action goes, the
room and the seller's plan page say who agreed, and the deal owner gets an e-mail. Then the
seller moves a committed date inline and the agreement card shows the difference, no reload."""

import datetime
import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from mapapp.models import Role
from plans import room_access
from plans.models import Plan, PlanStatus, TaskSide
from tests import factories

from .test_build_a_plan import sign_in, task_row

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_buyer_accepts_the_plan_and_both_sides_see_who_agreed(page, browser, live_server):
    membership = factories.MembershipFactory(role=Role.SELLER, user__email="sam@acme.example", user__name="Sam Seller")
    deal = factories.DealFactory(organization=membership.organization, owner=membership.user, name="Northwind rollout")
    plan = factories.PlanFactory(deal=deal, organization=deal.organization, title="Northwind MAP")
    buyer = factories.StakeholderFactory(deal=deal, name="Sarah Chen", title="VP Operations",
                                         email="sarah@northwind.example")
    factories.TaskFactory(plan=plan, organization=plan.organization, title="Legal review", side=TaskSide.BUYER,
                          owner=buyer, due_date=datetime.date(2027, 5, 18))
    _link, url = room_access.buyer_invite(stakeholder=buyer, invited_by=membership.user)
    mail.outbox.clear()

    buyer_context = browser.new_context(base_url=live_server.url)
    try:
        room = buyer_context.new_page()
        room.set_default_timeout(10_000)
        room.goto(url[url.index("/r/"):])
        room.get_by_role("button", name="Open deal room").click()
        card = room.locator("#room-agreement")
        expect(card.get_by_role("heading", name="Accept this plan")).to_be_visible()
        expect(card).to_contain_text("not a contract")
        card.get_by_role("button", name="Accept this plan").click()
        expect(room).to_have_url(re.compile(rf"/room/{plan.public_id}/#room-agreement$"))
        expect(room.locator("#room-agreement")).to_contain_text(
            re.compile(r"Agreed by Sarah Chen, VP Operations, on [\w.]+ \d+, \d{4}")
        )
        expect(room.get_by_role("button", name="Accept this plan")).to_have_count(0)
    finally:
        buyer_context.close()

    stored = Plan.objects.get(pk=plan.pk)
    assert stored.status == PlanStatus.AGREED and stored.agreed_by_id == buyer.pk
    assert [m.to for m in mail.outbox] == [["sam@acme.example"]]

    sign_in(page, membership.user.email)
    page.goto(f"/plans/{plan.public_id}/")
    expect(page.locator("#plan-agreement")).to_contain_text("Agreed by Sarah Chen, VP Operations, on")

    page.evaluate("window.__noReload = 'still here'")
    row = task_row(page.locator("#plan-milestones"), "Legal review")
    row.get_by_role("link", name="Edit").click()
    editor = page.locator("form:has(select[name=depends_on])")
    editor.get_by_label("Due date").fill("2027-05-25")
    editor.get_by_role("button", name="Save").click()
    expect(page.locator("#plan-agreement")).to_contain_text(
        "Legal review: due May 18, 2027 → May 25, 2027, moved by Sam Seller (seller)"
    )
    expect(page.locator("#plan-agreement")).to_contain_text("The buyer is asked to confirm these changes")
    assert page.evaluate("window.__noReload") == "still here"
