"""Access requests: the visitor's form (reached from a room link, theirs or not), and the
approve/decline buttons of the seller (plan page) and of the buyer's champion (room)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from . import access_requests, room_access
from .activity import Actor
from .room import _client_ip, _private, _too_many


class AccessRequestForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Your name"), max_length=150)
    email = forms.EmailField(label=gettext_lazy("Your work e-mail"), max_length=254)
    title = forms.CharField(label=gettext_lazy("Your role"), max_length=150, required=False)

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise ValidationError(_("Please type your name."))
        return name


def room_request_access(request: HttpRequest, token: str) -> HttpResponse:
    """GET: the request form of the room the link opens (the link may be someone else's, or
    dead). POST: record the request and answer one page, the same whatever happened."""
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    ip = _client_ip(request)
    if request.method == "GET":
        if room_access.rate_limited(f"room-link:ip:{ip}", room_access.LINK_ATTEMPTS_PER_IP):
            return _too_many(request)
        link = access_requests.link_for_request(token=token)
        if link is None:
            context = {"message": _("This link is not valid."), "room": ""}
            return _private(render(request, "room/invalid.html", context, status=404))
        return _private(render(request, "room/request_access.html", {"form": AccessRequestForm(), "token": token}))
    form = AccessRequestForm(request.POST)
    email = (request.POST.get("email") or "").strip().lower()[:254]
    if room_access.rate_limited(f"access-request:ip:{ip}", access_requests.REQUESTS_PER_IP) or (
        email and room_access.rate_limited(
            f"access-request:email:{room_access.token_hash(email)}", access_requests.REQUESTS_PER_ADDRESS
        )
    ):
        return _too_many(request)
    if not form.is_valid():
        return _private(render(request, "room/request_access.html", {"form": form, "token": token}, status=422))
    link = access_requests.link_for_request(token=token)
    if link is not None:
        access_requests.access_request_create(link=link, **form.cleaned_data)
    # No form on this page: without the (per-request random) CSRF token, the answer is the
    # same byte for byte whatever happened.
    return _private(render(request, "room/access_requested.html", {"csrf_token": ""}))


def _decide(request: HttpRequest, access_request, actor: Actor, approve: bool) -> None:
    try:
        if approve:
            stakeholder = access_requests.access_request_approve(access_request=access_request, actor=actor)
        else:
            access_requests.access_request_decline(access_request=access_request, actor=actor)
    except ValidationError as error:
        messages.warning(request, error.messages[0])
        return
    if approve:
        messages.success(request, _("%(name)s is in: their own link is on its way to %(email)s.") % {
            "name": stakeholder.name, "email": stakeholder.email,
        })
    else:
        messages.success(request, _("Request of %(name)s declined.") % {"name": access_request.name})


@login_required
@require_POST
def access_request_decide(request: HttpRequest, accessrequest_id, approve: bool) -> HttpResponse:
    """The seller approves or declines a request of a deal they may see."""
    access_request = access_requests.get_access_request_for_member(request, accessrequest_id)
    _decide(request, access_request, Actor(user=request.user), approve)
    plan_url = reverse("plans:detail", kwargs={"plan_id": access_request.plan.public_id})
    return redirect(f"{plan_url}#access-requests")


@require_POST
def room_access_request_decide(request: HttpRequest, accessrequest_id, approve: bool) -> HttpResponse:
    """The buyer's champion approves or declines a request of their room; 404 for anyone else."""
    access_request, link = access_requests.get_access_request_for_champion(request, accessrequest_id)
    _decide(request, access_request, Actor(stakeholder=link.stakeholder), approve)
    room_url = reverse("plans:room", kwargs={"plan_id": access_request.plan.public_id})
    return _private(redirect(f"{room_url}#access-requests"))
