"""Resident and public pages under /funds/ (namespace `funds`)."""

from django.urls import path

from . import resident_views as views

app_name = "funds"
urlpatterns = [
    path("", views.home, name="home"),
    path("pools/<int:pool_id>/vote/", views.vote, name="vote"),
    path("pools/<int:pool_id>/notice/", views.notice, name="notice"),
    path("pools/<int:pool_id>/notice.pdf", views.notice_pdf, name="notice-pdf"),
]
