"""Seller-side engagement (plans.engagement): room visits, the plan page's panel, and the
history filtered to one person."""

import datetime

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from deals.models import Side
from plans import engagement, room_access, services
from plans.activity import Actor
from plans.models import RoomLink, RoomVisit, TaskStatus
from tests import factories

from .test_room import open_room

GAP = datetime.timedelta(minutes=RoomVisit.GAP_MINUTES)


def room_url(plan) -> str:
    return reverse("plans:room", kwargs={"plan_id": plan.public_id})


def plan_url(plan) -> str:
    return reverse("plans:detail", kwargs={"plan_id": plan.public_id})


def activity_url(plan, **query) -> str:
    url = reverse("plans:activity", kwargs={"plan_id": plan.public_id})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


@pytest.fixture
def link(plan, buyer, seller) -> RoomLink:
    link, _url = room_access.buyer_invite(stakeholder=buyer, invited_by=seller)
    return link


# Visits ----------------------------------------------------------------------------------------

def test_a_first_view_starts_a_visit_and_views_within_the_gap_extend_it(plan, buyer, link):
    start = timezone.now()
    first = engagement.record_visit(plan=plan, link=link, now=start)
    assert first is not None and first.started_at == start == first.last_seen_at
    later = start + GAP - datetime.timedelta(seconds=1)
    assert engagement.record_visit(plan=plan, link=link, now=later) is None
    visit = RoomVisit.objects.get()
    assert visit.started_at == start and visit.last_seen_at == later


def test_a_view_after_the_gap_starts_a_new_visit(plan, buyer, link):
    start = timezone.now() - 3 * GAP
    engagement.record_visit(plan=plan, link=link, now=start)
    engagement.record_visit(plan=plan, link=link, now=start + GAP / 2)
    # The gap counts from the last time they were seen, not from the start of the visit.
    engagement.record_visit(plan=plan, link=link, now=start + GAP / 2 + GAP)
    visits = list(RoomVisit.objects.order_by("started_at"))
    assert len(visits) == 2
    assert visits[0].last_seen_at == start + GAP / 2
    assert visits[1].started_at == start + GAP / 2 + GAP


def test_visits_are_per_person(plan, deal, buyer, link, seller):
    colleague = factories.StakeholderFactory(deal=deal, name="Cole Colleague", email="cole@northwind.example")
    their_link, _url = room_access.buyer_invite(stakeholder=colleague, invited_by=seller)
    now = timezone.now()
    engagement.record_visit(plan=plan, link=link, now=now)
    engagement.record_visit(plan=plan, link=their_link, now=now)
    assert sorted(RoomVisit.objects.values_list("stakeholder__name", flat=True)) == ["Cole Colleague", "Sarah Chen"]


def test_an_ongoing_visit_costs_one_query(plan, link, django_assert_num_queries):
    engagement.record_visit(plan=plan, link=link)
    with django_assert_num_queries(1):
        assert engagement.record_visit(plan=plan, link=link) is None


def test_opening_the_room_records_a_visit_and_a_preview_does_not(client, plan, buyer, seller):
    open_room(client, buyer, seller)
    client.get(room_url(plan))
    client.get(room_url(plan))
    visit = RoomVisit.objects.get()
    assert visit.stakeholder == buyer and visit.plan == plan and visit.organization == plan.organization
    preview = Client()
    preview.force_login(seller)
    assert preview.get(room_url(plan)).status_code == 200
    assert RoomVisit.objects.count() == 1


def test_the_rooms_polls_write_the_visit_at_most_once_a_minute(client, plan, buyer, seller):
    link = open_room(client, buyer, seller)
    client.get(room_url(plan))
    RoomVisit.objects.update(last_seen_at=timezone.now() - datetime.timedelta(minutes=5))
    stamp_url = reverse("plans:room-stamp", kwargs={"plan_id": plan.public_id})
    client.get(stamp_url)
    seen = RoomVisit.objects.get().last_seen_at
    assert timezone.now() - seen < datetime.timedelta(seconds=30)
    RoomVisit.objects.update(last_seen_at=seen - datetime.timedelta(minutes=5))
    for _ in range(3):
        client.get(stamp_url)
    assert RoomVisit.objects.get().last_seen_at == seen - datetime.timedelta(minutes=5)  # not written again
    cache.delete(f"room-seen:{link.pk}")  # a minute later
    client.get(stamp_url)
    assert RoomVisit.objects.get().last_seen_at > seen


# The panel on the plan page ----------------------------------------------------------------------

def test_the_panel_shows_invitation_link_visits_and_changes_per_buyer(seller_client, plan, deal, buyer, link):
    factories.StakeholderFactory(deal=deal, name="Nina Notinvited", email="nina@northwind.example")
    factories.StakeholderFactory(deal=deal, name="Sam Rep", side=Side.SELLER)
    task = factories.TaskFactory(plan=plan, organization=plan.organization, title="Security review", owner=buyer)
    as_buyer = Actor(stakeholder=buyer)
    services.task_set_status(task=task, actor=as_buyer, status=TaskStatus.DONE, version=task.version)
    services.comment_create(plan=plan, actor=as_buyer, task=task, body="Sent it")
    first = timezone.now() - 3 * GAP
    engagement.record_visit(plan=plan, link=link, now=first)
    engagement.record_visit(plan=plan, link=link, now=first + 2 * GAP)

    rows = {row["name"]: row for row in engagement.engagement_rows(plan)}
    assert set(rows) == {"Sarah Chen", "Nina Notinvited"}  # buyer side only
    sarah, nina = rows["Sarah Chen"], rows["Nina Notinvited"]
    assert sarah["invited_at"] == link.created_at and sarah["link_until"] == link.expires_at
    assert sarah["first_opened"] == first and sarah["last_seen"] == first + 2 * GAP
    assert sarah["visits"] == 2 and sarah["changes"] == 2
    assert nina["invited_at"] is None and nina["visits"] == 0 and nina["changes"] == 0

    page = seller_client.get(plan_url(plan)).content.decode()
    panel = page.split('id="plan-engagement"', 1)[1].split("</section>", 1)[0]
    assert "Sarah Chen" in panel and "Nina Notinvited" in panel and "Sam Rep" not in panel
    assert "Not invited" in panel and "Invited " in panel and "works until" in panel
    assert f'href="{activity_url(plan, who=buyer.public_id)}"' in panel


def test_the_panel_says_when_access_was_revoked_or_has_expired(plan, deal, buyer, link, seller):
    late = factories.StakeholderFactory(deal=deal, name="Lee Late", email="lee@northwind.example")
    late_link, _url = room_access.buyer_invite(stakeholder=late, invited_by=seller)
    RoomLink.objects.filter(pk=late_link.pk).update(expires_at=timezone.now() - datetime.timedelta(days=1))
    room_access.buyer_revoke(stakeholder=buyer, actor=Actor(user=seller))
    rows = {row["name"]: row for row in engagement.engagement_rows(plan)}
    assert rows["Sarah Chen"]["revoked"] and not rows["Sarah Chen"]["expired"]
    assert rows["Lee Late"]["expired"] and not rows["Lee Late"]["revoked"]
    assert rows["Sarah Chen"]["link_until"] is None


def test_the_panel_escapes_what_buyers_typed(seller_client, plan, deal):
    factories.StakeholderFactory(deal=deal, name="<b>Mallory</b>", title="<script>x</script>")
    page = seller_client.get(plan_url(plan)).content.decode()
    panel = page.split('id="plan-engagement"', 1)[1].split("</section>", 1)[0]
    assert "&lt;b&gt;Mallory&lt;/b&gt;" in panel and "<script>x" not in panel


def test_the_panel_never_counts_another_deals_visits_or_changes(plan, buyer, link, org, other_seller, seller):
    other_deal = factories.DealFactory(organization=org, owner=other_seller)
    other_plan = factories.PlanFactory(deal=other_deal, organization=org)
    # The same person's activity and visits recorded against another plan (as a crafted row would be).
    engagement.record_visit(plan=other_plan, link=link)
    services.comment_create(plan=other_plan, actor=Actor(stakeholder=buyer), body="elsewhere")
    (sarah,) = engagement.engagement_rows(plan)
    assert sarah["visits"] == 0 and sarah["changes"] == 0


@pytest.mark.parametrize("people", [1, 8])
def test_the_panel_costs_one_query_whatever_the_number_of_people(plan, deal, people, django_assert_num_queries):
    for i in range(people):
        factories.StakeholderFactory(deal=deal, name=f"Person {i}", email=f"p{i}@northwind.example")
    with django_assert_num_queries(1):
        assert len(engagement.engagement_rows(plan)) == people


# The history filtered to one person ----------------------------------------------------------------

def test_the_history_can_be_filtered_to_one_person(seller_client, plan, buyer, deal, seller_actor):
    task = factories.TaskFactory(plan=plan, organization=plan.organization, title="Security review")
    services.comment_create(plan=plan, actor=Actor(stakeholder=buyer), task=task, body="From Sarah")
    services.comment_create(plan=plan, actor=seller_actor, task=task, body="From Sam")
    everyone = seller_client.get(activity_url(plan)).content.decode()
    assert "From Sarah" in everyone and "From Sam" in everyone
    response = seller_client.get(activity_url(plan, who=buyer.public_id))
    assert response.status_code == 200
    html = response.content.decode()
    assert "From Sarah" in html and "From Sam" not in html
    assert "Changes by Sarah Chen" in html and "1 change" in html


@pytest.mark.parametrize("who", ["not-a-uuid", "other_deal", "other_org"])
def test_the_person_filter_is_scoped_to_the_deal(seller_client, plan, org, other_seller, who):
    if who == "other_deal":
        other = factories.StakeholderFactory(deal=factories.DealFactory(organization=org, owner=other_seller))
        value = other.public_id
    elif who == "other_org":
        other = factories.StakeholderFactory(deal=factories.DealFactory())
        value = other.public_id
    else:
        value = who
    assert seller_client.get(activity_url(plan, who=value)).status_code == 404


def test_the_person_filter_is_404_to_outsiders(client, plan, buyer, outsider):
    client.force_login(outsider)
    assert client.get(activity_url(plan, who=buyer.public_id)).status_code == 404


def test_the_panels_dates_and_sentences_read_as_the_template_filters_print_them(seller_client, plan, buyer, link):
    """engagement_rows formats them once; the same text as |date, |naturaltime and blocktranslate."""
    from django.template import engines

    first = timezone.now() - 3 * GAP
    engagement.record_visit(plan=plan, link=link, now=first)
    services.comment_create(plan=plan, actor=Actor(stakeholder=buyer), body="Hi", task=None)
    row = engagement.engagement_rows(plan)[0]
    assert row["changes"] == 1
    expected = engines["django"].from_string(
        "{% load humanize %}"
        "<span title=\"{{ p.invited_at|date:'DATETIME_FORMAT' }}\">{% blocktranslate with date=p.invited_at|date:\"DATE_FORMAT\" %}Invited {{ date }}{% endblocktranslate %}</span>|"
        "<span class=\"muted\">{% blocktranslate with date=p.link_until|date:\"DATE_FORMAT\" %}works until {{ date }}{% endblocktranslate %}</span>|"
        "<time datetime=\"{{ p.first_opened|date:'c' }}\">{{ p.first_opened|date:\"DATETIME_FORMAT\" }}</time>|"
        "<time datetime=\"{{ p.last_seen|date:'c' }}\" title=\"{{ p.last_seen|date:'DATETIME_FORMAT' }}\">{{ p.last_seen|naturaltime }}</time>|"
        "title=\"{% blocktranslate with name=p.name %}What {{ name }} changed{% endblocktranslate %}\""
    ).render({"p": row})
    panel = seller_client.get(plan_url(plan)).content.decode().split('id="plan-engagement"', 1)[1]
    for piece in expected.split("|"):
        assert piece in panel, piece
