"""The seller marks a task done before its prerequisite is: the row asks first, naming what is
not done; Confirm marks it done in place and the history says the dependency was overridden."""

import datetime

import pytest
from playwright.sync_api import expect

from mapapp.models import Role
from plans.models import Activity, TaskDependency, TaskSide, TaskStatus
from tests import factories

from .test_build_a_plan import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_seller_confirms_finishing_a_task_before_its_prerequisite(page):
    membership = factories.MembershipFactory(role=Role.SELLER, user__email="sam@acme.example", user__name="Sam Seller")
    deal = factories.DealFactory(organization=membership.organization, owner=membership.user, name="Northwind rollout")
    plan = factories.PlanFactory(deal=deal, organization=deal.organization, title="Northwind MAP")
    org = plan.organization
    legal = factories.TaskFactory(plan=plan, organization=org, title="Legal review", side=TaskSide.BUYER,
                                  due_date=datetime.date(2027, 6, 3))
    rollout = factories.TaskFactory(plan=plan, organization=org, title="Rollout plan",
                                    due_date=datetime.date(2027, 6, 20))
    TaskDependency.objects.create(organization=org, task=rollout, prerequisite=legal)

    sign_in(page, membership.user.email)
    page.goto(f"/plans/{plan.public_id}/")
    page.evaluate("window.__sameDocument = true")

    row = page.locator(f"#task-{rollout.public_id}")
    row.get_by_role("button", name="Mark done").click()
    expect(row).to_contain_text("“Legal review” is not done yet (due June 3, 2027, buyer).")
    expect(row).to_contain_text("Mark it done anyway?")
    row.get_by_role("link", name="Cancel").click()
    expect(row.locator(".dependency-confirm")).to_have_count(0)
    expect(row.get_by_role("button", name="Mark done")).to_be_visible()

    row.get_by_role("button", name="Mark done").click()
    expect(row).to_contain_text("Mark it done anyway?")
    row.get_by_role("button", name="Confirm").click()
    expect(row.get_by_role("button", name="Reopen")).to_be_visible()
    expect(page.locator("#plan-activity")).to_contain_text("dependency overridden: Legal review")
    assert page.evaluate("window.__sameDocument") is True
    rollout.refresh_from_db()
    assert rollout.status == TaskStatus.DONE
    assert Activity.objects.get(target_id=rollout.public_id).changes["overridden"] == [None, ["Legal review"]]
