"""The check-in agenda pages: the seller's (under the plan) and the room's (the buyer's, which
members may preview). Views are thin: access helper → form → one service → response.

HTMX saves the notes in place (the notes form swaps itself); without JS every form posts and
redirects back to the page. A stale notes edit answers 409 with both versions, keeping what was
typed. Write URLs check access before the method, so a foreign id answers 404 to any method.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _

from mapapp.concurrency import StaleEdit
from plans import live, room_access
from plans.access import get_plan_for_member
from plans.activity import Actor
from plans.forms import conflict_for
from plans.room import _private

from . import services
from .forms import HoldForm, NotesForm
from .models import CheckIn
from .selectors import agenda_page_data

PAGE = "checkins/agenda.html"


def _urls(plan, *, room: bool) -> dict:
    kwargs = {"plan_id": plan.public_id}
    if room:
        return {"page_url": reverse("checkins:room-agenda", kwargs=kwargs),
                "notes_url": reverse("checkins:room-notes", kwargs=kwargs), "hold_url": ""}
    return {"page_url": reverse("checkins:agenda", kwargs=kwargs),
            "notes_url": reverse("checkins:notes", kwargs=kwargs),
            "hold_url": reverse("checkins:hold", kwargs=kwargs)}


def _notes_box(checkin: CheckIn | None, date, *, form: NotesForm | None = None, conflict=None,
               saved: bool = False) -> dict:
    if form is None:
        form = NotesForm(initial={"notes": checkin.notes if checkin else "", "date": date,
                                  "version": checkin.version if checkin else 0},
                         auto_id=f"notes-{date.isoformat()}-%s")
    return {"form": form, "checkin": checkin, "date": date, "conflict": conflict, "saved": saved,
            "target_id": f"notes-{date.isoformat()}"}


def _page(request: HttpRequest, plan, *, room: bool, status: int = 200, box: dict | None = None, **extra):
    data = agenda_page_data(plan, room=room)
    urls = _urls(plan, room=room)
    upcoming_box = None
    if data["upcoming_date"] is not None:
        upcoming_box = _notes_box(data["upcoming"], data["upcoming_date"])
    past_boxes = [{**p, "box": _notes_box(p["checkin"], p["checkin"].date)} for p in data["past"]]
    if box is not None:  # the form that was posted, with its errors or conflict
        if upcoming_box and box["date"] == upcoming_box["date"]:
            upcoming_box = box
        for p in past_boxes:
            if p["checkin"].date == box["date"]:
                p["box"] = box
    context = {**data, **urls, **extra, "upcoming_box": upcoming_box, "past": past_boxes,
               "hold_form": HoldForm(initial={"date": data["upcoming_date"]})}
    return render(request, PAGE, context, status=status)


def _notes_post(request: HttpRequest, plan, *, actor: Actor, room: bool) -> HttpResponse:
    form = NotesForm(request.POST)
    status, conflict, saved = 422, None, False
    checkin = None
    if form.is_valid():
        on = form.cleaned_data["date"]
        try:
            checkin = services.checkin_notes_save(plan=plan, on=on, notes=form.cleaned_data["notes"],
                                                  version=form.cleaned_data["version"], actor=actor)
        except StaleEdit as stale:
            status, checkin = 409, stale.current
            conflict = conflict_for(form, checkin)
            # Saving again is then a deliberate overwrite of what is stored now.
            form.set_version(checkin.version if checkin else 0)
        except ValidationError as error:
            form.add_service_error(error)
        else:
            if not request.htmx:
                messages.success(request, _("The notes are saved."))
                return redirect(_urls(plan, room=room)["page_url"] + f"#notes-{on.isoformat()}")
            status, saved, form = 200, True, None
    date = form.cleaned_data.get("date") if form is not None else checkin.date
    if date is None:  # a form without its check-in's date: nothing to show it on
        messages.error(request, _("The check-in of these notes is missing. Reload the page and try again."))
        return _page(request, plan, room=room, status=400)
    box = _notes_box(checkin, date, form=form, conflict=conflict, saved=saved)
    if request.htmx:
        return render(request, f"{PAGE}#notes-box", {**_urls(plan, room=room), "box": box, "room": room},
                      status=status)
    return _page(request, plan, room=room, status=status, box=box)


# The seller's side ---------------------------------------------------------------------------

@login_required
def agenda(request: HttpRequest, plan_id) -> HttpResponse:
    """The next check-in's agenda as it stands, its notes, "Mark held", and past check-ins."""
    plan = get_plan_for_member(request, plan_id)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    return _page(request, plan, room=False)


@login_required
def notes(request: HttpRequest, plan_id) -> HttpResponse:
    plan = get_plan_for_member(request, plan_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    return _notes_post(request, plan, actor=Actor(user=request.user), room=False)


@login_required
def hold(request: HttpRequest, plan_id) -> HttpResponse:
    """Mark the next check-in held (checkins.services.checkin_hold) and go back to the page."""
    plan = get_plan_for_member(request, plan_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = HoldForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The check-in to mark held is missing. Reload the page and try again."))
        return redirect(_urls(plan, room=False)["page_url"])
    try:
        services.checkin_hold(plan=plan, on=form.cleaned_data["date"], actor=Actor(user=request.user))
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return _page(request, plan, room=False, status=409)
    if plan.next_checkin_date:
        messages.success(request, _("Marked held. The next check-in is on %(date)s.")
                         % {"date": _date(plan.next_checkin_date)})
    else:
        messages.success(request, _("Marked held. The plan has no regular check-in: set the next one in the plan's summary."))
    return redirect(_urls(plan, room=False)["page_url"])


def _date(value) -> str:
    return formats.date_format(value, "DATE_FORMAT")


# The room ------------------------------------------------------------------------------------

def room_agenda(request: HttpRequest, plan_id) -> HttpResponse:
    """The agenda in the deal room: for the buyer whose session is bound to it, and as a preview
    for members who may see the deal (nothing internal for either). 404 for everyone else; 410
    with the dead-link page when this session's own link stopped working."""
    if request.method not in ("GET", "HEAD"):
        if getattr(request, "membership", None) is not None:
            get_plan_for_member(request, plan_id)
        else:
            room_access.get_plan_for_buyer(request, plan_id)
        return HttpResponseNotAllowed(["GET", "HEAD"])
    if getattr(request, "membership", None) is not None:
        plan = get_plan_for_member(request, plan_id)
        return _private(_page(request, plan, room=True, preview=True))
    found = live.buyer_plan(request, plan_id)
    if isinstance(found, HttpResponse):
        return found
    plan, link = found
    return _private(_page(request, plan, room=True, stakeholder=link.stakeholder))


def room_notes(request: HttpRequest, plan_id) -> HttpResponse:
    """The buyer writes the check-in's notes too (both sides co-own the plan); the notes record
    who wrote them. For the room's own buyer session only: members write them on the plan's page."""
    if request.user.is_authenticated:
        raise Http404  # a member previewing, even with a buyer's session in the same browser
    plan, link = room_access.get_plan_for_buyer(request, plan_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    return _private(_notes_post(request, plan, actor=Actor(stakeholder=link.stakeholder), room=True))
