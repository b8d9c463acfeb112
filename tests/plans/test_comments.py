"""Comments on tasks from the plan page: the count on the row, the thread opened under it,
adding a comment with and without HTMX, refused input, and who may see it."""

import datetime
import re

import pytest
from django.urls import reverse

from plans import services
from plans.activity import Actor
from plans.models import Activity, Comment, TaskStatus
from tests import factories

HTMX = {"HTTP_HX_REQUEST": "true"}
HOSTILE = '<script>alert("x")</script>'


def comments_url(task):
    return reverse("plans:task-comments", kwargs={"task_id": task.public_id})


def plan_url(plan):
    return reverse("plans:detail", kwargs={"plan_id": plan.public_id})


def text(response) -> str:
    return response.content.decode()


def row_of(page: str, task) -> str:
    return re.search(rf'<li id="task-{task.public_id}".*?</li>', page, re.DOTALL).group(0)


@pytest.fixture
def task(plan, buyer):
    return factories.TaskFactory(plan=plan, organization=plan.organization, owner=buyer, title="Send the questionnaire")


def comment(task, actor, body, internal=False):
    return services.comment_create(plan=task.plan, actor=actor, task=task, body=body, internal=internal)


# The row -------------------------------------------------------------------------------------

def test_a_row_shows_its_comment_count_but_not_the_comments(seller_client, plan, task, seller_actor):
    quiet = factories.TaskFactory(plan=plan, organization=plan.organization, title="Nobody said anything")
    for body in ("First thought", "Second thought", "Third thought"):
        comment(task, seller_actor, body)

    page = text(seller_client.get(plan_url(plan)))

    row = row_of(page, task)
    assert re.search(r'<a class="comment-count"[^>]*><span aria-hidden="true">3</span><span class="visually-hidden">3 comments</span></a>', row)
    assert f'href="{comments_url(task)}" hx-get="{comments_url(task)}"' in row  # prefix-built = reversed
    assert 'class="comment-count"' not in row_of(page, quiet)
    assert f'href="{comments_url(quiet)}"' in row_of(page, quiet)  # the "Comments" action
    # The thread is loaded on demand only (the history card quotes the latest comments, that is all).
    assert 'class="thread"' not in page and 'class="comment-body"' not in page
    assert "First thought" not in page.split('id="plan-activity"')[0]


def test_one_comment_is_counted_in_the_singular(seller_client, plan, task, seller_actor):
    comment(task, seller_actor, "Only one")
    row = row_of(text(seller_client.get(plan_url(plan))), task)
    assert '<span aria-hidden="true">1</span><span class="visually-hidden">1 comment</span>' in row


def _plan_with_commented_tasks(plan, count, buyer):
    milestones = [factories.MilestoneFactory(plan=plan, organization=plan.organization) for _ in range(3)]
    tasks = [
        factories.TaskFactory(plan=plan, organization=plan.organization, milestone=milestones[i % 3],
                              owner=buyer if i % 2 else None, status=TaskStatus.DONE if i % 4 == 0 else "not_started")
        for i in range(count)
    ]
    actor = Actor(stakeholder=buyer)
    for i, task in enumerate(tasks):
        for n in range(i % 3):  # 0, 1 or 2 comments per task
            Comment.objects.create(organization=plan.organization, plan=plan, task=task, author_stakeholder=buyer,
                                   body=f"Comment {n}")
    services.comment_create(plan=plan, actor=actor, body="On the plan itself, not a task")
    return tasks


@pytest.mark.parametrize("count", [5, 100])
def test_the_counts_cost_no_query_of_their_own(seller_client, plan, buyer, count, django_assert_num_queries):
    tasks = _plan_with_commented_tasks(plan, count, buyer)
    # 1 session, 2 user, 3 membership and organization, 4 the plan with its deal, 5 the live
    # refresh stamp (plans.live), then plans.selectors.plan_page_data: 6 milestones, 7 tasks with
    # their comment counts, 8 dependency links, 9 stakeholders, 10 risks, 11 the latest activity,
    # 12 slips, 13 the files of all tasks, then 14 the engagement panel (plans.engagement) and
    # 15 the pending access requests (plans.access_requests.pending_requests).
    with django_assert_num_queries(15):
        response = seller_client.get(plan_url(plan))
    page = text(response)
    done = sum(1 for i in range(count) if i % 4 == 0)
    assert f"{done} of {count} done" in page  # the join did not multiply the tasks
    assert page.count('class="task-row') == count
    for i, task in enumerate(tasks[:6]):
        row = row_of(page, task)
        shown = f'<span aria-hidden="true">{i % 3}</span>' in row and 'class="comment-count"' in row
        assert shown is bool(i % 3), (i, row)


# The thread ------------------------------------------------------------------------------------

def test_the_thread_opens_under_the_row_oldest_first_with_hostile_text_escaped(
    seller_client, task, seller_actor, buyer
):
    first = comment(task, Actor(stakeholder=buyer), f"{HOSTILE}\nsecond line")
    Comment.objects.filter(pk=first.pk).update(created_at=first.created_at - datetime.timedelta(hours=3))
    comment(task, seller_actor, "Our pricing floor is 90k", internal=True)

    response = seller_client.get(comments_url(task), **HTMX)

    assert response.status_code == 200
    body = text(response)
    assert body.lstrip().startswith(f'<li id="task-{task.public_id}" class="task-row')
    # Inside the row, after its form (and the row's files block, empty here).
    files = rf'<div class="files" id="files-{task.public_id}"></div>'
    assert re.search(rf"</form>{files}\s*<section class=\"thread\".*</section>\s*</li>\s*$", body, re.DOTALL)
    assert "<html" not in body
    thread = body.split('class="thread"')[1]
    assert "<script>alert" not in body
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;<br>second line" in thread
    assert thread.index("Sarah Chen") < thread.index("Sam Seller")  # oldest first
    assert thread.index("alert") < thread.index("pricing floor")
    assert '<span class="badge badge-buyer">Buyer</span>' in thread
    first, second = thread.split('<li class="comment"')[1:3]
    assert "badge-internal" not in first and "badge-internal" in second
    assert "3\xa0hours ago" in first  # relative, and the absolute time next to it
    assert re.search(r'<time datetime="[^"]+"><span class="when">[^<]+</span> <span class="when-full">· [^<]*\d{4}[^<]*</span>', first)
    assert 'name="body"' in thread and "Add comment" in thread and "Internal to the seller team" in thread
    assert f'hx-post="{comments_url(task)}"' in thread
    # Close loads the display row again; the count link exists for the out-of-band update.
    row_url = reverse("plans:task", kwargs={"task_id": task.public_id})
    assert f'hx-get="{row_url}" hx-target="#task-{task.public_id}"' in thread
    assert f'id="cc-{task.public_id}"' in body


def test_a_task_without_comments_opens_an_empty_thread_with_a_hidden_count_to_update(seller_client, task):
    body = text(seller_client.get(comments_url(task), **HTMX))
    assert "No comments yet." in body
    assert re.search(rf'<a class="comment-count" id="cc-{task.public_id}"[^>]* hidden', body)
    assert 'name="internal" checked' not in body


def test_on_an_internal_task_the_internal_box_is_ticked_and_the_comment_internal(seller_client, plan):
    secret = factories.TaskFactory(plan=plan, organization=plan.organization, internal=True, title="Margin check")
    body = text(seller_client.get(comments_url(secret), **HTMX))
    assert re.search(r'name="internal" checked disabled', body)
    assert "This task is internal, so its comments are too." in body

    seller_client.post(comments_url(secret), {"body": "Margin is fine"}, **HTMX)  # a disabled box posts nothing
    assert Comment.objects.get(task=secret).internal is True


def test_without_htmx_the_thread_is_a_page_of_its_own(seller_client, task, seller_actor):
    comment(task, seller_actor, "Visible on its own page")
    response = seller_client.get(comments_url(task))
    assert response.status_code == 200
    body = text(response)
    assert "<html" in body and "Comments on “Send the questionnaire”" in body
    assert "Visible on its own page" in body
    form = body.split('class="comment-form"')[1].split("</form>")[0]
    assert "hx-post" not in form and f'action="{comments_url(task)}"' in form


# Adding a comment --------------------------------------------------------------------------------

def test_an_htmx_comment_answers_the_thread_the_count_and_the_history(seller_client, plan, task, seller):
    response = seller_client.post(comments_url(task), {"body": "We sent it on Monday.\nPlease confirm."}, **HTMX)

    assert response.status_code == 200
    body = text(response)
    assert body.lstrip().startswith(f'<section class="thread" id="thread-{task.public_id}"')
    thread = body.split("</section>")[0]
    assert "We sent it on Monday.<br>Please confirm." in thread and "Sam Seller" in thread
    assert re.search(r'<textarea[^>]*name="body"[^>]*>\s*</textarea>', thread)  # cleared for the next one
    assert re.search(rf'<a class="comment-count" id="cc-{task.public_id}"[^>]*hx-swap-oob="true"', body)
    assert '<span aria-hidden="true">1</span><span class="visually-hidden">1 comment</span>' in body
    assert re.search(r'id="plan-activity"\s+hx-swap-oob="true"', body)
    assert "commented on task “Send the questionnaire”" in body

    saved = Comment.objects.get(task=task)
    assert (saved.body, saved.author_user, saved.plan, saved.internal) == (
        "We sent it on Monday.\nPlease confirm.", seller, plan, False)
    assert Activity.objects.filter(plan=plan, verb="commented", target_id=task.public_id, actor_user=seller).exists()


def test_an_internal_comment_is_marked_and_the_box_stays_ticked_for_the_next_one(seller_client, task):
    response = seller_client.post(comments_url(task), {"body": "Seller-only", "internal": "on"}, **HTMX)
    assert response.status_code == 200
    assert Comment.objects.get(task=task).internal is True
    assert Activity.objects.get(verb="commented").internal is True
    thread = text(response).split("</section>")[0]
    assert "badge-internal" in thread and 'name="internal" checked' in thread


def test_without_htmx_a_comment_redirects_back_to_the_thread(seller_client, task):
    response = seller_client.post(comments_url(task), {"body": "No JavaScript here"})

    saved = Comment.objects.get(task=task)
    assert response.status_code == 302
    assert response["Location"] == f"{comments_url(task)}#comment-{saved.public_id}"
    page = text(seller_client.get(response["Location"]))
    assert "No JavaScript here" in page and "Your comment was added." in page


@pytest.mark.parametrize(
    "typed, message",
    [
        ("", "A comment cannot be empty."),
        ("   \n\t  ", "A comment cannot be empty."),
        ("x" * 5001, "Please keep this under 5000 characters (it has 5001)."),
    ],
)
@pytest.mark.parametrize("headers", [HTMX, {}], ids=["htmx", "no-js"])
def test_an_empty_or_oversized_comment_is_refused_and_what_was_typed_stays(
    seller_client, task, typed, message, headers
):
    response = seller_client.post(comments_url(task), {"body": typed, "internal": "on"}, **headers)

    assert response.status_code == 422
    body = text(response)
    assert message in body
    assert re.search(r'<textarea[^>]*aria-invalid="true"[^>]*>\n' + re.escape(typed) + "</textarea>", body)
    assert 'name="internal" checked' in body
    assert not Comment.objects.exists()
    assert not Activity.objects.filter(verb="commented").exists()
    if headers:
        assert body.lstrip().startswith(f'<section class="thread" id="thread-{task.public_id}"')
        assert "hx-swap-oob" not in body
    else:
        assert "<html" in body


def test_5000_characters_are_fine(seller_client, task):
    response = seller_client.post(comments_url(task), {"body": "x" * 5000}, **HTMX)
    assert response.status_code == 200
    assert len(Comment.objects.get(task=task).body) == 5000


# Access ------------------------------------------------------------------------------------------

def test_a_colleague_with_a_shared_deal_may_comment(client, other_seller, plan, task):
    plan.deal.shares.create(organization=plan.organization, user=other_seller)
    client.force_login(other_seller)
    assert client.post(comments_url(task), {"body": "From a colleague"}, **HTMX).status_code == 200
    assert Comment.objects.get(task=task).author_user == other_seller


@pytest.mark.parametrize("who", ["other_seller", "outsider"])
def test_a_seller_without_the_deal_and_an_outsider_get_404_and_change_nothing(
    client, request, who, task, seller_actor
):
    comment(task, seller_actor, "Our pricing floor is 90k", internal=True)
    client.force_login(request.getfixturevalue(who))
    for headers in ({}, HTMX):
        for response in (client.get(comments_url(task), **headers),
                         client.post(comments_url(task), {"body": "Let me in"}, **headers)):
            assert response.status_code == 404
            assert "pricing floor" not in text(response)
    assert list(Comment.objects.values_list("body", flat=True)) == ["Our pricing floor is 90k"]


def test_anonymous_visitors_are_sent_to_log_in(client, task):
    response = client.post(comments_url(task), {"body": "Hello"})
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert not Comment.objects.exists()
