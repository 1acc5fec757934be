"""Staff pages under /staff/partners/ (namespace `partners_staff`)."""

from django.urls import path

from . import views

app_name = "partners_staff"
urlpatterns = [
    path("", views.index, name="index"),
    path("nodes/<int:node_id>/", views.orders, name="orders"),
    path("nodes/<int:node_id>/offers/", views.offers, name="offers"),
    path("nodes/<int:node_id>/services/", views.items, name="services"),
    path("nodes/<int:node_id>/pairings/", views.pairings, name="pairings"),
    path("nodes/<int:node_id>/stats/", views.stats, name="stats"),
    path("offers/<int:offer_id>/", views.offer, name="offer"),
    path("offers/<int:offer_id>/deactivate/", views.offer_deactivate, name="offer-deactivate"),
    path("services/<int:item_id>/withdraw/", views.item_withdraw, name="service-withdraw"),
    path("orders/<int:order_id>/", views.order, name="order"),
    path("orders/<int:order_id>/dispatch/", views.dispatch, name="dispatch"),
    path("orders/<int:order_id>/cancel/", views.order_cancel, name="order-cancel"),
    path("orders/<int:order_id>/photo/", views.order_photo, name="order-photo"),
    path("orders/<int:order_id>/slip/", views.order_slip, name="order-slip"),
    path("pairings/<int:pairing_id>/end/", views.pairing_end, name="pairing-end"),
    path("households/<int:household_id>/order/", views.order_for, name="order-for"),
]
