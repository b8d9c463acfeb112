from django.urls import path

from . import views

app_name = "reminders"

# Public pages behind signed links from reminder mails: no sign-in, no room session needed
# (plans.room_access.BuyerSessionMiddleware.PUBLIC_SIGNED_URLS lets them through).
urlpatterns = [
    path("act/<str:token>/", views.act, name="act"),
    path("opt-out/<str:token>/", views.opt_out, name="opt-out"),
    # For the organization's admins only.
    path("settings/", views.cadence, name="settings"),
]
