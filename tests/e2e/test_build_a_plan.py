"""A seller builds a plan in the browser and comments on a task, and every step after the plan
page loads happens without a full page reload (checked with a marker on `window` that a reload
would wipe)."""

import re

import pytest
from playwright.sync_api import expect

from deals.models import Deal
from mapapp.models import Role
from plans.models import Comment, Task, TaskStatus
from tests import factories

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def sign_in(page, email):
    page.goto("/login/")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/deals/$"))


def add_person(page, side, name, title):
    section = page.locator("#stakeholders")
    section.get_by_text(f"Add a person on the {side} side").click()
    form = section.locator(f"details:has(summary:text('Add a person on the {side} side')) form")
    form.get_by_label("Name").fill(name)
    form.get_by_label("Title").fill(title)
    form.get_by_role("button", name="Add").click()
    expect(section.locator(".stakeholder-name", has_text=name)).to_be_visible()


def add_task(group, title, side, owner, due):
    form = group.locator("form.plan-add")
    form.get_by_placeholder(re.compile("task", re.I)).fill(title)
    form.get_by_label("Side").select_option(side)
    form.get_by_label("Owner").select_option(label=owner)
    form.get_by_label("Due date").fill(due)
    form.get_by_role("button", name="Add task").click()
    expect(group.locator(".task-row", has_text=title)).to_be_visible()


def task_row(group, title):
    """The row whose own title is `title` (other rows may mention it as a dependency)."""
    return group.locator(".task-row", has=group.page.locator(".task-title", has_text=re.compile(f"^{title}$")))


def test_seller_builds_a_plan_without_page_reloads(page):
    seller = factories.MembershipFactory(
        role=Role.SELLER, user__email="sam@acme.example", user__name="Sam Seller"
    ).user
    sign_in(page, seller.email)

    page.get_by_role("link", name=re.compile("New deal|Create your first deal")).first.click()
    page.get_by_label("Deal name").fill("Northwind analytics rollout")
    page.get_by_label("Buyer company").fill("Northwind Traders")
    page.get_by_label("Amount").fill("120000")
    page.get_by_role("button", name="Create deal").click()
    expect(page.get_by_role("heading", name=re.compile("Northwind analytics rollout"))).to_be_visible()

    page.get_by_role("button", name="Start a blank plan").click()
    expect(page).to_have_url(re.compile(r"/plans/[0-9a-f-]{36}/$"))
    page.evaluate("window.__noReload = 'still here'")

    add_person(page, "buyer", "Sarah Chen", "VP Operations")
    add_person(page, "seller", "Sam Seller", "Account executive")

    page.locator("#ms-title").fill("Security review")
    page.locator("#ms-date").fill("2026-12-18")
    page.get_by_role("button", name="Add milestone").click()
    group = page.locator(".task-group", has=page.get_by_role("heading", name="Security review"))
    expect(group).to_be_visible()

    add_task(group, "Send architecture document", "seller", "Sam Seller", "2026-12-04")
    add_task(group, "Security questionnaire", "buyer", "Sarah Chen", "2026-12-11")
    add_task(group, "Security sign-off", "joint", "Sarah Chen", "2026-12-16")
    progress = page.locator("#plan-progress .progress-text")
    expect(progress).to_have_text("0 of 3 done — 0 %")

    # The questionnaire cannot start before the architecture document is delivered.
    row = task_row(group, "Security questionnaire")
    row.get_by_role("link", name="Edit").click()
    editor = page.locator("form:has(select[name=depends_on])")
    editor.get_by_label("Depends on").select_option(label="Send architecture document")
    editor.get_by_role("button", name="Save").click()
    expect(task_row(group, "Security questionnaire")).to_contain_text(
        "Send architecture document"
    )

    # And a cycle back is refused, naming it.
    row = task_row(group, "Send architecture document")
    row.get_by_role("link", name="Edit").click()
    editor = page.locator("form:has(select[name=depends_on])")
    editor.get_by_label("Depends on").select_option(label="Security questionnaire")
    editor.get_by_role("button", name="Save").click()
    expect(editor).to_contain_text("cycle")
    editor.get_by_role("link", name="Cancel").click()

    done_row = task_row(group, "Send architecture document")
    done_row.get_by_role("button", name=re.compile("Mark done", re.I)).click()
    expect(progress).to_have_text("1 of 3 done — 33 %")
    expect(task_row(group, "Send architecture document")).to_have_class(re.compile("is-done"))

    # A comment on the sign-off: the thread opens under the row, the comment appears, the row counts it.
    row = task_row(group, "Security sign-off")
    row.get_by_role("link", name="Comments", exact=True).click()
    thread = row.locator(".thread")
    expect(thread).to_contain_text("No comments yet.")
    thread.get_by_label("Add a comment").fill("Legal wants the DPA signed first.")
    thread.get_by_role("button", name="Add comment").click()
    expect(thread.locator(".comment-body")).to_have_text("Legal wants the DPA signed first.")
    expect(thread.get_by_label("Add a comment")).to_have_value("")
    expect(row.get_by_role("link", name="1 comment")).to_be_visible()
    expect(page.locator("#plan-activity")).to_contain_text("commented on task “Security sign-off”")
    thread.get_by_role("link", name="Close").click()
    expect(page.locator(".thread")).to_have_count(0)
    expect(task_row(group, "Security sign-off").get_by_role("link", name="1 comment")).to_be_visible()

    assert page.evaluate("window.__noReload") == "still here", "the page was reloaded"
    deal = Deal.objects.get(name="Northwind analytics rollout")
    tasks = {t.title: t for t in Task.objects.filter(plan__deal=deal).select_related("owner")}
    assert tasks["Send architecture document"].status == TaskStatus.DONE
    assert tasks["Security questionnaire"].owner.name == "Sarah Chen"
    assert list(tasks["Security questionnaire"].depends_on.values_list("title", flat=True)) == [
        "Send architecture document"
    ]
    assert not tasks["Send architecture document"].depends_on.exists()
    assert list(Comment.objects.filter(task=tasks["Security sign-off"]).values_list("body", "author_user__email")) == [
        ("Legal wants the DPA signed first.", "sam@acme.example")
    ]
