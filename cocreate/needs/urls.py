"""Resident pages under /me/needs/ (namespace `needs`)."""

from django.urls import path

from . import resident_views as views

app_name = "needs"
urlpatterns = [
    path("", views.home, name="home"),
    path("new/", views.raise_need, name="raise"),
    path("suggest/", views.suggest, name="suggest"),
    path("messages/", views.inbox, name="messages"),
    path("messages/read/", views.inbox_read, name="messages-read"),
    path("<int:need_id>/", views.detail, name="detail"),
    path("<int:need_id>/support/", views.support, name="support"),
    path("<int:need_id>/photos/<int:photo_id>/", views.photo, name="photo"),
]
