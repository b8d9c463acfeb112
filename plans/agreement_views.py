"""Accepting the plan (the buyer, in the room) and confirming changes to the agreed version
(the buyer in the room, the seller on the plan page).

Forms post plainly and redirect, so they work without JavaScript. Each carries the plan's
version and a digest of the committed dates and owners the page showed: a stale one answers
409 with the page as it is now, so nobody confirms what they did not see. Access is checked
before the method, so a foreign id answers 404 to any method.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from deals.models import Side
from mapapp.concurrency import StaleEdit

from . import agreement, room_access, selectors
from .access import get_plan_for_member
from .activity import Actor
from .room import _private, room_page_data


class AgreementForm(forms.Form):
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    seen = forms.CharField(max_length=64, widget=forms.HiddenInput)


def _room_url(plan) -> str:
    return reverse("plans:room", kwargs={"plan_id": plan.public_id}) + "#room-agreement"


def _plan_url(plan) -> str:
    return reverse("plans:detail", kwargs={"plan_id": plan.public_id}) + "#plan-agreement"


def _stale_note() -> str:
    return _("The plan changed while you were reading it. Nothing was confirmed: here is the plan as it is "
             "now, with the current differences. Check them and confirm again.")


def _room_page(request, plan, link, *, status: int, alert: str = "", preview: bool = False) -> HttpResponse:
    plan.refresh_from_db()
    stakeholder = None if preview else link.stakeholder
    data = room_page_data(plan, stakeholder=stakeholder, since=None if preview else link.previous_visit_at)
    context = {**data, "preview": preview, "agreement_alert": alert}
    return _private(render(request, "room/room.html", context, status=status))


def _room_action(request: HttpRequest, plan_id, refuse_member: str):
    """(plan, link, response): a member may see the room (preview) but not act for the buyer."""
    if getattr(request, "membership", None) is not None:
        plan = get_plan_for_member(request, plan_id)
        if request.method != "POST":
            return plan, None, HttpResponseNotAllowed(["POST"])
        return plan, None, _room_page(request, plan, None, status=403, alert=refuse_member, preview=True)
    plan, link = room_access.get_plan_for_buyer(request, plan_id)
    if request.method != "POST":
        return plan, link, HttpResponseNotAllowed(["POST"])
    return plan, link, None


def _room_agreement_post(request: HttpRequest, plan_id, *, refuse_member: str, act, done: str) -> HttpResponse:
    """Accept or confirm in the room: the buyer's POST with the version and digest it saw; a
    stale one answers 409 with the room as it is now."""
    plan, link, response = _room_action(request, plan_id, refuse_member)
    if response is not None:
        return response
    form = AgreementForm(request.POST)
    if not form.is_valid():
        return _room_page(request, plan, link, status=400, alert=_("That request was not understood. Nothing changed."))
    try:
        act(plan, link.stakeholder, form.cleaned_data)
    except StaleEdit:
        return _room_page(request, plan, link, status=409, alert=_stale_note())
    except ValidationError as error:
        messages.info(request, error.messages[0])
    else:
        messages.success(request, done)
    return _private(redirect(_room_url(plan)))


def room_accept(request: HttpRequest, plan_id) -> HttpResponse:
    """The buyer accepts the plan as the room showed it."""
    return _room_agreement_post(
        request, plan_id,
        refuse_member=_("This is a preview: only the buyer can accept the plan, from their own deal room."),
        act=lambda plan, buyer, data: agreement.plan_accept(plan=plan, stakeholder=buyer, **data),
        done=_("Thank you: you accepted the plan. The seller has been told."),
    )


def room_confirm(request: HttpRequest, plan_id) -> HttpResponse:
    """The buyer confirms the changes made since the agreed version."""
    return _room_agreement_post(
        request, plan_id,
        refuse_member=_("This is a preview: the seller confirms changes on the plan page, not in the room."),
        act=lambda plan, buyer, data: agreement.plan_confirm(plan=plan, actor=Actor(stakeholder=buyer), **data),
        done=_("Thank you: you confirmed the changes. This is now the agreed version."),
    )


# The cards on their own: after the plan is agreed, each page's card re-fetches itself after
# any successful HTMX POST on the page (an inline edit may have moved a committed date).

@login_required
def plan_agreement_card(request: HttpRequest, plan_id) -> HttpResponse:
    plan = get_plan_for_member(request, plan_id)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET"])
    if not request.htmx:
        return redirect(_plan_url(plan))
    return render(request, "plans/_agreement.html", {**agreement.plan_agreement(plan, viewer=Side.SELLER), "plan": plan})


def room_agreement_card(request: HttpRequest, plan_id) -> HttpResponse:
    if getattr(request, "membership", None) is not None:
        plan, preview = get_plan_for_member(request, plan_id), True
    else:
        plan, preview = room_access.get_plan_for_buyer(request, plan_id)[0], False
    if request.method not in ("GET", "HEAD"):
        return _private(HttpResponseNotAllowed(["GET"]))
    if not request.htmx:
        return _private(redirect(_room_url(plan)))
    context = {**agreement.plan_agreement(plan, viewer=Side.BUYER), "plan": plan, "preview": preview}
    return _private(render(request, "room/_agreement.html", context))


@login_required
def plan_confirm(request: HttpRequest, plan_id) -> HttpResponse:
    """The seller confirms the changes the buyer made since the agreed version."""
    plan = get_plan_for_member(request, plan_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = AgreementForm(request.POST)
    alert, status = "", 200
    if not form.is_valid():
        alert, status = _("That request was not understood. Nothing changed."), 400
    else:
        try:
            agreement.plan_confirm(plan=plan, actor=Actor(user=request.user), **form.cleaned_data)
        except StaleEdit:
            alert, status = _stale_note(), 409
        except ValidationError as error:
            messages.info(request, error.messages[0])
        else:
            messages.success(request, _("You confirmed the changes. This is now the agreed version."))
    if status == 200:
        return redirect(_plan_url(plan))
    plan.refresh_from_db()
    context = {**selectors.plan_page_data(plan), "agreement_alert": alert}
    return render(request, "plans/plan.html", context, status=status)
