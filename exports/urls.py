"""Export URLs. Room URLs are named room-* (plans.room_access.BuyerSessionMiddleware lets a
buyer's session through to those of this namespace and of plans only)."""

from django.urls import path

from . import views

app_name = "exports"

urlpatterns = [
    path("plans/<uuid:plan_id>/exports/", views.plan_export_create, name="plan-export-create"),
    path("plans/exports/<uuid:export_id>/", views.export_status, name="export"),
    path("plans/exports/<uuid:export_id>/download/", views.export_download, name="export-download"),
    path("room/<uuid:plan_id>/exports/", views.room_export_create, name="room-plan-export-create"),
    path("room/exports/<uuid:export_id>/", views.room_export_status, name="room-export"),
    path("room/exports/<uuid:export_id>/download/", views.room_export_download, name="room-export-download"),
]
