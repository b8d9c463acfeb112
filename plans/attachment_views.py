"""Files on tasks, for sellers (plan page) and buyers (deal room).

Each task's files block lists its files; opened, it also holds the upload form. With HTMX the
block swaps in place; without JavaScript the same URLs answer a page of the task's files and
redirect after a POST. Downloads go only through `attachment_download` /
`room_attachment_download`, which check access: anything not reachable answers 404.

Members who open the room (the buyer's view, as a preview) may read and download there; they
add and remove files on the plan page.
"""

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseForbidden,
    HttpResponseNotAllowed,
)
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from deals.access import visible_deals
from deals.models import Stakeholder

from . import attachments, room_access, selectors
from .access import get_task_for_member
from .activity import Actor
from .models import Attachment, Task


# Access ------------------------------------------------------------------------------------

def get_attachment_for_member(request: HttpRequest, attachment_id: UUID) -> Attachment:
    """A file of a plan the member may see, else Http404."""
    attachment = (
        Attachment.objects.for_org(request.organization)
        .filter(public_id=attachment_id, plan__deal__in=visible_deals(request))
        .select_related("plan__deal", "task")
        .first()
    )
    if attachment is None:
        raise Http404
    return attachment


class RoomViewer:
    """Who is in the room: the buyer of the session's link, or a member previewing it."""

    def __init__(self, request: HttpRequest):
        self.member = getattr(request, "membership", None) is not None
        self.link = None if self.member else room_access.link_for_session(request)
        if not self.member and self.link is None:
            raise Http404

    @property
    def stakeholder(self) -> Stakeholder | None:
        return self.link.stakeholder if self.link else None

    def tasks(self, request: HttpRequest):
        """The tasks this viewer may see in the room: never internal ones."""
        if self.member:
            tasks = Task.objects.for_org(request.organization).filter(plan__deal__in=visible_deals(request))
        else:
            plan = self.link.stakeholder.deal.plan
            if plan.organization_id != self.link.organization_id:
                raise Http404
            tasks = Task.objects.for_org(self.link.organization_id).filter(plan=plan)
        return tasks.filter(internal=False)


def get_task_for_room(request: HttpRequest, viewer: RoomViewer, task_id: UUID) -> Task:
    """A task of the viewer's room that is not internal, else Http404."""
    task = viewer.tasks(request).filter(public_id=task_id).select_related("plan__deal").first()
    if task is None:
        raise Http404
    return task


def get_attachment_for_room(request: HttpRequest, viewer: RoomViewer, attachment_id: UUID) -> Attachment:
    """A file of a task the viewer sees in the room, else Http404 (internal tasks' files included)."""
    attachment = (
        Attachment.objects.filter(public_id=attachment_id, task__in=viewer.tasks(request))
        .select_related("plan__deal", "task")
        .first()
    )
    if attachment is None:
        raise Http404
    return attachment


# Responses ---------------------------------------------------------------------------------

def _private(response: HttpResponse) -> HttpResponse:
    response["Referrer-Policy"] = "no-referrer"
    add_never_cache_headers(response)
    return response


def _download(request: HttpRequest, attachment: Attachment) -> HttpResponse:
    """The file as a download: never shown inline, never sniffed, never kept by shared caches."""
    if request.method not in ("GET", "HEAD"):  # checked after access: a foreign id is 404 to any method
        return HttpResponseNotAllowed(["GET", "HEAD"])
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, as_attachment=True, filename=attachment.name,
                            content_type=attachment.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return _private(response)


def _task_files(task: Task, *, room: bool, viewer: RoomViewer | None = None) -> list[dict]:
    if room:
        prefix = selectors.url_prefix("plans:room-attachment", "attachment_id")
    else:
        prefix = selectors.url_prefix("plans:attachment", "attachment_id")
    rows = Attachment.objects.filter(organization_id=task.organization_id, task=task).order_by("created_at", "id")
    buyers = attachments.buyer_stakeholder_ids(Stakeholder.objects.filter(
        organization_id=task.organization_id, deal_id=task.plan.deal_id
    ))
    return attachments.file_rows(
        rows.values_list(*attachments.FILE_FIELDS, named=True), download_prefix=prefix,
        member=not room, stakeholder=viewer.stakeholder if viewer else None, buyer_ids=buyers,
    )


def _block(request, task: Task, *, room: bool, viewer=None, is_open=True, errors=(), note="") -> dict:
    name = "plans:room-task-attachments" if room else "plans:task-attachments"
    return attachments.block_context(
        key=str(task.public_id), files=_task_files(task, room=room, viewer=viewer),
        upload_url=reverse(name, kwargs={"task_id": task.public_id}), is_open=is_open, internal=task.internal,
        room=room, can_upload=not room or (viewer is not None and not viewer.member), errors=errors, note=note,
    )


def _answer(request, task: Task, block: dict, *, room: bool, status: int = 200, activity: bool = False):
    """The block (HTMX) or the task's files page."""
    if request.htmx:
        html = attachments.block_html(block, request)
        if activity and not room:
            context = {**selectors.activity_section(task.plan), "plan": task.plan, "L": selectors.row_text(),
                       "oob": True}
            html += render_to_string("plans/plan.html#activity", context, request)
        response = HttpResponse(html, status=status)
    else:
        back = (reverse("plans:room", kwargs={"plan_id": task.plan.public_id}) if room
                else reverse("plans:detail", kwargs={"plan_id": task.plan.public_id}))
        context = {"task": task, "plan": task.plan, "back": back, "room": room,
                   "block_html": attachments.block_html({**block, "full_page": True}, request)}
        response = render(request, "plans/attachments_page.html", context, status=status)
    return _private(response) if room else response


def _wants_open(request) -> bool:
    return (request.POST.get("open") or request.GET.get("open") or "1") != "0"


def _upload(request, task: Task, actor: Actor, *, room: bool, viewer=None) -> HttpResponse:
    upload = request.FILES.get("file")
    try:
        attachment = attachments.attachment_create(task=task, actor=actor, upload=upload)
    except ValidationError as error:
        block = _block(request, task, room=room, viewer=viewer, errors=error.messages)
        return _answer(request, task, block, room=room, status=422)
    note = _("“%(name)s” was attached.") % {"name": attachment.name}
    if not request.htmx:
        messages.success(request, note)
        return redirect(request.path)
    return _answer(request, task, _block(request, task, room=room, viewer=viewer, note=note), room=room,
                   activity=True)


def _remove(request, attachment: Attachment, actor: Actor, *, room: bool, viewer=None) -> HttpResponse:
    task = attachment.task
    name = "plans:room-task-attachments" if room else "plans:task-attachments"
    files_url = reverse(name, kwargs={"task_id": task.public_id})
    if request.method != "POST":
        context = {"plan": task.plan, "task": task, "attachment": attachment, "action": request.path,
                   "back": files_url, "room": room}
        response = render(request, "plans/attachment_delete.html", context)
        return _private(response) if room else response
    attachments.attachment_delete(attachment=attachment, actor=actor)
    note = _("“%(name)s” was deleted.") % {"name": attachment.name}
    if not request.htmx:
        messages.success(request, note)
        return redirect(files_url)
    block = _block(request, task, room=room, viewer=viewer, is_open=_wants_open(request), note=note)
    return _answer(request, task, block, room=room, activity=True)


# Seller side -------------------------------------------------------------------------------

@csrf_exempt
@login_required
def task_attachments(request: HttpRequest, task_id) -> HttpResponse:
    """A task's files: GET the block opened (HTMX; `?open=0` closed) or its page; POST uploads one."""
    task = get_task_for_member(request, task_id)
    if request.method == "POST":
        # Before anything reads the body: past the size limit, the rest is read and dropped.
        attachments.use_capped_uploads(request)
    return _task_attachments(request, task)


@csrf_protect
def _task_attachments(request: HttpRequest, task: Task) -> HttpResponse:
    if request.method == "POST":
        return _upload(request, task, Actor(user=request.user), room=False)
    return _answer(request, task, _block(request, task, room=False, is_open=_wants_open(request)), room=False)


@login_required
def attachment_download(request: HttpRequest, attachment_id) -> HttpResponse:
    return _download(request, get_attachment_for_member(request, attachment_id))


@login_required
def attachment_delete(request: HttpRequest, attachment_id) -> HttpResponse:
    """GET: confirm (without JavaScript); POST: delete. Any member who sees the plan may."""
    attachment = get_attachment_for_member(request, attachment_id)
    return _remove(request, attachment, Actor(user=request.user), room=False)


# Buyer side (the room) ---------------------------------------------------------------------

def _preview_refusal() -> HttpResponse:
    return _private(HttpResponseForbidden(
        _("This is the buyer's view. Add and delete files on the plan page.")
    ))


@csrf_exempt
def room_task_attachments(request: HttpRequest, task_id) -> HttpResponse:
    """A task's files in the room: GET the block or page; POST (the buyer) uploads one."""
    viewer = RoomViewer(request)
    task = get_task_for_room(request, viewer, task_id)
    if request.method == "POST":
        if viewer.member:
            return _preview_refusal()
        attachments.use_capped_uploads(request)
    return _room_task_attachments(request, task, viewer)


@csrf_protect
def _room_task_attachments(request: HttpRequest, task: Task, viewer: RoomViewer) -> HttpResponse:
    if request.method == "POST":
        return _upload(request, task, Actor(stakeholder=viewer.stakeholder), room=True, viewer=viewer)
    block = _block(request, task, room=True, viewer=viewer, is_open=_wants_open(request))
    return _answer(request, task, block, room=True)


def room_attachment_download(request: HttpRequest, attachment_id) -> HttpResponse:
    viewer = RoomViewer(request)
    return _download(request, get_attachment_for_room(request, viewer, attachment_id))


def room_attachment_delete(request: HttpRequest, attachment_id) -> HttpResponse:
    """A buyer deletes a file they uploaded (GET: confirm, POST: delete)."""
    viewer = RoomViewer(request)
    attachment = get_attachment_for_room(request, viewer, attachment_id)
    if viewer.member:
        return _preview_refusal()
    allowed = attachments.can_delete(
        uploaded_by_stakeholder_id=attachment.uploaded_by_stakeholder_id, member=False, stakeholder=viewer.stakeholder
    )
    if not allowed:
        return _private(HttpResponseForbidden(_("Only the person who attached a file can delete it.")))
    return _remove(request, attachment, Actor(stakeholder=viewer.stakeholder), room=True, viewer=viewer)
