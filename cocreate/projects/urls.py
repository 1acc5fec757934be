"""Resident and public pages under /me/projects/ (namespace `projects`)."""

from django.urls import path

from .resident_views import detail, mine, pledge, project_list, trace, update_photo, withdraw

app_name = "projects"
urlpatterns = [
    path("", project_list, name="list"),
    path("mine/", mine, name="mine"),
    path("pledges/<int:pledge_id>/withdraw/", withdraw, name="withdraw"),
    path("<int:project_id>/", detail, name="detail"),
    path("<int:project_id>/trace/", trace, name="trace"),
    path("<int:project_id>/pledge/", pledge, name="pledge"),
    path("<int:project_id>/updates/<int:update_id>/photo/", update_photo, name="update-photo"),
]
