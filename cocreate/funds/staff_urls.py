"""Staff pages under /staff/funds/ (namespace `funds_staff`)."""

from django.urls import path

from . import views

app_name = "funds_staff"
urlpatterns = [
    path("", views.index, name="index"),
    path("nodes/<int:node_id>/", views.pool_list, name="list"),
    path("nodes/<int:node_id>/pools/new/", views.pool_create, name="pool-create"),
    path("pools/<int:pool_id>/", views.pool_detail, name="pool"),
    path("pools/<int:pool_id>/status/", views.pool_status, name="pool-status"),
    path("pools/<int:pool_id>/apply/", views.application_create, name="apply"),
    path("pools/<int:pool_id>/run/", views.allocation_run, name="run"),
    path("applications/<int:application_id>/", views.application_detail, name="application"),
    path("applications/<int:application_id>/submit/", views.application_submit, name="submit"),
    path("applications/<int:application_id>/review/", views.application_review, name="review"),
    path("applications/<int:application_id>/pay/", views.disbursement_create, name="pay"),
    path("allocations/<int:allocation_id>/approve/", views.allocation_approve, name="approve"),
]
