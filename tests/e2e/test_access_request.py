"""A champion forwards their link to a colleague; the colleague asks for access of their own;
the seller approves on the plan page; the colleague's e-mail holds a link that opens the room."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from mapapp.models import Role
from plans import room_access
from tests import factories

from .test_build_a_plan import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
LINK = re.compile(r"https?://\S+/r/[\w-]+/")


def _path(url: str) -> str:
    return url[url.index("/r/"):]


def test_a_colleague_requests_access_and_the_seller_approves(page, browser, live_server):
    membership = factories.MembershipFactory(role=Role.SELLER, user__email="sam@acme.example", user__name="Sam Seller")
    deal = factories.DealFactory(organization=membership.organization, owner=membership.user, name="Meridian rollout")
    plan = factories.PlanFactory(deal=deal, organization=deal.organization, title="Meridian MAP")
    champion = factories.StakeholderFactory(deal=deal, name="Sarah Chen", email="sarah@meridianfreight.com")
    _link, forwarded = room_access.buyer_invite(stakeholder=champion, invited_by=membership.user)
    mail.outbox.clear()

    colleague = browser.new_context(base_url=live_server.url)
    try:
        tab = colleague.new_page()
        tab.set_default_timeout(10_000)
        tab.goto(_path(forwarded))
        expect(tab.get_by_text("Not Sarah Chen?")).to_be_visible()
        tab.get_by_role("link", name="Request your own access").click()
        tab.get_by_label("Your name").fill("Lee Park")
        tab.get_by_label("Your work e-mail").fill("lee.park@meridianfreight.com")
        tab.get_by_label("Your role").fill("Security lead")
        tab.get_by_role("button", name="Request access").click()
        expect(tab.get_by_role("heading", name="Request sent")).to_be_visible()
    finally:
        colleague.close()
    assert {m.to[0] for m in mail.outbox} == {"sam@acme.example", "sarah@meridianfreight.com"}
    mail.outbox.clear()

    sign_in(page, membership.user.email)
    page.goto(f"/plans/{plan.public_id}/")
    panel = page.locator("#access-requests")
    expect(panel).to_contain_text("Lee Park")
    expect(panel).to_contain_text("via the link of Sarah Chen")
    panel.get_by_role("button", name=re.compile("Approve")).click()
    expect(page.locator(".messages")).to_contain_text("Lee Park is in")
    expect(page.locator("#stakeholders")).to_contain_text("Lee Park")
    expect(page.locator("#access-requests")).to_have_count(0)

    [message] = mail.outbox
    assert message.to == ["lee.park@meridianfreight.com"]
    own = LINK.search(message.body).group(0)
    assert own != forwarded
    newcomer = browser.new_context(base_url=live_server.url)
    try:
        tab = newcomer.new_page()
        tab.set_default_timeout(10_000)
        tab.goto(_path(own))
        expect(tab.get_by_text("Hello Lee Park")).to_be_visible()
        tab.get_by_role("button", name="Open deal room").click()
        expect(tab).to_have_url(re.compile(rf"/room/{plan.public_id}/$"))
        expect(tab.get_by_role("heading", name="Meridian MAP")).to_be_visible()
    finally:
        newcomer.close()
