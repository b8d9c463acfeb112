"""Seller-side engagement: who on the buyer's side opened the deal room, when, and what they changed.

A RoomVisit starts when a buyer opens the room after a pause of RoomVisit.GAP_MINUTES or
more; later page views and the room's live polls only move its `last_seen_at` (polls at
most once a minute per link, counted in the cache, so an open tab does not write every few
seconds).
"""

import uuid
from datetime import timedelta

from django.contrib.humanize.templatetags.humanize import naturaltime
from django.core.cache import cache
from django.db.models import Count, Max, Min, OuterRef, Subquery
from django.http import Http404
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import escape
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from deals.models import Side, Stakeholder

from .models import Activity, Plan, RoomLink, RoomVisit

SEEN_EVERY_SECONDS = 60


def record_visit(*, plan: Plan, link: RoomLink, now=None) -> RoomVisit | None:
    """Count a view of the room by the link's stakeholder: extend their current visit, or start a
    new one when the last was seen GAP_MINUTES ago or more. Answers the new visit, or None when
    the current one was extended.

    One query when the visit goes on (an UPDATE of the newest visit, if recent); two when a
    new one starts.
    """
    now = now or timezone.now()
    stakeholder_id = link.stakeholder_id
    newest = (
        RoomVisit.objects.filter(organization_id=plan.organization_id, plan_id=plan.pk, stakeholder_id=stakeholder_id)
        .order_by("-started_at", "-id")
        .values("pk")[:1]
    )
    extended = RoomVisit.objects.filter(
        pk=Subquery(newest), last_seen_at__gt=now - timedelta(minutes=RoomVisit.GAP_MINUTES)
    ).update(last_seen_at=now, link=link)
    if extended:
        return None
    return RoomVisit.objects.create(
        organization_id=plan.organization_id, plan=plan, stakeholder_id=stakeholder_id, link=link,
        started_at=now, last_seen_at=now,
    )


def visit_seen(*, plan: Plan, link: RoomLink) -> None:
    """The open room polled: record the visit at most once a minute per link (no query otherwise)."""
    if cache.add(f"room-seen:{link.pk}", 1, timeout=SEEN_EVERY_SECONDS):
        record_visit(plan=plan, link=link)


def _per_person(queryset, value):
    """A correlated subquery: `value` (an aggregate) over the rows of `queryset` of the outer
    stakeholder. Through the ORM, so both databases answer typed values (dates, UUIDs)."""
    return Subquery(queryset.filter(stakeholder=OuterRef("pk")).order_by().values("stakeholder")
                    .annotate(value=value).values("value")[:1])


def engagement_rows(plan: Plan, *, now=None) -> list[dict]:
    """Each buyer-side stakeholder of the plan's deal with their room engagement, in one query:
    invited when (first link), until when a link works, first opened, last seen, number of
    visits and number of changes they made to the plan."""
    now = now or timezone.now()
    links = RoomLink.objects.filter(organization_id=plan.organization_id)
    visits = RoomVisit.objects.filter(organization_id=plan.organization_id, plan_id=plan.pk)
    changes = Activity.objects.filter(organization_id=plan.organization_id, plan_id=plan.pk)
    rows = (
        Stakeholder.objects.filter(organization_id=plan.organization_id, deal_id=plan.deal_id, side=Side.BUYER)
        .order_by("order", "id")
        .annotate(
            invited_at=_per_person(links, Min("created_at")),
            link_until=_per_person(links.filter(revoked_at__isnull=True, expires_at__gt=now), Max("expires_at")),
            revoked=_per_person(links.filter(revoked_at__isnull=False), Count("pk")),
            first_opened=_per_person(visits, Min("started_at")),
            last_seen=_per_person(visits, Max("last_seen_at")),
            visits=_per_person(visits, Count("pk")),
            changes=Subquery(changes.filter(actor_stakeholder=OuterRef("pk")).order_by()
                             .values("actor_stakeholder").annotate(value=Count("pk")).values("value")[:1]),
        )
        .values_list("public_id", "name", "title", "invited_at", "link_until", "revoked", "first_opened",
                     "last_seen", "visits", "changes")
    )
    people = []
    history = reverse("plans:activity", kwargs={"plan_id": plan.public_id})
    for public_id, name, title, invited_at, link_until, revoked, first, last, visits_, changes_ in rows:
        people.append({
            "id": str(public_id), "name": name, "title": title, "invited_at": invited_at,
            "link_until": link_until, "revoked": bool(revoked) and link_until is None,
            "expired": invited_at is not None and link_until is None and not revoked,
            "first_opened": first, "last_seen": last, "visits": visits_ or 0, "changes": changes_ or 0,
            **_labels(public_id, name, invited_at, link_until, first, last, changes_ or 0, history),
        })
    return people


def _date(moment, fmt: str) -> str:
    return formats.date_format(timezone.localtime(moment), fmt)


def _labels(public_id, name, invited_at, link_until, first, last, changes, history: str) -> dict:
    """The panel's dates and sentences, formatted here rather than by a dozen filters and
    blocktranslates per person in the template (what `|date`, `|naturaltime` and
    {% blocktranslate %} printed: only the values are escaped, as there)."""
    labels = {}
    if invited_at is not None:
        labels["invited_full"] = _date(invited_at, "DATETIME_FORMAT")
        labels["invited_label"] = SafeString(
            _("Invited %(date)s") % {"date": escape(_date(invited_at, "DATE_FORMAT"))})
    if link_until is not None:
        labels["until_label"] = SafeString(
            _("works until %(date)s") % {"date": escape(_date(link_until, "DATE_FORMAT"))})
    if first is not None:
        labels["first_iso"] = timezone.localtime(first).isoformat()
        labels["first_full"] = _date(first, "DATETIME_FORMAT")
    if last is not None:
        labels["last_iso"] = timezone.localtime(last).isoformat()
        labels["last_full"] = _date(last, "DATETIME_FORMAT")
        labels["last_when"] = naturaltime(last)
    if changes:
        labels["changes_url"] = f"{history}?who={public_id}"
        labels["changes_title"] = SafeString(_("What %(name)s changed") % {"name": escape(name)})
    return labels


def engagement_context(plan: Plan) -> dict:
    """The plan page's engagement panel (one query)."""
    return {"engagement": engagement_rows(plan), "gap_minutes": RoomVisit.GAP_MINUTES}


def activity_actor(plan: Plan, who: str | None) -> Stakeholder | None:
    """The stakeholder of the plan's deal named by `?who=<public id>`, None when not asked for;
    Http404 for anything else (a malformed id, someone of another deal or organization)."""
    if not who:
        return None
    try:
        public_id = uuid.UUID(who)
    except ValueError:
        raise Http404 from None
    stakeholder = Stakeholder.objects.for_org(plan.organization_id).filter(
        deal_id=plan.deal_id, public_id=public_id
    ).first()
    if stakeholder is None:
        raise Http404
    return stakeholder
