"""Plan pages. Object kwargs are `<model>_id` with the object's public UUID.

Row URLs share a prefix (`tasks/<task_id>/…`): the plan page builds them by concatenation
(plans.selectors.url_prefix), so keep each object's actions under its own URL.
"""

from django.urls import include, path

from . import (
    access_request_views,
    agreement_views,
    attachment_views,
    calendar_views,
    live,
    room,
    room_edits,
    template_views,
    timeline_views,
    views,
)

app_name = "plans"

seller_patterns = [
    # Calendar feeds: made and revoked by their member; fetched by calendar apps with the token.
    path("calendar/", calendar_views.calendar_feeds, name="calendar-feeds"),
    path("calendar/<uuid:calendarfeed_id>/revoke/", calendar_views.calendar_feed_revoke, name="calendar-feed-revoke"),
    path("new/<uuid:deal_id>/", views.plan_create, name="create"),
    path("<uuid:plan_id>/", views.plan_detail, name="detail"),
    path("<uuid:plan_id>/lite/", views.plan_lite, name="lite"),
    path("<uuid:plan_id>/activity/", views.plan_activity, name="activity"),
    path("<uuid:plan_id>/timeline/", timeline_views.plan_timeline, name="timeline"),
    path("<uuid:plan_id>/save-as-template/", views.plan_save_as_template, name="save-as-template"),
    path("<uuid:plan_id>/confirm/", agreement_views.plan_confirm, name="confirm"),
    path("<uuid:plan_id>/agreement/", agreement_views.plan_agreement_card, name="agreement"),
    # Live refresh: 304 to a matching If-None-Match while nothing changed (plans.live).
    path("<uuid:plan_id>/stamp/", live.plan_stamp_view, name="stamp"),
    # Plan sections: GET answers the section (HTMX cancel), edit/ the section's form.
    path("<uuid:plan_id>/summary/", views.section_show, {"section": "summary"}, name="summary"),
    path("<uuid:plan_id>/summary/edit/", views.section_edit, {"section": "summary"}, name="summary-edit"),
    path("<uuid:plan_id>/goals/", views.section_show, {"section": "goals"}, name="goals"),
    path("<uuid:plan_id>/goals/edit/", views.section_edit, {"section": "goals"}, name="goals-edit"),
    path("<uuid:plan_id>/value/", views.section_show, {"section": "value"}, name="value"),
    path("<uuid:plan_id>/value/edit/", views.section_edit, {"section": "value"}, name="value-edit"),
    # Sections that refresh themselves when the deal's people change (owner names, pickers).
    path("<uuid:plan_id>/tasks/", views.tasks_section, name="tasks"),
    path("<uuid:plan_id>/risks/", views.risks_section, name="risks"),
    # Milestones
    path("<uuid:plan_id>/milestones/add/", views.milestone_add, name="milestone-add"),
    path("milestones/<uuid:milestone_id>/", views.milestone_show, name="milestone"),
    path("milestones/<uuid:milestone_id>/edit/", views.milestone_edit, name="milestone-edit"),
    path("milestones/<uuid:milestone_id>/move/", views.milestone_move, name="milestone-move"),
    path("milestones/<uuid:milestone_id>/delete/", views.milestone_delete, name="milestone-delete"),
    # Tasks
    path("<uuid:plan_id>/tasks/add/", views.task_add, name="task-add"),
    path("tasks/<uuid:task_id>/", views.task_show, name="task"),
    path("tasks/<uuid:task_id>/edit/", views.task_edit, name="task-edit"),
    path("tasks/<uuid:task_id>/status/", views.task_status, name="task-status"),
    path("tasks/<uuid:task_id>/move/", views.task_move, name="task-move"),
    path("tasks/<uuid:task_id>/delete/", views.task_delete, name="task-delete"),
    path("tasks/<uuid:task_id>/comments/", views.task_comments, name="task-comments"),
    # Files on tasks (plans.attachment_views): the task's files, a download, a deletion.
    path("tasks/<uuid:task_id>/attachments/", attachment_views.task_attachments, name="task-attachments"),
    path("attachments/<uuid:attachment_id>/", attachment_views.attachment_download, name="attachment"),
    path("attachments/<uuid:attachment_id>/delete/", attachment_views.attachment_delete, name="attachment-delete"),
    # Risks
    path("<uuid:plan_id>/risks/add/", views.risk_add, name="risk-add"),
    path("risks/<uuid:risk_id>/", views.risk_show, name="risk"),
    path("risks/<uuid:risk_id>/edit/", views.risk_edit, name="risk-edit"),
    path("risks/<uuid:risk_id>/move/", views.risk_move, name="risk-move"),
    path("risks/<uuid:risk_id>/delete/", views.risk_delete, name="risk-delete"),
    # Access requests (from forwarded links): the seller decides
    path("access-requests/<uuid:accessrequest_id>/approve/", access_request_views.access_request_decide,
         {"approve": True}, name="access-request-approve"),
    path("access-requests/<uuid:accessrequest_id>/decline/", access_request_views.access_request_decide,
         {"approve": False}, name="access-request-decline"),
]

# The organization's plan templates: every member reads them, admins change them.
template_patterns = [
    path("", template_views.template_list, name="templates"),
    path("new/", template_views.template_new, name="template-new"),
    path("<uuid:plantemplate_id>/", template_views.template_detail, name="template"),
    path("<uuid:plantemplate_id>/edit/", template_views.template_edit, name="template-edit"),
    path("<uuid:plantemplate_id>/duplicate/", template_views.template_duplicate, name="template-duplicate"),
    path("<uuid:plantemplate_id>/delete/", template_views.template_delete, name="template-delete"),
]

# Included at the site root: the seller's pages under plans/, the buyer's room outside it.
urlpatterns = [
    path("plans/", include(seller_patterns)),
    # A calendar app's fetch: the token is the access (no session), only its hash is stored.
    path("calendar/<str:token>.ics", calendar_views.calendar_feed, name="calendar-feed"),
    path("templates/", include(template_patterns)),
    # Buyers: the link from the e-mail (GET shows a button, POST exchanges the token), the room
    # (no token in its URL), and a fresh link for a dead one.
    path("r/<str:token>/", room.room_link, name="room-link"),
    path("room/fresh-link/", room.room_fresh_link, name="room-fresh-link"),
    path("room/<uuid:plan_id>/", room.room, name="room"),
    path("room/<uuid:plan_id>/timeline/", timeline_views.room_timeline, name="room-timeline"),
    # Someone holding a link that is not theirs (or a dead one) asks for their own; the link
    # names the room, so no room id is typed or probed. The champion decides in the room.
    path("r/<str:token>/request-access/", access_request_views.room_request_access, name="room-request-access"),
    path("room/access-requests/<uuid:accessrequest_id>/approve/", access_request_views.room_access_request_decide,
         {"approve": True}, name="room-access-request-approve"),
    path("room/access-requests/<uuid:accessrequest_id>/decline/", access_request_views.room_access_request_decide,
         {"approve": False}, name="room-access-request-decline"),
    # Files in the room: names start with "room" (plans.room_access.BuyerSessionMiddleware).
    path("room/tasks/<uuid:task_id>/attachments/", attachment_views.room_task_attachments,
         name="room-task-attachments"),
    path("room/attachments/<uuid:attachment_id>/", attachment_views.room_attachment_download, name="room-attachment"),
    path("room/attachments/<uuid:attachment_id>/delete/", attachment_views.room_attachment_delete,
         name="room-attachment-delete"),
    # The buyer's edits (buyer sessions only; members preview the room and get 404 here).
    path("room/<uuid:plan_id>/tasks/add/", room_edits.room_task_add, name="room-task-add"),
    path("room/<uuid:plan_id>/stakeholders/add/", room_edits.room_stakeholder_add, name="room-stakeholder-add"),
    path("room/tasks/<uuid:task_id>/", room_edits.room_task, name="room-task"),
    path("room/tasks/<uuid:task_id>/status/", room_edits.room_task_status, name="room-task-status"),
    path("room/tasks/<uuid:task_id>/undo/", room_edits.room_task_undo, name="room-task-undo"),
    path("room/tasks/<uuid:task_id>/date/", room_edits.room_task_date, name="room-task-date"),
    path("room/tasks/<uuid:task_id>/comments/", room_edits.room_task_comments, name="room-task-comments"),
    path("room/stakeholders/<uuid:stakeholder_id>/edit/", room_edits.room_stakeholder_edit,
         name="room-stakeholder-edit"),
    path("room/<uuid:plan_id>/accept/", agreement_views.room_accept, name="room-accept"),
    path("room/<uuid:plan_id>/confirm/", agreement_views.room_confirm, name="room-confirm"),
    path("room/<uuid:plan_id>/agreement/", agreement_views.room_agreement_card, name="room-agreement"),
    path("room/<uuid:plan_id>/stamp/", live.room_stamp_view, name="room-stamp"),
]
