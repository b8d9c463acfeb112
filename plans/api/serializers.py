"""The plans API's shapes: what a plan looks like (the DESIGN.md contract fields and a few
more), what creating a plan and rescheduling a task accept and answer. Shape only: the
rules live in the services, and in the page's StartPlanForm for the start-plan choice."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from rest_framework import serializers

from deals.models import DecisionRole
from mapapp.api import CalendarDateField

from ..forms import StartPlanForm
from ..models import Plan
from ..plan_templates import PlanFromTemplate
from ..scheduling.health import AMBER, GREEN, RED

HEALTH_LEVELS = (GREEN, AMBER, RED)


class ProgressSerializer(serializers.Serializer):
    done = serializers.IntegerField(help_text="Tasks done.")
    total = serializers.IntegerField(help_text="Tasks in the plan.")
    percent = serializers.IntegerField(min_value=0, max_value=100, help_text="done / total, rounded; 0 without tasks.")


class SlippedDaysSerializer(serializers.Serializer):
    buyer = serializers.IntegerField(help_text="Calendar days of slips the buyer side caused.")
    seller = serializers.IntegerField(help_text="Calendar days of slips the seller side caused.")


class PlanSerializer(serializers.ModelSerializer):
    """A plan as the contract names it, plus its health reasons and slips."""

    id = serializers.UUIDField(source="public_id", read_only=True)
    deal = serializers.UUIDField(source="deal.public_id", read_only=True, help_text="The deal's id.")
    budget_amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, coerce_to_string=True, allow_null=True, read_only=True
    )
    progress = ProgressSerializer(source="facts.progress", read_only=True)
    projected_close_date = serializers.DateField(
        source="facts.health.projected_close_date", allow_null=True, read_only=True,
        help_text="When the decision is projected from today, the open tasks' durations and their "
        "dependencies (null when nothing is left open).",
    )
    health = serializers.ChoiceField(choices=HEALTH_LEVELS, source="facts.health.level", read_only=True)
    health_reasons = serializers.ListField(
        child=serializers.CharField(), source="facts.health_reasons", read_only=True,
        help_text="Why the plan has its health, as sentences in the request's language (empty when green).",
    )
    slipped_days = SlippedDaysSerializer(source="facts.slipped_days", read_only=True)

    class Meta:
        model = Plan
        fields = (
            "id", "deal", "title", "status", "buyer_objective", "seller_objective", "success_criteria",
            "value_proposition", "target_close_date", "go_live_date", "budget_amount", "budget_notes", "agreed_at",
            "progress", "projected_close_date", "health", "health_reasons", "slipped_days", "version",
        )
        read_only_fields = fields


# Creating the deal's plan ---------------------------------------------------------------------

class PlanCreateInputSerializer(serializers.Serializer):
    """A blank plan (no template), or one scheduled back from `anchor_date` by a template."""

    template = serializers.UUIDField(
        required=False, allow_null=True, help_text="A plan template of the organization (its id)."
    )
    anchor_date = CalendarDateField(
        required=False, allow_null=True,
        help_text="With a template: the date to plan back from (the decision or the go-live date, as "
        "the template says); today or later.",
    )
    title = serializers.CharField(required=False, allow_blank=True, max_length=200,
                                  help_text="Defaults to “Mutual Action Plan: <buyer company>”.")

    def validate(self, attrs):
        template, anchor = attrs.get("template"), attrs.get("anchor_date")
        if anchor is not None and template is None:
            raise serializers.ValidationError({"anchor_date": [_("An anchor date needs a template to plan back from.")]})
        # The start-plan page's rule, the same words: a template needs an anchor, not in the past.
        form = StartPlanForm(
            {"template": str(template or ""), "anchor_date": anchor.isoformat() if anchor else ""},
            today=timezone.localdate(),
        )
        if not form.is_valid():
            raise serializers.ValidationError({name: list(messages) for name, messages in form.errors.items()})
        return attrs


class TemplateWarningSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=["anchor_too_close"])
    message = serializers.CharField()
    missing_business_days = serializers.IntegerField()
    earliest_start = serializers.DateField(allow_null=True, help_text="Where the first task now starts.")
    anchor_that_fits = serializers.DateField(help_text="The earliest anchor the schedule fits before.")


class UnmatchedRoleSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=DecisionRole.choices)
    label = serializers.CharField()
    steps = serializers.ListField(child=serializers.CharField(), help_text="The tasks that role owns in the template.")


class PlanCreatedSerializer(PlanSerializer):
    """The new plan, with what the seller should know about it (as the page says after starting it)."""

    warnings = TemplateWarningSerializer(
        many=True, read_only=True,
        help_text="The anchor is too close for the template: the plan is made as scheduled (first tasks in "
        "the past), not compressed.",
    )
    unmatched_roles = UnmatchedRoleSerializer(
        many=True, read_only=True, help_text="Roles of the template no stakeholder of the deal has: their tasks "
        "have no owner yet.",
    )

    class Meta(PlanSerializer.Meta):
        fields = (*PlanSerializer.Meta.fields, "warnings", "unmatched_roles")
        read_only_fields = fields


def template_warnings(made: PlanFromTemplate | None) -> list[dict]:
    """The warning of a plan made from a template whose schedule does not fit, in words."""
    if made is None or made.fits:
        return []
    days = made.missing_business_days
    message = ngettext(
        "%(counter)s business day is missing: the earliest start was %(start)s; the anchor that fits is %(fits)s.",
        "%(counter)s business days are missing: the earliest start was %(start)s; the anchor that fits is %(fits)s.",
        days,
    ) % {"counter": days, "start": _day(made.earliest_start), "fits": _day(made.anchor_that_fits)}
    return [{
        "code": "anchor_too_close", "message": message, "missing_business_days": days,
        "earliest_start": made.earliest_start, "anchor_that_fits": made.anchor_that_fits,
    }]


def _day(value: datetime.date | None) -> str:
    return date_format(value, "DATE_FORMAT") if value else ""


# Rescheduling a task ---------------------------------------------------------------------------

class RescheduleInputSerializer(serializers.Serializer):
    due_date = CalendarDateField(help_text="The task's new due date (it keeps its duration).")
    reason = serializers.CharField(
        required=False, allow_blank=True, default="", trim_whitespace=False,
        help_text="Why the date moves: kept with each slip; the other side sees it. Up to 1,000 characters.",
    )
    cascade = serializers.BooleanField(
        help_text="true: dependants that would now start before this task ends move by exactly as much as "
        "needed (milestones follow their tasks); false: only this task moves.",
    )
    version = serializers.IntegerField(
        required=False, min_value=1, max_value=2**31 - 1,
        help_text="The task's version the move was decided against: if the task changed since, nothing moves "
        "and the answer is 409 with the current version. Without it the move is made against the current "
        "version (last writer wins).",
    )
    dry_run = serializers.BooleanField(
        required=False, default=False, help_text="true: answer what would move, write nothing.",
    )


class MovedTaskSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="task.public_id")
    title = serializers.CharField(source="task.title")
    old_due_date = serializers.DateField(source="old_due")
    new_due_date = serializers.DateField(source="new_due")
    days = serializers.IntegerField(help_text="Calendar days moved (negative: earlier), as a slip records them.")
    business_days = serializers.IntegerField(help_text="Business days moved (negative: earlier).")
    version = serializers.IntegerField(source="task.version", help_text="The task's version after the move.")


class StaleVersionSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.ChoiceField(choices=["stale_version"])
    version = serializers.IntegerField(help_text="The task's current version.")
    due_date = serializers.DateField(allow_null=True, help_text="The task's current due date.")
