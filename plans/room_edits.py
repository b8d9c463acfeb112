"""The buyer's edits in the deal room: task status (and its undo), comments, a new date with a
reason, buyer-side tasks and people.

Only buyer sessions reach these views: a signed-in member (the seller previewing the room)
gets 404 and edits on the plan page instead. Objects are found through the session's one
plan, so another room's task or a seller-internal one answers 404. Every edit of an existing
row carries the version it was made on; a stale one answers 409 with the current value next
to what the buyer tried. Views are thin: form → one service in plans.services.
"""

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from deals.models import Side, Stakeholder
from mapapp.concurrency import StaleEdit

from . import dependencies, rescheduling, room_access, services
from .forms import conflict_for, display_value
from .models import Plan, Task
from .room import _private, room_page_data
from .room_forms import (
    RoomCommentForm,
    RoomDateForm,
    RoomStakeholderAddForm,
    RoomStakeholderForm,
    RoomStatusForm,
    RoomTaskAddForm,
)

PAGE = "room/room.html"


# Access --------------------------------------------------------------------------------------

def _buyer(request: HttpRequest) -> tuple[Plan, Stakeholder]:
    """The plan of the buyer session and the buyer, or Http404 (members included: they preview)."""
    if request.user.is_authenticated:
        raise Http404
    link = room_access.link_for_session(request)
    if link is None:
        raise Http404
    return link.stakeholder.deal.plan, link.stakeholder


def _plan_for_buyer(request: HttpRequest, plan_id) -> tuple[Plan, Stakeholder]:
    plan, me = _buyer(request)
    if plan.public_id != plan_id:
        raise Http404
    return plan, me


def _task_for_buyer(request: HttpRequest, task_id) -> tuple[Task, Stakeholder]:
    """A task of the buyer's one plan that the room shows (not internal), or Http404."""
    plan, me = _buyer(request)
    task = Task.objects.filter(organization_id=plan.organization_id, plan=plan, internal=False, public_id=task_id).first()
    if task is None:
        raise Http404
    task.plan = plan
    return task, me


def _person_for_buyer(request: HttpRequest, stakeholder_id) -> tuple[Plan, Stakeholder, Stakeholder]:
    """A buyer-side person of the buyer's deal, or Http404 (seller-side people too)."""
    plan, me = _buyer(request)
    person = Stakeholder.objects.filter(
        organization_id=plan.organization_id, deal_id=plan.deal_id, side=Side.BUYER, public_id=stakeholder_id
    ).first()
    if person is None:
        raise Http404
    return plan, me, person


# Answers -------------------------------------------------------------------------------------

def _room_url(plan: Plan, anchor: str = "") -> str:
    url = reverse("plans:room", kwargs={"plan_id": plan.public_id})
    return f"{url}#{anchor}" if anchor else url


def _errors(form) -> list[str]:
    return [str(m) for messages_ in form.errors.values() for m in messages_]


def _row(request: HttpRequest, task: Task, me: Stakeholder, *, focus: dict | None = None, status: int = 200,
         also: list[Task] = ()):
    """The task's row (HTMX), or the whole room (without JS: after an error or a conflict).
    `also`: other tasks whose rows changed too (dates moved with it), swapped out of band."""
    data = room_page_data(task.plan, stakeholder=me, since=None)
    if focus:
        for r in data["rows"]:
            if r["id"] == focus["id"]:
                r["forms"] = True  # with what was typed, the message, the conflict
    context = {**data, "preview": False, "undo": request.session.get(room_access.UNDO_KEY), "focus": focus or {}}
    if request.htmx:
        row = next((r for r in data["rows"] if r["id"] == str(task.public_id)), None)
        if row is None:
            return _private(HttpResponse(status=404))
        html = render_to_string("room/_task_row.html", {**context, "t": row}, request)
        html += render_to_string("room/_progress.html", {**context, "oob": True}, request)
        shown = {str(t.public_id) for t in also}
        for other in (r for r in data["rows"] if r["id"] in shown):
            html += render_to_string("room/_task_row.html", {**context, "t": other, "oob": True}, request)
        return _private(HttpResponse(html, status=status))
    context["hide_changes"] = True  # the page after a refused edit: the row's message, not "what changed"
    return _private(render(request, PAGE, context, status=status))


def _done(request: HttpRequest, task: Task, me: Stakeholder, also: list[Task] = ()):
    if request.htmx:
        return _row(request, task, me, also=also)
    return _private(redirect(_room_url(task.plan, f"task-{task.public_id}")))


def _conflict(task: Task, form, kind: str) -> dict:
    """The conflict panel's rows: the task's value now next to what the buyer tried."""
    typed = form.cleaned_data
    if kind == "status":
        field = form.fields["status"]
        rows = [{"label": field.label, "current": display_value(field, task.status),
                 "typed": display_value(field, typed.get("status"))}]
        if typed.get("reason") or task.blocked_reason:
            rows.append({"label": form.fields["reason"].label, "current": task.blocked_reason or "—",
                         "typed": typed.get("reason") or "—"})
    else:
        field = form.fields["due_date"]
        rows = [{"label": _("Due date"), "current": display_value(field, task.due_date),
                 "typed": display_value(field, typed.get("due_date"))}]
    return {"rows": rows, "what": _("this task")}


def _stale(request, task: Task, me: Stakeholder, form, stale: StaleEdit, kind: str):
    """409: the task as it is now, next to what the buyer tried; the form keeps the attempt,
    and the row carries the current version, so sending it again is a deliberate choice."""
    current = stale.current
    if current is None or current.internal:
        raise Http404
    current.plan = task.plan
    focus = {"id": str(task.public_id), "form": kind, "typed": form.data, "conflict": _conflict(current, form, kind)}
    return _row(request, current, me, focus=focus, status=409)


def _ask(request, task: Task, me: Stakeholder, form, kind: str, **question):
    """The row with a question before the change is made (a confirmation panel, its Confirm
    posting the same change again); nothing has changed yet."""
    focus = {"id": str(task.public_id), "form": kind, "typed": form.data, "confirm": True,
             "cancel": _room_url(task.plan, f"task-{task.public_id}"), **question}
    return _row(request, task, me, focus=focus)


def _refused(request, task: Task, me: Stakeholder, form, kind: str):
    focus = {"id": str(task.public_id), "form": kind, "typed": form.data, "errors": _errors(form)}
    return _row(request, task, me, focus=focus, status=422)


# Task edits ----------------------------------------------------------------------------------

FORMS = {"date": "date-form", "comment": "comment-form"}


def room_task(request: HttpRequest, task_id) -> HttpResponse:
    """The task on a page of its own with all its forms (what the room's rows link to without
    JavaScript). HTMX: `?form=date` or `?form=comment` answers that form alone, which a row
    loads when its "Propose new date" or comments are opened, so the room does not carry two
    forms per task; without `form`, the task's row."""
    task, me = _task_for_buyer(request, task_id)
    partial = FORMS.get(request.GET.get("form", ""))
    if request.htmx and partial:
        # The date form carries the version of the row the buyer is looking at, so a change made
        # since the page loaded still answers 409 rather than being overwritten unseen.
        version = request.GET.get("version", "")
        row = {
            "id": str(task.public_id),
            "version": int(version) if version.isdecimal() and len(version) < 10 else task.version,
            "due_iso": task.due_date.isoformat() if task.due_date else "",
        }
        context = {"t": row, "u": reverse("plans:room-task", kwargs={"task_id": task.public_id}), "here": "",
                   "focus": {}}
        return _private(render(request, f"room/_task_row.html#{partial}", context))
    if request.htmx:
        return _row(request, task, me)
    data = room_page_data(task.plan, stakeholder=me, since=None)
    row = next((r for r in data["rows"] if r["id"] == str(task.public_id)), None)
    if row is None:
        raise Http404
    row["forms"] = True
    context = {**data, "t": row, "preview": False, "full": True, "focus": {},
               "undo": request.session.get(room_access.UNDO_KEY), "room_url": _room_url(task.plan, f"task-{row['id']}")}
    return _private(render(request, "room/task.html", context))


def room_task_status(request: HttpRequest, task_id) -> HttpResponse:
    """The buyer changes a task's status; the row then offers to undo it. Starting or finishing
    it before its prerequisites are done asks first (internal ones unnamed)."""
    task, me = _task_for_buyer(request, task_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = RoomStatusForm(request.POST)
    if form.is_valid():
        try:
            undo = services.room_task_set_status(
                task=task, stakeholder=me, status=form.cleaned_data["status"],
                version=form.cleaned_data["version"], reason=form.cleaned_data["reason"],
                override_dependencies=form.cleaned_data["override_dependencies"],
            )
        except StaleEdit as stale:
            return _stale(request, task, me, form, stale, "status")
        except dependencies.UnfinishedPrerequisites as unfinished:
            words = dependencies.confirmation(unfinished.prerequisites, status=unfinished.status, for_buyer=True)
            return _ask(request, task, me, form, "override", override=words)
        except ValidationError as error:
            form.add_service_error(error)
        else:
            if undo:
                request.session[room_access.UNDO_KEY] = undo
            return _done(request, task, me)
    return _refused(request, task, me, form, "status")


def room_task_undo(request: HttpRequest, task_id) -> HttpResponse:
    """Undo the buyer's own last status change on this task, unless someone changed it since."""
    task, me = _task_for_buyer(request, task_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    undo = request.session.get(room_access.UNDO_KEY) or {}
    try:
        services.room_task_undo_status(task=task, stakeholder=me, undo=undo)
    except StaleEdit as stale:
        request.session.pop(room_access.UNDO_KEY, None)
        note = _("Someone changed this task after your change, so it was not undone. This is its current state.")
        current = stale.current or task
        current.plan = task.plan
        return _row(request, current, me, focus={"id": str(task.public_id), "note": note}, status=409)
    except ValidationError as error:
        return _row(request, task, me, focus={"id": str(task.public_id), "errors": error.messages}, status=422)
    request.session.pop(room_access.UNDO_KEY, None)
    return _done(request, task, me)


def room_task_date(request: HttpRequest, task_id) -> HttpResponse:
    """The buyer proposes a new due date with a reason: the date moves, and a later one is a slip.
    When items of the room must move with it, the row first lists them ("also moves") and the
    buyer confirms (services.room_task_propose_date)."""
    task, me = _task_for_buyer(request, task_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = RoomDateForm(request.POST)
    if form.is_valid():
        try:
            moved = services.room_task_propose_date(
                task=task, stakeholder=me, version=form.cleaned_data["version"],
                due_date=form.cleaned_data["due_date"], reason=form.cleaned_data["reason"],
                confirmed=form.cleaned_data["moves"],
            )
        except StaleEdit as stale:
            return _stale(request, task, me, form, stale, "date")
        except rescheduling.MovesToConfirm as ask:
            note = _("The items that move with it changed meanwhile; check the list again.") if ask.changed else ""
            cascade = {"first": ask.moves[0], "others": ask.moves[1:], "signature": ask.signature, "note": note}
            return _ask(request, task, me, form, "cascade", cascade=cascade)
        except ValidationError as error:
            form.add_service_error(error)
        else:
            return _done(request, task, me, also=moved)
    return _refused(request, task, me, form, "date")


def room_task_comments(request: HttpRequest, task_id) -> HttpResponse:
    """GET: the room at the task's thread. POST: the buyer's comment (never internal)."""
    task, me = _task_for_buyer(request, task_id)
    if request.method != "POST":
        if request.htmx:
            return _row(request, task, me, focus={"id": str(task.public_id), "form": "comment"})
        return _private(redirect(_room_url(task.plan, f"comments-{task.public_id}")))
    form = RoomCommentForm(request.POST)
    if form.is_valid():
        try:
            services.room_comment_create(task=task, stakeholder=me, body=form.cleaned_data["body"])
        except ValidationError as error:
            form.add_service_error(error)
        else:
            if request.htmx:
                return _row(request, task, me, focus={"id": str(task.public_id), "form": "comment"})
            return _private(redirect(_room_url(task.plan, f"task-{task.public_id}")))
    return _refused(request, task, me, form, "comment")


# Buyer-side tasks and people -----------------------------------------------------------------

def _form_page(request, plan, me, *, form, heading, action, conflict=None, status=200):
    context = {"plan": plan, "stakeholder": me, "form": form, "heading": heading, "action": action,
               "cancel": _room_url(plan, "room-stakeholders"), "conflict": conflict}
    return _private(render(request, "room/edit.html", context, status=status))


def room_task_add(request: HttpRequest, plan_id) -> HttpResponse:
    """The buyer adds a task on the buyer side."""
    plan, me = _plan_for_buyer(request, plan_id)
    action = reverse("plans:room-task-add", kwargs={"plan_id": plan.public_id})
    if request.method != "POST":
        return _form_page(request, plan, me, form=RoomTaskAddForm(plan=plan), heading=_("Add a task"), action=action)
    form = RoomTaskAddForm(request.POST, plan=plan)
    if form.is_valid():
        try:
            task = services.room_task_create(plan=plan, stakeholder=me, **form.cleaned_data)
        except ValidationError as error:
            form.add_service_error(error)
        else:
            return _private(redirect(_room_url(plan, f"task-{task.public_id}")))
    return _form_page(request, plan, me, form=form, heading=_("Add a task"), action=action, status=422)


def room_stakeholder_add(request: HttpRequest, plan_id) -> HttpResponse:
    """The buyer adds a person on their side."""
    plan, me = _plan_for_buyer(request, plan_id)
    action = reverse("plans:room-stakeholder-add", kwargs={"plan_id": plan.public_id})
    heading = _("Add a person on your side")
    if request.method != "POST":
        return _form_page(request, plan, me, form=RoomStakeholderAddForm(), heading=heading, action=action)
    form = RoomStakeholderAddForm(request.POST)
    if form.is_valid():
        try:
            person = services.room_stakeholder_create(plan=plan, stakeholder=me, data=form.stakeholder_data())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _private(redirect(_room_url(plan, f"person-{person.public_id}")))
    return _form_page(request, plan, me, form=form, heading=heading, action=action, status=422)


def room_stakeholder_edit(request: HttpRequest, stakeholder_id) -> HttpResponse:
    """The buyer edits a person on their side, against the version they loaded."""
    plan, me, person = _person_for_buyer(request, stakeholder_id)
    action = reverse("plans:room-stakeholder-edit", kwargs={"stakeholder_id": person.public_id})
    heading = _("Edit %(name)s") % {"name": person.name}
    if request.method != "POST":
        initial = {name: getattr(person, name) for name in RoomStakeholderForm.base_fields}
        return _form_page(request, plan, me, form=RoomStakeholderForm(initial=initial), heading=heading, action=action)
    form = RoomStakeholderForm(request.POST)
    if form.is_valid():
        try:
            services.room_stakeholder_update(
                person=person, stakeholder=me, version=form.cleaned_data["version"], data=form.stakeholder_data()
            )
        except StaleEdit as stale:
            conflict = conflict_for(form, stale.current)
            if stale.current is not None:
                form.set_version(stale.current.version)  # saving again is a deliberate overwrite
            return _form_page(request, plan, me, form=form, heading=heading, action=action, conflict=conflict,
                              status=409)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _private(redirect(_room_url(plan, f"person-{person.public_id}")))
    return _form_page(request, plan, me, form=form, heading=heading, action=action, status=422)
