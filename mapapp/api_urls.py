"""The public API: /api/v1/ resources, the OpenAPI schema and its documentation."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from deals.api import DealDetailView, DealListView, StakeholderInviteView
from exports.api import ExportDetailView, PlanExportCreateView
from plans.api.tasks import PlanTaskListView, TaskDetailView
from plans.api.views import DealPlanCreateView, PlanDetailView, PlanListView, TaskRescheduleView

app_name = "api"

urlpatterns = [
    path("v1/deals/", DealListView.as_view(), name="deal-list"),
    path("v1/deals/<uuid:deal_id>/", DealDetailView.as_view(), name="deal-detail"),
    path("v1/deals/<uuid:deal_id>/plan/", DealPlanCreateView.as_view(), name="deal-plan"),
    path("v1/plans/", PlanListView.as_view(), name="plan-list"),
    path("v1/plans/<uuid:plan_id>/", PlanDetailView.as_view(), name="plan-detail"),
    path("v1/plans/<uuid:plan_id>/exports/", PlanExportCreateView.as_view(), name="plan-exports"),
    path("v1/exports/<uuid:export_id>/", ExportDetailView.as_view(), name="export-detail"),
    path("v1/plans/<uuid:plan_id>/tasks/", PlanTaskListView.as_view(), name="plan-tasks"),
    path("v1/tasks/<uuid:task_id>/", TaskDetailView.as_view(), name="task-detail"),
    path("v1/tasks/<uuid:task_id>/reschedule/", TaskRescheduleView.as_view(), name="task-reschedule"),
    path("v1/stakeholders/<uuid:stakeholder_id>/invite/", StakeholderInviteView.as_view(), name="stakeholder-invite"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
]
