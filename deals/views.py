"""Deal pages: the list, create and edit, the deal page, and the people on both sides.

Every view: access helper → form → one service → response. Stakeholder writes answer the
whole stakeholders section to HTMX and redirect back to the page without it. URLs that
only accept POST check access first, so a foreign id answers 404 to any method.
"""

import datetime
from decimal import Decimal

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import reswap, retarget, trigger_client_event

from mapapp.concurrency import StaleEdit
from plans import health_data, health_text, room_access
from plans import selectors as plan_selectors
from plans import services as plan_services
from plans.activity import Actor

from . import selectors, services
from .access import get_deal_for_member, get_stakeholder_for_member, visible_deals
from .forms import COMMON_CURRENCIES, DealEditForm, DealFilterForm, DealForm, StakeholderForm, StakeholderQuickForm
from .models import Deal, DealShare, Side, Stage, Stakeholder
from .services import DEAL_FIELDS, STAKEHOLDER_FIELDS

PAGE_SIZE = 25
STAKEHOLDERS_CHANGED = "stakeholders-changed"  # HX-Trigger event: owner pickers may refresh


# Helpers ---------------------------------------------------------------------------------

def _actor(request: HttpRequest) -> Actor:
    return Actor(user=request.user)


def _membership(request: HttpRequest):
    if getattr(request, "membership", None) is None:
        raise Http404
    return request.membership


def _partial(request: HttpRequest) -> bool:
    # A history-restore request wants the whole page, though it comes from htmx.
    return bool(request.htmx) and not request.htmx.history_restore_request


def _display(field: django_forms.Field, value) -> str:
    if value is None or value == "" or (isinstance(value, (list, tuple)) and not value):
        return "—"
    if isinstance(field, django_forms.ModelMultipleChoiceField):
        return ", ".join(sorted(field.label_from_instance(v) for v in value)) or "—"
    if isinstance(field, django_forms.ModelChoiceField):
        return field.label_from_instance(value)
    if isinstance(field, django_forms.ChoiceField):
        return str(dict(field.choices).get(value, value))
    if isinstance(value, datetime.date):
        return formats.date_format(value, "DATE_FORMAT")
    if isinstance(value, Decimal):
        return formats.number_format(value, 2, force_grouping=True)
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)


def _conflict(form: django_forms.Form, current: dict) -> list[dict]:
    """The fields where what is stored now differs from what was typed."""
    rows = []
    for name, field in form.fields.items():
        if name == "version" or isinstance(field.widget, django_forms.HiddenInput):
            continue
        stored, typed = _display(field, current.get(name)), _display(field, form.cleaned_data.get(name))
        if stored != typed:
            rows.append({"label": field.label, "current": stored, "typed": typed})
    return rows


def _with_version(form_class, request: HttpRequest, version: int, **kwargs):
    """The same typed values, now against the current version: saving again overwrites deliberately."""
    data = request.POST.copy()
    data["version"] = str(version)
    return form_class(data, **kwargs)


# Deals -----------------------------------------------------------------------------------

@login_required
@vary_on_headers("HX-Request")
def deal_list(request: HttpRequest) -> HttpResponse:
    deals = visible_deals(request)
    form = DealFilterForm(request.GET or None, organization=request.organization, auto_id="filter-%s")
    filters = form.filters()
    page = Paginator(selectors.deal_search(deals, **filters), PAGE_SIZE).get_page(request.GET.get("page"))
    is_filtered = any(k in filters for k in ("q", "stage", "outcome", "owner"))
    _add_health(page.object_list)
    context = {
        "form": form,
        "page": page,
        "is_filtered": is_filtered,
        # Only asked when the filtered list is empty: "no match" and "no deals yet" differ.
        "has_deals": bool(page.object_list) or (is_filtered and deals.exists()),
        "today": timezone.localdate(),
    }
    return render(request, "deals/list.html#deal-table" if _partial(request) else "deals/list.html", context)


def _add_health(deals) -> None:
    """Each listed deal's plan health as `deal.health` (badge and reasons in words), or None
    without a plan: plans.health_data.plans_health, five queries for the whole page (none when
    no deal on it has a plan)."""
    plans = [deal.plan for deal in deals if _plan_or_none(deal) is not None]
    health = health_data.plans_health(plans)
    for deal in deals:
        plan = _plan_or_none(deal)
        deal.health = health_text.health_context(health[plan.pk], target=plan.target_close_date) if plan else None


def _plan_or_none(deal: Deal):
    try:
        return deal.plan
    except Deal.plan.RelatedObjectDoesNotExist:
        return None


def _form_page(request, form, *, deal: Deal | None = None, conflict=None, status=200) -> HttpResponse:
    context = {"form": form, "deal": deal, "conflict": conflict, "currencies": COMMON_CURRENCIES}
    return render(request, "deals/deal_form.html", context, status=status)


@login_required
def deal_create(request: HttpRequest) -> HttpResponse:
    _membership(request)
    organization = request.organization
    initial = {"currency": organization.default_currency, "owner": request.user.pk, "stage": Stage.DISCOVERY}
    form = DealForm(request.POST or None, organization=organization, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            deal = services.deal_create(
                organization=organization, actor=_actor(request), data=form.deal_data(),
                shared_with=form.cleaned_data["shared_with"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Deal created."))
            return redirect("deals:detail", deal_id=deal.public_id)
    return _form_page(request, form)


@login_required
def deal_detail(request: HttpRequest, deal_id) -> HttpResponse:
    deal = get_deal_for_member(request, deal_id)
    plan = selectors.plan_of(deal)
    if plan is not None:
        return redirect(reverse("plans:detail", kwargs={"plan_id": plan.public_id}))
    buyer, seller = selectors.stakeholders_by_side(deal)
    context = {
        "deal": deal,
        "plan": None,
        "buyer_stakeholders": buyer,
        "seller_stakeholders": seller,
        "shared_with": [share.user for share in deal.shares.select_related("user").order_by("user__name")],
        # The start-plan choice: blank, or one of the organization's templates.
        **plan_selectors.start_plan_data(organization=request.organization, deal=deal),
    }
    return render(request, "deals/detail.html", context)


@login_required
def deal_edit(request: HttpRequest, deal_id) -> HttpResponse:
    deal = get_deal_for_member(request, deal_id)
    organization = request.organization
    initial = {
        **{name: getattr(deal, name) for name in DEAL_FIELDS},
        "version": deal.version,
        "shared_with": list(deal.shares.values_list("user_id", flat=True)),
    }
    form = DealEditForm(request.POST or None, organization=organization, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.deal_update(
                deal=deal, actor=_actor(request), version=form.cleaned_data["version"], data=form.deal_data(),
                shared_with=form.cleaned_data["shared_with"],
            )
        except StaleEdit as stale:
            if stale.current is None:
                raise Http404 from None
            current = stale.current
            stored = {name: getattr(current, name) for name in DEAL_FIELDS}
            stored["shared_with"] = [
                share.user for share in DealShare.objects.filter(deal=current).select_related("user")
            ]
            conflict = _conflict(form, stored)
            form = _with_version(DealEditForm, request, current.version, organization=organization, initial=initial)
            return _form_page(request, form, deal=deal, conflict=conflict, status=409)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Deal saved."))
            return redirect("deals:detail", deal_id=deal.public_id)
    return _form_page(request, form, deal=deal)


# Stakeholders ----------------------------------------------------------------------------

def _back_url(deal: Deal) -> str:
    """Where a stakeholder change returns without JS: the plan page if there is one."""
    plan = selectors.plan_of(deal)
    if plan is not None:
        url = reverse("plans:detail", kwargs={"plan_id": plan.public_id})
    else:
        url = reverse("deals:detail", kwargs={"deal_id": deal.public_id})
    return f"{url}#stakeholders"


def _section(request: HttpRequest, deal: Deal, *, status: int = 200, **extra) -> HttpResponse:
    """The whole stakeholders section, as the plan page and the deal page include it."""
    buyer, seller = selectors.stakeholders_by_side(deal)
    context = {
        "deal": deal, "plan": selectors.plan_of(deal), "buyer_stakeholders": buyer, "seller_stakeholders": seller,
        **extra,
    }
    return render(request, "deals/_stakeholders.html", context, status=status)


def _changed(
    request: HttpRequest, deal: Deal, *, notice: str = "", success: str = "", status: int = 200
) -> HttpResponse:
    """After a stakeholder write: the section again (HTMX), else back where the user came from."""
    if request.htmx:
        response = _section(request, deal, notice=notice, success=success, status=status)
        return trigger_client_event(response, STAKEHOLDERS_CHANGED)
    if notice:
        messages.warning(request, notice)
    if success:
        messages.success(request, success)
    return redirect(_back_url(deal))


def _stakeholder_page(request, *, form, deal, stakeholder=None, action, conflict=None, status=200):
    """The editor: inline in the section (HTMX) or on a page of its own."""
    context = {
        "form": form, "deal": deal, "stakeholder": stakeholder, "action": action, "conflict": conflict,
        "back_url": _back_url(deal), "inline": _partial(request) and stakeholder is not None,
    }
    if context["inline"]:
        response = render(request, "deals/stakeholder_form.html#editor-row", context, status=status)
        if request.method == "POST":
            # The form targets the section; a refused save stays in its row.
            retarget(response, f"#stakeholder-{stakeholder.public_id}")
            reswap(response, "outerHTML")
        return response
    return render(request, "deals/stakeholder_form.html", context, status=status)


@login_required
@vary_on_headers("HX-Request")
def stakeholders(request: HttpRequest, deal_id) -> HttpResponse:
    """The stakeholders section on its own (HTMX cancel and refresh)."""
    deal = get_deal_for_member(request, deal_id)
    if not _partial(request):
        return redirect(_back_url(deal))
    return _section(request, deal)


@login_required
def stakeholder_add(request: HttpRequest, deal_id) -> HttpResponse:
    deal = get_deal_for_member(request, deal_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    side = request.POST.get("side") if request.POST.get("side") in Side.values else Side.BUYER
    form = StakeholderQuickForm(request.POST, auto_id=f"add-{side}-%s")
    form.for_side = side
    if form.is_valid():
        services.stakeholder_create(deal=deal, actor=_actor(request), data=form.cleaned_data)
        return _changed(request, deal)
    if request.htmx:
        return _section(request, deal, add_form=form, status=422)
    action = reverse("deals:stakeholder-add", kwargs={"deal_id": deal.public_id})
    return _stakeholder_page(request, form=form, deal=deal, action=action)


@login_required
@vary_on_headers("HX-Request")
def stakeholder_edit(request: HttpRequest, stakeholder_id) -> HttpResponse:
    stakeholder = get_stakeholder_for_member(request, stakeholder_id)
    deal = stakeholder.deal
    initial = {**{name: getattr(stakeholder, name) for name in STAKEHOLDER_FIELDS}, "version": stakeholder.version}
    auto_id = f"edit-{stakeholder.public_id}-%s"
    form = StakeholderForm(request.POST or None, initial=initial, auto_id=auto_id)
    page = {
        "deal": deal, "stakeholder": stakeholder,
        "action": reverse("deals:stakeholder-edit", kwargs={"stakeholder_id": stakeholder.public_id}),
    }
    if request.method != "POST":
        return _stakeholder_page(request, form=form, **page)
    if not form.is_valid():
        return _stakeholder_page(request, form=form, status=422 if request.htmx else 200, **page)
    try:
        services.stakeholder_update(
            stakeholder=stakeholder, actor=_actor(request), version=form.cleaned_data["version"],
            data=form.stakeholder_data(),
        )
    except StaleEdit as stale:
        if stale.current is None:
            notice = _("Someone removed %(name)s from this deal while you were editing.") % {"name": stakeholder}
            return _changed(request, deal, notice=notice, status=409)
        conflict = _conflict(form, {name: getattr(stale.current, name) for name in STAKEHOLDER_FIELDS})
        form = _with_version(StakeholderForm, request, stale.current.version, initial=initial, auto_id=auto_id)
        return _stakeholder_page(request, form=form, conflict=conflict, status=409, **page)
    return _changed(request, deal)


@login_required
def stakeholder_move(request: HttpRequest, stakeholder_id) -> HttpResponse:
    stakeholder = get_stakeholder_for_member(request, stakeholder_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    direction = request.POST.get("direction")
    if direction not in ("up", "down"):
        return HttpResponseBadRequest(_("Move up or down."))
    plan_services.move(
        obj=stakeholder, siblings=plan_services.stakeholder_siblings(stakeholder), direction=direction,
        actor=Actor(user=request.user),
    )
    return _changed(request, stakeholder.deal)


@login_required
def stakeholder_delete(request: HttpRequest, stakeholder_id) -> HttpResponse:
    """GET: a confirmation page (without JS). POST: remove the person."""
    stakeholder: Stakeholder = get_stakeholder_for_member(request, stakeholder_id)
    deal = stakeholder.deal
    if request.method == "POST":
        services.stakeholder_delete(stakeholder=stakeholder, actor=_actor(request))
        if not request.htmx:
            messages.success(request, _("%(name)s was removed from the deal.") % {"name": stakeholder})
        return _changed(request, deal)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET", "POST"])
    context = {
        "stakeholder": stakeholder, "deal": deal, "back_url": _back_url(deal),
        "owned_tasks": stakeholder.tasks.count(), "owned_risks": stakeholder.risks.count(),
    }
    return render(request, "deals/stakeholder_confirm_delete.html", context)


@login_required
def stakeholder_invite(request: HttpRequest, stakeholder_id) -> HttpResponse:
    """Mail a buyer-side person a personal link to the deal room; says until when it works."""
    stakeholder = get_stakeholder_for_member(request, stakeholder_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        link, _url = room_access.buyer_invite(stakeholder=stakeholder, invited_by=request.user)
    except ValidationError as error:
        return _changed(request, stakeholder.deal, notice=" ".join(error.messages), status=422 if request.htmx else 200)
    expires = formats.date_format(timezone.localtime(link.expires_at), "DATE_FORMAT")
    success = _("%(name)s was sent a link to the deal room. It works until %(date)s.") % {
        "name": stakeholder.name, "date": expires,
    }
    return _changed(request, stakeholder.deal, success=success)


@login_required
def stakeholder_revoke(request: HttpRequest, stakeholder_id) -> HttpResponse:
    """End a buyer-side person's access to the deal room: every link, and any open session."""
    stakeholder = get_stakeholder_for_member(request, stakeholder_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    revoked = room_access.buyer_revoke(stakeholder=stakeholder, actor=_actor(request))
    if revoked:
        success = _("%(name)s no longer has access to the deal room.") % {"name": stakeholder.name}
    else:
        success = _("%(name)s had no open link to the deal room.") % {"name": stakeholder.name}
    return _changed(request, stakeholder.deal, success=success)
