"""Staff pages under /staff/meetings/ (namespace `meetings_staff`)."""

from django.urls import path

from . import views

app_name = "meetings_staff"
urlpatterns = [
    path("", views.index, name="index"),
    path("nodes/<int:node_id>/", views.meetings_list, name="list"),
    path("nodes/<int:node_id>/new/", views.meeting_create, name="create"),
    path("nodes/<int:node_id>/topics/", views.topics, name="topics"),
    path("nodes/<int:node_id>/topics/new/", views.topic_create, name="topic-create"),
    path("nodes/<int:node_id>/moderation/", views.moderation, name="moderation"),
    path("nodes/<int:node_id>/moderators/", views.moderators, name="moderators"),
    path("moderators/<int:moderator_id>/remove/", views.moderator_remove, name="moderator-remove"),
    path("<int:meeting_id>/", views.console, name="console"),
    path("<int:meeting_id>/calendar.ics", views.meeting_ics, name="ics"),
    path("<int:meeting_id>/status/", views.meeting_status, name="status"),
    path("<int:meeting_id>/checkin/", views.host_checkin, name="host-checkin"),
    path("<int:meeting_id>/agenda/", views.agenda_add, name="agenda-add"),
    path("<int:meeting_id>/minutes/", views.minutes, name="minutes"),
    path("<int:meeting_id>/need/", views.raise_need, name="raise-need"),
    path("<int:meeting_id>/tasks/", views.task_add, name="task-add"),
    path("agenda/<int:item_id>/tally/", views.tally, name="tally"),
    path("tasks/<int:task_id>/done/", views.task_done, name="task-done"),
    path("topics/<int:topic_id>/", views.topic, name="topic"),
    path("topics/<int:topic_id>/needs/", views.topic_link, name="topic-link"),
    path("topics/<int:topic_id>/status/", views.topic_status, name="topic-status"),
    path("topics/<int:topic_id>/options/", views.topic_option, name="topic-option"),
    path("posts/<int:post_id>/hide/", views.post_hide, name="post-hide"),
    path("posts/<int:post_id>/dismiss/", views.reports_dismiss, name="reports-dismiss"),
]
