"""Calendar feeds: a plan's address gives its milestones, decision, check-in (repeating) and the
subscriber's own tasks, read back with the icalendar parser; a personal address gives the
subscriber's tasks across deals; revoked, left the organization or lost sight of the deal: 404."""

import datetime
import re
from urllib.parse import urlsplit

import icalendar
import pytest
from django.urls import reverse

from mapapp.models import Membership
from plans import calendar
from plans.models import Cadence, CalendarFeed, Plan
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def me(plan, seller, deal):
    """The seller, linked to a seller-side stakeholder of the deal (task owners are stakeholders)."""
    return factories.StakeholderFactory(deal=deal, side="seller", name="Sam Seller", user=seller)


def make(user, plan=None) -> str:
    _feed, url = calendar.calendar_feed_create(membership=Membership.objects.get(user=user), plan=plan)
    return urlsplit(url).path


def events(client, path) -> dict[str, icalendar.Event]:
    response = client.get(path)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    cal = icalendar.Calendar.from_ical(response.content)
    return {str(e["summary"]): e for e in cal.walk("VEVENT")}


def test_a_plans_feed_has_milestones_decision_checkin_and_my_tasks(client, plan, me, buyer):
    Plan.objects.filter(pk=plan.pk).update(target_close_date=datetime.date(2027, 3, 31),
                                           checkin_cadence=Cadence.BIWEEKLY, next_checkin_date=datetime.date(2027, 1, 12))
    plan.refresh_from_db()
    factories.MilestoneFactory(plan=plan, organization=plan.organization, title="Security review",
                               target_date=datetime.date(2027, 2, 1))
    factories.TaskFactory(plan=plan, organization=plan.organization, title="Send the DPA", owner=me,
                          due_date=datetime.date(2027, 1, 20))
    factories.TaskFactory(plan=plan, organization=plan.organization, title="Buyer's own item", owner=buyer,
                          due_date=datetime.date(2027, 1, 21))
    found = events(client, make(me.user, plan))
    assert set(found) == {"Milestone: Security review", "Decision: Northwind rollout", "Check-in: Northwind rollout",
                          "Due: Send the DPA"}
    assert found["Milestone: Security review"]["dtstart"].dt == datetime.date(2027, 2, 1)
    assert found["Due: Send the DPA"]["dtend"].dt == datetime.date(2027, 1, 21)  # all day
    assert found["Check-in: Northwind rollout"]["rrule"]["interval"] == [2]
    assert str(found["Due: Send the DPA"]["uid"]).endswith("@mapapp")


def test_a_personal_feed_has_my_tasks_across_the_deals_i_may_see(client, org, seller, me, plan, other_seller):
    other_deal = factories.DealFactory(organization=org, owner=seller, name="Contoso")
    other_plan = factories.PlanFactory(deal=other_deal, organization=org)
    me_there = factories.StakeholderFactory(deal=other_deal, side="seller", name="Sam", user=seller)
    factories.TaskFactory(plan=plan, organization=org, title="A", owner=me, due_date=datetime.date(2027, 1, 5),
                          status="done")
    factories.TaskFactory(plan=other_plan, organization=org, title="B", owner=me_there,
                          due_date=datetime.date(2027, 1, 6))
    hidden = factories.DealFactory(organization=org, owner=other_seller, name="Hidden")
    hidden_plan = factories.PlanFactory(deal=hidden, organization=org)
    me_hidden = factories.StakeholderFactory(deal=hidden, side="seller", user=seller)
    factories.TaskFactory(plan=hidden_plan, organization=org, title="C", owner=me_hidden,
                          due_date=datetime.date(2027, 1, 7))
    assert set(events(client, make(seller))) == {"Done: A", "Due: B"}


def test_hostile_titles_stay_text_in_the_calendar(client, plan, me):
    factories.TaskFactory(plan=plan, organization=plan.organization, owner=me, due_date=datetime.date(2027, 1, 5),
                          title="Evil\r\nBEGIN:VEVENT\r\nSUMMARY:injected")
    cal = icalendar.Calendar.from_ical(client.get(make(me.user, plan)).content)
    # One event: the line breaks are escaped inside its summary (read back as \n), nothing injected.
    assert [str(e["summary"]) for e in cal.walk("VEVENT")] == ["Due: Evil\nBEGIN:VEVENT\nSUMMARY:injected"]


def test_an_address_stops_when_revoked_when_its_member_leaves_or_loses_the_deal(client, plan, me, seller, deal):
    path = make(seller, plan)
    assert client.get(path).status_code == 200
    deal.owner = factories.MembershipFactory(organization=deal.organization).user
    deal.save()
    assert client.get(path).status_code == 404  # the deal is no longer the seller's to see
    personal = make(seller)
    Membership.objects.filter(user=seller).delete()
    assert client.get(personal).status_code == 404
    assert client.get("/calendar/unknown-token.ics").status_code == 404


def test_the_page_makes_an_address_once_and_revokes_it(client, plan, seller, outsider):
    client.force_login(seller)
    response = client.post(reverse("plans:calendar-feeds"), {"plan": str(plan.public_id)})
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    url = re.search(r'id="new-feed">([^<]+)<', response.content.decode()).group(1)
    token = url.rstrip("/").rsplit("/", 1)[1].removesuffix(".ics")
    feed = CalendarFeed.objects.get()
    assert token not in str(list(CalendarFeed.objects.values())) and feed.plan == plan
    assert token not in client.get(reverse("plans:calendar-feeds")).content.decode()
    # Another tenant's plan id: 404, nothing made.
    foreign = factories.PlanFactory(deal=factories.DealFactory(
        organization=outsider.memberships.get().organization, owner=outsider))
    assert client.post(reverse("plans:calendar-feeds"), {"plan": str(foreign.public_id)}).status_code == 404
    assert client.post(reverse("plans:calendar-feeds"), {"plan": "not-a-uuid"}).status_code == 404
    client.force_login(outsider)
    assert client.post(reverse("plans:calendar-feed-revoke", kwargs={"calendarfeed_id": feed.public_id})
                       ).status_code == 404
    client.force_login(seller)
    assert client.post(reverse("plans:calendar-feed-revoke", kwargs={"calendarfeed_id": feed.public_id})
                       ).status_code == 302
    client.logout()
    assert client.get(f"/calendar/{token}.ics").status_code == 404
    assert CalendarFeed.objects.count() == 1
