"""The agenda pages: the seller's, the buyer's room, the member's preview; notes and "Mark held"."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from checkins import services
from checkins.models import CheckIn
from plans import room_access
from plans.activity import Actor
from plans.models import Activity, Cadence, RoomLink
from tests import factories

DAY = datetime.timedelta(days=1)
HTMX = {"HTTP_HX_REQUEST": "true"}


def url(name, plan):
    return reverse(f"checkins:{name}", kwargs={"plan_id": plan.public_id})


def open_room(client, stakeholder, invited_by) -> RoomLink:
    _link, link_url = room_access.buyer_invite(stakeholder=stakeholder, invited_by=invited_by)
    client.post(reverse("plans:room-link", kwargs={"token": link_url.rstrip("/").rsplit("/", 1)[1]}))
    return RoomLink.objects.filter(stakeholder=stakeholder).latest("created_at")


@pytest.fixture
def buyer_client(client, plan, buyer, seller):
    open_room(client, buyer, seller)
    return client


def test_the_seller_sees_the_agenda_with_internal_items_marked(seller_client, plan, small_plan):
    response = seller_client.get(url("agenda", plan))
    assert response.status_code == 200
    html = response.content.decode()
    for text in ("Architecture document", "Security review", "Legal review", "Waiting for the DPA", "Reference call",
                 "Pilot sign-off", "Team on holiday", "Discount approval", "Push them harder", "We agreed the pilot scope."):
        assert text in html, text
    assert "Kick-off" not in html.split('id="checkin-past"')[0]
    assert "Mark held" in html


def test_the_buyer_sees_the_rooms_agenda_without_anything_internal(buyer_client, plan, small_plan):
    response = buyer_client.get(url("room-agenda", plan))
    assert response.status_code == 200
    assert response["Referrer-Policy"] == "no-referrer"
    html = response.content.decode()
    for text in ("Architecture document", "Security review", "Waiting for the DPA", "Team on holiday",
                 "DPA is with our lawyers", "We agreed the pilot scope."):
        assert text in html, text
    for text in ("Discount approval", "Push them harder", "Max 12", "Finance is slow", "Mark held"):
        assert text not in html, text


def test_a_member_previews_the_rooms_agenda(seller_client, plan, small_plan):
    html = seller_client.get(url("room-agenda", plan)).content.decode()
    assert "Preview: this is what the buyer sees." in html
    assert "Security review" in html and "Discount approval" not in html
    # Members write notes on the plan's agenda page, not as the buyer.
    assert url("room-notes", plan) not in html and "Mark held" not in html


def test_the_plan_page_and_the_room_link_to_the_agenda(seller_client, client, plan, buyer, seller):
    assert url("agenda", plan) in seller_client.get(reverse("plans:detail", kwargs={"plan_id": plan.public_id})).content.decode()
    seller_client.logout()
    open_room(client, buyer, seller)
    assert url("room-agenda", plan) in client.get(reverse("plans:room", kwargs={"plan_id": plan.public_id})).content.decode()


def test_another_tenant_and_another_room_get_404(client, plan, outsider, other_seller, seller):
    client.force_login(outsider)
    assert client.get(url("agenda", plan)).status_code == 404
    assert client.get(url("room-agenda", plan)).status_code == 404
    client.logout()
    other = factories.PlanFactory(deal=factories.DealFactory(organization=plan.organization, owner=seller),
                                  organization=plan.organization)
    open_room(client, factories.StakeholderFactory(deal=other.deal), seller)
    assert client.get(url("room-agenda", plan)).status_code == 404
    assert client.post(url("room-notes", plan), {"date": "2030-01-01", "version": 0, "notes": "x"}).status_code == 404
    assert not CheckIn.objects.exists()


def test_a_plan_without_a_check_in_says_so(seller_client, plan):
    html = seller_client.get(url("agenda", plan)).content.decode()
    assert "No check-in is planned." in html


def _notes(date, notes, version):
    return {"date": date.isoformat(), "notes": notes, "version": version}


def test_the_seller_saves_notes_without_js(seller_client, plan, small_plan, seller):
    on = plan.next_checkin_date
    response = seller_client.post(url("notes", plan), _notes(on, "Legal: DPA by Friday", 0))
    assert response.status_code == 302
    checkin = CheckIn.objects.get(plan=plan, date=on)
    assert checkin.notes == "Legal: DPA by Friday" and checkin.notes_by_user == seller and checkin.version == 2
    assert Activity.objects.filter(plan=plan, verb="checkin_notes").count() == 1
    assert "Legal: DPA by Friday" in seller_client.get(response["Location"]).content.decode()


def test_the_buyer_writes_notes_too_and_the_notes_say_who(buyer_client, plan, small_plan, buyer):
    on = plan.next_checkin_date
    response = buyer_client.post(url("room-notes", plan), _notes(on, "We bring the DPA", 0), **HTMX)
    assert response.status_code == 200
    assert "The notes are saved." in response.content.decode()
    checkin = CheckIn.objects.get(plan=plan, date=on)
    assert checkin.notes_by_stakeholder == buyer and checkin.notes_by_name == "Sarah Chen"
    assert not Activity.objects.get(plan=plan, verb="checkin_notes").internal


def test_members_cannot_write_the_buyers_notes(seller_client, plan, small_plan):
    on = plan.next_checkin_date
    assert seller_client.post(url("room-notes", plan), _notes(on, "x", 0)).status_code == 404
    assert not CheckIn.objects.filter(plan=plan, date=on).exists()


def test_a_stale_notes_edit_answers_409_and_keeps_what_was_typed(seller_client, plan, small_plan, buyer):
    on = plan.next_checkin_date
    services.checkin_notes_save(plan=plan, on=on, notes="Their notes", version=0, actor=Actor(stakeholder=buyer))
    for headers in (HTMX, {}):
        response = seller_client.post(url("notes", plan), _notes(on, "My notes", 0), **headers)
        assert response.status_code == 409
        html = response.content.decode()
        panel = html.split('class="conflict"')[1].split("</table>")[0]
        assert "Their notes" in panel and "My notes" in panel
        assert ">\nMy notes</textarea>" in html
        assert 'name="version" value="2"' in html
    assert CheckIn.objects.get(plan=plan, date=on).notes == "Their notes"
    again = seller_client.post(url("notes", plan), _notes(on, "My notes", 2), **HTMX)
    assert again.status_code == 200
    assert CheckIn.objects.get(plan=plan, date=on).notes == "My notes"


def test_notes_for_a_date_without_a_check_in_are_refused(seller_client, plan, small_plan):
    response = seller_client.post(url("notes", plan), _notes(plan.next_checkin_date + 3 * DAY, "x", 0), **HTMX)
    assert response.status_code == 422
    assert "not on the plan any more" in response.content.decode()
    assert CheckIn.objects.filter(plan=plan).count() == 1  # the past one of the fixture


def test_too_long_notes_are_refused_with_a_sentence(seller_client, plan, small_plan):
    response = seller_client.post(url("notes", plan), _notes(plan.next_checkin_date, "x" * 10_001, 0), **HTMX)
    assert response.status_code == 422
    assert "Please keep this under" in response.content.decode()


@pytest.mark.parametrize(("cadence", "days"), [(Cadence.WEEKLY, 7), (Cadence.BIWEEKLY, 14)])
def test_mark_held_freezes_the_agenda_and_moves_the_next_check_in_by_the_cadence(
    seller_client, plan, small_plan, seller, cadence, days
):
    plan.checkin_cadence = cadence
    plan.save()
    on = plan.next_checkin_date
    version = plan.version
    response = seller_client.post(url("hold", plan), {"date": on.isoformat()})
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.next_checkin_date == on + days * DAY
    assert plan.version == version + 1
    checkin = CheckIn.objects.get(plan=plan, date=on)
    assert checkin.held_at is not None and checkin.held_by == seller
    assert [t["title"] for t in checkin.agenda["blocked"]] == ["Legal review"]
    activity = Activity.objects.get(plan=plan, verb="checkin_held")
    assert activity.changes["next_checkin_date"] == [on.isoformat(), (on + days * DAY).isoformat()]
    html = seller_client.get(response["Location"]).content.decode()
    assert "Marked held." in html
    assert f'datetime="{(on + days * DAY).isoformat()}"' in html.split('id="next-checkin"')[1][:200]


def test_marking_a_check_in_held_twice_moves_the_date_once(seller_client, plan, small_plan):
    on = plan.next_checkin_date
    seller_client.post(url("hold", plan), {"date": on.isoformat()})
    again = seller_client.post(url("hold", plan), {"date": on.isoformat()})
    assert again.status_code == 409
    plan.refresh_from_db()
    assert plan.next_checkin_date == on + 7 * DAY


def test_a_late_check_in_moves_to_the_first_date_not_in_the_past():
    today = datetime.date(2026, 11, 23)
    assert services.next_checkin_after(today - 20 * DAY, Cadence.WEEKLY, today=today) == today + DAY
    assert services.next_checkin_after(today, Cadence.BIWEEKLY, today=today) == today + 14 * DAY
    assert services.next_checkin_after(today, Cadence.NONE, today=today) is None


def test_without_a_cadence_mark_held_clears_the_next_check_in(seller_client, plan, small_plan):
    plan.checkin_cadence = Cadence.NONE
    plan.save()
    seller_client.post(url("hold", plan), {"date": plan.next_checkin_date.isoformat()})
    plan.refresh_from_db()
    assert plan.next_checkin_date is None


def test_past_check_ins_are_listed_with_their_notes_and_the_room_cut_of_their_agenda(
    seller_client, client, plan, small_plan, buyer, seller
):
    on = plan.next_checkin_date
    services.checkin_notes_save(plan=plan, on=on, notes="Pilot starts Monday", version=0, actor=Actor(user=seller))
    seller_client.post(url("hold", plan), {"date": on.isoformat()})
    past = seller_client.get(url("agenda", plan)).content.decode().split('id="checkin-past"')[1]
    assert "Pilot starts Monday" in past and "Discount approval" in past
    seller_client.logout()
    open_room(client, buyer, seller)
    past = client.get(url("room-agenda", plan)).content.decode().split('id="checkin-past"')[1]
    assert "Pilot starts Monday" in past and "Security review" in past and "Discount approval" not in past


def test_get_only_and_post_only_urls(seller_client, plan, small_plan):
    assert seller_client.post(url("agenda", plan)).status_code == 405
    assert seller_client.get(url("notes", plan)).status_code == 405
    assert seller_client.get(url("hold", plan)).status_code == 405
    assert timezone.localdate()  # the page's "today" is the member's


@pytest.mark.parametrize("name", ["agenda", "room-agenda"])
def test_the_pages_cost_the_same_queries_for_a_small_and_a_big_plan(seller_client, plan, small_plan, name):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from .test_agenda import _grow

    counts = []
    for size in (0, 100):
        if size:
            _grow(plan, size)
        with CaptureQueriesContext(connection) as queries:
            assert seller_client.get(url(name, plan)).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
