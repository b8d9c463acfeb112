from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("mapapp.account_urls")),
    path("api/", include("mapapp.api_urls")),
    path("deals/", include("deals.urls")),
    path("dashboard/", include("deals.dashboard.urls")),
    path("", include("plans.urls")),
    path("", include("checkins.urls")),
    path("", include("exports.urls")),
    path("reminders/", include("reminders.urls")),
]
