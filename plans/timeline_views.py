"""The timeline pages: the seller's (every task) and the room's (what the buyer sees)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import render

from . import live, timeline
from .access import get_plan_for_member
from .room import _private

TEMPLATE = "plans/timeline.html"


def _page(request: HttpRequest, plan, *, room: bool, **extra) -> HttpResponse:
    """The page for GET; 405 for anything else (after the access check, which answers 404
    first to those who may not see the plan)."""
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    return render(request, TEMPLATE, {**timeline.timeline_data(plan, room=room), **extra})


@login_required
def plan_timeline(request: HttpRequest, plan_id) -> HttpResponse:
    plan = get_plan_for_member(request, plan_id)
    return _page(request, plan, room=False)


def room_timeline(request: HttpRequest, plan_id) -> HttpResponse:
    """The room's timeline: for the buyer of this room, and as a preview for members who may
    see the deal (internal tasks left out for both). 404 for everyone else; 410 with the
    dead-link page when this session's own link stopped working."""
    if getattr(request, "membership", None) is not None:
        plan = get_plan_for_member(request, plan_id)
        return _private(_page(request, plan, room=True, preview=True))
    found = live.buyer_plan(request, plan_id)
    if isinstance(found, HttpResponse):
        return found
    plan, link = found
    return _private(_page(request, plan, room=True, stakeholder=link.stakeholder))
