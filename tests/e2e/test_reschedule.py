"""The seller moves a task whose dependants must follow: the page lists what also moves, the
seller confirms, and the dependants' dates change in place, without a reload."""

import datetime

import pytest
from playwright.sync_api import expect

from mapapp.models import Role
from plans.models import Slip, Task, TaskDependency
from tests import factories

from .test_build_a_plan import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

D = datetime.date


def test_the_seller_moves_a_task_sees_what_also_moves_and_confirms(page):
    membership = factories.MembershipFactory(role=Role.SELLER, user__email="sam@acme.example", user__name="Sam Seller")
    deal = factories.DealFactory(organization=membership.organization, owner=membership.user, name="Northwind rollout")
    plan = factories.PlanFactory(deal=deal, organization=deal.organization, title="Northwind MAP")
    org = plan.organization
    architecture = factories.TaskFactory(plan=plan, organization=org, title="Architecture document",
                                         due_date=D(2027, 3, 1))
    security = factories.TaskFactory(plan=plan, organization=org, title="Security review", due_date=D(2027, 3, 2))
    legal = factories.TaskFactory(plan=plan, organization=org, title="Legal review", due_date=D(2027, 3, 3))
    TaskDependency.objects.create(organization=org, task=security, prerequisite=architecture)
    TaskDependency.objects.create(organization=org, task=legal, prerequisite=security)

    sign_in(page, membership.user.email)
    page.goto(f"/plans/{plan.public_id}/")
    page.evaluate("window.__sameDocument = true")

    row = page.locator(f"#task-{architecture.public_id}")
    row.get_by_role("link", name="Edit").click()
    row.get_by_label("Due date").fill("2027-03-03")
    row.get_by_role("button", name="Save").click()

    moves = row.locator(".also-moves")
    expect(row).to_contain_text("also moves:")
    expect(moves.locator("li")).to_have_count(2)
    expect(moves).to_contain_text("Security review")
    expect(moves).to_contain_text("Legal review")
    row.get_by_label("Why does it move? (optional)").fill("The architect was ill")
    row.get_by_role("button", name="Move all").click()

    expect(page.locator(f"#task-{legal.public_id} time.due")).to_have_attribute("datetime", "2027-03-05")
    expect(page.locator(f"#task-{security.public_id} time.due")).to_have_attribute("datetime", "2027-03-04")
    expect(page.locator(f"#task-{architecture.public_id} time.due")).to_have_attribute("datetime", "2027-03-03")
    assert page.evaluate("window.__sameDocument") is True
    assert dict(Task.objects.filter(plan=plan).values_list("title", "due_date")) == {
        "Architecture document": D(2027, 3, 3), "Security review": D(2027, 3, 4), "Legal review": D(2027, 3, 5)}
    assert set(Slip.objects.filter(plan=plan).values_list("reason", flat=True)) == {"The architect was ill"}
