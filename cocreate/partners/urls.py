"""Resident pages under /me/services/ (namespace `partners`)."""

from django.urls import path

from . import resident_views as views

app_name = "partners"
urlpatterns = [
    path("", views.service_list, name="list"),
    path("order/", views.order_new, name="order-new"),
    path("orders/", views.my_orders, name="orders"),
    path("orders/<int:order_id>/", views.order, name="order"),
    path("orders/<int:order_id>/photo/", views.photo, name="photo"),
    path("orders/<int:order_id>/rate/", views.rate, name="rate"),
    path("orders/<int:order_id>/cancel/", views.cancel, name="cancel"),
    path("orders/<int:order_id>/claim/", views.claim, name="claim"),
    path("orders/<int:order_id>/accept/", views.accept, name="accept"),
    path("orders/<int:order_id>/decline/", views.decline, name="decline"),
    path("orders/<int:order_id>/complete/", views.complete, name="complete"),
    path("tasks/", views.tasks, name="tasks"),
]
