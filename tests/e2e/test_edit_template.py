"""An admin edits the organization's copy of a starter template in the browser (a longer step,
a new step the decision now waits for), then starts a plan from it: the new step is there,
scheduled back from the decision date with the changed duration."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from mapapp.models import Role
from plans.models import Plan, Task
from plans.scheduling import WEEKDAYS
from tests import factories

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_admin_edits_a_starter_copy_and_a_plan_from_it_follows_the_change(page):
    admin = factories.MembershipFactory(role=Role.ADMIN, user__email="ada@acme.example", user__name="Ada Admin").user
    deal = factories.DealFactory(organization=admin.memberships.get().organization, owner=admin,
                                 name="Contoso renewal", buyer_company="Contoso", target_close_date=None)
    decision = WEEKDAYS.on_or_after(datetime.date.today() + datetime.timedelta(days=60))

    page.goto("/login/")
    page.get_by_label("E-mail").fill(admin.email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/deals/$"))

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Templates").click()
    row = page.locator("tr", has=page.get_by_role("link", name="Lite plan (one page)"))
    expect(row).to_contain_text("Starter")
    row.get_by_role("link", name="Edit").click()

    expect(page.get_by_role("heading", name="Edit “Lite plan (one page)”")).to_be_visible()
    expect(page.locator("#step-count")).to_contain_text("5 steps")
    page.get_by_label("Title of step 1").fill("Intro and goals")  # typed values survive the new row
    page.get_by_role("button", name="Add a step row").click()
    expect(page.get_by_label("Title of step 7")).to_be_visible()
    # The internal review takes 8 business days instead of 5.
    page.get_by_label("Duration (business days) of step 4").fill("8")
    # A reference call in the blank row (#6), after the review; the decision (#5) now waits for it.
    page.get_by_label("Title of step 6").fill("Reference call")
    page.get_by_label("Side of step 6").select_option("buyer")
    page.get_by_label("Owner role of step 6").select_option("champion")
    page.get_by_label("Duration (business days) of step 6").fill("2")
    page.get_by_label("After steps (+ lag) of step 6").fill("4")
    page.get_by_label("After steps (+ lag) of step 5").fill("6")
    page.get_by_role("button", name="Save the template").click()

    expect(page.locator(".messages")).to_contain_text("was saved")
    expect(page.locator("#step-count")).to_contain_text("6 steps")
    expect(page.get_by_label("Title of step 6")).to_have_value("Reference call")

    page.goto(f"/deals/{deal.public_id}/")
    choice = page.locator(".start-choice", has=page.get_by_role("heading", name="Lite plan (one page)"))
    expect(choice).to_contain_text("6 steps over")
    choice.get_by_label("Decision date").fill(decision.isoformat())
    choice.get_by_role("button", name="Start from this template").click()

    expect(page).to_have_url(re.compile(r"/plans/[0-9a-f-]{36}/$"))
    expect(page.locator(".messages")).to_contain_text("6 tasks scheduled back from")
    expect(page.locator("#open-steps")).to_contain_text("6 open steps")
    plan = Plan.objects.get(deal=deal)
    # By hand: the decision on the anchor; the call due the business day before (2 days); the
    # review before the call (8 days); the proposal before the review.
    expected = {
        "Decision": decision,
        "Reference call": WEEKDAYS.add(decision, -1),
        "Internal review and approval": WEEKDAYS.add(decision, -3),
        "Proposal": WEEKDAYS.add(decision, -11),
    }
    for title, due in expected.items():
        task = Task.objects.get(plan=plan, title=title)
        row = page.locator(f"#task-{task.public_id}")
        expect(row.locator("time.due")).to_have_attribute("datetime", due.isoformat())
    call = page.locator(f"#task-{Task.objects.get(plan=plan, title='Reference call').public_id}")
    expect(call).to_contain_text("after: Internal review and approval")

    # Marking the call done (its prerequisite is not: confirmed) updates the open-step count in place.
    call.get_by_role("button", name="Mark done").click()
    call.get_by_role("button", name="Confirm").click()
    expect(page.locator("#open-steps")).to_contain_text("5 open steps")
