"""Browsers far west and far east of UTC: the sign-up page starts on the browser's own zone,
and a due date typed into the date field is the date saved and shown, in both."""

import datetime

import pytest
from playwright.sync_api import expect

from mapapp.models import Role
from plans.models import Task
from tests import factories

from .test_build_a_plan import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def zoned_page(browser, live_server, request):
    context = browser.new_context(base_url=live_server.url, timezone_id=request.param,
                                  viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page, request.param
    context.close()


@pytest.mark.parametrize("zoned_page", ["America/Los_Angeles", "Pacific/Auckland"], indirect=True)
def test_a_due_date_is_the_date_typed_whatever_the_browser_zone(zoned_page):
    page, zone = zoned_page
    page.goto("/signup/")
    expect(page.locator("select[name=timezone]")).to_have_value(zone)

    membership = factories.MembershipFactory(role=Role.SELLER, user__email="sam@acme.example", user__timezone=zone)
    deal = factories.DealFactory(organization=membership.organization, owner=membership.user)
    plan = factories.PlanFactory(deal=deal, organization=deal.organization)
    task = factories.TaskFactory(plan=plan, organization=plan.organization, title="Security review",
                                 due_date=datetime.date(2027, 2, 26))
    sign_in(page, membership.user.email)
    page.goto(f"/plans/{plan.public_id}/")
    row = page.locator(f"#task-{task.public_id}")
    row.get_by_role("link", name="Edit").click()
    row.get_by_label("Due date").fill("2027-03-01")
    row.get_by_role("button", name="Save").click()
    expect(row.locator("time.due")).to_have_attribute("datetime", "2027-03-01")
    expect(row.locator("time.due")).to_have_text("March 1, 2027")
    assert Task.objects.get(pk=task.pk).due_date == datetime.date(2027, 3, 1)
