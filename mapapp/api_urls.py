"""The public API: /api/v1/ resources, the OpenAPI schema and its documentation."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from deals.api import StakeholderInviteView

app_name = "api"

urlpatterns = [
    path("v1/stakeholders/<uuid:stakeholder_id>/invite/", StakeholderInviteView.as_view(), name="stakeholder-invite"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
]
