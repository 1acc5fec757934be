"""Staff pages under /staff/needs/ (namespace `needs_staff`)."""

from django.urls import path

from . import views

app_name = "needs_staff"
urlpatterns = [
    path("", views.index, name="index"),
    path("nodes/<int:node_id>/", views.needs_list, name="list"),
    path("nodes/<int:node_id>/clearance/", views.clearance, name="clearance"),
    path("nodes/<int:node_id>/campaigns/new/", views.campaign_create, name="campaign-create"),
    path("households/<int:household_id>/record/", views.record, name="record"),
    path("<int:need_id>/", views.detail, name="detail"),
    path("<int:need_id>/triage/", views.triage, name="triage"),
    path("<int:need_id>/merge/", views.merge, name="merge"),
    path("<int:need_id>/consent/", views.consent, name="consent"),
    path("<int:need_id>/photos/<int:photo_id>/", views.photo, name="photo"),
    path("<int:need_id>/slip/", views.slip, name="slip"),
    path("campaigns/", views.campaigns, name="campaigns"),
    path("campaigns/<int:campaign_id>/", views.campaign_detail, name="campaign"),
    path("campaigns/<int:campaign_id>/households/<int:household_id>/visit/", views.visit, name="visit"),
]
