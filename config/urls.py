from django.urls import include, path

urlpatterns = [
    path("", include("cocreate.core.urls")),
    path("accounts/", include("cocreate.accounts.urls")),
    path("me/needs/", include("cocreate.needs.urls")),
    path("me/", include("cocreate.orgs.resident_views")),
    path("staff/audit/", include("cocreate.audit.urls")),
    path("staff/needs/", include("cocreate.needs.staff_urls")),
    path("staff/", include("cocreate.orgs.urls")),
]

handler500 = "cocreate.core.views.server_error"
