"""The public API: /api/v1/ resources, the OpenAPI schema and its documentation."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from deals.api import (
    DealDetailView,
    DealListView,
    DealStakeholderListView,
    StakeholderDetailView,
    StakeholderInviteView,
)
from exports.api import ExportDetailView, PlanExportCreateView
from plans.api.resources import (
    MilestoneDetailView,
    PlanActivityListView,
    PlanMilestoneListView,
    PlanRiskListView,
    RiskDetailView,
)
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
    path("v1/plans/<uuid:plan_id>/milestones/", PlanMilestoneListView.as_view(), name="plan-milestones"),
    path("v1/milestones/<uuid:milestone_id>/", MilestoneDetailView.as_view(), name="milestone-detail"),
    path("v1/plans/<uuid:plan_id>/risks/", PlanRiskListView.as_view(), name="plan-risks"),
    path("v1/risks/<uuid:risk_id>/", RiskDetailView.as_view(), name="risk-detail"),
    path("v1/plans/<uuid:plan_id>/activity/", PlanActivityListView.as_view(), name="plan-activity"),
    path("v1/tasks/<uuid:task_id>/", TaskDetailView.as_view(), name="task-detail"),
    path("v1/tasks/<uuid:task_id>/reschedule/", TaskRescheduleView.as_view(), name="task-reschedule"),
    path("v1/deals/<uuid:deal_id>/stakeholders/", DealStakeholderListView.as_view(), name="deal-stakeholders"),
    path("v1/stakeholders/<uuid:stakeholder_id>/", StakeholderDetailView.as_view(), name="stakeholder-detail"),
    path("v1/stakeholders/<uuid:stakeholder_id>/invite/", StakeholderInviteView.as_view(), name="stakeholder-invite"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
]
