"""Staff pages under /staff/decisions/ (namespace `decisions_staff`)."""

from django.urls import path

from . import views

app_name = "decisions_staff"
urlpatterns = [
    path("", views.index, name="index"),
    path("nodes/<int:node_id>/", views.ballot_list, name="list"),
    path("nodes/<int:node_id>/owners/", views.owners, name="owners"),
    path("topics/<int:topic_id>/ballots/new/", views.ballot_create, name="ballot-create"),
    path("topics/<int:topic_id>/procedures/new/", views.procedure_start, name="procedure-start"),
    path("ballots/<int:ballot_id>/", views.ballot_detail, name="ballot"),
    path("ballots/<int:ballot_id>/open/", views.ballot_open, name="open"),
    path("ballots/<int:ballot_id>/close/", views.ballot_close, name="close"),
    path("ballots/<int:ballot_id>/publish/", views.ballot_publish, name="publish"),
    path("ballots/<int:ballot_id>/notice.pdf", views.notice_pdf, name="notice"),
    path("ballots/<int:ballot_id>/paper/", views.paper_tally, name="paper"),
    path("ballots/<int:ballot_id>/paper/<int:tally_id>/sheet/", views.tally_sheet, name="sheet"),
    path("procedures/<int:procedure_id>/", views.procedure_detail, name="procedure"),
    path("procedures/<int:procedure_id>/stages/<int:stage_id>/evidence/", views.stage_evidence, name="evidence"),
]
