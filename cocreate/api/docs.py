"""Interactive API docs (Swagger UI) served from our own static files: the CSP allows
`script-src 'self'` only, so neither a CDN nor an inline script would run. Swagger UI comes
from npm (swagger-ui-dist, pinned in package.json); the settings travel as JSON data."""

from functools import wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render
from django.urls import reverse
from ninja.openapi.docs import DocsBase


class LocalSwagger(DocsBase):
    def render_page(self, request, api, **kwargs):
        swagger = {"url": self.get_openapi_url(api, kwargs), "layout": "BaseLayout", "deepLinking": True,
                   "validatorUrl": None}  # the default validator is a third-party site
        return render(request, "api/docs.html", {"api": api, "swagger": swagger})


def docs_access(view):
    """The OpenAPI document and the docs page are for signed-in people (ASVS 13.4.5: no API
    docs exposed without authentication), unless API_DOCS_PUBLIC is set (development)."""

    @wraps(view)
    def guarded(request, *args, **kwargs):
        if not (getattr(settings, "API_DOCS_PUBLIC", settings.DEBUG) or request.user.is_authenticated):
            return redirect_to_login(request.get_full_path(), reverse(settings.LOGIN_URL))
        return view(request, *args, **kwargs)

    return guarded
