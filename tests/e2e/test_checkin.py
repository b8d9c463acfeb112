"""A check-in in a real browser: the seller opens the agenda from the plan page, writes the
notes (saved in place), marks the check-in held and sees the next check-in move a week on."""

import datetime
import re

import pytest
from django.utils import formats, timezone
from playwright.sync_api import expect

from checkins.models import CheckIn
from mapapp.models import Role
from plans.models import Cadence, TaskStatus
from tests import factories

from .test_build_a_plan import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_seller_runs_a_check_in(page):
    membership = factories.MembershipFactory(role=Role.SELLER, user__email="sam@acme.example", user__name="Sam Seller")
    deal = factories.DealFactory(organization=membership.organization, owner=membership.user, name="Northwind rollout")
    today = timezone.localdate()
    on = today + datetime.timedelta(days=1)
    plan = factories.PlanFactory(deal=deal, organization=deal.organization, title="Northwind MAP",
                                 checkin_cadence=Cadence.WEEKLY, next_checkin_date=on)
    factories.TaskFactory(plan=plan, organization=plan.organization, title="Legal review",
                          status=TaskStatus.BLOCKED, blocked_reason="Waiting for the DPA")

    sign_in(page, membership.user.email)
    page.goto(f"/plans/{plan.public_id}/")
    page.get_by_role("link", name="Agenda and notes").click()
    expect(page.get_by_role("heading", name="Check-in agenda")).to_be_visible()
    expect(page.locator(".agenda-blocked")).to_contain_text("Waiting for the DPA")

    page.evaluate("window.__noReload = true")
    upcoming = page.locator("#checkin-upcoming")
    upcoming.get_by_label("Notes").fill("DPA signed by Friday; pilot starts Monday.")
    upcoming.get_by_role("button", name="Save the notes").click()
    expect(upcoming.get_by_text("The notes are saved.")).to_be_visible()
    assert page.evaluate("window.__noReload") is True  # saved in place (htmx)
    assert CheckIn.objects.get(plan=plan, date=on).notes == "DPA signed by Friday; pilot starts Monday."

    upcoming.get_by_role("button", name="Mark held").click()
    following = on + datetime.timedelta(days=7)
    expect(page.locator("#next-checkin time")).to_have_attribute("datetime", following.isoformat())
    expect(page.locator("#next-checkin")).to_contain_text(formats.date_format(following, "DATE_FORMAT"))
    expect(page.locator(".messages")).to_contain_text("Marked held.")
    past = page.locator("#checkin-past")
    expect(past).to_contain_text("DPA signed by Friday; pilot starts Monday.")
    expect(past).to_contain_text("held")

    # The plan page says the same.
    page.get_by_role("link", name="Northwind MAP").click()
    expect(page).to_have_url(re.compile(rf"/plans/{plan.public_id}/$"))
    expect(page.locator("#plan-summary")).to_contain_text(formats.date_format(following, "DATE_FORMAT"))
