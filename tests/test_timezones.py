"""Due dates are calendar dates: a person far west of UTC and one far east of it see the same
due date, enter the same date, and only their own "today" (what is overdue, the timeline's
today line) differs. The clock stands at Monday 23 November 2026, 10:30 UTC: Sunday 22 Nov,
23:30 in Pago Pago (UTC-11), Tuesday 24 Nov, 00:30 on Kiritimati (UTC+14)."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from mapapp import services
from mapapp.timezones import SESSION_KEY, zone
from plans import timeline
from plans.models import Task
from tests import factories
from tests.plans.test_reschedule_views import edit_url, form
from tests.plans.test_room import open_room

WEST, EAST = "Pacific/Pago_Pago", "Pacific/Kiritimati"
NOW = datetime.datetime(2026, 11, 23, 10, 30, tzinfo=datetime.UTC)
D = datetime.date


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def task(plan):
    return factories.TaskFactory(plan=plan, organization=plan.organization, title="Security review",
                                 due_date=D(2026, 11, 23))


def row(client, task) -> str:
    body = client.get(reverse("plans:detail", kwargs={"plan_id": task.plan.public_id})).content.decode()
    return body.split(f'id="task-{task.public_id}"')[1].split("</li>")[0]


def as_seller(client, seller, name):
    seller.timezone = name
    seller.save(update_fields=["timezone"])
    client.force_login(seller)
    return client


@pytest.mark.parametrize("name, overdue", [(WEST, False), ("UTC", False), (EAST, True)])
def test_the_due_date_is_the_same_everywhere_and_only_today_differs(client, seller, task, name, overdue):
    html = row(as_seller(client, seller, name), task)
    assert 'datetime="2026-11-23"' in html and "Nov. 23, 2026" in html
    assert ("is-overdue" in html.split(">")[0]) is overdue


@pytest.mark.parametrize("entered_in, read_in", [(EAST, WEST), (WEST, EAST)])
def test_a_date_entered_on_one_side_of_utc_reads_the_same_on_the_other(client, seller, task, entered_in, read_in):
    as_seller(client, seller, entered_in).post(edit_url(task), form(task, due_date="2026-12-01"))
    task.refresh_from_db()
    assert task.due_date == D(2026, 12, 1)
    html = row(as_seller(client, seller, read_in), task)
    assert 'datetime="2026-12-01"' in html and "Dec. 1, 2026" in html


@pytest.mark.parametrize("name, overdue", [(WEST, False), (EAST, True)])
def test_the_buyer_in_the_room_has_their_own_today(client, plan, buyer, seller, task, name, overdue):
    buyer.timezone = name
    buyer.save(update_fields=["timezone"])
    open_room(client, buyer, seller)
    assert client.session[SESSION_KEY] == name
    body = client.get(reverse("plans:room", kwargs={"plan_id": plan.public_id})).content.decode()
    html = body.split(f'id="task-{task.public_id}"')[1].split("</li>")[0]
    assert 'datetime="2026-11-23"' in html
    assert ("is-overdue" in html.split(">")[0]) is overdue


def test_the_timeline_draws_today_where_the_viewer_is(client, seller, task):
    with_zone = {}
    for name in (WEST, EAST):
        as_seller(client, seller, name)
        body = client.get(reverse("plans:timeline", kwargs={"plan_id": task.plan.public_id})).content.decode()
        with_zone[name] = body.split('tl-line-today')[1].split('title="')[1].split('"')[0]
    assert with_zone == {WEST: "Today Nov. 22, 2026", EAST: "Today Nov. 24, 2026"}
    # The task's bar sits on its calendar date in both.
    axis = timeline.Axis.around([D(2026, 11, 23)], today=D(2026, 11, 23))
    assert axis.box(D(2026, 11, 23), D(2026, 11, 23)).startswith("--l:")


def test_an_unknown_zone_falls_back_to_utc(client, seller, task):
    assert zone("Mars/Olympus_Mons") is None and zone("") is None
    html = row(as_seller(client, seller, "Mars/Olympus_Mons"), task)
    assert 'datetime="2026-11-23"' in html and "is-overdue" not in html.split(">")[0]


def test_people_choose_their_zone_when_they_sign_up_and_accept_an_invitation(client, org, admin):
    response = client.post(reverse("signup"), {
        "organization_name": "Kiribati Logistics", "name": "Teuea", "email": "teuea@kl.example",
        "password": "a-long-password-2026", "password_confirm": "a-long-password-2026", "timezone": EAST,
    })
    assert response.status_code == 302
    assert services.User.objects.get(email="teuea@kl.example").timezone == EAST
    _invitation, url = services.member_invite(organization=org, invited_by=admin, email="sione@acme.example",
                                              role="seller")
    client.logout()
    client.post(url, {"name": "Sione", "password": "a-long-password-2026", "password_confirm": "a-long-password-2026",
                      "timezone": WEST})
    assert services.User.objects.get(email="sione@acme.example").timezone == WEST
    # Without a choice (no JavaScript, nothing picked), UTC.
    client.logout()
    client.post(reverse("signup"), {
        "organization_name": "Plain", "name": "P", "email": "p@plain.example",
        "password": "a-long-password-2026", "password_confirm": "a-long-password-2026",
    })
    assert services.User.objects.get(email="p@plain.example").timezone == "UTC"
    assert Task.objects.count() == 0
