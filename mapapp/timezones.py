"""Each person's own time zone for the request: "today" (what is overdue, what is due today,
the timeline's today line) and the times of the history are theirs.

Due dates are calendar dates (DateField): no zone ever shifts them. Only instants (a comment's
time, when a plan was agreed) and "today" depend on the zone.

A signed-in member uses `User.timezone`; a buyer in the deal room the zone the seller set on
their stakeholder, remembered in the room session when the link is exchanged (no query).
Anyone else, and an unknown zone name, gets settings.TIME_ZONE.
"""

from __future__ import annotations

import functools
import zoneinfo

from django.http import HttpRequest
from django.utils import timezone

#: The session key holding a buyer's zone name (plans.room_access.room_session_start sets it).
SESSION_KEY = "room_timezone"


@functools.cache
def timezone_choices() -> list[tuple[str, str]]:
    """Every zone name, for a select ("" first: none chosen)."""
    zones = sorted(zoneinfo.available_timezones() - {"localtime", "Factory"})
    return [("", "—"), *((z, z.replace("_", " ")) for z in zones)]


@functools.lru_cache(maxsize=256)
def zone(name: str) -> zoneinfo.ZoneInfo | None:
    """The zone called `name`, or None for an empty or unknown name."""
    if not name:
        return None
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


class TimezoneMiddleware:
    """Activates the person's zone for the request (after authentication and sessions)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            name = user.timezone
        else:
            session = getattr(request, "session", None)
            name = session.get(SESSION_KEY, "") if session is not None else ""
        chosen = zone(name)
        if chosen is None:
            timezone.deactivate()
        else:
            timezone.activate(chosen)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
