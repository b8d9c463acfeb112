"""Live refresh: a cheap "has anything changed?" stamp for the plan page and the deal room.

Every change to a plan leaves an Activity row, so the stamp of a page is its plan's newest
activity rows: the ids of the latest STAMP_ROWS by time (one query on the index
(organization, plan, -created_at)). More than one id because ids are handed out before
commit: a change whose transaction commits after a later one's would not move a "max id"
stamp, but it joins this list once it commits.

The room's stamp reads non-internal activity only, so a change the buyer may not see
(an internal task, an internal comment, the budget) does not even change the room's ETag.
The plan page's stamp adds the newest room visit, so the seller's engagement panel shows a
buyer opening the room.

Pages poll `…/stamp/` with If-None-Match (static/js/live.js): 304 while nothing changed,
else 200 with the new ETag, and the page then fetches itself and swaps its `data-live`
regions.
"""

import hashlib
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.http import quote_etag
from django.utils.translation import gettext as _

from deals.access import visible_deals

from . import engagement, room_access
from .models import Activity, Plan, RoomLink, RoomVisit

STAMP_ROWS = 5
POLL_SECONDS = 5

_ACTIVITY = Activity._meta.db_table
_VISIT = RoomVisit._meta.db_table
# Raw: this runs every five seconds per open page, and the ORM takes longer to compile it than
# the database takes to answer it. Plain SQL that PostgreSQL and SQLite (the demo) both run.
_STAMP_SQL = (
    f'SELECT "id" FROM "{_ACTIVITY}" WHERE "organization_id" = %s AND "plan_id" = %s'
    ' {internal} ORDER BY "created_at" DESC, "id" DESC LIMIT %s'
)
# Rows: (0, activity id) for the newest activity, then (1, newest visit id).
_PLAN_SQL = (
    f'SELECT 0, "id" FROM ({_STAMP_SQL.format(internal="")}) AS "recent"'
    f' UNION ALL SELECT 1, MAX("id") FROM "{_VISIT}" WHERE "organization_id" = %s AND "plan_id" = %s'
)
_ROOM_SQL = _STAMP_SQL.format(internal='AND NOT "internal"')


def _etag(kind: str, *parts) -> str:
    # The day is part of it: "overdue" flags and relative dates change at midnight.
    raw = "|".join([kind, timezone.localdate().isoformat(), *(str(p) for p in parts)])
    return quote_etag(hashlib.sha1(raw.encode()).hexdigest()[:20])


def plan_stamp(*, organization_id: int, plan_pk: int) -> str:
    """The seller's plan page ETag: its newest activity (internal included) and room visit. One query."""
    with connection.cursor() as cursor:
        cursor.execute(_PLAN_SQL, [organization_id, plan_pk, STAMP_ROWS, organization_id, plan_pk])
        rows = cursor.fetchall()
    ids = sorted((value for kind, value in rows if kind == 0), reverse=True)
    visit = next((value for kind, value in rows if kind == 1), None)
    return _etag("plan", ids, visit)


def room_stamp(*, organization_id: int, plan_pk: int) -> str:
    """The deal room's ETag: its newest activity that is not internal. One query."""
    with connection.cursor() as cursor:
        cursor.execute(_ROOM_SQL, [organization_id, plan_pk, STAMP_ROWS])
        ids = [row[0] for row in cursor.fetchall()]
    return _etag("room", ids)


def _not_modified(request: HttpRequest, etag: str) -> bool:
    return etag in [e.strip() for e in request.headers.get("If-None-Match", "").split(",")]


def _answer(request: HttpRequest, etag: str) -> HttpResponse:
    """304 for a matching If-None-Match, else a tiny 200; both carry the ETag and are never cached.

    Called after the access check, so another method on a foreign id answers 404 like the rest."""
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    if _not_modified(request, etag):
        response = HttpResponse(status=304)
    else:
        response = JsonResponse({"etag": etag})
    response["ETag"] = etag
    add_never_cache_headers(response)
    return response


def live_context(url: str, etag: str) -> dict:
    """What a page hands to static/js/live.js: where to poll and the stamp it was rendered at."""
    return {"live": {"url": url, "etag": etag, "seconds": POLL_SECONDS}}


# Views ---------------------------------------------------------------------------------------

def _member_plan_pk(request: HttpRequest, plan_id: UUID) -> int:
    """The pk of a plan the signed-in member may see, in one query (no model loaded); Http404 otherwise."""
    membership = getattr(request, "membership", None)
    plan_pk = None if membership is None else (
        Plan.objects.for_org(membership.organization_id)
        .filter(public_id=plan_id, deal__in=visible_deals(request))
        .values_list("pk", flat=True)
        .first()
    )
    if plan_pk is None:
        raise Http404
    return plan_pk


def plan_stamp_view(request: HttpRequest, plan_id: UUID) -> HttpResponse:
    """The plan page's stamp, scoped like the page (404 for everyone who may not see it).

    Two queries after the middleware's: the access check and the stamp."""
    plan_pk = _member_plan_pk(request, plan_id)
    return _answer(request, plan_stamp(organization_id=request.membership.organization_id, plan_pk=plan_pk))


def room_stamp_view(request: HttpRequest, plan_id: UUID) -> HttpResponse:
    """The deal room's stamp: for the buyer whose session is bound to this room, and for members
    who may see the deal (the preview). 404 for every other room; 410 with the dead-link page
    when this session's own link was revoked or expired, so the open room can say so."""
    if getattr(request, "membership", None) is not None:
        plan_pk = _member_plan_pk(request, plan_id)
        return _answer(request, room_stamp(organization_id=request.membership.organization_id, plan_pk=plan_pk))
    found = buyer_plan(request, plan_id)
    if isinstance(found, HttpResponse):
        return found
    plan, link = found
    engagement.visit_seen(plan=plan, link=link)
    response = _answer(request, room_stamp(organization_id=plan.organization_id, plan_pk=plan.pk))
    response["Referrer-Policy"] = "no-referrer"
    return response


def buyer_plan(request: HttpRequest, plan_id: UUID) -> tuple[Plan, RoomLink] | HttpResponse:
    """The room's plan and link for the buyer of this session (room_access.get_plan_for_buyer),
    or the dead-link page (410) when the session's own link stopped working; Http404 otherwise."""
    try:
        return room_access.get_plan_for_buyer(request, plan_id)
    except Http404:
        dead = dead_link_response(request, plan_id)
        if dead is None:
            raise
        return dead


def dead_link_response(request: HttpRequest, plan_id: UUID) -> HttpResponse | None:
    """410 with the dead-link page when the session is bound to this room's link and that link
    no longer works; None otherwise (the caller answers 404 then)."""
    link_id = request.session.get(room_access.SESSION_KEY)
    if not isinstance(link_id, int):
        return None
    link = (
        RoomLink.objects.filter(pk=link_id, stakeholder__deal__plan__public_id=plan_id)
        .only("revoked_at", "expires_at")
        .first()
    )
    if link is None or link.is_usable:
        return None
    if link.revoked_at is not None:
        error = ValidationError(_("This link has been withdrawn."), code="revoked")
    else:
        error = ValidationError(_("This link has expired."), code="expired")
    context = {"message": error.messages[0], "room": str(plan_id)}
    response = render(request, "room/invalid.html", context, status=410)
    response["Referrer-Policy"] = "no-referrer"
    add_never_cache_headers(response)
    return response


def plan_live_context(plan: Plan) -> dict:
    """live_context() for the seller's plan page. Call it before loading the page's data: a change
    made in between then shows on the page and moves the stamp, never the other way round."""
    url = reverse("plans:stamp", kwargs={"plan_id": plan.public_id})
    return live_context(url, plan_stamp(organization_id=plan.organization_id, plan_pk=plan.pk))


def room_live_context(plan: Plan) -> dict:
    """live_context() for the deal room (buyer or preview); call it before loading the room's data."""
    url = reverse("plans:room-stamp", kwargs={"plan_id": plan.public_id})
    return live_context(url, room_stamp(organization_id=plan.organization_id, plan_pk=plan.pk))
