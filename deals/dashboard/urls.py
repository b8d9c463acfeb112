"""The pipeline dashboard: /dashboard/, the deals behind its figures, and their CSV."""

from django.urls import path

from . import views

app_name = "dashboard"

urlpatterns = [
    path("", views.dashboard, name="index"),
    path("deals/", views.dashboard_deals, name="deals"),
    path("deals.csv", views.dashboard_csv, name="csv"),
]
