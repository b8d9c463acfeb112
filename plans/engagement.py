"""Seller-side engagement: who on the buyer's side opened the deal room, when, and what they changed.

A RoomVisit starts when a buyer opens the room after a pause of RoomVisit.GAP_MINUTES or
more; later page views and the room's live polls only move its `last_seen_at` (polls at
most once a minute per link, counted in the cache, so an open tab does not write every few
seconds).
"""

import uuid
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

from django.contrib.humanize.templatetags.humanize import naturaltime
from django.core.cache import cache
from django.db import connection
from django.db.models import Subquery
from django.http import Http404
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.dateparse import parse_datetime
from django.utils.html import escape
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from deals.models import Side, Stakeholder

from . import health_store
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
    # A new visit can end "buyer silent" / "never opened" in the stored health.
    health_store.refresh_on_commit(plan)
    return RoomVisit.objects.create(
        organization_id=plan.organization_id, plan=plan, stakeholder_id=stakeholder_id, link=link,
        started_at=now, last_seen_at=now,
    )


def visit_seen(*, plan: Plan, link: RoomLink) -> None:
    """The open room polled: record the visit at most once a minute per link (no query otherwise)."""
    if cache.add(f"room-seen:{link.pk}", 1, timeout=SEEN_EVERY_SECONDS):
        record_visit(plan=plan, link=link)


_PANEL_SQL = """
SELECT s."id", s."public_id", s."name", s."title",
  (SELECT MIN(l."created_at") FROM "{link}" l WHERE l."stakeholder_id" = s."id"),
  (SELECT MAX(l."expires_at") FROM "{link}" l WHERE l."stakeholder_id" = s."id"
     AND l."revoked_at" IS NULL AND l."expires_at" > %s),
  (SELECT COUNT(*) FROM "{link}" l WHERE l."stakeholder_id" = s."id" AND l."revoked_at" IS NOT NULL),
  (SELECT MIN(v."started_at") FROM "{visit}" v WHERE v."plan_id" = %s AND v."stakeholder_id" = s."id"),
  (SELECT MAX(v."last_seen_at") FROM "{visit}" v WHERE v."plan_id" = %s AND v."stakeholder_id" = s."id"),
  (SELECT COUNT(*) FROM "{visit}" v WHERE v."plan_id" = %s AND v."stakeholder_id" = s."id"),
  (SELECT COUNT(*) FROM "{activity}" a WHERE a."plan_id" = %s AND a."actor_stakeholder_id" = s."id")
FROM "{person}" s
WHERE s."organization_id" = %s AND s."deal_id" = %s AND s."side" = %s
ORDER BY s."order", s."id"
""".format(
    link=RoomLink._meta.db_table, visit=RoomVisit._meta.db_table, activity=Activity._meta.db_table,
    person=Stakeholder._meta.db_table,
)


def _when(value):
    """A datetime from the raw query: PostgreSQL answers one; SQLite (the demo) a string in UTC."""
    if value is None or isinstance(value, datetime):
        return value
    parsed = parse_datetime(value)
    return parsed if parsed is None or timezone.is_aware(parsed) else timezone.make_aware(parsed, dt_timezone.utc)


def engagement_rows(plan: Plan, *, now=None) -> list[dict]:
    """Each buyer-side stakeholder of the plan's deal with their room engagement, in one query:
    invited when (first link), until when a link works, first opened, last seen, number of
    visits and number of changes they made to the plan. Raw SQL (correlated subqueries that
    both PostgreSQL and SQLite run): the ORM took longer to compile it than the database to answer."""
    now = now or timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(_PANEL_SQL, [connection.ops.adapt_datetimefield_value(now), plan.pk, plan.pk, plan.pk,
                                    plan.pk, plan.organization_id, plan.deal_id, Side.BUYER])
        rows = [
            (pk, public_id if isinstance(public_id, uuid.UUID) else uuid.UUID(str(public_id)), name, title,
             _when(invited), _when(until), revoked, _when(first), _when(last), visits or 0, changes or 0)
            for pk, public_id, name, title, invited, until, revoked, first, last, visits, changes in cursor.fetchall()
        ]
    people = []
    history = reverse("plans:activity", kwargs={"plan_id": plan.public_id})
    for _pk, public_id, name, title, invited_at, link_until, revoked, first, last, visits_, changes_ in rows:
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
