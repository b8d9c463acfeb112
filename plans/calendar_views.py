"""Calendar feeds: the address a calendar app fetches (its token is its access), and the page
where a member makes and revokes their addresses (plans.calendar)."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from deals.access import visible_deals
from mapapp.tenancy import membership_or_404

from . import calendar
from .access import get_plan_for_member
from .models import CalendarFeed, Plan


def get_feed_for_member(request: HttpRequest, calendarfeed_id) -> CalendarFeed:
    """The member's own feed in the current organization, or 404 (also for someone else's)."""
    membership = membership_or_404(request)
    feed = CalendarFeed.objects.filter(organization_id=membership.organization_id, user_id=membership.user_id,
                                       public_id=calendarfeed_id).first()
    if feed is None:
        raise Http404
    return feed


@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    found = calendar.feed_for_token(token)
    if found is None:
        raise Http404
    feed, membership = found
    response = HttpResponse(calendar.render(feed, membership), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="mapapp.ics"'
    response["Referrer-Policy"] = "no-referrer"
    patch_cache_control(response, private=True, max_age=300)
    return response


@login_required
def calendar_feeds(request: HttpRequest) -> HttpResponse:
    membership = membership_or_404(request)
    plans = list(Plan.objects.filter(organization_id=membership.organization_id, deal__in=visible_deals(request))
                 .select_related("deal").order_by("deal__name"))
    new_url, error = None, None
    if request.method == "POST":
        plan = None
        if chosen := request.POST.get("plan"):
            try:
                plan = get_plan_for_member(request, uuid.UUID(chosen))
            except ValueError:
                raise Http404 from None
        try:
            _feed, new_url = calendar.calendar_feed_create(membership=membership, plan=plan)
        except ValidationError as problem:
            error = " ".join(problem.messages)
    feeds = (CalendarFeed.objects.filter(organization_id=membership.organization_id, user_id=membership.user_id)
             .select_related("plan__deal"))
    response = render(request, "plans/calendar_feeds.html", {
        "plans": plans, "feeds": feeds, "new_url": new_url, "error": error,
        "chosen": request.GET.get("plan", ""),
    }, status=400 if error else 200)
    add_never_cache_headers(response)  # it may show an address once
    return response


@require_POST
@login_required
def calendar_feed_revoke(request: HttpRequest, calendarfeed_id) -> HttpResponse:
    feed = get_feed_for_member(request, calendarfeed_id)
    calendar.calendar_feed_revoke(feed=feed)
    messages.success(request, _("That calendar address is revoked: calendars no longer get updates from it."))
    return redirect("plans:calendar-feeds")
