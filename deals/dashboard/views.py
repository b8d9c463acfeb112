"""The dashboard pages: the dashboard, the deal table behind its figures, and that table as
CSV. Members only (404 for anyone else, a buyer's room session included); a seller's pages show
their own deals."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from deals.forms import members_of
from deals.models import Deal
from mapapp.models import Membership

from . import metrics, table
from .filters import DashboardFilterForm, Filters
from .page import dashboard_context

PAGE_SIZE = 50


def _filters(request: HttpRequest) -> tuple[DashboardFilterForm, Filters, list]:
    """The filter form for this member, what it validly asks for, and the organization's
    memberships (with their users)."""
    membership = getattr(request, "membership", None)
    if membership is None:
        raise Http404
    organization = membership.organization
    members = list(Membership.objects.filter(organization=organization).select_related("user"))
    in_use = Deal.objects.for_org(organization).order_by().values_list("currency", flat=True).distinct()
    currencies = sorted({organization.default_currency, *in_use})
    form = DashboardFilterForm(
        request.GET or None, today=timezone.localdate(), members=members_of(organization), currencies=currencies,
        sees_all=membership.sees_all_deals, auto_id="dash-%s",
    )
    return form, form.filters(default_currency=organization.default_currency), members


@require_GET
@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    form, filters, members = _filters(request)
    context = dashboard_context(request.membership, filters, members=members)
    return render(request, "deals/dashboard.html", {**context, "form": form})


@require_GET
@login_required
def dashboard_deals(request: HttpRequest) -> HttpResponse:
    form, filters, _members = _filters(request)
    scope = metrics.population(request.membership, filters)
    sort = request.GET.get("sort", "")
    sort = sort if sort in table.SORTS else table.default_sort(filters)
    deals = table.ordered(table.with_plan(table.deals_behind(scope, filters)), filters, sort)
    page = Paginator(deals, PAGE_SIZE).get_page(request.GET.get("page"))
    table.page_rows(page.object_list, organization_id=scope.organization_id, today=filters.today)
    context = {
        "form": form, "filters": filters, "page": page,
        "described": table.describe(filters, form),
        "dashboard_query": filters.query(**{k: None for k in filters.segment}),
        "csv_query": filters.query(sort=sort),
        "page_query": filters.query(sort=sort),
        "sort": sort,
        # By name without the sign, for the template: sort_links.amount is "-amount"'s.
        "sort_links": {key.lstrip("-"): filters.query(sort=key) for key in table.SORTS},
    }
    return render(request, "deals/dashboard_deals.html", context)


@require_GET
@login_required
def dashboard_csv(request: HttpRequest) -> StreamingHttpResponse:
    _form, filters, _members = _filters(request)
    scope = metrics.population(request.membership, filters)
    deals = table.ordered(table.with_plan(table.deals_behind(scope, filters)), filters, request.GET.get("sort", ""))
    response = StreamingHttpResponse(
        table.csv_lines(deals, organization_id=scope.organization_id, today=filters.today),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="deals-{filters.today.isoformat()}.csv"'
    response["Cache-Control"] = "no-store"
    return response
