"""The seller invites a buyer from the plan page; the buyer opens the link from the e-mail in
a browser of their own, presses the button and lands in the room at a URL without the token."""

import datetime
import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from mapapp.models import Role
from plans import room_access
from plans.models import Slip, TaskSide, TaskStatus
from tests import factories

from .test_build_a_plan import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_seller_invites_and_the_buyer_opens_the_room(page, browser, live_server):
    membership = factories.MembershipFactory(role=Role.SELLER, user__email="sam@acme.example", user__name="Sam Seller")
    deal = factories.DealFactory(
        organization=membership.organization, owner=membership.user, name="Northwind rollout", amount="777000.00"
    )
    plan = factories.PlanFactory(deal=deal, organization=deal.organization, title="Northwind MAP")
    buyer = factories.StakeholderFactory(deal=deal, name="Sarah Chen", email="sarah@northwind.example")
    factories.TaskFactory(plan=plan, organization=plan.organization, title="Security questionnaire",
                          side=TaskSide.BUYER, owner=buyer)
    factories.TaskFactory(plan=plan, organization=plan.organization, title="Margin check", internal=True)

    sign_in(page, membership.user.email)
    page.goto(f"/plans/{plan.public_id}/")
    row = page.locator(".stakeholder-row", has_text="Sarah Chen")
    row.get_by_role("button", name=re.compile("Invite to the room")).click()
    expect(page.locator("#stakeholders .alert-success")).to_contain_text("was sent a link to the deal room")

    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["sarah@northwind.example"]
    link = re.search(r"https?://\S+/r/[\w-]+/", mail.outbox[0].body).group(0)
    path = link[link.index("/r/"):]

    buyer_context = browser.new_context(base_url=live_server.url)
    try:
        buyer_page = buyer_context.new_page()
        buyer_page.set_default_timeout(10_000)
        referers = []
        buyer_page.on("request", lambda r: referers.append(r.headers.get("referer") or "") if "/room/" in r.url else None)
        buyer_page.goto(path)
        expect(buyer_page.get_by_role("heading", name="Northwind rollout")).to_be_visible()
        buyer_page.get_by_role("button", name="Open deal room").click()
        expect(buyer_page).to_have_url(re.compile(rf"/room/{plan.public_id}/$"))
        assert "/r/" not in buyer_page.url
        # The redirect answered "Referrer-Policy: no-referrer": the room's request does not carry the token.
        assert referers and not any("/r/" in referer for referer in referers)
        expect(buyer_page.get_by_role("heading", name="Northwind MAP")).to_be_visible()
        expect(buyer_page.locator("#room-mine")).to_contain_text("Security questionnaire")
        content = buyer_page.content()
        assert "Margin check" not in content
        assert not any(amount in content for amount in ("777000", "777,000", "777.000"))
        # A buyer session sees nothing else: the deal list is 404, not a login page.
        response = buyer_page.goto("/deals/")
        assert response.status == 404
    finally:
        buyer_context.close()


def test_the_buyer_marks_done_undoes_comments_and_proposes_a_date(page, live_server):
    """In a real browser (HTMX): the row updates in place, the progress follows, "Undo" puts the
    status back, a comment joins the thread, a later date with a reason moves the task; the seller
    then sees the comment and the slip on the plan page."""
    membership = factories.MembershipFactory(role=Role.SELLER, user__email="sam@acme.example", user__name="Sam Seller")
    deal = factories.DealFactory(organization=membership.organization, owner=membership.user, name="Northwind rollout")
    plan = factories.PlanFactory(deal=deal, organization=deal.organization, title="Northwind MAP")
    buyer = factories.StakeholderFactory(deal=deal, name="Sarah Chen", email="sarah@northwind.example")
    task = factories.TaskFactory(plan=plan, organization=plan.organization, title="Security questionnaire",
                                 side=TaskSide.BUYER, owner=buyer, due_date=datetime.date(2027, 3, 1))
    _link, url = room_access.buyer_invite(stakeholder=buyer, invited_by=membership.user)
    mail.outbox.clear()

    page.goto(url[url.index("/r/"):])
    page.get_by_role("button", name="Open deal room").click()
    row = page.locator(f"#task-{task.public_id}")
    expect(page.locator("#room-progress")).to_contain_text("0 of 1 done")

    row.get_by_label("Status").select_option("done")
    row.get_by_role("button", name="Update status").click()
    expect(row.locator(".badge-done")).to_be_visible()
    expect(page.locator("#room-progress")).to_contain_text("1 of 1 done")
    row.get_by_role("button", name="Undo").click()
    expect(row.locator(".badge-not_started")).to_be_visible()
    expect(row.get_by_role("button", name="Undo")).to_have_count(0)
    expect(page.locator("#room-progress")).to_contain_text("0 of 1 done")

    row.locator("summary", has_text="0 comments").click()
    row.get_by_label("Add a comment").fill("Our CISO signs on <Friday>")
    row.get_by_role("button", name="Comment").click()
    expect(row.locator(".comments")).to_contain_text("Our CISO signs on <Friday>")
    expect(row.locator("summary", has_text="1 comment")).to_be_visible()

    row.locator("summary", has_text="Propose new date").click()
    row.get_by_label("New due date").fill("2027-03-08")
    row.get_by_label("Why the date moves").fill("Board meets a week later")
    row.get_by_role("button", name="Move the date").click()
    expect(row.locator("time.due")).to_have_attribute("datetime", "2027-03-08")

    task.refresh_from_db()
    assert task.status == TaskStatus.NOT_STARTED and task.due_date == datetime.date(2027, 3, 8)
    assert Slip.objects.get(task=task).days == 7
    # Done, undone, a comment: one mail each to the deal owner.
    assert [m.to for m in mail.outbox] == [["sam@acme.example"]] * 3

    sign_in(page, membership.user.email)
    page.goto(f"/plans/{plan.public_id}/")
    seller_row = page.locator(f"#task-{task.public_id}")
    expect(seller_row).to_contain_text("slipped 7 days — Board meets a week later — by Sarah Chen")
