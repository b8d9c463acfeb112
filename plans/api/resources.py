"""A plan's milestones, risks and history through the API (mapapp.api_views gives them their
list / create / read / versioned edit / delete), with the plan page's services doing the work."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import serializers

from deals.models import Side, Stakeholder
from mapapp.api import FIELD_ERRORS, NOT_FOUND, NOT_SIGNED_IN, CalendarDateField
from mapapp.api_views import ChildrenView, VersionedView, stale_response

from .. import services
from ..access import get_milestone_for_member, get_plan_for_member, get_risk_for_member
from ..activity import Actor, change_rows
from ..models import Activity, Milestone, Risk
from .tasks import InPlanField


def _crud_schema(name: str, serializer, edit_serializer, *, list_description: str):
    plural = f"{name}s"
    return {
        "list": extend_schema_view(
            get=extend_schema(operation_id=f"plans_{plural}_list", description=list_description,
                              responses={200: serializer(many=True), 403: NOT_SIGNED_IN, 404: NOT_FOUND}),
            post=extend_schema(operation_id=f"plans_{plural}_create", request=serializer,
                               responses={201: serializer, 400: FIELD_ERRORS, 403: NOT_SIGNED_IN, 404: NOT_FOUND}),
        ),
        "detail": extend_schema_view(
            get=extend_schema(operation_id=f"{plural}_retrieve",
                              responses={200: serializer, 403: NOT_SIGNED_IN, 404: NOT_FOUND}),
            patch=extend_schema(
                operation_id=f"{plural}_partial_update", request=edit_serializer,
                description="Change some fields. `version` is required: the edit is saved only if nothing changed "
                "since, else 409 with the current state.",
                responses={200: serializer, 400: FIELD_ERRORS, 403: NOT_SIGNED_IN, 404: NOT_FOUND,
                           409: stale_response(name.title(), serializer)}),
            delete=extend_schema(operation_id=f"{plural}_destroy",
                                 responses={204: None, 403: NOT_SIGNED_IN, 404: NOT_FOUND}),
        ),
    }


# Milestones ----------------------------------------------------------------------------------

class MilestoneSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    plan = serializers.UUIDField(source="plan.public_id", read_only=True)
    target_date = CalendarDateField(required=False, allow_null=True)

    class Meta:
        model = Milestone
        fields = ("id", "plan", "title", "target_date", "completed_at", "order", "version")
        read_only_fields = ("completed_at", "order", "version")


class MilestoneEditSerializer(MilestoneSerializer):
    version = serializers.IntegerField(min_value=1, help_text="The version the edit was made against.")

    class Meta(MilestoneSerializer.Meta):
        read_only_fields = ("completed_at", "order")


MILESTONE_SCHEMA = _crud_schema("milestone", MilestoneSerializer, MilestoneEditSerializer,
                                list_description="The plan's milestones in their order.")


@MILESTONE_SCHEMA["list"]
class PlanMilestoneListView(ChildrenView):
    serializer_class = MilestoneSerializer
    parent_kwarg, get_parent = "plan_id", get_plan_for_member
    detail_name, detail_kwarg = "api:milestone-detail", "milestone_id"

    def children(self, plan):
        return Milestone.objects.filter(organization_id=plan.organization_id, plan=plan).select_related("plan")

    def create(self, plan, user, data):
        return services.milestone_create(plan=plan, actor=Actor(user=user), **data)


@MILESTONE_SCHEMA["detail"]
class MilestoneDetailView(VersionedView):
    kwarg, get_object_for = "milestone_id", get_milestone_for_member
    serializer_class, edit_serializer_class = MilestoneSerializer, MilestoneEditSerializer
    stale_message = _("Someone else changed this milestone meanwhile; nothing was saved.")

    def update(self, milestone, user, version, data):
        services.milestone_update(milestone=milestone, actor=Actor(user=user), version=version, data=data)

    def delete_object(self, milestone, user):
        services.milestone_delete(milestone=milestone, actor=Actor(user=user))


# Risks -----------------------------------------------------------------------------------------

class RiskSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    plan = serializers.UUIDField(source="plan.public_id", read_only=True)
    probability = serializers.IntegerField(min_value=1, max_value=5, required=False)
    impact = serializers.IntegerField(min_value=1, max_value=5, required=False)
    owner = InPlanField(model=Stakeholder, label=_("person"), required=False,
                        help_text="A stakeholder of the deal (either side), by id.")

    class Meta:
        model = Risk
        fields = ("id", "plan", "description", "probability", "impact", "mitigation", "owner", "status", "version")
        read_only_fields = ("version",)


class RiskEditSerializer(RiskSerializer):
    version = serializers.IntegerField(min_value=1, help_text="The version the edit was made against.")

    class Meta(RiskSerializer.Meta):
        read_only_fields = ()


RISK_SCHEMA = _crud_schema("risk", RiskSerializer, RiskEditSerializer,
                           list_description="The plan's risks in their order; probability and impact from 1 to 5.")


@RISK_SCHEMA["list"]
class PlanRiskListView(ChildrenView):
    serializer_class = RiskSerializer
    parent_kwarg, get_parent = "plan_id", get_plan_for_member
    detail_name, detail_kwarg = "api:risk-detail", "risk_id"

    def context_for(self, plan, objects):
        return {"plan": plan}

    def children(self, plan):
        return Risk.objects.filter(organization_id=plan.organization_id, plan=plan).select_related("plan", "owner")

    def create(self, plan, user, data):
        return services.risk_create(plan=plan, actor=Actor(user=user), **data)


@RISK_SCHEMA["detail"]
class RiskDetailView(VersionedView):
    kwarg, get_object_for = "risk_id", get_risk_for_member
    serializer_class, edit_serializer_class = RiskSerializer, RiskEditSerializer
    stale_message = _("Someone else changed this risk meanwhile; nothing was saved.")

    def context_for(self, risk):
        return {"plan": risk.plan}

    def update(self, risk, user, version, data):
        services.risk_update(risk=risk, actor=Actor(user=user), version=version, data=data)

    def delete_object(self, risk, user):
        services.risk_delete(risk=risk, actor=Actor(user=user))


# History ---------------------------------------------------------------------------------------

class ChangeSerializer(serializers.Serializer):
    field = serializers.CharField(help_text="The field, in the request's language.")
    old = serializers.CharField(help_text="Its value before, as the page shows it.")
    new = serializers.CharField(help_text="Its value after.")


class ActivitySerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    at = serializers.DateTimeField(source="created_at", read_only=True)
    actor = serializers.CharField(source="actor_name", read_only=True, help_text="Who made the change.")
    actor_side = serializers.SerializerMethodField(help_text="buyer or seller: the side the actor was on.")
    changes = serializers.SerializerMethodField()

    class Meta:
        model = Activity
        fields = ("id", "at", "actor", "actor_side", "verb", "target_type", "target_id", "target_label", "changes",
                  "internal")
        read_only_fields = fields

    def get_actor_side(self, activity) -> str:
        person = activity.actor_stakeholder
        return person.side if person is not None else Side.SELLER

    @extend_schema_field(ChangeSerializer(many=True))
    def get_changes(self, activity) -> list[dict]:
        return [{"field": label, "old": old, "new": new} for label, old, new in change_rows(activity)]


@extend_schema_view(get=extend_schema(
    operation_id="plans_activity_list",
    description="The plan's history, newest first: who changed what and when, each field before and after "
    "(internal changes included: the API is the seller's).",
    responses={200: ActivitySerializer(many=True), 403: NOT_SIGNED_IN, 404: NOT_FOUND},
))
class PlanActivityListView(ChildrenView):
    serializer_class = ActivitySerializer
    parent_kwarg, get_parent = "plan_id", get_plan_for_member
    http_method_names = ("get", "head", "options")

    def children(self, plan):
        return (Activity.objects.filter(organization_id=plan.organization_id, plan=plan)
                .select_related("actor_stakeholder").order_by("-created_at", "-id"))
