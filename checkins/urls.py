"""Check-in pages. Room URLs are named room-* (plans.room_access.BuyerSessionMiddleware lets a
buyer's session through to those only)."""

from django.urls import path

from . import views

app_name = "checkins"

urlpatterns = [
    # The seller's side, under the plan.
    path("plans/<uuid:plan_id>/checkin/", views.agenda, name="agenda"),
    path("plans/<uuid:plan_id>/checkin/notes/", views.notes, name="notes"),
    path("plans/<uuid:plan_id>/checkin/hold/", views.hold, name="hold"),
    # The room: the agenda (members preview it) and the buyer's notes.
    path("room/<uuid:plan_id>/checkin/", views.room_agenda, name="room-agenda"),
    path("room/<uuid:plan_id>/checkin/notes/", views.room_notes, name="room-notes"),
]
