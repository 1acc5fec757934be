"""Resident pages under /me/ballots/ (namespace `decisions`)."""

from django.urls import path

from . import resident_views as views

app_name = "decisions"
urlpatterns = [
    path("", views.ballot_list, name="list"),
    path("<int:ballot_id>/", views.ballot, name="ballot"),
    path("<int:ballot_id>/result/", views.result, name="result"),
]
