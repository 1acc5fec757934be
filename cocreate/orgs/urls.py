from django.urls import path

from . import views

app_name = "orgs"
urlpatterns = [
    path("", views.console, name="console"),
    path("nodes/<int:node_id>/", views.node_detail, name="node"),
    path("nodes/<int:node_id>/households/new/", views.household_create, name="household-create"),
    path("nodes/<int:node_id>/export/", views.household_export, name="household-export"),
    path("nodes/<int:node_id>/import/", views.household_import, name="household-import"),
    path("nodes/<int:node_id>/import/template/", views.import_template, name="import-template"),
    path("households/<int:household_id>/", views.household_detail, name="household"),
    path("households/<int:household_id>/edit/", views.household_edit, name="household-edit"),
    path("households/<int:household_id>/move/", views.household_move, name="household-move"),
    path("households/<int:household_id>/members/new/", views.member_add, name="member-add"),
    path("people/<int:person_id>/edit/", views.person_edit, name="person-edit"),
    path("people/<int:person_id>/reveal-phone/", views.phone_reveal, name="reveal-phone"),
]
