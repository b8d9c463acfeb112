"""Deal pages. Object kwargs are `<model>_id` with the object's public UUID."""

from django.urls import path

from . import views

app_name = "deals"

urlpatterns = [
    path("", views.deal_list, name="list"),
    path("new/", views.deal_create, name="create"),
    path("<uuid:deal_id>/", views.deal_detail, name="detail"),
    path("<uuid:deal_id>/edit/", views.deal_edit, name="edit"),
    # Stakeholders of both sides; writes answer the whole section to HTMX.
    path("<uuid:deal_id>/stakeholders/", views.stakeholders, name="stakeholders"),
    path("<uuid:deal_id>/stakeholders/add/", views.stakeholder_add, name="stakeholder-add"),
    path("stakeholders/<uuid:stakeholder_id>/edit/", views.stakeholder_edit, name="stakeholder-edit"),
    path("stakeholders/<uuid:stakeholder_id>/move/", views.stakeholder_move, name="stakeholder-move"),
    path("stakeholders/<uuid:stakeholder_id>/delete/", views.stakeholder_delete, name="stakeholder-delete"),
    # The buyer's deal room: send a personal link, or end every link (and open session) of the person.
    path("stakeholders/<uuid:stakeholder_id>/invite/", views.stakeholder_invite, name="stakeholder-invite"),
    path("stakeholders/<uuid:stakeholder_id>/revoke/", views.stakeholder_revoke, name="stakeholder-revoke"),
]
