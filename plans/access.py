"""The one way in to a plan and its parts for a signed-in member.

Each helper filters by the member's organization and by the deals they may see, and
raises the same Http404 whether the object is missing or belongs to someone else.
"""

from uuid import UUID

from django.db.models import Model
from django.http import Http404, HttpRequest

from deals.access import visible_deals

from .models import Milestone, Plan, PlanTemplate, Risk, Task


def _get(model: type[Model], request: HttpRequest, public_id: UUID, deal_path: str):
    deals = visible_deals(request)
    obj = (
        model.objects.for_org(request.organization)
        .filter(public_id=public_id, **{f"{deal_path}__in": deals})
        .select_related(*([deal_path] if deal_path == "deal" else ["plan", "plan__deal"]))
        .first()
    )
    if obj is None:
        raise Http404
    return obj


def get_plan_for_member(request: HttpRequest, plan_id: UUID) -> Plan:
    """The plan if the member may see its deal, else Http404."""
    return _get(Plan, request, plan_id, "deal")


def get_milestone_for_member(request: HttpRequest, milestone_id: UUID) -> Milestone:
    """A milestone of a plan the member may see, else Http404."""
    return _get(Milestone, request, milestone_id, "plan__deal")


def get_task_for_member(request: HttpRequest, task_id: UUID) -> Task:
    """A task of a plan the member may see, else Http404."""
    return _get(Task, request, task_id, "plan__deal")


def get_risk_for_member(request: HttpRequest, risk_id: UUID) -> Risk:
    """A risk of a plan the member may see, else Http404."""
    return _get(Risk, request, risk_id, "plan__deal")


def get_template_for_member(request: HttpRequest, template_id: UUID) -> PlanTemplate:
    """A plan template of the member's organization (every member may use them), else Http404."""
    if getattr(request, "membership", None) is None:
        raise Http404
    template = PlanTemplate.objects.for_org(request.organization).filter(public_id=template_id).first()
    if template is None:
        raise Http404
    return template


def template_admin(request: HttpRequest):
    """The current member if they are an admin of the current organization (who edit its
    templates), else Http404: as the members page treats everyone else (mapapp.views)."""
    membership = getattr(request, "membership", None)
    if membership is None or not membership.is_admin:
        raise Http404
    return membership


def get_template_for_admin(request: HttpRequest, template_id: UUID) -> PlanTemplate:
    """A plan template of the member's organization if the member is one of its admins, else Http404."""
    template_admin(request)
    return get_template_for_member(request, template_id)
