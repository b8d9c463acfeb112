"""Moving a task's date on the seller's plan page when its dependants would have to move:
the "also moves" confirmation (HTMX in the row, a page of its own without JS), then Move all /
Move only this task through rescheduling.task_reschedule."""

import datetime

import pytest
from django.urls import reverse

from plans import services
from plans.activity import Actor
from plans.models import Activity, Slip, Task, TaskDependency
from tests import factories

HTMX = {"HTTP_HX_REQUEST": "true"}
D = datetime.date


def edit_url(task):
    return reverse("plans:task-edit", kwargs={"task_id": task.public_id})


def form(task, **changes):
    data = {
        "version": task.version, "title": task.title, "side": task.side, "owner": "",
        "due_date": task.due_date.isoformat(), "status": task.status, "milestone": "", "description": "",
        "blocked_reason": "",
    }
    data.update(changes)
    return data


@pytest.fixture
def chain(plan):
    """Mon 1 Mar 2027: A → B → C, one business day each, and D on its own."""
    org = plan.organization

    def make(title, due):
        return factories.TaskFactory(plan=plan, organization=org, title=title, due_date=due)

    a = make("Architecture doc", D(2027, 3, 1))
    b = make("Security review", D(2027, 3, 2))
    c = make("Legal review", D(2027, 3, 3))
    d = make("Kickoff call", D(2027, 3, 1))
    TaskDependency.objects.create(organization=org, task=b, prerequisite=a)
    TaskDependency.objects.create(organization=org, task=c, prerequisite=b)
    return {"a": a, "b": b, "c": c, "d": d}


def dues(plan):
    return dict(Task.objects.filter(plan=plan).values_list("title", "due_date"))


def test_a_date_that_moves_dependants_asks_first_listing_exactly_the_moves(seller_client, chain, plan):
    a = chain["a"]
    before = dues(plan)
    response = seller_client.post(edit_url(a), form(a, due_date="2027-03-03"), **HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Moving “Architecture doc” to" in body and "also moves:" in body
    moved = body.split('class="also-moves"')[1].split("</ul>")[0]
    assert moved.count("<li") == 2
    assert "Security review" in moved and 'datetime="2027-03-02"' in moved and 'datetime="2027-03-04"' in moved
    assert "Legal review" in moved and 'datetime="2027-03-03"' in moved and 'datetime="2027-03-05"' in moved
    assert "Kickoff call" not in moved and "Architecture doc" not in moved
    assert 'name="cascade" value="all"' in body and 'name="cascade" value="one"' in body
    assert 'hx-post="%s"' % edit_url(a) in body
    # Nothing is written before the confirmation.
    assert dues(plan) == before and not Slip.objects.exists()


def test_move_all_applies_the_cascade_and_writes_slips_with_the_side(seller_client, chain, plan, seller):
    a = chain["a"]
    response = seller_client.post(
        edit_url(a), form(a, due_date="2027-03-03", cascade="all", reason="Architect was ill",
                          moves=f"{a.public_id}:2027-03-03;{chain['b'].public_id}:2027-03-04;"
                                f"{chain['c'].public_id}:2027-03-05"),
        **HTMX,
    )
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#task-groups"
    assert dues(plan) == {"Architecture doc": D(2027, 3, 3), "Security review": D(2027, 3, 4),
                          "Legal review": D(2027, 3, 5), "Kickoff call": D(2027, 3, 1)}
    slips = {s.task.title: (s.days, s.side, s.reason, s.actor_user) for s in Slip.objects.filter(plan=plan)}
    assert slips == {
        "Architecture doc": (2, "seller", "Architect was ill", seller),
        "Security review": (2, "seller", "Architect was ill", seller),
        "Legal review": (2, "seller", "Architect was ill", seller),
    }
    assert Activity.objects.filter(plan=plan, verb="rescheduled").count() == 3
    # The answer holds the moved rows and progress/history out of band.
    body = response.content.decode()
    assert f'id="task-{chain["c"].public_id}"' in body and 'id="plan-progress"' in body


def test_move_only_this_task_moves_one(seller_client, chain, plan):
    a = chain["a"]
    response = seller_client.post(edit_url(a), form(a, due_date="2027-03-03", cascade="one"), **HTMX)
    assert response.status_code == 200
    assert dues(plan)["Architecture doc"] == D(2027, 3, 3)
    assert dues(plan)["Security review"] == D(2027, 3, 2) and dues(plan)["Legal review"] == D(2027, 3, 3)
    assert list(Slip.objects.filter(plan=plan).values_list("task__title", "reason")) == [("Architecture doc", "")]


def test_the_other_fields_of_the_editor_are_saved_with_the_move(seller_client, chain, plan):
    a = chain["a"]
    seller_client.post(edit_url(a), form(a, due_date="2027-03-03", title="Architecture document v2", cascade="one"),
                       **HTMX)
    a.refresh_from_db()
    assert (a.title, a.due_date) == ("Architecture document v2", D(2027, 3, 3))


def test_a_date_that_moves_nothing_else_saves_directly(seller_client, chain, plan):
    c = chain["c"]
    response = seller_client.post(edit_url(c), form(c, due_date="2027-03-10"), **HTMX)
    assert response.status_code == 200 and "also moves" not in response.content.decode()
    assert dues(plan)["Legal review"] == D(2027, 3, 10)
    assert Slip.objects.get().days == 7


def test_an_earlier_date_that_moves_nothing_saves_directly(seller_client, chain, plan):
    b = chain["b"]
    seller_client.post(edit_url(b), form(b, due_date="2027-03-01"), **HTMX)
    assert dues(plan)["Security review"] == D(2027, 3, 1) and dues(plan)["Legal review"] == D(2027, 3, 3)


def test_a_list_that_changed_since_it_was_shown_is_shown_again(seller_client, chain, plan):
    a = chain["a"]
    response = seller_client.post(edit_url(a), form(a, due_date="2027-03-03", cascade="all", moves="stale"), **HTMX)
    assert "changed meanwhile" in response.content.decode()
    assert dues(plan)["Architecture doc"] == D(2027, 3, 1)


def test_a_stale_version_answers_409_and_moves_nothing(seller_client, chain, plan, seller):
    a = chain["a"]
    services.task_update(task=a, actor=Actor(user=seller), version=1, data={"title": "Their title"})
    for extra in ({}, {"cascade": "all"}, {"cascade": "one"}):
        response = seller_client.post(edit_url(a), form(a, version=1, due_date="2027-03-03", **extra), **HTMX)
        assert response.status_code == 409
        assert 'class="conflict"' in response.content.decode()
    assert dues(plan)["Their title"] == D(2027, 3, 1) and not Slip.objects.exists()


def test_without_js_the_confirmation_is_a_page_and_the_move_redirects(seller_client, chain, plan):
    a = chain["a"]
    page = seller_client.post(edit_url(a), form(a, due_date="2027-03-03"))
    body = page.content.decode()
    assert page.status_code == 200 and "<html" in body and "also moves:" in body and "hx-post" not in body
    assert 'name="due_date" value="2027-03-03"' in body and 'name="moves"' in body
    signature = body.split('name="moves" value="')[1].split('"')[0]
    done = seller_client.post(edit_url(a), form(a, due_date="2027-03-03", cascade="all", moves=signature))
    assert done.status_code == 302 and done["Location"].endswith(f"#task-{a.public_id}")
    assert dues(plan)["Legal review"] == D(2027, 3, 5)


def test_a_too_long_reason_is_shown_on_the_confirmation(seller_client, chain, plan):
    a = chain["a"]
    response = seller_client.post(edit_url(a), form(a, due_date="2027-03-03", cascade="one", reason="x" * 1001),
                                  **HTMX)
    assert response.status_code == 422 and "under 1000 characters" in response.content.decode()
    assert dues(plan)["Architecture doc"] == D(2027, 3, 1)


def test_another_organization_gets_404_and_nothing_moves(client, chain, plan, outsider):
    client.force_login(outsider)
    a = chain["a"]
    for extra in ({}, {"cascade": "all"}):
        assert client.post(edit_url(a), form(a, due_date="2027-03-03", **extra), **HTMX).status_code == 404
    assert dues(plan)["Architecture doc"] == D(2027, 3, 1)
