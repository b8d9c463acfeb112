"""Two editors, one version, at the same moment, on real Postgres: each thread has its own
connection and its own transaction; exactly one edit wins, the other is told it is stale, and
no update is lost (the loser's value is nowhere, the winner's is stored and in the history)."""

import datetime
import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from mapapp.concurrency import StaleEdit
from plans import room_access, services, slips
from plans.activity import Actor
from plans.models import Activity, Slip, Task, TaskSide, TaskStatus
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


def run_together(*jobs):
    """Run each job in its own thread (own DB connection). A job is called first to prepare
    (load its copy of the row, as a request would) and answers the edit to make; a barrier
    then starts the edits at once, so both really were made on the same version."""
    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)

    def worker(index, job):
        try:
            edit = job()
            barrier.wait(timeout=10)
            results[index] = edit()
        except Exception as error:  # noqa: BLE001 - the outcome is what the test checks
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)
    return results


@pytest.fixture
def cast(db):
    org = factories.OrganizationFactory()
    seller = factories.MembershipFactory(organization=org).user
    deal = factories.DealFactory(organization=org, owner=seller)
    plan = factories.PlanFactory(deal=deal, organization=org)
    buyer = factories.StakeholderFactory(deal=deal, name="Sarah Chen")
    colleague = factories.StakeholderFactory(deal=deal, name="Ken Ito")
    task = factories.TaskFactory(plan=plan, organization=org, side=TaskSide.BUYER, owner=buyer,
                                 due_date=datetime.date(2027, 3, 1))
    return {"seller": seller, "buyer": buyer, "colleague": colleague, "task": task, "plan": plan}


def fresh(task) -> Task:
    # Each thread loads its own copy, as two requests would.
    return Task.objects.select_related("plan").get(pk=task.pk)


def test_two_status_changes_on_one_version_exactly_one_wins(cast):
    task, buyer, colleague = cast["task"], cast["buyer"], cast["colleague"]
    def done():
        copy = fresh(task)
        return lambda: services.room_task_set_status(task=copy, stakeholder=buyer, status=TaskStatus.DONE, version=1)

    def blocked():
        copy = fresh(task)
        return lambda: services.room_task_set_status(
            task=copy, stakeholder=colleague, status=TaskStatus.BLOCKED, version=1, reason="Waiting for legal"
        )

    results = run_together(done, blocked)
    stale = [r for r in results if isinstance(r, StaleEdit)]
    won = [r for r in results if isinstance(r, dict)]
    assert len(stale) == 1 and len(won) == 1, results
    task.refresh_from_db()
    assert task.version == 2
    winner = TaskStatus.DONE if results[0] is won[0] else TaskStatus.BLOCKED
    assert task.status == winner
    history = Activity.objects.filter(target_id=task.public_id)
    assert history.count() == 1 and history.get().changes["status"][1] == winner


def test_a_buyers_date_and_a_sellers_status_on_one_version_exactly_one_wins(cast):
    task, buyer, seller = cast["task"], cast["buyer"], cast["seller"]
    def propose():
        copy = fresh(task)
        return lambda: slips.task_propose_date(task=copy, actor=Actor(stakeholder=buyer), version=1,
                                               due_date=datetime.date(2027, 3, 15), reason="Board")

    def start():
        copy = fresh(task)
        return lambda: services.task_update(task=copy, actor=Actor(user=seller), version=1,
                                            data={"status": TaskStatus.IN_PROGRESS})

    results = run_together(propose, start)
    assert sum(isinstance(r, StaleEdit) for r in results) == 1, results
    task.refresh_from_db()
    assert task.version == 2
    if isinstance(results[0], StaleEdit):
        assert task.status == TaskStatus.IN_PROGRESS and task.due_date == datetime.date(2027, 3, 1)
        assert not Slip.objects.exists()  # the losing proposal left no slip behind
    else:
        assert task.status == TaskStatus.NOT_STARTED and task.due_date == datetime.date(2027, 3, 15)
        assert Slip.objects.get().days == 14


def buyer_client(stakeholder, seller) -> Client:
    client = Client()
    _link, url = room_access.buyer_invite(stakeholder=stakeholder, invited_by=seller)
    client.post(reverse("plans:room-link", kwargs={"token": url.rstrip("/").rsplit("/", 1)[1]}))
    return client


def test_two_buyers_post_on_one_version_over_http_one_gets_409(cast):
    task, seller = cast["task"], cast["seller"]
    first, second = buyer_client(cast["buyer"], seller), buyer_client(cast["colleague"], seller)
    url = reverse("plans:room-task-date", kwargs={"task_id": task.public_id})
    # Each request loads the task itself: whichever reaches the row second finds it changed,
    # before its UPDATE or (when both loaded version 1) in its conditional UPDATE.
    results = run_together(
        lambda: lambda: first.post(url, {"version": 1, "due_date": "2027-03-10", "reason": "Budget round"},
                           HTTP_HX_REQUEST="true"),
        lambda: lambda: second.post(url, {"version": 1, "due_date": "2027-03-20", "reason": "Holidays"},
                            HTTP_HX_REQUEST="true"),
    )
    codes = sorted(r.status_code for r in results)
    assert codes == [200, 409], results
    loser = next(r for r in results if r.status_code == 409).content.decode()
    assert "Someone else changed" in loser
    task.refresh_from_db()
    assert task.version == 2
    slip = Slip.objects.get()
    assert slip.to_date == task.due_date
    assert task.due_date in (datetime.date(2027, 3, 10), datetime.date(2027, 3, 20))
    # The loser sees the stored date next to their own attempt.
    mine = "2027-03-20" if task.due_date == datetime.date(2027, 3, 10) else "2027-03-10"
    assert f'value="{mine}"' in loser
