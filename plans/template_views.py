"""The organization's plan templates: the list, a template read-only (every member: they start
plans from them), and for admins the editor, a new template, a copy and the deletion.

Every view: access helper (plans.access: another organization's template answers 404, and so
do the admin pages to a member who is not an admin, as the members page does) → form → one
service (plans.plan_templates) → response. The editor is a plain form that works without
JavaScript; "Add a step row" posts the form back with one more blank row and saves nothing.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from mapapp.concurrency import StaleEdit

from . import plan_templates
from .access import get_template_for_admin, get_template_for_member, template_admin
from .models import PlanTemplate
from .template_forms import TemplateEditor, heading_for


def _member(request: HttpRequest):
    membership = getattr(request, "membership", None)
    if membership is None:
        raise Http404
    return membership


def _edit_url(template: PlanTemplate) -> str:
    return reverse("plans:template-edit", kwargs={"plantemplate_id": template.public_id})


@login_required
def template_list(request: HttpRequest) -> HttpResponse:
    """The organization's templates (the built-in starters' copies made first) with their facts."""
    membership = _member(request)
    context = {
        "choices": plan_templates.template_choices(organization=request.organization),
        "is_admin": membership.is_admin,
    }
    return render(request, "plans/templates.html", context)


@login_required
def template_detail(request: HttpRequest, plantemplate_id) -> HttpResponse:
    """A template read-only: its milestones and steps as a plan made from it gets them."""
    template = get_template_for_member(request, plantemplate_id)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    context = {
        "template": template, **plan_templates.template_outline(template),
        "is_admin": request.membership.is_admin,
    }
    return render(request, "plans/template_detail.html", context)


def _editor_page(request, editor: TemplateEditor, *, template=None, conflict: str = "", status: int = 200):
    context = {
        "editor": editor, "template": template, "heading": heading_for(template), "conflict": conflict,
        "action": _edit_url(template) if template else reverse("plans:template-new"),
    }
    return render(request, "plans/template_edit.html", context, status=status)


@login_required
def template_new(request: HttpRequest) -> HttpResponse:
    """A new template of the organization, blank."""
    membership = template_admin(request)
    if request.method != "POST":
        return _editor_page(request, TemplateEditor())
    editor = TemplateEditor(request.POST, add_step_row="add_step" in request.POST)
    if "add_step" in request.POST:
        return _editor_page(request, editor)
    if editor.is_valid():
        try:
            template = plan_templates.template_create(
                organization=request.organization, member=membership, **editor.service_args()
            )
        except ValidationError as error:
            editor.add_service_error(error)
        else:
            messages.success(request, _("The template “%(name)s” was created.") % {"name": template.name})
            return redirect(_edit_url(template))
    return _editor_page(request, editor, status=422)


@login_required
def template_edit(request: HttpRequest, plantemplate_id) -> HttpResponse:
    """The editor: the template's fields, milestones and steps, saved together against the
    version the editor was loaded with (a second admin's save meanwhile: 409, input kept)."""
    template = get_template_for_admin(request, plantemplate_id)
    if request.method != "POST":
        return _editor_page(request, TemplateEditor(template=template), template=template)
    editor = TemplateEditor(request.POST, template=template, add_step_row="add_step" in request.POST)
    if "add_step" in request.POST:
        return _editor_page(request, editor, template=template)
    if editor.is_valid():
        try:
            plan_templates.template_update(
                template=template, member=request.membership, version=editor.version or 0, **editor.service_args()
            )
        except StaleEdit as stale:
            return _stale(request, editor, template, stale.current)
        except ValidationError as error:
            editor.add_service_error(error)
        else:
            messages.success(request, _("The template “%(name)s” was saved.") % {"name": template.name})
            return redirect(_edit_url(template))
    return _editor_page(request, editor, template=template, status=422)


def _stale(request, editor: TemplateEditor, template: PlanTemplate, current) -> HttpResponse:
    """409: nothing saved, the form keeps what was typed; saving again replaces the other save."""
    if current is None:
        conflict = _("Someone else deleted this template while you were editing. Nothing was saved; what "
                     "you typed is still below: saving it makes it a new template.")
    else:
        editor.set_version(current.version)
        conflict = _("Someone else saved this template while you were editing. Nothing was saved; your "
                     "changes are still in the form below. Open the template in another tab to compare; "
                     "saving again replaces their version with yours.")
    return _editor_page(request, editor, template=template if current else None, conflict=conflict, status=409)


@login_required
def template_duplicate(request: HttpRequest, plantemplate_id) -> HttpResponse:
    """POST: copy the template into a new one of the organization and open its editor."""
    template = get_template_for_admin(request, plantemplate_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    copy = plan_templates.template_duplicate(template=template, member=request.membership)
    messages.success(request, _("“%(copy)s” is a copy of “%(name)s”: change it as you like.")
                     % {"copy": copy.name, "name": template.name})
    return redirect(_edit_url(copy))


@login_required
def template_delete(request: HttpRequest, plantemplate_id) -> HttpResponse:
    """GET asks for confirmation (saying what becomes of a built-in starter's copy); POST deletes."""
    template = get_template_for_admin(request, plantemplate_id)
    if request.method != "POST":
        return render(request, "plans/template_delete.html", {"template": template})
    plan_templates.template_delete(template=template, member=request.membership)
    if template.built_in_key:
        messages.success(request, _("Your changes to “%(name)s” were deleted; the built-in template is back as "
                                    "it was shipped.") % {"name": template.name})
    else:
        messages.success(request, _("The template “%(name)s” was deleted.") % {"name": template.name})
    return redirect("plans:templates")
