"""Export pages: queue a PDF (plan page, deal room), follow its progress (htmx polling, or a
status page with a refresh link), download it. Access first, then the method, then the service."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

from plans import room_access
from plans.access import get_plan_for_member
from plans.activity import Actor

from . import services
from .access import get_export_for_member, get_export_for_room
from .models import Audience, Export, ExportStatus

POLL_SECONDS = 1


def _private(response: HttpResponse) -> HttpResponse:
    response["Referrer-Policy"] = "no-referrer"
    add_never_cache_headers(response)
    return response


def progress_context(export: Export, *, room: bool) -> dict:
    """What the progress block shows and where its links go (room URLs in the room)."""
    prefix = "exports:room-" if room else "exports:"
    plan_id = export.plan.public_id
    return {
        "export": export,
        "room": room,
        "status_url": reverse(f"{prefix}export", kwargs={"export_id": export.public_id}),
        "download_url": reverse(f"{prefix}export-download", kwargs={"export_id": export.public_id}),
        "create_url": reverse(f"{prefix}plan-export-create", kwargs={"plan_id": plan_id}),
        "back_url": reverse("plans:room" if room else "plans:detail", kwargs={"plan_id": plan_id}),
        "poll_seconds": POLL_SECONDS,
        "size_kb": max(1, round((export.size or 0) / 1024)),
    }


def _progress(request: HttpRequest, export: Export, *, room: bool, status: int = 200) -> HttpResponse:
    context = progress_context(export, room=room)
    template = "exports/status.html#progress" if request.htmx else "exports/status.html"
    return _private(render(request, template, context, status=status))


def _create(request: HttpRequest, plan, actor: Actor, audience: str, *, room: bool) -> HttpResponse:
    try:
        export = services.export_request(plan=plan, actor=actor, audience=audience)
    except ValidationError as error:
        context = {"error": " ".join(error.messages), "back_url": reverse(
            "plans:room" if room else "plans:detail", kwargs={"plan_id": plan.public_id})}
        template = "exports/status.html#refused" if request.htmx else "exports/status.html"
        return _private(render(request, template, context, status=422))
    if request.htmx:
        return _progress(request, export, room=room, status=201)
    return redirect(progress_context(export, room=room)["status_url"])


def _download(request: HttpRequest, export: Export) -> HttpResponse:
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    if export.status != ExportStatus.DONE or not export.file:
        raise Http404
    try:
        handle = export.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, as_attachment=True, filename=export.filename(), content_type="application/pdf")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return _private(response)


# The seller's plan page ---------------------------------------------------------------------

@login_required
def plan_export_create(request: HttpRequest, plan_id) -> HttpResponse:
    plan = get_plan_for_member(request, plan_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    audience = request.POST.get("audience") or Audience.BUYER
    return _create(request, plan, Actor(user=request.user), audience, room=False)


@login_required
def export_status(request: HttpRequest, export_id) -> HttpResponse:
    export = get_export_for_member(request, export_id)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    return _progress(request, export, room=False)


@login_required
def export_download(request: HttpRequest, export_id) -> HttpResponse:
    return _download(request, get_export_for_member(request, export_id))


# The deal room ------------------------------------------------------------------------------

def room_export_create(request: HttpRequest, plan_id) -> HttpResponse:
    """The buyer queues the buyer's copy. A member previewing the room gets 403 and a pointer
    to the plan page, where members export."""
    if getattr(request, "membership", None) is not None:
        get_plan_for_member(request, plan_id)
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        return _private(HttpResponse(_("This is the buyer's view: export the PDF from the plan page."), status=403))
    plan, link = room_access.get_plan_for_buyer(request, plan_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    return _create(request, plan, Actor(stakeholder=link.stakeholder), Audience.BUYER, room=True)


def room_export_status(request: HttpRequest, export_id) -> HttpResponse:
    export = get_export_for_room(request, export_id)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    return _progress(request, export, room=True)


def room_export_download(request: HttpRequest, export_id) -> HttpResponse:
    return _download(request, get_export_for_room(request, export_id))
