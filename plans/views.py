"""The seller's plan page and its inline editors.

Every view: access helper → form → one service → response. HTMX requests get fragments of
plans/plan.html (rows, sections, and out-of-band progress and history); the same URLs
without HTMX answer full pages and redirect after a POST, so everything works without JS.
Write-only URLs check access before the method, so a foreign id answers 404 to any method.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.template.backends.utils import csrf_input
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_htmx.http import HttpResponseClientRedirect

from deals.access import get_deal_for_member
from mapapp.concurrency import StaleEdit

from . import (
    access_requests,
    dependencies,
    engagement,
    live,
    plan_templates,
    rescheduling,
    selectors,
    services,
)
from .access import (
    get_milestone_for_member,
    get_plan_for_member,
    get_risk_for_member,
    get_task_for_member,
    get_template_for_member,
)
from .activity import Actor
from .forms import (
    SECTION_FORMS,
    CommentForm,
    MilestoneAddForm,
    MilestoneForm,
    MoveForm,
    RiskAddForm,
    RiskForm,
    SaveAsTemplateForm,
    StartPlanForm,
    TaskAddForm,
    TaskForm,
    TaskStatusForm,
    conflict_for,
)
from .models import Activity, Plan, Task

PAGE = "plans/plan.html"
ACTIVITY_PER_PAGE = 50


# Helpers ---------------------------------------------------------------------------------

def _actor(request: HttpRequest) -> Actor:
    return Actor(user=request.user)


def _not_post(request: HttpRequest) -> HttpResponse | None:
    return None if request.method == "POST" else HttpResponseNotAllowed(["POST"])


def _plan_url(plan: Plan, anchor: str = "") -> str:
    url = reverse("plans:detail", kwargs={"plan_id": plan.public_id})
    return f"{url}#{anchor}" if anchor else url


def _parts(request: HttpRequest, context: dict, *names: str) -> str:
    """Render named partials of the plan page; a name ending in "+oob" is an out-of-band swap."""
    html = []
    for name in names:
        oob = name.endswith("+oob")
        html.append(render_to_string(f"{PAGE}#{name.removesuffix('+oob')}", {**context, "oob": oob}, request))
    return "".join(html)


def _fragment(request, context, *names, status=200, retarget: str = "", reswap: str = "") -> HttpResponse:
    response = HttpResponse(_parts(request, context, *names), status=status)
    if retarget:
        response["HX-Retarget"] = retarget
        response["HX-Reswap"] = reswap or "outerHTML"
    return response


def _editor(request, *, form, plan, action, cancel, target_id, tag, heading, classes="", conflict=None, status=200):
    """The inline editor (HTMX) or the same form on a page of its own."""
    context = {
        "form": form, "plan": plan, "action": action, "cancel": cancel, "target_id": target_id, "tag": tag,
        "heading": heading, "classes": classes, "conflict": conflict, "plan_url": _plan_url(plan),
        "full_page": not request.htmx,
    }
    if request.htmx:
        return render(request, f"{PAGE}#editor", context, status=status)
    return render(request, "plans/edit_page.html", context, status=status)


def _stale(request, form, current, **editor) -> HttpResponse:
    """409: show what is stored now next to what was typed; the form keeps the typed values."""
    conflict = conflict_for(form, current)
    if current is not None:
        # Saving again is then a deliberate overwrite of the current version.
        form.set_version(current.version)
    return _editor(request, form=form, conflict=conflict, status=409, **editor)


def _override(request: HttpRequest) -> bool:
    """The person confirmed starting or finishing a task before its prerequisites are done."""
    return request.POST.get("override_dependencies") == "1"


def _dependency_confirm(request, task: Task, unfinished: dependencies.UnfinishedPrerequisites, *, cancel: str,
                        classes: str = "task-row") -> HttpResponse:
    """"“Legal review” is not done yet (due 3 June, buyer). Start anyway?" with Confirm (the
    same POST again, with override_dependencies) and Cancel: in place of the row or the editor
    (HTMX), or a page of its own without JS. The POST's fields, version included, go along."""
    carried = [(name, value) for name, values in request.POST.lists()
               if name not in ("csrfmiddlewaretoken", "override_dependencies") for value in values]
    context = {
        "task": task, "plan": task.plan, "action": request.path, "cancel": cancel, "carried": carried,
        "words": dependencies.confirmation(unfinished.prerequisites, status=unfinished.status, for_buyer=False),
        "target_id": f"task-{task.public_id}", "tag": "li", "classes": classes,
        "plan_url": _plan_url(task.plan, f"task-{task.public_id}"), "full_page": not request.htmx,
    }
    if request.htmx:
        return render(request, f"{PAGE}#dependency-confirm", context)
    return render(request, "plans/dependency_confirm.html", context)


def _confirm_delete(request, *, plan, action, what, label):
    context = {"plan": plan, "action": action, "what": what, "label": label, "plan_url": _plan_url(plan)}
    return render(request, "plans/confirm_delete.html", context)


def _task_changed(request, task: Task, *, deleted: bool = False, status: int = 200, groups_changed: bool = False,
                  note: str = "", dependants=()) -> HttpResponse:
    """HTMX answer after a task changed: its row (or all groups, when it changed milestone),
    plus progress, history and its milestone's head out of band, and the rows that name it
    in their "after:" list."""
    data = selectors.plan_page_data(task.plan)
    if groups_changed:
        return _fragment(request, data, "task-groups", "progress+oob", "open-steps+oob", "plan-health+oob",
                         "activity+oob", retarget="#task-groups")
    row = data["tasks_by_id"].get(str(task.public_id))
    html = _parts(request, {**data, "t": row, "note": note}, *([] if deleted else ["task-row"]),
                  "progress+oob", "open-steps+oob", "plan-health+oob", "activity+oob")
    milestone_key = row["group"] if row else (str(task.milestone.public_id) if task.milestone_id else "")
    group = next((g for g in data["groups"] if milestone_key and g["key"] == milestone_key), None)
    if group:
        html += _parts(request, {**data, "group": group}, "milestone-head+oob")
    for key in [*data["dependants"].get(str(task.public_id), []), *dependants]:
        if key in data["tasks_by_id"]:
            html += _parts(request, {**data, "t": data["tasks_by_id"][key]}, "task-row+oob")
    return HttpResponse(html, status=status)


def _group_of(data: dict, milestone_key: str) -> dict:
    return next((g for g in data["groups"] if g["key"] == milestone_key), data["unassigned"])


# The plan ----------------------------------------------------------------------------------

def _start_page(request, deal, *, form=None, chosen=None, status=200) -> HttpResponse:
    context = {
        "deal": deal, **selectors.start_plan_data(organization=request.organization, deal=deal),
        "start_form": form, "chosen_template": chosen,
    }
    return render(request, "plans/start.html", context, status=status)


@login_required
def plan_create(request: HttpRequest, deal_id) -> HttpResponse:
    """Start the deal's plan, blank or from a template (or open it, if someone just did).
    GET shows the choice; an invalid choice shows it again with the errors (400)."""
    deal = get_deal_for_member(request, deal_id)
    plan = Plan.objects.filter(deal=deal).first()
    if plan is not None:
        return redirect(_plan_url(plan))
    if request.method != "POST":
        return _start_page(request, deal)
    form = StartPlanForm(request.POST, today=timezone.localdate())
    valid = form.is_valid()
    template_id = form.cleaned_data.get("template")
    # Another organization's template: 404, as for any object of another tenant.
    template = get_template_for_member(request, template_id) if template_id else None
    if not valid:
        return _start_page(request, deal, form=form, chosen=str(template_id or ""), status=400)
    try:
        if template is None:
            plan = services.plan_create(deal=deal, actor=_actor(request))
            messages.success(request, _("The plan is started. Add milestones and tasks below."))
        else:
            made = plan_templates.plan_create_from_template(
                deal=deal, template=template, anchor_date=form.cleaned_data["anchor_date"], actor=_actor(request)
            )
            plan = made.plan
            _notice_plan_from_template(request, made, template)
    except ValidationError:
        # Someone started it a moment ago: open theirs.
        plan = Plan.objects.get(deal=deal)
    url = _plan_url(plan)
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def _notice_plan_from_template(request: HttpRequest, made, template) -> None:
    """The messages after a plan was made from a template: what was scheduled, then (as a
    warning the plan page shows once) the roles nobody has and the days that are missing."""
    messages.success(request, ngettext(
        "The plan is started from “%(template)s”: %(count)d task scheduled back from %(date)s.",
        "The plan is started from “%(template)s”: %(count)d tasks scheduled back from %(date)s.",
        made.task_count,
    ) % {"template": template.name, "count": made.task_count, "date": formats.date_format(made.anchor_date)})
    if made.unmatched_roles or not made.fits:
        # Rendered with autoescape, so the message is safe HTML (the message storage keeps it so).
        messages.warning(request, render_to_string("plans/_template_notice.html", {
            "made": made, "plan_url": _plan_url(made.plan),
        }, request))


@login_required
def plan_detail(request: HttpRequest, plan_id) -> HttpResponse:
    plan = get_plan_for_member(request, plan_id)
    stamp = live.plan_live_context(plan)  # first: see plans.live.plan_live_context
    return render(request, PAGE, {
        **selectors.plan_page_data(plan), **engagement.engagement_context(plan), **stamp,
        "access_requests": access_requests.pending_requests(plan),
        # The CSRF field of every row's form, built once (rows fall back to {% csrf_token %}).
        "csrf_input": csrf_input(request),
    })


@login_required
def plan_save_as_template(request: HttpRequest, plan_id) -> HttpResponse:
    """Save the plan's shape as a template of the organization (plan_templates.template_from_plan):
    GET asks for the name and confirmation, POST saves and goes back to the plan."""
    plan = get_plan_for_member(request, plan_id)
    form = SaveAsTemplateForm(request.POST or None, initial={"name": plan.title})
    if request.method == "POST" and form.is_valid():
        try:
            template = plan_templates.template_from_plan(
                plan=plan, name=form.cleaned_data["name"], description=form.cleaned_data["description"],
                actor=_actor(request),
            )
        except ValidationError as error:
            form.add_service_error(error)
        else:
            messages.success(request, _("Saved as the template “%(name)s”. It is offered when you start a plan.")
                             % {"name": template.name})
            return redirect(_plan_url(plan))
    context = {
        "plan": plan, "deal": plan.deal, "form": form, "plan_url": _plan_url(plan),
        "items": plan.tasks.filter(internal=False).count(),
    }
    return render(request, "plans/save_as_template.html", context, status=400 if form.errors else 200)


@login_required
def plan_lite(request: HttpRequest, plan_id) -> HttpResponse:
    plan = get_plan_for_member(request, plan_id)
    return render(request, "plans/lite.html", selectors.lite_data(plan))


@login_required
def plan_activity(request: HttpRequest, plan_id) -> HttpResponse:
    plan = get_plan_for_member(request, plan_id)
    activities = Activity.objects.filter(organization_id=plan.organization_id, plan=plan)
    # ?who=<stakeholder id>: one person's changes (the engagement panel links here).
    who = engagement.activity_actor(plan, request.GET.get("who"))
    if who is not None:
        activities = activities.filter(actor_stakeholder=who)
    page = Paginator(activities, ACTIVITY_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "plan": plan, "deal": plan.deal, "page": page, "activities": selectors.activity_rows(page.object_list),
        "L": selectors.row_text(), "who": who,
    }
    return render(request, "plans/activity.html", context)


@login_required
def tasks_section(request: HttpRequest, plan_id) -> HttpResponse:
    """Milestones and tasks on their own (refreshed when stakeholders change)."""
    plan = get_plan_for_member(request, plan_id)
    if not request.htmx:
        return redirect(_plan_url(plan, "plan-milestones"))
    return _fragment(request, selectors.plan_page_data(plan), "task-groups")


@login_required
def risks_section(request: HttpRequest, plan_id) -> HttpResponse:
    """The risks on their own (refreshed when stakeholders change)."""
    plan = get_plan_for_member(request, plan_id)
    if not request.htmx:
        return redirect(_plan_url(plan, "plan-risks"))
    return _fragment(request, selectors.plan_page_data(plan), "risks")


# Plan sections (summary, goals, value) ---------------------------------------------------

def _section_editor_args(plan: Plan, section: str) -> dict:
    return {
        "plan": plan,
        "action": reverse(f"plans:{section}-edit", kwargs={"plan_id": plan.public_id}),
        "cancel": reverse(f"plans:{section}", kwargs={"plan_id": plan.public_id}),
        "target_id": f"plan-{section}",
        "tag": "section",
        "classes": "card",
        "heading": {"summary": _("Title, status and dates"), "goals": _("Goals and criteria"),
                    "value": _("Value and budget")}[section],
    }


@login_required
def section_show(request: HttpRequest, plan_id, section: str) -> HttpResponse:
    plan = get_plan_for_member(request, plan_id)
    if not request.htmx:
        return redirect(_plan_url(plan, f"plan-{section}"))
    return _fragment(request, selectors.plan_section_data(plan), f"section-{section}")


@login_required
def section_edit(request: HttpRequest, plan_id, section: str) -> HttpResponse:
    plan = get_plan_for_member(request, plan_id)
    form_class = SECTION_FORMS[section]
    editor = _section_editor_args(plan, section)
    if request.method != "POST":
        initial = {name: getattr(plan, name) for name in form_class.base_fields}
        return _editor(request, form=form_class(initial={**initial, "version": plan.version}), **editor)
    form = form_class(request.POST)
    if form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        try:
            services.plan_update(plan=plan, actor=_actor(request), version=form.cleaned_data["version"], data=data)
        except StaleEdit as stale:
            return _stale(request, form, stale.current, **editor)
        except ValidationError as error:
            form.add_service_error(error)
        else:
            if not request.htmx:
                return redirect(_plan_url(plan, f"plan-{section}"))
            data = selectors.plan_page_data(plan)
            names = [f"section-{section}", "activity+oob"] + (["progress+oob"] if section == "summary" else [])
            return _fragment(request, data, *names)
    return _editor(request, form=form, status=422, **editor)


# Milestones ------------------------------------------------------------------------------

def _milestone_editor_args(milestone) -> dict:
    url = selectors.url_prefix("plans:milestone", "milestone_id") + f"{milestone.public_id}/"
    return {
        "plan": milestone.plan, "action": f"{url}edit/", "cancel": url, "target_id": f"ms-{milestone.public_id}",
        "tag": "div", "classes": "milestone-editor", "heading": _("Edit milestone"),
    }


@login_required
def milestone_add(request: HttpRequest, plan_id) -> HttpResponse:
    plan = get_plan_for_member(request, plan_id)
    form = MilestoneAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        milestone = services.milestone_create(plan=plan, actor=_actor(request), **form.cleaned_data)
        if not request.htmx:
            return redirect(_plan_url(plan, f"group-{milestone.public_id}"))
        data = selectors.plan_page_data(plan)
        return _fragment(request, {**data, "group": _group_of(data, str(milestone.public_id))},
                         "task-group", "activity+oob")
    if request.htmx and request.method == "POST":
        context = {"plan": plan, "ms_values": request.POST, "ms_errors": _error_list(form)}
        return _fragment(request, context, "milestone-add", status=422, retarget="#milestone-add")
    action = reverse("plans:milestone-add", kwargs={"plan_id": plan.public_id})
    return _editor(request, form=form, plan=plan, action=action, cancel=_plan_url(plan, "plan-milestones"),
                   target_id="milestone-add", tag="div", heading=_("Add a milestone"),
                   status=422 if request.method == "POST" else 200)


@login_required
def milestone_show(request: HttpRequest, milestone_id) -> HttpResponse:
    milestone = get_milestone_for_member(request, milestone_id)
    if not request.htmx:
        return redirect(_plan_url(milestone.plan, f"group-{milestone.public_id}"))
    data = selectors.plan_page_data(milestone.plan)
    return _fragment(request, {**data, "group": _group_of(data, str(milestone.public_id))}, "milestone-head")


@login_required
def milestone_edit(request: HttpRequest, milestone_id) -> HttpResponse:
    milestone = get_milestone_for_member(request, milestone_id)
    editor = _milestone_editor_args(milestone)
    if request.method != "POST":
        initial = {"title": milestone.title, "target_date": milestone.target_date, "version": milestone.version}
        return _editor(request, form=MilestoneForm(initial=initial), **editor)
    form = MilestoneForm(request.POST)
    if form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        try:
            services.milestone_update(
                milestone=milestone, actor=_actor(request), version=form.cleaned_data["version"], data=data
            )
        except StaleEdit as stale:
            return _stale(request, form, stale.current, **editor)
        if not request.htmx:
            return redirect(_plan_url(milestone.plan, f"group-{milestone.public_id}"))
        data = selectors.plan_page_data(milestone.plan)
        return _fragment(request, {**data, "group": _group_of(data, str(milestone.public_id))},
                         "milestone-head", "activity+oob")
    return _editor(request, form=form, status=422, **editor)


@login_required
def milestone_move(request: HttpRequest, milestone_id) -> HttpResponse:
    milestone = get_milestone_for_member(request, milestone_id)
    if response := _not_post(request):
        return response
    form = MoveForm(request.POST)
    if form.is_valid():
        services.move(obj=milestone, siblings=milestone.plan.milestones.all(),
                      direction=form.cleaned_data["direction"], actor=_actor(request))
    if not request.htmx:
        return redirect(_plan_url(milestone.plan, f"group-{milestone.public_id}"))
    return _fragment(request, selectors.plan_page_data(milestone.plan), "task-groups", retarget="#task-groups")


@login_required
def milestone_delete(request: HttpRequest, milestone_id) -> HttpResponse:
    milestone = get_milestone_for_member(request, milestone_id)
    plan = milestone.plan
    if request.method != "POST":
        return _confirm_delete(request, plan=plan, action=request.path, what=_("milestone"), label=milestone.title)
    services.milestone_delete(milestone=milestone, actor=_actor(request))
    if not request.htmx:
        messages.success(request, _("The milestone was deleted; its tasks are now unassigned."))
        return redirect(_plan_url(plan, "plan-milestones"))
    return _fragment(request, selectors.plan_page_data(plan), "task-groups", "progress+oob", "activity+oob",
                     retarget="#task-groups")


# Tasks -----------------------------------------------------------------------------------

def _task_editor_args(task: Task) -> dict:
    url = selectors.url_prefix("plans:task", "task_id") + f"{task.public_id}/"
    return {
        "plan": task.plan, "action": f"{url}edit/", "cancel": url, "target_id": f"task-{task.public_id}",
        "tag": "li", "classes": "task-row task-editor", "heading": _("Edit task"),
    }


def _error_list(form) -> list[str]:
    """Form errors as sentences, for the small hand-written quick-add forms."""
    errors = []
    for name, messages_ in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        errors.extend(f"{label}: {m}" if label else m for m in messages_)
    return errors


@login_required
def task_add(request: HttpRequest, plan_id) -> HttpResponse:
    plan = get_plan_for_member(request, plan_id)
    if request.method != "POST":
        form = TaskAddForm(plan=plan, initial={"milestone": request.GET.get("milestone") or None})
    else:
        form = TaskAddForm(request.POST, plan=plan)
        if form.is_valid():
            data = form.service_data()
            try:
                task = services.task_create(
                    plan=plan, actor=_actor(request), depends_on=list(form.cleaned_data["depends_on"]), **data
                )
            except ValidationError as error:
                form.add_service_error(error)
            else:
                if not request.htmx:
                    return redirect(_plan_url(plan, f"task-{task.public_id}"))
                return _task_changed(request, task)
        if request.htmx:
            data = selectors.plan_page_data(plan)
            group = _group_of(data, request.POST.get("milestone", ""))
            context = {
                **data, "group": group, "qa_values": request.POST, "qa_errors": _error_list(form),
                "owner_options": selectors.owner_options_html(data["stakeholders"], request.POST.get("owner", "")),
            }
            return _fragment(request, context, "task-add", status=422, retarget=f"#add-{group['key']}")
    return _editor(
        request, form=form, plan=plan, action=reverse("plans:task-add", kwargs={"plan_id": plan.public_id}),
        cancel=_plan_url(plan, "plan-milestones"), target_id="task-add", tag="div", heading=_("Add a task"),
        status=422 if request.method == "POST" else 200,
    )


@login_required
def task_show(request: HttpRequest, task_id) -> HttpResponse:
    task = get_task_for_member(request, task_id)
    if not request.htmx:
        return redirect(_plan_url(task.plan, f"task-{task.public_id}"))
    data = selectors.plan_page_data(task.plan)
    return _fragment(request, {**data, "t": data["tasks_by_id"][str(task.public_id)]}, "task-row")


@login_required
def task_edit(request: HttpRequest, task_id) -> HttpResponse:
    task = get_task_for_member(request, task_id)
    editor = _task_editor_args(task)
    if request.method != "POST":
        initial = {name: getattr(task, name) for name in TaskForm.base_fields if name not in ("depends_on",)}
        initial["depends_on"] = list(task.depends_on.all())
        return _editor(request, form=TaskForm(initial=initial, plan=task.plan, task=task), **editor)
    form = TaskForm(request.POST, plan=task.plan, task=task)
    if form.is_valid():
        old_milestone = task.milestone_id
        try:
            moves = _cascade_preview(request, task, form)
        except StaleEdit as stale:
            return _stale(request, form, stale.current, **editor)
        if moves:
            choice = request.POST.get("cascade")
            if choice not in ("all", "one") or (choice == "all" and request.POST.get("moves") != _signature(moves)):
                # First save, or the "also moves" list changed since it was shown: (re)confirm.
                note = _("The tasks that move with it changed meanwhile; check the list again.") if choice else ""
                return _reschedule_confirm(request, task, moves, editor, note=note)
            try:
                _reschedule_and_update(request, task, form, cascade=choice == "all")
            except StaleEdit as stale:
                return _stale(request, form, stale.current, **editor)
            except dependencies.UnfinishedPrerequisites as unfinished:
                return _dependency_confirm(request, task, unfinished, cancel=editor["cancel"],
                                           classes=editor["classes"])
            except ValidationError as error:
                return _reschedule_confirm(request, task, moves, editor, errors=error.messages, status=422)
            if not request.htmx:
                return redirect(_plan_url(task.plan, f"task-{task.public_id}"))
            return _task_changed(request, task, groups_changed=True)
        try:
            services.task_update(
                task=task, actor=_actor(request), version=form.cleaned_data["version"],
                data=form.service_data(), depends_on=list(form.cleaned_data["depends_on"]),
                override_dependencies=_override(request),
            )
        except StaleEdit as stale:
            return _stale(request, form, stale.current, **editor)
        except dependencies.UnfinishedPrerequisites as unfinished:
            return _dependency_confirm(request, task, unfinished, cancel=editor["cancel"], classes=editor["classes"])
        except ValidationError as error:
            form.add_service_error(error)
        else:
            if not request.htmx:
                return redirect(_plan_url(task.plan, f"task-{task.public_id}"))
            return _task_changed(request, task, groups_changed=task.milestone_id != old_milestone)
    return _editor(request, form=form, status=422, **editor)


def _cascade_preview(request, task: Task, form: TaskForm) -> list:
    """The moves a new due date would carry along (the task first), or [] when the date does not
    change or nothing else would move: then the editor saves as usual."""
    due = form.cleaned_data.get("due_date")
    if due is None or task.due_date is None or due == task.due_date:
        return []
    try:
        moves = rescheduling.task_reschedule(
            task=task, actor=_actor(request), version=form.cleaned_data["version"], due_date=due, preview=True,
        )
    except ValidationError:
        return []
    return moves if len(moves) > 1 else []


def _signature(moves) -> str:
    """What the confirmation showed, so a confirm made against a list that changed is asked again."""
    return ";".join(f"{m.task.public_id}:{m.new_due.isoformat()}" for m in moves)


def _reschedule_confirm(request, task: Task, moves, editor: dict, *, note="", errors=(), status=200):
    """"Moving <task> to <date> also moves: …" with Move all / Move only this task / Cancel; the
    form carries the editor's fields along (HTMX: in the row; without JS: a page of its own)."""
    skip = {"csrfmiddlewaretoken", "cascade", "reason", "moves"}
    carried = [(name, value) for name, values in request.POST.lists() if name not in skip for value in values]
    context = {
        **editor, "task": task, "first": moves[0], "others": moves[1:], "carried": carried,
        "signature": _signature(moves), "reason": request.POST.get("reason", ""), "note": note, "errors": errors,
        "plan_url": _plan_url(task.plan), "full_page": not request.htmx,
    }
    if request.htmx:
        return render(request, f"{PAGE}#reschedule-confirm", context, status=status)
    return render(request, "plans/reschedule_confirm.html", context, status=status)


@transaction.atomic
def _reschedule_and_update(request, task: Task, form: TaskForm, *, cascade: bool) -> None:
    """Move the date (and with `cascade` its dependants) through rescheduling.task_reschedule,
    then save the editor's other fields against the version that move left."""
    actor = _actor(request)
    rescheduling.task_reschedule(
        task=task, actor=actor, version=form.cleaned_data["version"], due_date=form.cleaned_data["due_date"],
        reason=request.POST.get("reason", ""), cascade=cascade,
    )
    data = {k: v for k, v in form.service_data().items() if k != "due_date"}
    services.task_update(
        task=task, actor=actor, version=task.version, data=data, depends_on=list(form.cleaned_data["depends_on"]),
        override_dependencies=_override(request),
    )


@login_required
def task_status(request: HttpRequest, task_id) -> HttpResponse:
    """One-click status change ("Mark done" / "Reopen") against the row's version; before the
    prerequisites are done, asks first (_dependency_confirm)."""
    task = get_task_for_member(request, task_id)
    if response := _not_post(request):
        return response
    form = TaskStatusForm(request.POST)
    if not form.is_valid():
        return HttpResponse(_("That status change was not understood."), status=400)
    try:
        services.task_set_status(
            task=task, actor=_actor(request), status=form.cleaned_data["status"], version=form.cleaned_data["version"],
            override_dependencies=form.cleaned_data["override_dependencies"],
        )
    except dependencies.UnfinishedPrerequisites as unfinished:
        return _dependency_confirm(request, task, unfinished, cancel=_task_editor_args(task)["cancel"])
    except StaleEdit as stale:
        note = _("Someone else changed this task meanwhile; this is its current state. Nothing was changed.")
        if stale.current is None:
            return HttpResponse(_("This task was deleted by someone else."), status=409)
        if request.htmx:
            task.refresh_from_db()
            return _task_changed(request, task, status=409, note=note)
        data = selectors.plan_page_data(task.plan)
        context = {**data, "page_alert": note}
        return render(request, PAGE, context, status=409)
    if not request.htmx:
        return redirect(_plan_url(task.plan, f"task-{task.public_id}"))
    return _task_changed(request, task)


@login_required
def task_move(request: HttpRequest, task_id) -> HttpResponse:
    task = get_task_for_member(request, task_id)
    if response := _not_post(request):
        return response
    form = MoveForm(request.POST)
    if form.is_valid():
        services.move(obj=task, siblings=services.task_siblings(task), direction=form.cleaned_data["direction"],
                      actor=_actor(request))
    if not request.htmx:
        return redirect(_plan_url(task.plan, f"task-{task.public_id}"))
    data = selectors.plan_page_data(task.plan)
    group = _group_of(data, data["tasks_by_id"][str(task.public_id)]["group"])
    # The row's form targets the row; the answer is the whole reordered list.
    return _fragment(request, {**data, "group": group}, "task-list", retarget=f"#list-{group['key']}")


@login_required
def task_delete(request: HttpRequest, task_id) -> HttpResponse:
    task = get_task_for_member(request, task_id)
    plan = task.plan
    if request.method != "POST":
        return _confirm_delete(request, plan=plan, action=request.path, what=_("task"), label=task.title)
    dependants = [str(k) for k in task.dependant_links.values_list("task__public_id", flat=True)]
    services.task_delete(task=task, actor=_actor(request))
    if not request.htmx:
        messages.success(request, _("The task “%(title)s” was deleted.") % {"title": task.title})
        return redirect(_plan_url(plan, "plan-milestones"))
    return _task_changed(request, task, deleted=True, dependants=dependants)


# Comments --------------------------------------------------------------------------------

def _thread(request: HttpRequest, task: Task, form: CommentForm) -> dict:
    """What the comment-thread partial shows: the task's comments and the form to add one."""
    row_url = selectors.url_prefix("plans:task", "task_id") + f"{task.public_id}/"
    return {
        "key": str(task.public_id), "title": task.title, "url": f"{row_url}comments/", "row_url": row_url,
        "plan_url": _plan_url(task.plan, f"task-{task.public_id}"), "comments": selectors.comment_rows(task),
        "form": form, "task_internal": task.internal, "full_page": not request.htmx,
    }


def _comment_thread(request: HttpRequest, task: Task, form: CommentForm, status: int = 200) -> HttpResponse:
    """The thread: opened under the task's row (HTMX GET), alone (HTMX answer to a refused
    comment), or on a page of its own without JavaScript."""
    thread = _thread(request, task, form)
    if not request.htmx:
        context = {"plan": task.plan, "task": task, "thread": thread}
        return render(request, "plans/comments.html", context, status=status)
    if request.method == "POST":
        return _fragment(request, {"thread": thread}, "comment-thread", status=status)
    data = selectors.plan_page_data(task.plan)
    row = data["tasks_by_id"][thread["key"]]
    if not row["comment_count"]:
        # The count link must exist, hidden, for the first comment to update it out of band.
        hidden = selectors.comment_count_html(row["url"], thread["key"], 0)
        row = {**row, "badges": row["badges"] + hidden}
    html = _parts(request, {**data, "t": row}, "task-row")
    # The thread goes inside the row's <li>, after its form. Spliced in here rather than
    # written into the row partial, so the page's 100 rows carry nothing for it.
    end = html.rindex("</li>")
    html = html[:end] + _parts(request, {"thread": thread}, "comment-thread") + html[end:]
    return HttpResponse(html, status=status)


@login_required
def task_comments(request: HttpRequest, task_id) -> HttpResponse:
    """A task's comments, oldest first, and the form to add one (POST)."""
    task = get_task_for_member(request, task_id)
    if request.method != "POST":
        return _comment_thread(request, task, CommentForm(initial={"internal": task.internal}))
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            comment = services.comment_create(
                plan=task.plan, actor=_actor(request), task=task, body=form.cleaned_data["body"],
                internal=form.cleaned_data["internal"],
            )
        except ValidationError as error:
            form.add_service_error(error)
        else:
            if not request.htmx:
                messages.success(request, _("Your comment was added."))
                return redirect(f"{request.path}#comment-{comment.public_id}")
            # The next comment starts empty but keeps the internal choice: a run of seller-only
            # notes should not turn buyer-visible by default halfway through.
            fresh = CommentForm(initial={"internal": form.cleaned_data["internal"] or task.internal})
            thread = _thread(request, task, fresh)
            context = {"thread": thread, "plan": task.plan, "L": selectors.row_text(),
                       **selectors.activity_section(task.plan)}
            count = selectors.comment_count_html(
                thread["row_url"], thread["key"], len(thread["comments"]), oob=True
            )
            return HttpResponse(_parts(request, context, "comment-thread", "activity+oob") + count)
    return _comment_thread(request, task, form, status=422)


# Risks -----------------------------------------------------------------------------------

def _risk_editor_args(risk) -> dict:
    url = selectors.url_prefix("plans:risk", "risk_id") + f"{risk.public_id}/"
    return {
        "plan": risk.plan, "action": f"{url}edit/", "cancel": url, "target_id": f"risk-{risk.public_id}",
        "tag": "li", "classes": "risk-row risk-editor", "heading": _("Edit risk"),
    }


def _risk_fragment(request, plan, risk_id, *names, status=200) -> HttpResponse:
    data = selectors.plan_page_data(plan)
    risk = next(r for r in data["risks"] if r["id"] == str(risk_id))
    return _fragment(request, {**data, "r": risk}, *names, status=status)


@login_required
def risk_add(request: HttpRequest, plan_id) -> HttpResponse:
    plan = get_plan_for_member(request, plan_id)
    form = RiskAddForm(request.POST or None, plan=plan)
    if request.method == "POST" and form.is_valid():
        try:
            risk = services.risk_create(plan=plan, actor=_actor(request), **form.cleaned_data)
        except ValidationError as error:
            form.add_service_error(error)
        else:
            if not request.htmx:
                return redirect(_plan_url(plan, f"risk-{risk.public_id}"))
            return _risk_fragment(request, plan, risk.public_id, "risk-row", "activity+oob")
    if request.htmx and request.method == "POST":
        data = selectors.plan_page_data(plan)
        context = {
            **data, "rk_values": request.POST, "rk_errors": _error_list(form),
            "owner_options": selectors.owner_options_html(data["stakeholders"], request.POST.get("owner", "")),
        }
        return _fragment(request, context, "risk-add", status=422, retarget="#risk-add")
    return _editor(
        request, form=form, plan=plan, action=reverse("plans:risk-add", kwargs={"plan_id": plan.public_id}),
        cancel=_plan_url(plan, "plan-risks"), target_id="risk-add", tag="div", heading=_("Add a risk"),
        status=422 if request.method == "POST" else 200,
    )


@login_required
def risk_show(request: HttpRequest, risk_id) -> HttpResponse:
    risk = get_risk_for_member(request, risk_id)
    if not request.htmx:
        return redirect(_plan_url(risk.plan, f"risk-{risk.public_id}"))
    return _risk_fragment(request, risk.plan, risk.public_id, "risk-row")


@login_required
def risk_edit(request: HttpRequest, risk_id) -> HttpResponse:
    risk = get_risk_for_member(request, risk_id)
    editor = _risk_editor_args(risk)
    if request.method != "POST":
        initial = {name: getattr(risk, name) for name in RiskForm.base_fields}
        return _editor(request, form=RiskForm(initial=initial, plan=risk.plan), **editor)
    form = RiskForm(request.POST, plan=risk.plan)
    if form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        try:
            services.risk_update(risk=risk, actor=_actor(request), version=form.cleaned_data["version"], data=data)
        except StaleEdit as stale:
            return _stale(request, form, stale.current, **editor)
        except ValidationError as error:
            form.add_service_error(error)
        else:
            if not request.htmx:
                return redirect(_plan_url(risk.plan, f"risk-{risk.public_id}"))
            return _risk_fragment(request, risk.plan, risk.public_id, "risk-row", "activity+oob")
    return _editor(request, form=form, status=422, **editor)


@login_required
def risk_move(request: HttpRequest, risk_id) -> HttpResponse:
    risk = get_risk_for_member(request, risk_id)
    if response := _not_post(request):
        return response
    form = MoveForm(request.POST)
    if form.is_valid():
        services.move(obj=risk, siblings=risk.plan.risks.all(), direction=form.cleaned_data["direction"],
                      actor=_actor(request))
    if not request.htmx:
        return redirect(_plan_url(risk.plan, f"risk-{risk.public_id}"))
    return _fragment(request, selectors.plan_page_data(risk.plan), "risk-list", retarget="#risk-rows")


@login_required
def risk_delete(request: HttpRequest, risk_id) -> HttpResponse:
    risk = get_risk_for_member(request, risk_id)
    plan = risk.plan
    if request.method != "POST":
        return _confirm_delete(request, plan=plan, action=request.path, what=_("risk"), label=risk.description)
    services.risk_delete(risk=risk, actor=_actor(request))
    if not request.htmx:
        messages.success(request, _("The risk was deleted."))
        return redirect(_plan_url(plan, "plan-risks"))
    return _fragment(request, selectors.plan_page_data(plan), "activity+oob")
