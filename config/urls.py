from django.urls import include, path

urlpatterns = [
    path("api/v1/", include("cocreate.api.urls")),
    path("", include("cocreate.core.urls")),
    path("accounts/", include("cocreate.accounts.urls")),
    path("me/needs/", include("cocreate.needs.urls")),
    path("me/ballots/", include("cocreate.decisions.urls")),
    path("me/projects/", include("cocreate.projects.urls")),
    path("me/services/", include("cocreate.partners.urls")),
    path("funds/", include("cocreate.funds.urls")),
    path("me/", include("cocreate.meetings.urls")),  # /me/topics/…, /me/meetings/…
    path("me/", include("cocreate.orgs.resident_views")),
    path("staff/audit/", include("cocreate.audit.urls")),
    path("staff/needs/", include("cocreate.needs.staff_urls")),
    path("staff/meetings/", include("cocreate.meetings.staff_urls")),
    path("staff/decisions/", include("cocreate.decisions.staff_urls")),
    path("staff/projects/", include("cocreate.projects.staff_urls")),
    path("staff/funds/", include("cocreate.funds.staff_urls")),
    path("staff/partners/", include("cocreate.partners.staff_urls")),
    path("staff/", include("cocreate.orgs.urls")),
]

handler500 = "cocreate.core.views.server_error"
