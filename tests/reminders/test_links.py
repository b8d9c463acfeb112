"""The links in a reminder: act on one item without signing in (POST only), opt out of a kind."""

import datetime
import re

import pytest
import time_machine
from django.core import mail, signing
from django.test import Client
from django.urls import reverse

from plans.models import Activity, TaskDependency, TaskStatus
from reminders import services
from reminders.models import Kind, ReminderOptOut, ReminderSettings, ReminderSnooze
from reminders.services import Action

from .conftest import NOW, days, reminders_to, task_for


def link(task, owner, action, language="en"):
    return reverse("reminders:act", kwargs={"token": services.action_token(
        task=task, stakeholder=owner, email=owner.email, action=action, language=language)})


def test_the_digest_has_working_links_for_each_item(clock, client, room_buyer, run_sweep):
    task = task_for(room_buyer, days(0), title="Approve the pilot")
    run_sweep()
    [message] = reminders_to(room_buyer.email)
    urls = re.findall(r"https?://\S+/reminders/act/\S+/", message.body)
    assert len(urls) == 3  # done, blocked, snooze
    path = urls[0].split("://", 1)[1].split("/", 1)[1]
    assert client.get("/" + path).status_code == 200
    html = message.alternatives[0][0]
    assert "Approve the pilot" in html and "/reminders/act/" in html
    unsubscribe = message.extra_headers["List-Unsubscribe"]
    assert unsubscribe.startswith("<http") and "/reminders/opt-out/" in unsubscribe
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert task.title in message.body


def test_get_changes_nothing_and_post_marks_done_as_the_buyer(clock, client, room_buyer):
    task = task_for(room_buyer, days(0), title="Approve the pilot")
    url = link(task, room_buyer, Action.DONE)
    response = client.get(url)
    assert response.status_code == 200 and "Approve the pilot" in response.content.decode()
    task.refresh_from_db()
    assert task.status == TaskStatus.NOT_STARTED
    response = client.post(url)
    assert response.status_code == 200
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE
    # Through the room's service: the history names the buyer.
    assert Activity.objects.filter(actor_stakeholder=room_buyer, verb="updated").exists()


def test_blocked_needs_a_reason_and_records_it(clock, client, room_buyer):
    task = task_for(room_buyer, days(0))
    url = link(task, room_buyer, Action.BLOCKED)
    response = client.post(url, {"reason": "  "})
    assert response.status_code == 400 and "Say what blocks the task" in response.content.decode()
    task.refresh_from_db()
    assert task.status == TaskStatus.NOT_STARTED
    assert client.post(url, {"reason": "Waiting for our CFO"}).status_code == 200
    task.refresh_from_db()
    assert (task.status, task.blocked_reason) == (TaskStatus.BLOCKED, "Waiting for our CFO")


def test_the_seller_side_acts_through_the_plan_service(clock, client, plan, seller, seller_owner):
    task = task_for(seller_owner, days(0))
    assert client.post(link(task, seller_owner, Action.DONE)).status_code == 200
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE
    assert Activity.objects.filter(actor_user=seller, verb="updated").exists()


def test_unfinished_prerequisites_ask_for_the_override(clock, client, org, room_buyer):
    first = task_for(room_buyer, days(-1), title="Architecture document")
    task = task_for(room_buyer, days(0), title="Security review")
    TaskDependency.objects.create(organization=org, task=task, prerequisite=first)
    url = link(task, room_buyer, Action.DONE)
    response = client.post(url)
    assert response.status_code == 409
    body = response.content.decode()
    assert "Architecture document" in body and 'name="override_dependencies"' in body
    task.refresh_from_db()
    assert task.status == TaskStatus.NOT_STARTED
    assert client.post(url, {"override_dependencies": "1"}).status_code == 200
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE


def test_snooze_holds_the_reminders_back_for_three_days(client, room_buyer, run_sweep):
    task = task_for(room_buyer, days(1), title="Reference call")
    with time_machine.travel(NOW, tick=False):
        assert client.post(link(task, room_buyer, Action.SNOOZE)).status_code == 200
        assert ReminderSnooze.objects.get().until == days(3)
    for n in range(5):
        with time_machine.travel(NOW + datetime.timedelta(days=n), tick=False):
            run_sweep()
            assert len(reminders_to(room_buyer.email)) == (0 if n < 3 else 1), n
    # Day 3: overdue by two days, the first reminder after the snooze.
    assert "overdue by 2 days" in reminders_to(room_buyer.email)[0].body


def test_an_expired_link_is_refused_with_a_clear_page(client, room_buyer):
    task = task_for(room_buyer, days(0))
    with time_machine.travel(NOW, tick=False):
        url = link(task, room_buyer, Action.DONE)
    with time_machine.travel(NOW + datetime.timedelta(days=8), tick=False):
        for response in (client.get(url), client.post(url)):
            assert response.status_code == 410
            assert "This link has expired" in response.content.decode()
    task.refresh_from_db()
    assert task.status == TaskStatus.NOT_STARTED


def test_a_tampered_link_is_refused(clock, client, room_buyer):
    task = task_for(room_buyer, days(0))
    other = task_for(room_buyer, days(0))
    token = services.action_token(task=task, stakeholder=room_buyer, email=room_buyer.email, action=Action.DONE,
                                  language="en")
    # Another task's id in a re-signed-looking payload: the signature no longer matches.
    payload, _rest = token.split(":", 1)
    forged = signing.dumps({"t": str(other.public_id), "s": str(room_buyer.public_id), "e": room_buyer.email,
                            "a": "done", "l": "en"}, salt="another salt", compress=True)
    for bad in (token[:-2] + "xx", forged, payload):
        response = client.post(reverse("reminders:act", kwargs={"token": bad}))
        assert response.status_code == 404
        assert "This link is not valid" in response.content.decode()
    task.refresh_from_db()
    other.refresh_from_db()
    assert task.status == other.status == TaskStatus.NOT_STARTED


def test_a_link_for_a_task_that_is_not_the_recipients_is_refused(clock, client, org, seller, room_buyer):
    """Signed correctly, but the task is not (or no longer) the recipient's: refused."""
    someone_else = task_for(room_buyer, days(0))
    colleague = room_buyer.__class__.objects.create(
        organization=org, deal=room_buyer.deal, name="Colleague", email="colleague@buyer.example", side="buyer")
    url = link(someone_else, colleague, Action.DONE)
    assert client.post(url).status_code == 404
    someone_else.refresh_from_db()
    assert someone_else.status == TaskStatus.NOT_STARTED


def test_a_buyer_whose_access_was_revoked_cannot_act(clock, client, room_buyer, seller):
    from plans import room_access
    from plans.activity import Actor

    task = task_for(room_buyer, days(0))
    url = link(task, room_buyer, Action.DONE)
    room_access.buyer_revoke(stakeholder=room_buyer, actor=Actor(user=seller))
    assert client.post(url).status_code == 404


def test_a_buyer_cannot_mark_the_sellers_item_done(clock, client, room_buyer):
    task = task_for(room_buyer, days(0), side="seller")  # a seller-side item owned by the buyer
    assert client.post(link(task, room_buyer, Action.DONE)).status_code == 403
    task.refresh_from_db()
    assert task.status == TaskStatus.NOT_STARTED


def test_action_pages_open_with_another_rooms_session_and_signed_in(clock, client, org, other_seller, room_buyer,
                                                                     admin):
    from tests.test_isolation import open_room_of_other_deal

    task = task_for(room_buyer, days(0))
    url = link(task, room_buyer, Action.SNOOZE)
    open_room_of_other_deal(client, org, other_seller)
    assert client.get(url).status_code == 200
    client.force_login(admin)
    assert client.get(url).status_code == 200


def test_the_page_speaks_the_recipients_language(clock, client, room_buyer):
    task = task_for(room_buyer, days(0))
    response = client.get(link(task, room_buyer, Action.DONE, language="de"))
    assert '<html lang="de">' in response.content.decode()


@pytest.mark.parametrize("kind", [Kind.DIGEST, Kind.SLIP_SUMMARY])
def test_opt_out_get_shows_a_button_and_post_records_it(clock, client, org, room_buyer, kind):
    url = reverse("reminders:opt-out", kwargs={"token": services.opt_out_token(
        organization=org, email=room_buyer.email, kind=kind)})
    response = client.get(url)
    assert response.status_code == 200 and "<form" in response.content.decode()
    assert not ReminderOptOut.objects.exists()
    assert client.post(url).status_code == 200
    assert client.post(url).status_code == 200  # twice is fine
    assert list(ReminderOptOut.objects.values_list("email", "kind")) == [(room_buyer.email, kind)]


def test_one_click_opt_out_from_the_mail_client_needs_no_csrf_token(clock, org, room_buyer, run_sweep):
    task_for(room_buyer, days(0))
    run_sweep()
    header = reminders_to(room_buyer.email)[0].extra_headers["List-Unsubscribe"]
    path = "/" + header.strip("<>").split("://", 1)[1].split("/", 1)[1]
    client = Client(enforce_csrf_checks=True)
    assert client.post(path, {"List-Unsubscribe": "One-Click"}).status_code == 200
    assert ReminderOptOut.objects.filter(email=room_buyer.email, kind=Kind.DIGEST).exists()
    task_for(room_buyer, days(1))
    mail.outbox.clear()
    run_sweep()
    assert not mail.outbox  # honoured by the next sweep


def test_a_tampered_opt_out_link_is_refused(db, client):
    response = client.post(reverse("reminders:opt-out", kwargs={"token": "nonsense"}))
    assert response.status_code == 404
    assert not ReminderOptOut.objects.exists()


def test_an_admin_sets_the_organizations_cadence(client, org, admin, outsider):
    client.force_login(admin)
    url = reverse("reminders:settings")
    response = client.get(url)
    assert response.status_code == 200 and 'name="days_before"' in response.content.decode()
    response = client.post(url, {"days_before": 99, "overdue_every_days": 2, "overdue_stop_days": 20,
                                 "send_hour": 7})
    assert response.status_code == 200 and not ReminderSettings.objects.exists()  # 99 days: refused, said why
    response = client.post(url, {"days_before": 4, "overdue_every_days": 2, "overdue_stop_days": 20,
                                 "send_hour": 7})
    assert response.status_code == 302
    saved = ReminderSettings.objects.get()
    assert (saved.organization, saved.days_before, saved.overdue_every_days, saved.send_hour) == (org, 4, 2, 7)
    client.force_login(outsider)  # another organization's admin changes their own, not ours
    client.post(url, {"days_before": 1, "overdue_every_days": 1, "overdue_stop_days": 1, "send_hour": 0})
    saved.refresh_from_db()
    assert saved.days_before == 4 and ReminderSettings.objects.count() == 2


def test_only_admins_see_the_cadence(client, seller, manager):
    for user in (seller, manager):
        client.force_login(user)
        assert client.get(reverse("reminders:settings")).status_code == 404
        assert client.post(reverse("reminders:settings"), {"days_before": 1}).status_code == 404
