"""The whole loop, both sides in their own browsers: the seller invites a buyer from the plan
page; the buyer opens the link from the e-mail, presses the button, marks a task done, comments
on it and accepts the plan; the seller's page, open all along and never reloaded, shows all three."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from deals.models import DecisionRole
from mapapp.models import Role
from plans.models import Plan, PlanStatus, TaskSide, TaskStatus
from tests import factories

from .test_build_a_plan import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WITHIN = 12_000  # ms: the live refresh polls every 5 s, then fetches the page


def test_seller_invites_buyer_works_and_accepts_seller_sees_it_live(page, browser, live_server):
    membership = factories.MembershipFactory(role=Role.SELLER, user__email="sam@acme.example", user__name="Sam Seller")
    deal = factories.DealFactory(organization=membership.organization, owner=membership.user, name="Northwind rollout")
    plan = factories.PlanFactory(deal=deal, organization=deal.organization, title="Northwind MAP")
    buyer = factories.StakeholderFactory(deal=deal, name="Sarah Chen", title="VP Operations",
                                         email="sarah@northwind.example", decision_role=DecisionRole.CHAMPION)
    task = factories.TaskFactory(plan=plan, organization=plan.organization, title="Security questionnaire",
                                 side=TaskSide.BUYER, owner=buyer)

    # The seller opens the plan page and invites Sarah from it.
    sign_in(page, membership.user.email)
    page.goto(f"/plans/{plan.public_id}/")
    page.evaluate("window.__sameDocument = true")
    page.locator(".stakeholder-row", has_text="Sarah Chen").get_by_role(
        "button", name=re.compile("Invite to the room")).click()
    expect(page.locator("#stakeholders .alert-success")).to_contain_text("was sent a link to the deal room")

    # The buyer's link comes from the e-mail.
    invites = [m for m in mail.outbox if m.to == ["sarah@northwind.example"]]
    assert len(invites) == 1
    link = re.search(r"https?://\S+/r/[\w-]+/", invites[0].body).group(0)
    mail.outbox.clear()

    buyer_context = browser.new_context(base_url=live_server.url)
    try:
        room = buyer_context.new_page()
        room.set_default_timeout(10_000)
        room.goto(link[link.index("/r/"):])
        room.get_by_role("button", name="Open deal room").click()
        expect(room).to_have_url(re.compile(rf"/room/{plan.public_id}/$"))

        # Marks the task done.
        row = room.locator(f"#task-{task.public_id}")
        row.get_by_label("Status").select_option("done")
        row.get_by_role("button", name="Update status").click()
        expect(row.locator(".badge-done")).to_be_visible()

        # Comments on it (text that would be markup stays text).
        row.locator("summary", has_text="0 comments").click()
        row.get_by_label("Add a comment").fill("Signed off by our CISO <b>today</b>")
        row.get_by_role("button", name="Comment").click()
        expect(row.locator(".comments")).to_contain_text("Signed off by our CISO <b>today</b>")

        # Accepts the plan.
        card = room.locator("#room-agreement")
        card.get_by_role("button", name="Accept this plan").click()
        expect(room.locator("#room-agreement")).to_contain_text("Agreed by Sarah Chen, VP Operations, on")

        # The seller's page, untouched since the invitation, shows all three.
        seller_row = page.locator(f"#task-{task.public_id}")
        expect(seller_row.locator(".badge-done")).to_be_visible(timeout=WITHIN)
        expect(page.locator("#plan-agreement")).to_contain_text("Agreed by Sarah Chen, VP Operations, on",
                                                                timeout=WITHIN)
        expect(seller_row.locator(".comment-count")).to_contain_text("1", timeout=WITHIN)
        expect(page.locator("#plan-activity")).to_contain_text("Signed off by our CISO <b>today</b>", timeout=WITHIN)
        assert page.evaluate("window.__sameDocument") is True, "the seller's page was reloaded"
    finally:
        buyer_context.close()

    plan = Plan.objects.get(pk=plan.pk)
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE and plan.status == PlanStatus.AGREED and plan.agreed_by_id == buyer.pk
    # The deal owner heard of each: the status change, the comment, the acceptance.
    assert sum(1 for m in mail.outbox if m.to == ["sam@acme.example"]) == 3, [m.subject for m in mail.outbox]
