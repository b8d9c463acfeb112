"""The buyer edits the deal room: status (blocked needs a reason) and its undo, comments, a new
date with a reason, buyer-side tasks and people; stale edits answer 409; the deal owner hears
about buyer comments and status changes by e-mail; members previewing the room cannot post."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse

from deals.models import Side, Stakeholder
from plans import room_access, services
from plans.activity import Actor
from plans.models import Activity, Comment, Slip, Task, TaskSide, TaskStatus
from tests import factories

from .test_room import open_room, room_url

HX = {"HTTP_HX_REQUEST": "true"}


def edit_url(name: str, task) -> str:
    return reverse(f"plans:room-task-{name}", kwargs={"task_id": task.public_id})


@pytest.fixture
def buyer_client(client, plan, buyer, seller):
    open_room(client, buyer, seller)
    mail.outbox.clear()  # the invitation
    return client


@pytest.fixture
def task(plan, buyer):
    return factories.TaskFactory(plan=plan, organization=plan.organization, title="Security review",
                                 side=TaskSide.BUYER, owner=buyer, due_date=datetime.date(2027, 3, 1))


def post_status(client, task, status, reason="", version=None, headers=None):
    data = {"version": task.version if version is None else version, "status": status, "reason": reason}
    return client.post(edit_url("status", task), data, **(headers or {}))


# Status -----------------------------------------------------------------------------------------

def test_the_buyer_marks_a_task_done_and_it_is_in_the_history(buyer_client, plan, task, buyer):
    response = post_status(buyer_client, task, TaskStatus.DONE)
    assert response.status_code == 302
    assert response["Location"] == f"{room_url(plan)}#task-{task.public_id}"
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE and task.completed_at is not None and task.version == 2
    activity = Activity.objects.get(plan=plan, verb="updated", target_id=task.public_id)
    assert activity.actor_stakeholder == buyer and activity.changes["status"] == ["not_started", "done"]
    assert not activity.internal


def test_htmx_status_change_answers_the_row_with_undo_and_the_progress(buyer_client, task):
    response = post_status(buyer_client, task, TaskStatus.IN_PROGRESS, headers=HX)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="task-{task.public_id}"' in html and "Undo" in html
    assert 'id="room-progress" hx-swap-oob="true"' in html
    assert response["Referrer-Policy"] == "no-referrer"


def test_blocked_without_a_reason_is_refused_and_changes_nothing(buyer_client, task):
    response = post_status(buyer_client, task, TaskStatus.BLOCKED, reason="   ", headers=HX)
    assert response.status_code == 422
    assert "Say what blocks the task" in response.content.decode()
    task.refresh_from_db()
    assert task.status == TaskStatus.NOT_STARTED and task.version == 1
    assert not Activity.objects.filter(target_id=task.public_id).exists()


def test_blocked_without_a_reason_without_js_shows_the_room_with_the_message(buyer_client, task):
    response = post_status(buyer_client, task, TaskStatus.BLOCKED)
    assert response.status_code == 422
    html = response.content.decode()
    assert "Say what blocks the task" in html and "Milestones and tasks" in html
    assert f'href="#task-{task.public_id}"' in html and "What changed since your last visit" not in html


def test_blocked_with_a_reason_shows_the_reason(buyer_client, plan, task):
    post_status(buyer_client, task, TaskStatus.BLOCKED, reason="Waiting for our CISO")
    task.refresh_from_db()
    assert task.status == TaskStatus.BLOCKED and task.blocked_reason == "Waiting for our CISO"
    assert "Waiting for our CISO" in buyer_client.get(room_url(plan)).content.decode()


def test_undo_restores_the_previous_status_and_is_recorded(buyer_client, plan, task, buyer):
    post_status(buyer_client, task, TaskStatus.BLOCKED, reason="Legal")
    task.refresh_from_db()
    post_status(buyer_client, task, TaskStatus.DONE)
    assert "Undo" in buyer_client.get(room_url(plan)).content.decode()
    response = buyer_client.post(edit_url("undo", task), **HX)
    assert response.status_code == 200
    task.refresh_from_db()
    assert task.status == TaskStatus.BLOCKED and task.blocked_reason == "Legal" and task.completed_at is None
    reverted = Activity.objects.get(plan=plan, verb="reverted")
    assert reverted.actor_stakeholder == buyer and reverted.changes["status"] == ["done", "blocked"]
    assert "Undo" not in response.content.decode()  # one undo per change
    assert buyer_client.post(edit_url("undo", task)).status_code == 422


def test_undo_after_someone_else_changed_the_task_is_refused_with_a_message(
    buyer_client, plan, task, seller
):
    post_status(buyer_client, task, TaskStatus.DONE)
    task.refresh_from_db()
    services.task_set_status(task=task, actor=Actor(user=seller), status=TaskStatus.IN_PROGRESS, version=task.version)
    response = buyer_client.post(edit_url("undo", task), **HX)
    assert response.status_code == 409
    assert "Someone changed this task after your change" in response.content.decode()
    task.refresh_from_db()
    assert task.status == TaskStatus.IN_PROGRESS
    assert not Activity.objects.filter(plan=plan, verb="reverted").exists()


def test_undo_is_only_for_the_task_the_buyer_changed(buyer_client, plan, task, buyer):
    other = factories.TaskFactory(plan=plan, organization=plan.organization, status=TaskStatus.IN_PROGRESS)
    post_status(buyer_client, task, TaskStatus.DONE)
    assert buyer_client.post(edit_url("undo", other)).status_code == 422
    other.refresh_from_db()
    assert other.status == TaskStatus.IN_PROGRESS


def test_a_stale_status_change_answers_409_with_the_current_value_and_the_attempt(buyer_client, task, seller):
    services.task_set_status(task=task, actor=Actor(user=seller), status=TaskStatus.IN_PROGRESS, version=1)
    response = post_status(buyer_client, task, TaskStatus.DONE, version=1, headers=HX)
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else changed" in html
    assert "In progress" in html and "Done" in html  # what is stored now, and what the buyer tried
    assert 'name="version" value="2"' in html  # sending again is a deliberate choice
    task.refresh_from_db()
    assert task.status == TaskStatus.IN_PROGRESS


def test_status_change_mails_the_deal_owner_once(buyer_client, task, deal, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        post_status(buyer_client, task, TaskStatus.BLOCKED, reason="Budget <b>freeze</b>")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [deal.owner.email]
    assert "Sarah Chen" in message.subject and "Security review" in message.subject
    assert "Not started → Blocked" in message.body and "Budget <b>freeze</b>" in message.body
    html = message.alternatives[0][0]
    assert "Budget &lt;b&gt;freeze&lt;/b&gt;" in html and "<b>freeze" not in html


def test_the_sellers_own_changes_mail_nobody(seller_client, task, seller, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = seller_client.post(
            reverse("plans:task-status", kwargs={"task_id": task.public_id}), {"version": 1, "status": "done"}
        )
        services.comment_create(plan=task.plan, actor=Actor(user=seller), body="Done on our side", task=task)
    assert response.status_code == 302
    assert mail.outbox == []


# Comments ---------------------------------------------------------------------------------------

def test_the_buyer_comments_and_the_thread_shows_it(buyer_client, plan, task, buyer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = buyer_client.post(edit_url("comments", task), {"body": "We start Monday", "internal": "on"}, **HX)
    assert response.status_code == 200
    comment = Comment.objects.get(task=task)
    assert comment.author_stakeholder == buyer and not comment.internal  # never internal, whatever is posted
    html = response.content.decode()
    assert "We start Monday" in html and "1 comment" in html
    assert len(mail.outbox) == 1 and "We start Monday" in mail.outbox[0].body


def test_an_empty_comment_is_refused_and_keeps_nothing(buyer_client, task):
    response = buyer_client.post(edit_url("comments", task), {"body": "   "}, **HX)
    assert response.status_code == 422
    assert "A comment cannot be empty." in response.content.decode()
    assert not Comment.objects.exists()


def test_seller_internal_comments_never_appear_in_the_room(buyer_client, plan, task, seller):
    services.comment_create(plan=plan, actor=Actor(user=seller), body="Push for Q2 discount", task=task, internal=True)
    services.comment_create(plan=plan, actor=Actor(user=seller), body="Architecture doc attached", task=task)
    html = buyer_client.get(room_url(plan)).content.decode()
    assert "Architecture doc attached" in html and "1 comment" in html
    assert "Push for Q2 discount" not in html


HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_buyer_text_is_escaped_in_the_room_and_in_the_mail(
    buyer_client, plan, task, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        buyer_client.post(edit_url("comments", task), {"body": HOSTILE})
        buyer_client.post(edit_url("date", task), {"version": 1, "due_date": "2027-03-08", "reason": HOSTILE})
    html = buyer_client.get(room_url(plan)).content.decode()
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;" in html
    comment_mail = mail.outbox[0]
    body_html = comment_mail.alternatives[0][0]
    assert "<script>" not in body_html and "<img src=x" not in body_html and "&lt;script&gt;" in body_html
    assert HOSTILE in comment_mail.body  # the text part is plain text


def test_the_seller_page_shows_the_buyers_comment_escaped(buyer_client, client, plan, task, seller):
    buyer_client.post(edit_url("comments", task), {"body": HOSTILE})
    client.force_login(seller)
    response = client.get(reverse("plans:task-comments", kwargs={"task_id": task.public_id}))
    html = response.content.decode()
    assert "<script>alert" not in html and "&lt;script&gt;" in html


# A new date -------------------------------------------------------------------------------------

def test_a_later_date_moves_the_task_and_writes_a_slip(buyer_client, plan, task, buyer):
    response = buyer_client.post(
        edit_url("date", task), {"version": 1, "due_date": "2027-03-08", "reason": "Board meets later"}, **HX
    )
    assert response.status_code == 200
    task.refresh_from_db()
    assert task.due_date == datetime.date(2027, 3, 8) and task.version == 2
    slip = Slip.objects.get(task=task)
    assert (slip.days, slip.reason, slip.actor_stakeholder, slip.actor_name) == (7, "Board meets later", buyer,
                                                                                  "Sarah Chen")
    assert slip.organization_id == plan.organization_id and slip.plan == plan
    activity = Activity.objects.get(plan=plan, verb="rescheduled")
    assert activity.changes["due_date"] == ["2027-03-01", "2027-03-08"]
    assert activity.changes["reason"] == [None, "Board meets later"]


def test_an_earlier_date_moves_the_task_without_a_slip(buyer_client, task):
    buyer_client.post(edit_url("date", task), {"version": 1, "due_date": "2027-02-20", "reason": "Faster"})
    task.refresh_from_db()
    assert task.due_date == datetime.date(2027, 2, 20)
    assert not Slip.objects.exists()


@pytest.mark.parametrize("data, message", [
    ({"due_date": "2027-03-08", "reason": ""}, "Say why the date moves"),
    ({"due_date": "", "reason": "Later"}, "Pick the new date."),
    ({"due_date": "2027-03-01", "reason": "Same"}, "already the task"),
])
def test_a_new_date_needs_a_date_and_a_reason(buyer_client, task, data, message):
    response = buyer_client.post(edit_url("date", task), {"version": 1, **data}, **HX)
    assert response.status_code == 422
    assert message in response.content.decode()
    task.refresh_from_db()
    assert task.due_date == datetime.date(2027, 3, 1) and task.version == 1
    assert not Slip.objects.exists()


def test_a_stale_new_date_answers_409_and_keeps_what_was_typed(buyer_client, task, seller):
    services.task_update(task=task, actor=Actor(user=seller), version=1, data={"due_date": datetime.date(2027, 3, 4)})
    response = buyer_client.post(
        edit_url("date", task), {"version": 1, "due_date": "2027-03-15", "reason": "Holidays"}, **HX
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "Holidays" in html and 'value="2027-03-15"' in html  # the attempt is still in the form
    assert "Someone else changed" in html
    task.refresh_from_db()
    assert task.due_date == datetime.date(2027, 3, 4)
    assert Slip.objects.filter(task=task, actor_stakeholder__isnull=True).count() == 1  # only the seller's


# Buyer-side tasks and people ------------------------------------------------------------------

def test_the_buyer_adds_a_task_on_the_buyer_side(buyer_client, plan, buyer):
    milestone = factories.MilestoneFactory(plan=plan, organization=plan.organization)
    response = buyer_client.post(reverse("plans:room-task-add", kwargs={"plan_id": plan.public_id}), {
        "title": "Sign the DPA", "owner": buyer.public_id, "due_date": "2027-04-01", "milestone": milestone.public_id,
        "internal": "on", "side": "seller",
    })
    task = Task.objects.get(title="Sign the DPA")
    assert response.status_code == 302 and response["Location"].endswith(f"#task-{task.public_id}")
    assert (task.side, task.owner, task.milestone, task.internal) == (TaskSide.BUYER, buyer, milestone, False)
    assert Activity.objects.get(verb="created", target_id=task.public_id).actor_stakeholder == buyer


def test_a_buyer_task_cannot_be_owned_by_the_seller_side(buyer_client, plan, deal):
    rep = factories.StakeholderFactory(deal=deal, side=Side.SELLER, name="Sam Rep")
    response = buyer_client.post(reverse("plans:room-task-add", kwargs={"plan_id": plan.public_id}),
                                 {"title": "Sign the DPA", "owner": rep.public_id})
    assert response.status_code == 422
    assert "Sign the DPA" in response.content.decode()  # what was typed is shown again
    assert not Task.objects.filter(title="Sign the DPA").exists()


def test_the_buyer_adds_and_edits_people_on_their_side(buyer_client, plan, deal, buyer):
    response = buyer_client.post(reverse("plans:room-stakeholder-add", kwargs={"plan_id": plan.public_id}), {
        "name": "Ken Ito", "title": "CISO", "email": "KEN@northwind.example", "phone": "+81 3 1234",
        "decision_role": "technical_evaluator", "availability": "Away in August", "timezone": "Asia/Tokyo",
        "language": "ja", "side": "seller",
    })
    assert response.status_code == 302
    ken = Stakeholder.objects.get(name="Ken Ito")
    assert (ken.side, ken.email, ken.timezone, ken.language) == (Side.BUYER, "ken@northwind.example", "Asia/Tokyo", "ja")
    edit = reverse("plans:room-stakeholder-edit", kwargs={"stakeholder_id": ken.public_id})
    assert "CISO" in buyer_client.get(edit).content.decode()
    response = buyer_client.post(edit, {"version": ken.version, "name": "Ken Ito", "title": "CTO", "side": "seller"})
    assert response.status_code == 302
    ken.refresh_from_db()
    assert ken.title == "CTO" and ken.side == Side.BUYER
    assert Activity.objects.filter(target_id=ken.public_id, actor_stakeholder=buyer).count() == 2


def test_the_buyer_cannot_edit_seller_side_people(buyer_client, deal):
    rep = factories.StakeholderFactory(deal=deal, side=Side.SELLER, name="Sam Rep")
    url = reverse("plans:room-stakeholder-edit", kwargs={"stakeholder_id": rep.public_id})
    assert buyer_client.get(url).status_code == 404
    assert buyer_client.post(url, {"version": 1, "name": "pwned"}).status_code == 404
    rep.refresh_from_db()
    assert rep.name == "Sam Rep"


def test_a_stale_person_edit_answers_409_with_both_values(buyer_client, deal, buyer, seller):
    from deals.services import stakeholder_update

    stakeholder_update(stakeholder=buyer, actor=Actor(user=seller), version=1, data={"title": "COO"})
    url = reverse("plans:room-stakeholder-edit", kwargs={"stakeholder_id": buyer.public_id})
    response = buyer_client.post(url, {"version": 1, "name": "Sarah Chen", "title": "CFO"})
    assert response.status_code == 409
    html = response.content.decode()
    assert "COO" in html and "CFO" in html and "Save my version" in html
    buyer.refresh_from_db()
    assert buyer.title == "COO"


# Scope -----------------------------------------------------------------------------------------

def test_internal_tasks_and_other_rooms_tasks_answer_404(buyer_client, plan, org, seller):
    hidden = factories.TaskFactory(plan=plan, organization=org, title="Discount approval", internal=True)
    other_deal = factories.DealFactory(organization=org, owner=seller)
    other_plan = factories.PlanFactory(deal=other_deal, organization=org)
    foreign = factories.TaskFactory(plan=other_plan, organization=org)
    for victim in (hidden, foreign):
        for name in ("status", "date", "comments", "undo"):
            response = buyer_client.post(edit_url(name, victim), {"version": 1, "status": "done", "body": "x",
                                                                   "due_date": "2030-01-01", "reason": "x"})
            assert response.status_code == 404, (victim.title, name)
    hidden.refresh_from_db()
    foreign.refresh_from_db()
    assert hidden.status == foreign.status == TaskStatus.NOT_STARTED
    assert not Comment.objects.exists() and not Slip.objects.exists()


def test_a_member_previewing_the_room_sees_no_edit_controls_and_cannot_post(client, plan, task, seller):
    client.force_login(seller)
    html = client.get(room_url(plan)).content.decode()
    assert "Preview" in html and "Propose new date" not in html and "Update status" not in html
    assert post_status(client, task, TaskStatus.DONE).status_code == 404
    task.refresh_from_db()
    assert task.status == TaskStatus.NOT_STARTED


def test_a_revoked_buyer_can_no_longer_edit(buyer_client, task, buyer, seller):
    room_access.buyer_revoke(stakeholder=buyer, actor=Actor(user=seller))
    assert post_status(buyer_client, task, TaskStatus.DONE).status_code == 404


def test_the_room_shows_the_edit_controls_to_the_buyer(buyer_client, plan, task):
    html = buyer_client.get(room_url(plan)).content.decode()
    for text in ("Update status", "Propose new date", "0 comments", "Add a task on your side",
                 "Add a person on your side", edit_url("status", task)):
        assert text in html, text


# The mail task ----------------------------------------------------------------------------------

def test_the_mail_task_reloads_inside_the_organization_and_skips_what_it_may_not_send(
    plan, task, buyer, outsider, seller
):
    from plans.tasks import send_room_change_notice

    other_org = outsider.memberships.get().organization
    send_room_change_notice(organization_id=other_org.pk, task_id=task.pk, stakeholder_id=buyer.pk, kind="status",
                            old_status="not_started", new_status="done")
    assert mail.outbox == []  # ids of another organization find nothing
    comment = services.comment_create(plan=plan, actor=Actor(user=seller), body="Seller only", task=task,
                                      internal=True)
    send_room_change_notice(organization_id=plan.organization_id, task_id=task.pk, stakeholder_id=buyer.pk,
                            kind="comment", comment_id=comment.pk)
    assert mail.outbox == []  # never an internal comment
    Task.objects.filter(pk=task.pk).update(internal=True)
    send_room_change_notice(organization_id=plan.organization_id, task_id=task.pk, stakeholder_id=buyer.pk,
                            kind="status", old_status="not_started", new_status="done")
    assert mail.outbox == []  # nor about a task that became internal
    Task.objects.filter(pk=task.pk).update(internal=False)
    send_room_change_notice(organization_id=plan.organization_id, task_id=task.pk, stakeholder_id=buyer.pk,
                            kind="status", old_status="not_started", new_status="done")
    assert len(mail.outbox) == 1 and "Not started → Done" in mail.outbox[0].body


def test_another_buyer_cannot_undo_someone_elses_change(buyer_client, client_factory, plan, task, deal, seller):
    post_status(buyer_client, task, TaskStatus.DONE)
    colleague = factories.StakeholderFactory(deal=deal, name="Ken Ito")
    other = client_factory()
    open_room(other, colleague, seller)
    assert other.post(edit_url("undo", task)).status_code == 422
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE


@pytest.fixture
def client_factory():
    from django.test import Client

    return Client


# Forms loaded on demand ------------------------------------------------------------------------

def test_room_rows_carry_the_status_form_and_load_the_date_and_comment_forms_on_demand(buyer_client, plan, task):
    html = buyer_client.get(room_url(plan)).content.decode()
    row_url = reverse("plans:room-task", kwargs={"task_id": task.public_id})
    assert f'action="{edit_url("status", task)}"' in html
    assert f'hx-get="{row_url}?form=date&amp;version={task.version}"' in html
    assert f'hx-get="{row_url}?form=comment"' in html
    # Without JavaScript both lead to the task's page.
    assert f'<a class="room-more" href="{row_url}">' in html
    assert f'action="{edit_url("date", task)}"' not in html and f'action="{edit_url("comments", task)}"' not in html


def test_the_date_form_loads_with_the_version_of_the_row_the_buyer_sees(buyer_client, task, seller):
    url = reverse("plans:room-task", kwargs={"task_id": task.public_id})
    response = buyer_client.get(url, {"form": "date", "version": "1"}, **HX)
    html = response.content.decode()
    assert response.status_code == 200 and response["Referrer-Policy"] == "no-referrer"
    assert html.startswith("<form") and f'action="{edit_url("date", task)}"' in html
    assert 'name="version" value="1"' in html and 'value="2027-03-01"' in html and "Why the date moves" in html
    # Changed by the seller since: the form keeps the version the buyer saw, so sending it answers 409.
    services.task_update(task=task, actor=Actor(user=seller), version=1, data={"due_date": datetime.date(2027, 3, 4)})
    assert 'name="version" value="1"' in buyer_client.get(url, {"form": "date", "version": "1"}, **HX).content.decode()
    assert 'name="version" value="2"' in buyer_client.get(url, {"form": "date", "version": "x"}, **HX).content.decode()


def test_the_comment_form_loads_alone(buyer_client, task):
    url = reverse("plans:room-task", kwargs={"task_id": task.public_id})
    html = buyer_client.get(url, {"form": "comment"}, **HX).content.decode()
    assert html.startswith("<form") and f'action="{edit_url("comments", task)}"' in html and "Add a comment" in html
    assert "Update status" not in html


def test_without_js_the_task_page_has_every_form(buyer_client, plan, task):
    response = buyer_client.get(reverse("plans:room-task", kwargs={"task_id": task.public_id}))
    html = response.content.decode()
    assert response.status_code == 200 and response["Referrer-Policy"] == "no-referrer"
    for name in ("status", "date", "comments"):
        assert f'action="{edit_url(name, task)}"' in html, name
    assert "Security review" in html and f'href="{room_url(plan)}#task-{task.public_id}"' in html


def test_a_refused_new_date_without_js_shows_its_form_in_the_row(buyer_client, plan, task):
    response = buyer_client.post(edit_url("date", task), {"version": 1, "due_date": "2027-03-08", "reason": ""})
    assert response.status_code == 422
    html = response.content.decode()
    assert f'action="{edit_url("date", task)}"' in html and 'value="2027-03-08"' in html
    assert "Say why the date moves" in html
