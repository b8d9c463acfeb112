"""Both sides keep a page open: a change on one side shows on the other within about ten seconds,
without a reload, and an editor someone is typing in keeps what they typed."""

import re

import pytest
from playwright.sync_api import expect

from mapapp.models import Role
from plans import room_access, services
from plans.activity import Actor
from plans.models import Task, TaskSide, TaskStatus
from tests import factories

from .test_build_a_plan import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WITHIN = 12_000  # ms: a poll every 5 s, then the page fetch


def test_changes_on_either_side_show_on_the_other_without_reload(page, browser, live_server):
    membership = factories.MembershipFactory(role=Role.SELLER, user__email="sam@acme.example", user__name="Sam Seller")
    deal = factories.DealFactory(organization=membership.organization, owner=membership.user, name="Northwind rollout")
    plan = factories.PlanFactory(deal=deal, organization=deal.organization, title="Northwind MAP")
    buyer = factories.StakeholderFactory(deal=deal, name="Sarah Chen", email="sarah@northwind.example")
    architecture = factories.TaskFactory(plan=plan, organization=plan.organization, title="Deliver architecture document",
                                         side=TaskSide.SELLER)
    questionnaire = factories.TaskFactory(plan=plan, organization=plan.organization, title="Security questionnaire",
                                          side=TaskSide.BUYER, owner=buyer)

    # The seller's plan page.
    sign_in(page, membership.user.email)
    page.goto(f"/plans/{plan.public_id}/")
    page.evaluate("window.__sameDocument = true")
    stamp_statuses, page_fetches = [], []
    page.on("response", lambda r: stamp_statuses.append(r.status) if "/stamp/" in r.url else None)
    page.on("request", lambda r: page_fetches.append(r.url) if r.url.endswith(f"/plans/{plan.public_id}/") else None)

    # The buyer's room, in a browser of their own.
    _link, url = room_access.buyer_invite(stakeholder=buyer, invited_by=membership.user)
    buyer_context = browser.new_context(base_url=live_server.url)
    try:
        room = buyer_context.new_page()
        room.set_default_timeout(10_000)
        room.goto(url[url.index("/r/"):])
        room.get_by_role("button", name="Open deal room").click()
        expect(room).to_have_url(re.compile(rf"/room/{plan.public_id}/$"))
        room.evaluate("window.__sameDocument = true")
        row = room.locator("#room-milestones li", has_text="Deliver architecture document")
        expect(row).to_contain_text("Not started")

        # Seller → buyer: the seller ticks their item on the plan page; the open room shows it.
        page.locator(f"#task-{architecture.public_id}").get_by_role("button", name="Mark done").click()
        expect(page.locator(f"#task-{architecture.public_id}")).to_have_class(re.compile("is-done"))
        # (The row's status picker lists every status: look at its badge, not its text.)
        expect(row.locator(".badge-done")).to_be_visible(timeout=WITHIN)
        expect(room.locator("#room-summary")).to_contain_text("1 of 2 done")
        expect(room.locator("#live-status")).to_contain_text("Updated just now")
        assert room.evaluate("window.__sameDocument") is True

        # The seller starts writing the goals and leaves the editor open, text typed, not saved.
        page.locator("#plan-goals").get_by_role("link", name="Edit").click()
        goals = page.locator("#plan-goals textarea").first
        goals.fill("Typed by the seller, not saved yet")
        page.locator("body").click(position={"x": 5, "y": 5})  # focus leaves the editor; the text stays unsaved

        # Buyer → seller: the buyer's status change and comment (made through the services, as
        # the room's own editing does) show on the open plan page.
        task = Task.objects.get(pk=questionnaire.pk)
        as_buyer = Actor(stakeholder=buyer)
        services.task_set_status(task=task, actor=as_buyer, status=TaskStatus.IN_PROGRESS, version=task.version)
        services.comment_create(plan=task.plan, actor=as_buyer, task=task, body="Our CISO is on it")
        seller_row = page.locator(f"#task-{questionnaire.public_id}")
        expect(seller_row).to_contain_text("In progress", timeout=WITHIN)
        expect(seller_row.locator(".comment-count")).to_contain_text("1")
        expect(page.locator("#plan-activity")).to_contain_text("Our CISO is on it")
        # The buyer's visit is in the engagement panel too.
        expect(page.locator("#plan-engagement")).to_contain_text("Sarah Chen")
        expect(page.locator(f"#engagement-{buyer.public_id}")).to_contain_text("1")
        # The open editor was left alone: what the seller typed is still there.
        expect(goals).to_have_value("Typed by the seller, not saved yet")
        expect(page.locator("#plan-goals form")).to_be_visible()
        assert page.evaluate("window.__sameDocument") is True

        # And the buyer's change reached the buyer's own open room as well.
        expect(room.locator("#room-mine li").first).to_contain_text("· In progress", timeout=WITHIN)
        assert room.evaluate("window.__sameDocument") is True

        # Text typed into a region that has news (a new task's title, not added yet) holds the
        # whole region back: the news waits until the field is empty again, then arrives.
        quick_add = page.locator("#plan-milestones").get_by_placeholder("Add a task…").first
        quick_add.fill("Half-typed task title")
        page.locator("body").click(position={"x": 5, "y": 5})
        task.refresh_from_db()
        services.task_set_status(task=task, actor=as_buyer, status=TaskStatus.DONE, version=task.version)
        expect(page.locator("#plan-activity")).to_contain_text("Done", timeout=WITHIN)  # that region did update
        expect(seller_row).to_contain_text("In progress")
        expect(quick_add).to_have_value("Half-typed task title")
        quick_add.fill("")
        page.locator("body").click(position={"x": 5, "y": 5})
        expect(seller_row).to_contain_text("Done", timeout=WITHIN)
        assert page.evaluate("window.__sameDocument") is True

        # Now nothing changes: the next polls are answered 304, and the page does not fetch itself.
        fetched = len(page_fetches)
        for _ in range(2):
            with page.expect_response(lambda r: "/stamp/" in r.url and r.status == 304, timeout=WITHIN):
                pass
        assert len(page_fetches) == fetched
        assert 200 in stamp_statuses, stamp_statuses

        # The swapped-in row is wired to htmx like the rest: its button answers inline, no reload.
        seller_row.get_by_role("button", name="Reopen").click()
        expect(seller_row).to_contain_text("Not started")
        assert page.evaluate("window.__sameDocument") is True
    finally:
        buyer_context.close()


def test_a_revoked_link_turns_the_open_room_into_the_dead_link_page(browser, live_server):
    membership = factories.MembershipFactory(role=Role.SELLER)
    deal = factories.DealFactory(organization=membership.organization, owner=membership.user)
    factories.PlanFactory(deal=deal, organization=deal.organization, title="Northwind MAP")
    buyer = factories.StakeholderFactory(deal=deal, name="Sarah Chen", email="sarah@northwind.example")
    _link, url = room_access.buyer_invite(stakeholder=buyer, invited_by=membership.user)
    context = browser.new_context(base_url=live_server.url)
    try:
        room = context.new_page()
        room.set_default_timeout(10_000)
        room.goto(url[url.index("/r/"):])
        room.get_by_role("button", name="Open deal room").click()
        expect(room.get_by_role("heading", name="Northwind MAP")).to_be_visible()
        room_access.buyer_revoke(stakeholder=buyer, actor=Actor(user=membership.user))
        expect(room.get_by_role("heading", name="This link does not work")).to_be_visible(timeout=WITHIN)
        expect(room.get_by_role("heading", name="Northwind MAP")).to_have_count(0)
        expect(room.get_by_role("button", name="Send me a fresh link")).to_be_visible()
        expect(room).to_have_title(re.compile("This link does not work"))
    finally:
        context.close()
