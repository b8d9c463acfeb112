"""The pages behind a reminder's links: one button each. A GET changes nothing (mail scanners
open links); the POST does it, through reminders.services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from mapapp.concurrency import StaleEdit
from plans import dependencies

from . import services
from .forms import CadenceForm
from .models import Kind
from .services import Action, LinkError


def _private(response: HttpResponse) -> HttpResponse:
    response["Referrer-Policy"] = "no-referrer"  # the token stays out of other sites' logs
    return response


def _invalid(request: HttpRequest, error: LinkError) -> HttpResponse:
    return _private(render(request, "reminders/invalid.html", {"message": error.message},
                           status=410 if error.expired else 404))


@never_cache
@require_http_methods(["GET", "POST"])
def act(request: HttpRequest, token: str) -> HttpResponse:
    """Mark done, snooze or mark blocked the one item the signed link names."""
    try:
        grant = services.action_load(token)
        task, owner = services.action_target(grant)
    except LinkError as error:
        return _invalid(request, error)
    with translation.override(grant.language or None):
        context = {"grant": grant, "task": task, "deal": task.plan.deal, "action": grant.action,
                   "snooze_days": services.SNOOZE_DAYS, "allowed": True}
        if grant.action != Action.SNOOZE and not services.action_allowed(task, owner):
            context["allowed"] = False
            return _private(render(request, "reminders/act.html", context, status=403))
        if request.method == "GET":
            return _private(render(request, "reminders/act.html", context))
        reason = request.POST.get("reason", "")[:300]
        try:
            services.action_apply(grant=grant, task=task, owner=owner, reason=reason,
                                  override_dependencies=request.POST.get("override_dependencies") == "1")
        except dependencies.UnfinishedPrerequisites as error:
            words = dependencies.confirmation(error.prerequisites, status=error.status, for_buyer=error.for_buyer)
            context.update(override=words, reason=reason)
            return _private(render(request, "reminders/act.html", context, status=409))
        except StaleEdit:
            context["errors"] = [translation.gettext("Someone changed this item at the same time. Try again.")]
            return _private(render(request, "reminders/act.html", context, status=409))
        except ValidationError as error:
            context.update(errors=error.messages, reason=reason)
            return _private(render(request, "reminders/act.html", context, status=400))
        return _private(render(request, "reminders/acted.html", context))


@csrf_exempt  # RFC 8058 one-click: the mail client POSTs without our form; the signed token is the proof
@never_cache
@require_http_methods(["GET", "POST"])
def opt_out(request: HttpRequest, token: str) -> HttpResponse:
    """Stop one kind of mail for one address: a button (GET), recorded by the POST."""
    try:
        grant = services.opt_out_load(token)
    except LinkError as error:
        return _invalid(request, error)
    with translation.override(grant.language or None):
        context = {"grant": grant, "kind_label": Kind(grant.kind).label, "done": request.method == "POST"}
        if request.method == "POST":
            services.opt_out(grant=grant)
        return _private(render(request, "reminders/opt_out.html", context))


@login_required
def cadence(request: HttpRequest) -> HttpResponse:
    """The organization's reminder cadence; its admins change it (404 for everyone else)."""
    membership = getattr(request, "membership", None)
    if membership is None or not membership.is_admin:
        raise Http404
    form = CadenceForm(request.POST or None, instance=services.cadence_for(request.organization))
    if request.method == "POST" and form.is_valid():
        services.cadence_update(settings_row=form.save(commit=False))
        messages.success(request, translation.gettext("Reminder settings saved."))
        return redirect("reminders:settings")
    return render(request, "reminders/settings.html", {"form": form})
