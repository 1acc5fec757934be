"""Resident pages under /me/topics/ and /me/meetings/ (namespace `meetings`)."""

from django.urls import path

from . import resident_views as views

app_name = "meetings"
urlpatterns = [
    path("topics/", views.topics, name="topics"),
    path("topics/<int:topic_id>/", views.topic, name="topic"),
    path("topics/<int:topic_id>/posts/", views.post, name="post"),
    path("topics/<int:topic_id>/options/new/", views.option_propose, name="option-propose"),
    path("topics/posts/<int:post_id>/report/", views.report, name="report"),
    path("topics/posts/<int:post_id>/hide/", views.hide, name="hide"),
    path("topics/options/<int:option_id>/second/", views.second, name="second"),
    path("topics/options/<int:option_id>/withdraw/", views.withdraw, name="withdraw"),
    path("meetings/", views.mine, name="mine"),
    path("meetings/<int:meeting_id>/", views.meeting, name="meeting"),
    path("meetings/<int:meeting_id>/calendar.ics", views.meeting_ics, name="ics"),
    path("meetings/<int:meeting_id>/need/", views.raise_need, name="raise-need"),
    path("meetings/checkin/<str:token>/", views.checkin, name="checkin"),
]
