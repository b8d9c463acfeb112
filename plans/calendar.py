"""Calendar feeds (ICS): secret, revocable addresses that Outlook, Google Calendar and Apple
Calendar subscribe to.

- A plan's feed: its milestones, its next check-in, the decision date, and the subscriber's own
  tasks in it (tasks whose owner is the stakeholder linked to them).
- A personal feed: the subscriber's own tasks across every deal they may see.

The address holds a token (`/calendar/<token>.ics`) of which only the sha256 is stored. Every
fetch re-checks that the feed is not revoked, that its member still belongs to the
organization and may still see the plan: otherwise 404, like any unknown address. Events are
all-day on their calendar date (due dates have no time zone) and keep one UID, so an edited
date moves the event instead of adding one.
"""

from __future__ import annotations

import datetime
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from deals.models import Deal
from mapapp.models import Membership
from mapapp.services import token_hash

from .models import Cadence, CalendarFeed, Milestone, Plan, Task, TaskStatus

#: Feeds one member may hold in one organization.
MAX_FEEDS = 50
FETCH_TOUCH_EVERY = datetime.timedelta(minutes=10)



def feed_url(token: str) -> str:
    return f"{settings.SITE_URL}{reverse('plans:calendar-feed', kwargs={'token': token})}"


def calendar_feed_create(*, membership: Membership, plan: Plan | None = None) -> tuple[CalendarFeed, str]:
    """A new feed for the member (of `plan`, which the caller checked the member may see, or of
    all their tasks). Answers the row and the address, shown once."""
    active = CalendarFeed.objects.filter(organization_id=membership.organization_id, user_id=membership.user_id,
                                         revoked_at__isnull=True).count()
    if active >= MAX_FEEDS:
        raise ValidationError(_("You have %(count)d calendar addresses; revoke one first.") % {"count": active})
    token = secrets.token_urlsafe(32)
    feed = CalendarFeed.objects.create(organization_id=membership.organization_id, user_id=membership.user_id,
                                       plan=plan, token_hash=token_hash(token))
    return feed, feed_url(token)


def calendar_feed_revoke(*, feed: CalendarFeed) -> None:
    """The address stops answering at once; calendars subscribed to it keep what they had."""
    if feed.revoked_at is None:
        feed.revoked_at = timezone.now()
        CalendarFeed.objects.filter(pk=feed.pk).update(revoked_at=feed.revoked_at)


def feed_for_token(token: str) -> tuple[CalendarFeed, Membership] | None:
    """The live feed behind an address and its member's membership, or None: unknown, revoked,
    the member gone from the organization, or the plan no longer theirs to see."""
    if len(token) > 100:
        return None
    feed = (CalendarFeed.objects.filter(token_hash=token_hash(token), revoked_at__isnull=True)
            .select_related("plan__deal", "user").first())
    if feed is None or not feed.user.is_active:
        return None
    membership = (Membership.objects.filter(organization_id=feed.organization_id, user_id=feed.user_id)
                  .select_related("organization").first())
    if membership is None:
        return None
    if feed.plan is not None and not Deal.objects.visible_to(membership).filter(pk=feed.plan.deal_id).exists():
        return None
    now = timezone.now()
    if feed.last_fetched_at is None or now - feed.last_fetched_at >= FETCH_TOUCH_EVERY:
        CalendarFeed.objects.filter(pk=feed.pk).update(last_fetched_at=now)
    return feed, membership


def _day_event(uid: str, day: datetime.date, summary: str, description: str, url: str, stamp) -> Event:
    event = Event()
    event.add("uid", f"{uid}@mapapp")
    event.add("dtstamp", stamp)
    event.add("dtstart", day)
    event.add("dtend", day + datetime.timedelta(days=1))
    event.add("summary", summary)
    event.add("description", description)
    event.add("url", url)
    event.add("transp", "TRANSPARENT")  # a due date does not make anyone busy
    return event


def _task_event(task: Task, stamp) -> Event:
    plan_url = f"{settings.SITE_URL}{reverse('plans:detail', kwargs={'plan_id': task.plan.public_id})}"
    done = task.status == TaskStatus.DONE
    summary = (_("Done: %(title)s") if done else _("Due: %(title)s")) % {"title": task.title}
    description = _("%(deal)s — %(status)s") % {"deal": task.plan.deal.name, "status": task.get_status_display()}
    return _day_event(str(task.public_id), task.due_date, summary, description, plan_url, stamp)


def _own_tasks(membership: Membership):
    return (Task.objects.filter(organization_id=membership.organization_id, owner__user_id=membership.user_id,
                                due_date__isnull=False)
            .select_related("plan__deal"))


def render(feed: CalendarFeed, membership: Membership) -> bytes:
    """The feed as an iCalendar document. Three queries for a plan's feed, one for a personal one."""
    stamp = timezone.now()
    cal = Calendar()
    cal.add("prodid", "-//mapapp//Mutual Action Plans//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    if feed.plan is None:
        cal.add("x-wr-calname", _("My mutual action plan tasks"))
        tasks = _own_tasks(membership).filter(plan__deal__in=Deal.objects.visible_to(membership).values("pk"))
        for task in tasks.order_by("due_date", "pk"):
            cal.add_component(_task_event(task, stamp))
        return cal.to_ical()

    plan = feed.plan
    plan_url = f"{settings.SITE_URL}{reverse('plans:detail', kwargs={'plan_id': plan.public_id})}"
    cal.add("x-wr-calname", plan.title)
    for milestone in Milestone.objects.filter(organization_id=plan.organization_id, plan=plan,
                                              target_date__isnull=False):
        cal.add_component(_day_event(str(milestone.public_id), milestone.target_date,
                                     _("Milestone: %(title)s") % {"title": milestone.title},
                                     plan.deal.name, plan_url, stamp))
    if plan.target_close_date:
        cal.add_component(_day_event(f"{plan.public_id}-decision", plan.target_close_date,
                                     _("Decision: %(deal)s") % {"deal": plan.deal.name}, plan.title, plan_url, stamp))
    if plan.next_checkin_date and plan.checkin_cadence != Cadence.NONE:
        agenda = f"{settings.SITE_URL}{reverse('checkins:agenda', kwargs={'plan_id': plan.public_id})}"
        event = _day_event(f"{plan.public_id}-checkin", plan.next_checkin_date,
                           _("Check-in: %(deal)s") % {"deal": plan.deal.name}, plan.title, agenda, stamp)
        event.add("rrule", {"freq": "weekly", "interval": 2 if plan.checkin_cadence == Cadence.BIWEEKLY else 1})
        cal.add_component(event)
    for task in _own_tasks(membership).filter(plan=plan).order_by("due_date", "pk"):
        cal.add_component(_task_event(task, stamp))
    return cal.to_ical()
