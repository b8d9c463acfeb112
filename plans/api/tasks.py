"""Tasks through the API: a plan's tasks (list with filters, create) and one task (read,
PATCH against its version, DELETE). Owners, milestones and prerequisites are named by their
ids and must belong to the task's plan (an id from elsewhere answers 400, like an unknown one).

The views are mapapp.api_views' two shapes: access helper (404 for what the member may not
see) → serializer (shape) → the plan page's service → JSON.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers
from rest_framework.exceptions import ValidationError as ApiValidationError

from deals.models import Stakeholder
from mapapp.api import (
    FIELD_ERRORS,
    NOT_FOUND,
    NOT_SIGNED_IN,
    CalendarDateField,
    api_error,
)
from mapapp.api_views import ChildrenView, VersionedView, stale_response

from .. import dependencies, services
from ..access import get_plan_for_member, get_task_for_member
from ..activity import Actor
from ..models import Milestone, Plan, Task, TaskDependency, TaskSide, TaskStatus


@extend_schema_field(OpenApiTypes.UUID)
class InPlanField(serializers.Field):
    """An object of the task's plan (or deal, for owners) by its id; null clears it."""

    def __init__(self, *, model, label: str, **kwargs):
        self.model, self.what = model, label
        super().__init__(allow_null=True, **kwargs)

    def to_representation(self, obj):
        return str(obj.public_id) if obj is not None else None

    def to_internal_value(self, data):
        plan: Plan = self.context["plan"]
        scope = {"deal_id": plan.deal_id} if self.model is Stakeholder else {"plan_id": plan.pk}
        try:
            found = self.model.objects.filter(organization_id=plan.organization_id, public_id=data, **scope).first()
        except (ValidationError, ValueError, TypeError):
            found = None
        if found is None:
            raise serializers.ValidationError(_("No such %(what)s in this plan.") % {"what": self.what})
        return found


class PrerequisitesField(serializers.ListField):
    """The ids of the tasks this one waits for: read from the serializer's context (one query for
    a whole page, prerequisites_of), written as a list of ids of the same plan's tasks."""

    def get_attribute(self, task):
        return self.context.get("prerequisites", {}).get(task.pk, [])


class TaskSerializer(serializers.ModelSerializer):
    """A task as the contract names it. `version` is the one to send back with an edit."""

    id = serializers.UUIDField(source="public_id", read_only=True)
    plan = serializers.UUIDField(source="plan.public_id", read_only=True)
    milestone = InPlanField(model=Milestone, label=gettext_lazy("milestone"), required=False)
    owner = InPlanField(model=Stakeholder, label=gettext_lazy("person"), required=False,
                        help_text="A stakeholder of the deal (either side), by id.")
    due_date = CalendarDateField(required=False, allow_null=True)
    depends_on = PrerequisitesField(child=serializers.UUIDField(), required=False, max_length=200,
                                    help_text="Ids of the tasks of the plan this one waits for.")

    class Meta:
        model = Task
        fields = ("id", "plan", "milestone", "title", "description", "side", "owner", "due_date", "status",
                  "blocked_reason", "internal", "duration_days", "depends_on", "completed_at", "version")
        read_only_fields = ("completed_at", "version")

    def validate_depends_on(self, ids):
        plan: Plan = self.context["plan"]
        found = list(Task.objects.filter(organization_id=plan.organization_id, plan=plan, public_id__in=ids))
        if len(found) != len(set(ids)):
            raise serializers.ValidationError(_("Every prerequisite must be a task of this plan."))
        return found


class TaskEditSerializer(TaskSerializer):
    version = serializers.IntegerField(min_value=1, help_text="The version the edit was made against.")
    override_dependencies = serializers.BooleanField(
        required=False, default=False, write_only=True,
        help_text="Start or finish the task although a prerequisite is not done (the history says so).")

    class Meta(TaskSerializer.Meta):
        fields = (*TaskSerializer.Meta.fields, "override_dependencies")
        read_only_fields = ("completed_at",)


class TaskFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=TaskStatus.choices, required=False)
    side = serializers.ChoiceField(choices=TaskSide.choices, required=False)
    due_from = CalendarDateField(required=False, help_text="Due on or after this date.")
    due_to = CalendarDateField(required=False, help_text="Due on or before this date.")


def prerequisites_of(tasks) -> dict[int, list[str]]:
    """Each task's prerequisites' ids, for a list of tasks: one query."""
    ids = [t.pk for t in tasks]
    found: dict[int, list[str]] = {pk: [] for pk in ids}
    for task_id, public_id in (TaskDependency.objects.filter(task_id__in=ids).order_by("prerequisite_id")
                               .values_list("task_id", "prerequisite__public_id")):
        found[task_id].append(str(public_id))
    return found


def _service_error(error: ValidationError) -> Exception:
    if isinstance(error, dependencies.UnfinishedPrerequisites):
        return ApiValidationError({"status": error.messages, "code": "unfinished_prerequisites"})
    return api_error(error)


@extend_schema_view(
    get=extend_schema(
        operation_id="plans_tasks_list", parameters=[TaskFilterSerializer],
        description="The plan's tasks in the plan's order, paginated; filter by `status`, `side` and a due range.",
        responses={200: TaskSerializer(many=True), 400: FIELD_ERRORS, 403: NOT_SIGNED_IN, 404: NOT_FOUND},
    ),
    post=extend_schema(
        operation_id="plans_tasks_create", request=TaskSerializer,
        description="Add a task to the plan. A dependency that would make a cycle is refused, naming it.",
        responses={201: TaskSerializer, 400: FIELD_ERRORS, 403: NOT_SIGNED_IN, 404: NOT_FOUND},
    ),
)
class PlanTaskListView(ChildrenView):
    serializer_class = TaskSerializer
    parent_kwarg, get_parent = "plan_id", get_plan_for_member
    detail_name, detail_kwarg = "api:task-detail", "task_id"
    service_error = staticmethod(_service_error)

    def context_for(self, plan, tasks):
        return {"plan": plan, "prerequisites": prerequisites_of(tasks)}

    def children(self, plan):
        filters = TaskFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        given = filters.validated_data
        tasks = Task.objects.filter(organization_id=plan.organization_id, plan=plan).select_related(
            "plan", "milestone", "owner").order_by("order", "id")
        for key in ("status", "side"):
            if key in given:
                tasks = tasks.filter(**{key: given[key]})
        if "due_from" in given:
            tasks = tasks.filter(due_date__gte=given["due_from"])
        if "due_to" in given:
            tasks = tasks.filter(due_date__lte=given["due_to"])
        return tasks

    def create(self, plan, user, data):
        depends_on = data.pop("depends_on", None)
        return services.task_create(plan=plan, actor=Actor(user=user), depends_on=depends_on, **data)


@extend_schema_view(
    get=extend_schema(operation_id="tasks_retrieve", responses={200: TaskSerializer, 403: NOT_SIGNED_IN,
                                                                 404: NOT_FOUND}),
    patch=extend_schema(
        operation_id="tasks_partial_update", request=TaskEditSerializer,
        description="Change some of the task's fields. `version` is required (two people may edit a task at "
        "once): the edit is saved only if the task is still at that version, else 409 with the task as stored "
        "now. `depends_on` replaces the prerequisites; a cycle is refused, naming it. Starting or finishing "
        "the task while a prerequisite is not done needs `override_dependencies` (400 "
        "`unfinished_prerequisites` otherwise). A later `due_date` records a slip; to move dependants with "
        "it use `POST /api/v1/tasks/{id}/reschedule/`.",
        responses={200: TaskSerializer, 400: FIELD_ERRORS, 403: NOT_SIGNED_IN, 404: NOT_FOUND,
                   409: stale_response("Task", TaskSerializer)},
    ),
    delete=extend_schema(operation_id="tasks_destroy", responses={204: None, 403: NOT_SIGNED_IN, 404: NOT_FOUND}),
)
class TaskDetailView(VersionedView):
    kwarg, get_object_for = "task_id", get_task_for_member
    serializer_class, edit_serializer_class = TaskSerializer, TaskEditSerializer
    stale_message = gettext_lazy("Someone else changed this task meanwhile; nothing was saved.")
    service_error = staticmethod(_service_error)

    def context_for(self, task):
        return {"plan": task.plan, "prerequisites": prerequisites_of([task])}

    def update(self, task, user, version, data):
        override, depends_on = data.pop("override_dependencies", False), data.pop("depends_on", None)
        services.task_update(task=task, actor=Actor(user=user), version=version, data=data, depends_on=depends_on,
                             override_dependencies=override)

    def delete_object(self, task, user):
        services.task_delete(task=task, actor=Actor(user=user))
