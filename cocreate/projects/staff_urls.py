"""Staff pages under /staff/projects/ (namespace `projects_staff`)."""

from django.urls import path

from . import views

app_name = "projects_staff"
urlpatterns = [
    path("", views.index, name="index"),
    path("nodes/<int:node_id>/", views.project_list, name="list"),
    path("nodes/<int:node_id>/new/", views.create, name="create"),
    path("nodes/<int:node_id>/valuation/", views.valuation, name="valuation"),
    path("<int:project_id>/", views.project_detail, name="project"),
    path("<int:project_id>/write/", views.write, name="write"),
    path("entries/<int:entry_id>/evidence/", views.evidence, name="evidence"),
]
