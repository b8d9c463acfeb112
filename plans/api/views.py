"""Plans through the API: list and read plans, start a deal's plan, reschedule a task.

Every view: access helper (404 for what the member may not see, before the body is read) →
input serializer → the page's service → the plan or the moves as JSON. Any member who may
see a deal may edit its plan, as on the plan page.
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from deals.access import get_deal_for_member
from mapapp.api import FIELD_ERRORS, NOT_FOUND, NOT_SIGNED_IN, LookupFirst, api_error
from mapapp.concurrency import StaleEdit

from .. import plan_templates, rescheduling, services
from ..access import get_plan_for_member, get_task_for_member, get_template_for_member
from ..activity import Actor
from ..models import Plan, PlanStatus
from . import selectors
from .serializers import (
    HEALTH_LEVELS,
    MovedTaskSerializer,
    PlanCreatedSerializer,
    PlanCreateInputSerializer,
    PlanSerializer,
    RescheduleInputSerializer,
    StaleVersionSerializer,
    template_warnings,
)


class PlanFilterSerializer(serializers.Serializer):
    health = serializers.ChoiceField(choices=HEALTH_LEVELS, required=False, help_text="Only plans of this health.")
    status = serializers.ChoiceField(choices=PlanStatus.choices, required=False, help_text="Only plans in this status.")


class PlanListView(generics.ListAPIView):
    """The plans of the deals the member may see (all of the organization's for admins and
    managers; own and shared deals for sellers), newest first."""

    serializer_class = PlanSerializer

    @extend_schema(
        operation_id="plans_list",
        parameters=[PlanFilterSerializer],
        description="The plans the member may see, newest first, paginated. `health` filters on the plan's "
        "health as of today, computed for the plans of the other filters.",
        responses={200: PlanSerializer(many=True), 400: FIELD_ERRORS, 403: NOT_SIGNED_IN,
                   404: OpenApiResponse(description="A page past the end.")},
    )
    def get(self, request):
        filters = PlanFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        plans = selectors.plan_search(
            selectors.visible_plans(request._request), status=filters.validated_data.get("status", "")
        )
        facts = None
        if health := filters.validated_data.get("health"):
            # Health is computed, not stored: for every candidate plan (still a fixed number of queries).
            facts = selectors.plans_facts(plans)
            plans = [p for p in plans if facts[p.pk].health.level == health]
        page = self.paginate_queryset(plans)
        return self.get_paginated_response(self.get_serializer(selectors.with_facts(page, facts=facts), many=True).data)


class PlanDetailView(LookupFirst, APIView):
    def lookup(self, request, *, plan_id):
        return get_plan_for_member(request._request, plan_id)

    @extend_schema(
        operation_id="plans_retrieve",
        responses={200: PlanSerializer, 403: NOT_SIGNED_IN, 404: NOT_FOUND},
    )
    def get(self, request, plan_id):
        """One plan, with its progress, health (and why) and projected decision date."""
        plan = self.lookup(request, plan_id=plan_id)
        return Response(PlanSerializer(selectors.with_facts([plan])[0]).data)


PLAN_EXISTS = inline_serializer("PlanExists", {
    "detail": serializers.CharField(),
    "code": serializers.ChoiceField(choices=["plan_exists"]),
    "plan": serializers.UUIDField(help_text="The deal's plan."),
})


class DealPlanCreateView(LookupFirst, APIView):
    def lookup(self, request, *, deal_id):
        return get_deal_for_member(request._request, deal_id)

    @extend_schema(
        operation_id="deals_plan_create",
        request=PlanCreateInputSerializer,
        description="Start the deal's (one) plan: blank, or from a template scheduled backwards from "
        "`anchor_date` over business days, roles matched to the deal's stakeholders by decision role. "
        "An anchor too close to fit still makes the plan, as scheduled, with a warning of the days missing.",
        responses={
            201: PlanCreatedSerializer,
            400: FIELD_ERRORS,
            403: NOT_SIGNED_IN,
            404: NOT_FOUND,
            409: OpenApiResponse(PLAN_EXISTS, description="The deal has a plan already; nothing was changed."),
        },
    )
    def post(self, request, deal_id):
        deal = self.lookup(request, deal_id=deal_id)
        existing = Plan.objects.filter(organization_id=deal.organization_id, deal=deal).first()
        if existing is not None:
            return _plan_exists(existing)
        data = PlanCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        template_id, actor = data.validated_data.get("template"), Actor(user=request.user)
        title = data.validated_data.get("title", "")
        try:
            # Another organization's template reads as unknown: the same error, nothing leaks.
            template = get_template_for_member(request._request, template_id) if template_id else None
        except Http404:
            raise api_error(ValidationError({"template": _("There is no such template.")})) from None
        made = None
        try:
            if template is None:
                plan = services.plan_create(deal=deal, actor=actor, title=title)
            else:
                made = plan_templates.plan_create_from_template(
                    deal=deal, template=template, anchor_date=data.validated_data["anchor_date"], actor=actor,
                    title=title,
                )
                plan = made.plan
        except (ValidationError, IntegrityError) as error:
            # Someone started it a moment ago.
            existing = Plan.objects.filter(organization_id=deal.organization_id, deal=deal).first()
            if existing is not None:
                return _plan_exists(existing)
            raise api_error(error) if isinstance(error, ValidationError) else error
        plan.warnings = template_warnings(made)
        plan.unmatched_roles = made.unmatched_roles if made else []
        body = PlanCreatedSerializer(selectors.with_facts([plan])[0]).data
        location = reverse("api:plan-detail", kwargs={"plan_id": plan.public_id})
        return Response(body, status=201, headers={"Location": location})


def _plan_exists(plan: Plan) -> Response:
    return Response(
        {"detail": _("This deal already has a plan."), "code": "plan_exists", "plan": str(plan.public_id)},
        status=409,
    )


class TaskRescheduleView(LookupFirst, APIView):
    def lookup(self, request, *, task_id):
        return get_task_for_member(request._request, task_id)

    @extend_schema(
        operation_id="tasks_reschedule",
        request=RescheduleInputSerializer,
        description="Move the task's due date (it keeps its duration) and, with `cascade`, its dependants by "
        "exactly as much as they must; milestones follow their tasks. Answers every task that moves, this one "
        "first, internal tasks included. Each move later records a slip (days, reason, who, the seller's "
        "side). `dry_run` answers the same list and writes nothing.\n\n"
        "Versions: with `version`, the move is made only if the task is still at that version, else 409 with "
        "the current version and nothing moves. Without `version` the move is made against the version the "
        "task has when the request arrives (a change landing while it is handled still answers 409): a "
        "change made since the caller last read the task is then moved over, so send `version` unless that "
        "is acceptable. The answer gives each moved task's new version.",
        responses={
            200: MovedTaskSerializer(many=True),
            400: FIELD_ERRORS,
            403: NOT_SIGNED_IN,
            404: NOT_FOUND,
            409: OpenApiResponse(StaleVersionSerializer, description="The task changed since `version`."),
        },
    )
    def post(self, request, task_id):
        task = self.lookup(request, task_id=task_id)
        data = RescheduleInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        given = data.validated_data
        version = given.get("version", task.version)
        try:
            moves = rescheduling.task_reschedule(
                task=task, actor=Actor(user=request.user), version=version, due_date=given["due_date"],
                reason=given["reason"], cascade=given["cascade"], preview=given["dry_run"],
            )
        except StaleEdit as stale:
            if stale.current is None:
                raise Http404 from None
            return Response(StaleVersionSerializer({
                "detail": _("Someone else changed this task meanwhile; nothing was moved."),
                "code": "stale_version", "version": stale.current.version, "due_date": stale.current.due_date,
            }).data, status=409)
        except ValidationError as error:
            raise api_error(error) from None
        return Response(MovedTaskSerializer(moves, many=True).data)
