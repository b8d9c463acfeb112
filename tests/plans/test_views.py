"""The plan page and its inline editors, with and without HTMX."""

import datetime
import re

import pytest
from django.urls import reverse

from mapapp.models import Role
from plans.models import Activity, Milestone, Plan, Risk, Task, TaskDependency, TaskStatus
from tests import factories

HTMX = {"HTTP_HX_REQUEST": "true"}


def url(name, obj):
    kwarg = {
        "detail": "plan_id", "lite": "plan_id", "activity": "plan_id", "task-add": "plan_id",
        "milestone-add": "plan_id", "risk-add": "plan_id", "goals-edit": "plan_id", "summary-edit": "plan_id",
        "value-edit": "plan_id", "tasks": "plan_id", "risks": "plan_id", "goals": "plan_id",
    }.get(name) or (name.split("-")[0] + "_id")
    return reverse(f"plans:{name}", kwargs={kwarg: obj.public_id})


def text(response) -> str:
    return response.content.decode()


@pytest.fixture
def milestone(plan):
    return factories.MilestoneFactory(plan=plan, organization=plan.organization, title="Security review")


@pytest.fixture
def task(plan, milestone, buyer):
    return factories.TaskFactory(
        plan=plan, organization=plan.organization, milestone=milestone, owner=buyer, title="Send the questionnaire"
    )


def task_form(task, **changes):
    data = {
        "version": task.version, "title": task.title, "side": task.side, "owner": "",
        "due_date": task.due_date.isoformat() if task.due_date else "", "status": task.status,
        "milestone": str(task.milestone.public_id) if task.milestone else "", "description": task.description,
        "blocked_reason": "",
    }
    if task.owner:
        data["owner"] = str(task.owner.public_id)
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


# The page --------------------------------------------------------------------------------

def test_the_plan_page_shows_every_part_of_the_plan(seller_client, plan, milestone, task, buyer):
    Task.objects.filter(pk=task.pk).update(status=TaskStatus.DONE)
    for i in range(2):
        factories.TaskFactory(plan=plan, organization=plan.organization, title=f"Open item {i}")
    factories.RiskFactory(plan=plan, organization=plan.organization, description="Budget freeze in Q4",
                          probability=4, impact=5, mitigation="Book the budget early", owner=buyer)
    Plan.objects.filter(pk=plan.pk).update(
        buyer_objective="Onboard 200 agents", success_criteria="Ticket time under 4 h", kpis="CSAT",
        value_proposition="Saves 1.2 M a year", payment_terms="Net 30", budget_amount="90000",
    )

    response = seller_client.get(url("detail", plan))

    assert response.status_code == 200
    page = text(response)
    assert "1 of 3 done — 33 %" in page
    for expected in (
        plan.title, "Northwind rollout", "Northwind", "Onboard 200 agents", "Ticket time under 4 h", "CSAT",
        "Saves 1.2 M a year", "Net 30", "90,000.00", "Security review", "Send the questionnaire",
        "Unassigned to a milestone", "Open item 0", "Budget freeze in Q4", "4×5 = 20", "Book the budget early",
        "Sarah Chen", 'id="stakeholders"', 'id="plan-activity"', "Add task", "Add milestone", "Add risk",
        url("lite", plan), url("activity", plan),
    ):
        assert expected in page, expected


def test_task_rows_show_owner_side_due_date_dependencies_and_internal_flag(seller_client, plan, task):
    later = factories.TaskFactory(plan=plan, organization=plan.organization, title="Review answers", internal=True,
                                  due_date=datetime.date(2020, 1, 1))
    TaskDependency.objects.create(organization=plan.organization, task=later, prerequisite=task)

    page = text(seller_client.get(url("detail", plan)))

    row = re.search(rf'<li id="task-{later.public_id}".*?</li>', page, re.DOTALL).group(0)
    assert "after: Send the questionnaire" in row
    assert "badge-internal" in row
    assert "badge-overdue" in row and "Jan. 1, 2020" in row
    assert "is-overdue" in row
    assert "2 tasks overdue" not in page and "1 task overdue" in page


def test_row_urls_built_from_a_prefix_are_the_real_urls(seller_client, plan, task):
    page = text(seller_client.get(url("detail", plan)))
    for name in ("task-status", "task-edit", "task-move", "task-delete"):
        assert f'"{url(name, task)}"' in page, name


def _plan_with_tasks(plan, count, buyer):
    milestones = [factories.MilestoneFactory(plan=plan, organization=plan.organization) for _ in range(3)]
    tasks = [
        factories.TaskFactory(plan=plan, organization=plan.organization, milestone=milestones[i % 3],
                              owner=buyer if i % 2 else None, status=TaskStatus.DONE if i % 4 == 0 else "not_started")
        for i in range(count)
    ]
    for before, after in zip(tasks, tasks[1:]):
        TaskDependency.objects.create(organization=plan.organization, task=after, prerequisite=before)
    factories.RiskFactory(plan=plan, organization=plan.organization, owner=buyer)
    return tasks


@pytest.mark.parametrize("count", [5, 100])
def test_the_plan_page_costs_the_same_queries_for_5_and_100_tasks(
    seller_client, plan, buyer, count, django_assert_num_queries
):
    _plan_with_tasks(plan, count, buyer)
    page_url = url("detail", plan)
    # 1 session, 2 user, 3 membership and organization (middleware), 4 the plan with its deal
    # (access check), 5 the live refresh stamp (plans.live), then plans.selectors.plan_page_data:
    # 6 milestones, 7 tasks, 8 dependency links, 9 the deal's stakeholders (with whether each was
    # sent a room link and their last visit, for the health badge), 10 risks, 11 the latest
    # activity, 12 slips, 13 the files of all tasks (plans.attachments), then 14 the engagement
    # panel (plans.engagement) and 15 the pending access requests
    # (plans.access_requests.pending_requests). The health badge, the projection and the slips
    # panel come from the same rows (plans.health_data.health_from, rescheduling.slip_totals_from).
    with django_assert_num_queries(15):
        response = seller_client.get(page_url)
    assert response.status_code == 200
    assert f"of {count} done" in text(response)


# Inline task editing -----------------------------------------------------------------------

def test_the_task_editor_loads_into_the_row_for_htmx_and_as_a_page_without(seller_client, task):
    inline = seller_client.get(url("task-edit", task), **HTMX)
    assert inline.status_code == 200
    assert text(inline).lstrip().startswith(f'<li id="task-{task.public_id}"')
    assert "<html" not in text(inline)
    assert 'name="depends_on"' in text(inline)

    page = seller_client.get(url("task-edit", task))
    assert page.status_code == 200
    assert "<html" in text(page) and 'name="version"' in text(page)
    assert "hx-post" not in text(page).split('id="main"')[1].split("</form>")[0]


def test_an_htmx_edit_answers_the_row_and_refreshes_progress_and_history(seller_client, task):
    response = seller_client.post(url("task-edit", task), task_form(task, title="Send it today", status="done"),
                                  **HTMX)

    assert response.status_code == 200
    body = text(response)
    assert body.lstrip().startswith(f'<li id="task-{task.public_id}"')
    assert "Send it today" in body
    assert 'id="plan-progress" aria-live="polite" hx-swap-oob="true"' in body
    assert "1 of 1 done — 100 %" in body
    assert re.search(r'id="plan-activity"\s+hx-swap-oob="true"', body)
    assert f'id="ms-{task.milestone.public_id}"' in body  # the milestone head, now complete
    task.refresh_from_db()
    assert (task.title, task.status, task.version) == ("Send it today", "done", 2)


def test_an_edit_without_htmx_redirects_to_the_row(seller_client, task):
    response = seller_client.post(url("task-edit", task), task_form(task, title="Renamed"))
    assert response.status_code == 302
    assert response["Location"].endswith(f"#task-{task.public_id}")
    task.refresh_from_db()
    assert task.title == "Renamed"


def test_cancel_answers_the_display_row(seller_client, task):
    response = seller_client.get(url("task", task), **HTMX)
    assert response.status_code == 200
    assert text(response).startswith(f'<li id="task-{task.public_id}" class="task-row')
    assert seller_client.get(url("task", task)).status_code == 302


def test_a_stale_edit_answers_409_with_both_values_and_keeps_what_was_typed(seller_client, task, seller_actor):
    from plans import services

    services.task_update(task=task, actor=seller_actor, version=1, data={"title": "Their title"})

    response = seller_client.post(url("task-edit", task), task_form(task, version=1, title="My title"), **HTMX)

    assert response.status_code == 409
    body = text(response)
    assert 'class="conflict"' in body
    panel = body.split('class="conflict"')[1].split("</table>")[0]
    assert "Their title" in panel and "My title" in panel
    assert "Current value (changed by someone else)" in panel
    assert 'value="My title"' in body  # the form keeps the typed value
    assert 'name="version" value="2"' in body  # saving again overwrites deliberately
    task.refresh_from_db()
    assert task.title == "Their title"

    again = seller_client.post(url("task-edit", task), task_form(task, version=2, title="My title"), **HTMX)
    assert again.status_code == 200
    task.refresh_from_db()
    assert task.title == "My title"


def test_a_stale_edit_without_htmx_is_a_409_page(seller_client, task, seller_actor):
    from plans import services

    services.task_update(task=task, actor=seller_actor, version=1, data={"title": "Their title"})
    response = seller_client.post(url("task-edit", task), task_form(task, version=1, title="Mine"))
    assert response.status_code == 409
    assert "<html" in text(response) and 'class="conflict"' in text(response)


def test_an_edit_of_a_task_deleted_meanwhile_shows_what_was_typed(seller_client, task, monkeypatch):
    from mapapp.concurrency import StaleEdit
    from plans import services

    def deleted(**kwargs):
        raise StaleEdit(None)

    monkeypatch.setattr(services, "task_update", deleted)
    response = seller_client.post(url("task-edit", task), task_form(task, title="Words I wrote"), **HTMX)
    assert response.status_code == 409
    body = text(response)
    assert "deleted this while you were editing" in body
    assert "Words I wrote" in body.split('class="conflict"')[1]


def test_a_dependency_cycle_is_refused_in_the_editor_with_the_cycle_named(seller_client, plan, task):
    follow_up = factories.TaskFactory(plan=plan, organization=plan.organization, title="Review answers")
    TaskDependency.objects.create(organization=plan.organization, task=follow_up, prerequisite=task)

    response = seller_client.post(
        url("task-edit", task), task_form(task, depends_on=[str(follow_up.public_id)]), **HTMX
    )

    assert response.status_code == 422
    body = text(response)
    assert "That would make a cycle: Send the questionnaire → Review answers → Send the questionnaire" in body
    assert not TaskDependency.objects.filter(task=task).exists()
    task.refresh_from_db()
    assert task.version == 1


def test_a_dependency_is_saved_and_shown_on_the_row(seller_client, plan, task):
    follow_up = factories.TaskFactory(plan=plan, organization=plan.organization, title="Review answers")
    response = seller_client.post(
        url("task-edit", follow_up), task_form(follow_up, depends_on=[str(task.public_id)]), **HTMX
    )
    assert response.status_code == 200
    assert "after: Send the questionnaire" in text(response)
    assert Activity.objects.filter(plan=plan, changes__has_key="depends_on").exists()


def test_moving_a_task_to_another_milestone_answers_all_groups(seller_client, plan, task):
    other = factories.MilestoneFactory(plan=plan, organization=plan.organization, title="Legal")
    response = seller_client.post(url("task-edit", task), task_form(task, milestone=str(other.public_id)), **HTMX)
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#task-groups"
    task.refresh_from_db()
    assert task.milestone == other


# Bad input ---------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "changes, message",
    [
        ({"title": ""}, "This field is required."),
        ({"title": "x" * 201}, "Please keep this under 200 characters (it has 201)."),
        ({"description": "x" * 5001}, "Please keep this under 5000 characters (it has 5001)."),
        ({"due_date": "2026-02-30"}, "Enter a valid date."),
        ({"status": "finished"}, "Select a valid choice."),
        ({"version": "abc"}, "Enter a whole number."),
    ],
)
def test_bad_task_input_is_refused_with_a_message(seller_client, task, changes, message):
    response = seller_client.post(url("task-edit", task), task_form(task, **changes), **HTMX)
    assert response.status_code == 422
    assert message in text(response)
    task.refresh_from_db()
    assert task.version == 1


def test_owner_milestone_and_dependency_of_another_deal_are_not_valid_choices(seller_client, org, task):
    other_plan = factories.PlanFactory(deal=factories.DealFactory(organization=org), organization=org)
    stranger = factories.StakeholderFactory(deal=other_plan.deal, organization=org)
    foreign_milestone = factories.MilestoneFactory(plan=other_plan, organization=org)
    foreign_task = factories.TaskFactory(plan=other_plan, organization=org)

    for changes in ({"owner": str(stranger.public_id)}, {"milestone": str(foreign_milestone.public_id)},
                    {"depends_on": [str(foreign_task.public_id)]}, {"owner": str(stranger.pk)}):
        response = seller_client.post(url("task-edit", task), task_form(task, **changes), **HTMX)
        assert response.status_code == 422, changes
        assert "Select a valid choice" in text(response)
    task.refresh_from_db()
    assert task.version == 1 and not TaskDependency.objects.exists()


@pytest.mark.parametrize("probability", ["0", "6", "-1", "many"])
def test_risk_probability_must_be_1_to_5(seller_client, plan, probability):
    response = seller_client.post(
        url("risk-add", plan), {"description": "Budget freeze", "probability": probability, "impact": "3"}, **HTMX
    )
    assert response.status_code == 422
    assert not Risk.objects.exists()
    assert "Probability" in text(response)


def test_hostile_text_is_escaped_everywhere_it_shows(seller_client, plan, seller_actor):
    from plans import services

    hostile = '<script>alert("x")</script>'
    milestone = services.milestone_create(plan=plan, actor=seller_actor, title=hostile)
    task = services.task_create(plan=plan, actor=seller_actor, title=hostile, milestone=milestone)
    services.risk_create(plan=plan, actor=seller_actor, description=hostile, mitigation=hostile)
    services.plan_update(plan=plan, actor=seller_actor, version=1, data={"buyer_objective": hostile, "title": hostile})
    services.task_update(task=task, actor=seller_actor, version=1, data={"description": hostile, "title": "x"})

    for page_url in (url("detail", plan), url("lite", plan), url("activity", plan), url("task-edit", task),
                     url("task-delete", task)):
        body = text(seller_client.get(page_url))
        assert "<script>alert" not in body, page_url
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in text(seller_client.get(url("detail", plan)))


# Adding, status, moving, deleting --------------------------------------------------------------

def test_quick_add_appends_a_row_with_htmx_and_redirects_without(seller_client, plan, milestone, buyer):
    data = {"title": "Architecture workshop", "side": "joint", "owner": str(buyer.public_id),
            "due_date": "2026-05-04", "milestone": str(milestone.public_id)}
    response = seller_client.post(url("task-add", plan), data, **HTMX)
    assert response.status_code == 200
    body = text(response)
    assert body.lstrip().startswith('<li id="task-') and "Architecture workshop" in body and "Sarah Chen" in body
    assert "0 of 1 done — 0 %" in body
    task = Task.objects.get(title="Architecture workshop")
    assert (task.milestone, task.owner, task.side, task.status) == (milestone, buyer, "joint", "not_started")

    response = seller_client.post(url("task-add", plan), {**data, "title": "Second"})
    assert response.status_code == 302
    assert response["Location"].endswith(f"#task-{Task.objects.get(title='Second').public_id}")


def test_quick_add_errors_come_back_on_the_form_with_what_was_typed(seller_client, plan, milestone):
    response = seller_client.post(
        url("task-add", plan), {"title": "", "side": "buyer", "due_date": "soon", "milestone": str(milestone.public_id)},
        **HTMX,
    )
    assert response.status_code == 422
    assert response["HX-Retarget"] == f"#add-{milestone.public_id}"
    body = text(response)
    assert "Title: This field is required." in body and "Due date: Enter a valid date." in body
    assert '<option value="buyer" selected>' in body
    assert not Task.objects.exists()


def test_mark_done_is_one_post_and_updates_progress(seller_client, task):
    response = seller_client.post(url("task-status", task), {"status": "done", "version": 1}, **HTMX)
    assert response.status_code == 200
    body = text(response)
    assert 'aria-pressed="true"' in body and "1 of 1 done — 100 %" in body
    task.refresh_from_db()
    assert task.status == "done"

    response = seller_client.post(url("task-status", task), {"status": "not_started", "version": 2})
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.status == "not_started"


def test_a_stale_status_change_answers_409_with_the_current_row(seller_client, task):
    Task.objects.filter(pk=task.pk).update(version=5, title="Changed elsewhere")
    response = seller_client.post(url("task-status", task), {"status": "done", "version": 1}, **HTMX)
    assert response.status_code == 409
    assert "Changed elsewhere" in text(response) and "Someone else changed this task" in text(response)
    task.refresh_from_db()
    assert task.status == "not_started"


def test_status_change_needs_post(seller_client, task):
    assert seller_client.get(url("task-status", task)).status_code == 405


def test_move_swaps_tasks_and_answers_the_group(seller_client, plan, milestone, task):
    second = factories.TaskFactory(plan=plan, organization=plan.organization, milestone=milestone, title="Second")
    response = seller_client.post(url("task-move", second), {"direction": "up"}, **HTMX)
    assert response.status_code == 200
    assert response["HX-Retarget"] == f"#list-{milestone.public_id}"
    body = text(response)
    assert body.index("Second") < body.index("Send the questionnaire")

    response = seller_client.post(url("task-move", second), {"direction": "down"})
    assert response.status_code == 302
    assert list(Task.objects.filter(milestone=milestone).order_by("order").values_list("title", flat=True)) == [
        "Send the questionnaire", "Second"]


def test_delete_without_js_asks_first_then_deletes(seller_client, plan, task):
    confirm = seller_client.get(url("task-delete", task))
    assert confirm.status_code == 200
    assert "Delete this task?" in text(confirm) and "Send the questionnaire" in text(confirm)
    assert Task.objects.filter(pk=task.pk).exists()

    response = seller_client.post(url("task-delete", task))
    assert response.status_code == 302
    assert not Task.objects.filter(pk=task.pk).exists()
    assert Activity.objects.filter(plan=plan, verb="deleted", target_type="task").exists()


def test_delete_with_htmx_removes_the_row_and_refreshes_progress(seller_client, task):
    response = seller_client.post(url("task-delete", task), **HTMX)
    assert response.status_code == 200
    body = text(response)
    assert f'id="task-{task.public_id}"' not in body
    assert "0 of 0 done — 0 %" in body


# Sections, milestones, risks ---------------------------------------------------------------

def test_a_section_edit_saves_and_answers_the_section_and_history(seller_client, plan):
    form = seller_client.get(url("goals-edit", plan), **HTMX)
    assert form.status_code == 200 and 'id="plan-goals"' in text(form)

    response = seller_client.post(url("goals-edit", plan), {
        "version": 1, "buyer_objective": "Go live before the audit", "seller_objective": "", "success_criteria": "",
        "kpis": "",
    }, **HTMX)
    assert response.status_code == 200
    body = text(response)
    assert body.lstrip().startswith('<section class="card" id="plan-goals" data-live>')
    assert "Go live before the audit" in body and "hx-swap-oob" in body
    plan.refresh_from_db()
    assert (plan.buyer_objective, plan.version) == ("Go live before the audit", 2)


def test_a_stale_section_edit_answers_409(seller_client, plan, seller_actor):
    from plans import services

    services.plan_update(plan=plan, actor=seller_actor, version=1, data={"kpis": "Their KPI"})
    response = seller_client.post(url("goals-edit", plan), {
        "version": 1, "buyer_objective": "", "seller_objective": "", "success_criteria": "", "kpis": "My KPI",
    }, **HTMX)
    assert response.status_code == 409
    assert "Their KPI" in text(response) and "My KPI" in text(response)


def test_summary_dates_are_calendar_dates(seller_client, plan):
    response = seller_client.post(url("summary-edit", plan), {
        "version": 1, "title": "MAP", "status": "shared", "target_close_date": "2026-06-30",
        "go_live_date": "2026-09-01", "checkin_cadence": "weekly", "next_checkin_date": "2026-03-02",
    })
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.target_close_date == datetime.date(2026, 6, 30)
    assert plan.status == "shared"


def test_milestones_are_added_edited_and_deleted(seller_client, plan, task):
    response = seller_client.post(url("milestone-add", plan), {"title": "Decision", "target_date": "2026-07-01"},
                                  **HTMX)
    assert response.status_code == 200
    decision = Milestone.objects.get(title="Decision")
    assert f'id="group-{decision.public_id}"' in text(response)

    response = seller_client.post(url("milestone-edit", decision),
                                  {"version": 1, "title": "Final decision", "target_date": "2026-07-02"}, **HTMX)
    assert response.status_code == 200 and "Final decision" in text(response)

    response = seller_client.post(url("milestone-delete", task.milestone), **HTMX)
    assert response.status_code == 200
    task.refresh_from_db()
    assert task.milestone is None  # the task stays, unassigned


def test_risks_are_added_edited_and_deleted(seller_client, plan, buyer):
    response = seller_client.post(url("risk-add", plan), {
        "description": "Champion leaves", "probability": "2", "impact": "5", "owner": str(buyer.public_id)}, **HTMX)
    assert response.status_code == 200 and "2×5 = 10" in text(response)
    risk = Risk.objects.get()
    response = seller_client.post(url("risk-edit", risk), {
        "version": 1, "description": "Champion leaves", "probability": "3", "impact": "5",
        "owner": str(buyer.public_id), "status": "mitigating", "mitigation": "Second champion"}, **HTMX)
    assert response.status_code == 200 and "Second champion" in text(response)
    assert seller_client.post(url("risk-delete", risk)).status_code == 302
    assert not Risk.objects.exists()


# Other pages and access ------------------------------------------------------------------

def test_lite_view_lists_open_items_by_due_date_without_edit_controls(seller_client, plan, buyer):
    factories.TaskFactory(plan=plan, organization=plan.organization, title="Later", due_date=datetime.date(2026, 9, 1))
    factories.TaskFactory(plan=plan, organization=plan.organization, title="Sooner", owner=buyer,
                          due_date=datetime.date(2026, 8, 1))
    factories.TaskFactory(plan=plan, organization=plan.organization, title="Finished", status=TaskStatus.DONE)
    factories.TaskFactory(plan=plan, organization=plan.organization, title="Seller-only note", internal=True)

    response = seller_client.get(url("lite", plan))

    assert response.status_code == 200
    body = text(response)
    assert body.index("Sooner") < body.index("Later")
    assert "Sarah Chen" in body
    assert "Finished" not in body and "Seller-only note" not in body
    assert "hx-post" not in body and "/edit/" not in body


def test_activity_page_is_paginated(seller_client, plan, seller_actor):
    from plans import services

    for i in range(55):
        services.milestone_create(plan=plan, actor=seller_actor, title=f"Step {i}")
    first = seller_client.get(url("activity", plan))
    assert first.status_code == 200
    assert "Page 1 of 2" in text(first) and "Step 54" in text(first) and "Step 0" not in text(first)
    second = seller_client.get(url("activity", plan) + "?page=2")
    assert "Step 0" in text(second)


def test_starting_a_plan_from_the_deal_opens_it(seller_client, seller, org):
    deal = factories.DealFactory(organization=org, owner=seller, buyer_company="Contoso")
    response = seller_client.post(reverse("plans:create", kwargs={"deal_id": deal.public_id}))
    plan = Plan.objects.get(deal=deal)
    assert response.status_code == 302 and response["Location"] == url("detail", plan)
    assert plan.title == "Mutual Action Plan: Contoso"
    again = seller_client.post(reverse("plans:create", kwargs={"deal_id": deal.public_id}))
    assert again["Location"] == url("detail", plan)
    assert Plan.objects.filter(deal=deal).count() == 1


def test_a_seller_who_does_not_own_or_share_the_deal_gets_404(client, other_seller, plan, task):
    client.force_login(other_seller)
    for page_url in (url("detail", plan), url("lite", plan), url("task-edit", task)):
        assert client.get(page_url).status_code == 404
    assert client.post(url("task-status", task), {"status": "done", "version": 1}).status_code == 404
    task.refresh_from_db()
    assert task.status == "not_started"


def test_a_shared_deal_is_visible_to_the_colleague(client, other_seller, plan):
    plan.deal.shares.create(organization=plan.organization, user=other_seller)
    client.force_login(other_seller)
    assert client.get(url("detail", plan)).status_code == 200


def test_a_manager_sees_every_plan_of_the_organization(client, manager, plan):
    client.force_login(manager)
    assert client.get(url("detail", plan)).status_code == 200


def test_an_outsider_gets_404(client, outsider, plan):
    client.force_login(outsider)
    assert client.get(url("detail", plan)).status_code == 404
    assert client.post(reverse("plans:create", kwargs={"deal_id": plan.deal.public_id})).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client, plan):
    response = client.get(url("detail", plan))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_roles_fixture_is_what_the_tests_assume(manager, org):
    assert manager.memberships.get(organization=org).role == Role.MANAGER


# Formatting done once per page -------------------------------------------------------------

@pytest.mark.parametrize("language", ["en", "de", "ja", "id"])
def test_page_dates_match_djangos_localized_format(language):
    from django.utils import formats, translation

    from plans.selectors import DateLabels

    with translation.override(language):
        labels = DateLabels()
        day = datetime.date(2026, 1, 1)
        for offset in range(0, 400, 7):
            date = day + datetime.timedelta(days=offset)
            assert labels(date) == formats.date_format(date, "DATE_FORMAT")
