"""The timeline in a real browser: on a phone nothing runs off the side of the screen, every
task row says its dates in words, the critical path and today are drawn where the dates say."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from mapapp.models import Role
from plans.models import TaskDependency, TaskSide
from tests import factories

from .test_build_a_plan import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _plan():
    membership = factories.MembershipFactory(role=Role.SELLER, user__email="sam@acme.example", user__name="Sam Seller")
    deal = factories.DealFactory(organization=membership.organization, owner=membership.user, name="Northwind rollout")
    plan = factories.PlanFactory(deal=deal, organization=deal.organization, title="Northwind MAP")
    org = plan.organization
    today = timezone.localdate()
    plan.target_close_date = today + datetime.timedelta(days=10)
    plan.save()
    milestone = factories.MilestoneFactory(plan=plan, organization=org, title="Technical validation",
                                           target_date=today + datetime.timedelta(days=7))
    security = factories.TaskFactory(
        plan=plan, organization=org, milestone=milestone, title="Security review with a title long enough to wrap on a phone",
        duration_days=10, due_date=today + datetime.timedelta(days=3))
    legal = factories.TaskFactory(plan=plan, organization=org, milestone=milestone, title="Legal review",
                                  side=TaskSide.BUYER, duration_days=5, due_date=today + datetime.timedelta(days=9))
    TaskDependency.objects.create(organization=org, task=legal, prerequisite=security)
    factories.TaskFactory(plan=plan, organization=org, title="Reference call", duration_days=1,
                          due_date=today + datetime.timedelta(days=2))
    return membership, plan, security, legal


@pytest.mark.parametrize("width", [390, 1280])
def test_the_timeline_reads_on_a_phone_and_on_a_desktop(page, width):
    membership, plan, security, legal = _plan()
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, membership.user.email)
    page.goto(f"/plans/{plan.public_id}/")
    page.get_by_role("link", name="Timeline").first.click()
    expect(page.get_by_role("heading", name="Timeline")).to_be_visible()

    # Nothing wider than the screen: no sideways scrolling on a phone.
    wide = page.evaluate("""Array.from(document.querySelectorAll('*')).filter(e => e.getBoundingClientRect().right > innerWidth + 1).map(e => e.className + ' ' + e.textContent.slice(0, 30))""")
    assert page.evaluate("document.documentElement.scrollWidth") <= width, wide
    rows = page.locator(".tl-task")
    expect(rows).to_have_count(3)
    # The security review is due before its ten days of work can be done from today: it drives
    # the plan, is drawn on the critical path and projected late; the words say the same.
    critical = page.locator(f"#tl-{security.public_id}")
    expect(critical).to_have_class(__import__("re").compile(r"\bis-critical\b"))
    expect(critical).to_contain_text("on the critical path")
    expect(critical).to_contain_text("projected to finish")
    expect(critical.locator(".tl-projected")).to_be_visible()
    expect(page.locator(".tl-line-today")).to_have_count(1)

    # Bars sit inside their track, and the today line lies between the start and the end of
    # the track (the axis holds today).
    track = critical.locator(".tl-track").bounding_box()
    bar = critical.locator(".tl-bar").bounding_box()
    assert track["x"] - 1 <= bar["x"] and bar["x"] + bar["width"] <= track["x"] + track["width"] + 1
    line = page.locator(".tl-line-today").bounding_box()
    assert track["x"] <= line["x"] <= track["x"] + track["width"]
    # Each row's link goes back to the task on the plan page.
    page.get_by_role("link", name="Legal review").click()
    expect(page).to_have_url(__import__("re").compile(rf"/plans/{plan.public_id}/#task-{legal.public_id}$"))
